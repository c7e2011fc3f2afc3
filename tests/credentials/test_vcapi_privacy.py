"""VC-API credentials: not public by a guessable id, shared through their own link; and
status entries on mcred's lists are mcred's to allocate."""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.credentials.test_vcapi import MINIMAL, issue

GUESSABLE = {**MINIMAL, "id": "urn:example:student:1001"}


def test_guessable_id_is_not_public(client: TestClient, api_key: dict) -> None:
    response = issue(client, api_key, copy.deepcopy(GUESSABLE))
    assert response.status_code == 201, response.text
    by_id = "/credentials/urn:example:student:1001"
    anonymous = client.get(by_id)
    assert anonymous.status_code == 404
    missing = client.get("/credentials/urn:example:nobody").json()
    assert anonymous.json()["detail"].replace("student:1001", "X") == \
        missing["detail"].replace("nobody", "X")  # no oracle: the same answer as for no id
    assert client.get(by_id, headers=api_key).json() == response.json()["verifiableCredential"]


def test_vc_api_answer_carries_the_learners_share_link(client: TestClient,
                                                       api_key: dict) -> None:
    body = issue(client, api_key, copy.deepcopy(GUESSABLE)).json()
    link = body["shareLink"]
    assert set(link) == {"url", "manageKey"}
    path = urlsplit(link["url"]).path
    shared = client.get(path, headers={"Accept": "application/ld+json"})
    assert shared.status_code == 200
    off = client.post(f"{path}/sharing", json={"enabled": False, "manageKey": link["manageKey"]})
    assert off.status_code == 200
    assert client.get(path).status_code == 404


def test_status_entry_pointing_at_another_issuers_list_is_refused(
        client: TestClient, api_key: dict, admin: dict) -> None:
    other = {"slug": "uni-b", "legal_name": "Uni B", "country": "FR", "url": "https://b.fr",
             "email": "a@b.fr"}
    assert client.post("/admin/issuers", json=other, headers=admin).status_code == 201
    key_b = client.post("/admin/issuers/uni-b/api-keys", headers=admin).json()["apiKey"]
    b_credential = issue(client, {"Authorization": f"Bearer {key_b}"},
                         copy.deepcopy(MINIMAL)).json()["verifiableCredential"]
    stolen = {**b_credential["credentialStatus"], "statusListIndex": "12345"}
    stolen.pop("id", None)
    response = issue(client, api_key, {**MINIMAL, "credentialStatus": stolen})
    assert response.status_code == 422
    assert response.json()["type"] == "urn:mcred:problem:invalid-credential"
    assert "allocated by mcred" in response.json()["detail"]


def test_twin_reusing_our_own_entry_is_refused(client: TestClient, api_key: dict) -> None:
    first = issue(client, api_key, copy.deepcopy(MINIMAL)).json()["verifiableCredential"]
    twin = {**MINIMAL, "credentialStatus": first["credentialStatus"]}
    response = issue(client, api_key, twin)
    assert response.status_code == 422
    assert "allocated by mcred" in response.json()["detail"]
