"""VC-API issuing: 201 {verifiableCredential} bound to the key's issuer, and the invalid
inputs the W3C interop suites send answered 4xx, never 500."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import Services
from app.proofs.contexts import context_bytes
from tests.credentials.test_award import verify

V2 = "https://www.w3.org/ns/credentials/v2"
DID = "did:web:mcred.test:issuers:uni-tartu"
MINIMAL = {"@context": [V2], "type": ["VerifiableCredential"],
           "credentialSubject": {"id": "did:example:learner", "name": "Jane Doe"}}


def issue(client: TestClient, api_key: dict, credential: Any, options: Any = None) -> Any:
    body: dict[str, Any] = {"credential": credential}
    if options is not None:
        body["options"] = options
    return client.post("/credentials/issue", json=body, headers=api_key)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_issue_minimal_credential(client: TestClient, api_key: dict, svc: Services,
                                  suite: str) -> None:
    response = issue(client, api_key, copy.deepcopy(MINIMAL), {"cryptosuite": suite})
    assert response.status_code == 201
    vc = response.json()["verifiableCredential"]
    assert vc["issuer"] == DID
    assert vc["id"].startswith("urn:uuid:")
    assert vc["proof"]["cryptosuite"] == suite
    assert verify(svc, vc).verified
    stored = client.get(f"/credentials/{vc['id']}", headers=api_key)  # its issuer, by id
    assert stored.json() == vc


def test_issuer_object_keeps_its_fields(client: TestClient, api_key: dict) -> None:
    credential = {**MINIMAL, "issuer": {"id": DID, "name": "University of Tartu"}}
    vc = issue(client, api_key, credential).json()["verifiableCredential"]
    assert vc["issuer"] == {"id": DID, "name": "University of Tartu"}


def _digest_sri(url: str) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(context_bytes(url)).digest()).decode()


def test_related_resource_with_the_right_digest(client: TestClient, api_key: dict) -> None:
    credential = {**MINIMAL, "relatedResource": [{"id": V2, "digestSRI": _digest_sri(V2)}]}
    assert issue(client, api_key, credential).status_code == 201


INVALID = {
    "protected term redefined": {**MINIMAL, "@context": [V2, {"name": "https://evil.example/n"}]},
    "term JSON-LD would drop": {**MINIMAL, "@context": [V2, {"dropped": None}], "dropped": "x"},
    "validUntil before validFrom": {**MINIMAL, "validFrom": "2026-01-01T00:00:00Z",
                                    "validUntil": "2025-01-01T00:00:00Z"},
    "id not a URL": {**MINIMAL, "id": "not a url"},
    "id multi-valued": {**MINIMAL, "id": ["urn:uuid:1", "urn:uuid:2"]},
    "wrong context digest": {**MINIMAL, "relatedResource": [
        {"id": V2, "digestSRI": "sha384-" + base64.b64encode(b"0" * 48).decode()}]},
    "malformed status entry": {**MINIMAL, "credentialStatus": {
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "-1", "statusListCredential": "https://x.example/status/1"}},
    "status entry without type": {**MINIMAL, "credentialStatus": {"id": "https://x.example/1"}},
    "VC 1.1 context without the term 'name'": {
        **MINIMAL, "@context": ["https://www.w3.org/2018/credentials/v1"]},
    "neither VC context first": {**MINIMAL, "@context": ["https://www.w3.org/ns/did/v1", V2]},
    "no VerifiableCredential type": {**MINIMAL, "type": ["Thing"]},
    "no subject": {k: v for k, v in MINIMAL.items() if k != "credentialSubject"},
    "bad validFrom": {**MINIMAL, "validFrom": "yesterday"},
    "unknown context": {**MINIMAL, "@context": [V2, "https://unknown.example/ctx.json"]},
    "already has a proof": {**MINIMAL, "proof": {"type": "DataIntegrityProof"}},
    "not an object": ["a", "list"],
    # pyld raises raw Python errors on these (the suite's credential-type-unmapped-fail)
    "@vocab null": {**MINIMAL, "@context": [V2, {"@vocab": None}]},
    "@language null": {**MINIMAL, "@context": [V2, {"@language": None}]},
    "@direction null": {**MINIMAL, "@context": [V2, {"@direction": None}]},
    "malformed status entry, type as array": {**MINIMAL, "credentialStatus": {
        "type": ["BitstringStatusListEntry"], "statusPurpose": "revocation",
        "statusListIndex": 7, "statusListCredential": "https://x.example/status/1"}},
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_input_is_4xx_problem(client: TestClient, api_key: dict, case: str) -> None:
    response = issue(client, api_key, INVALID[case])
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_issue_as_the_did_key_of_the_current_key(client: TestClient, api_key: dict,
                                                admin: dict, svc: Services) -> None:
    keys = client.get("/admin/issuers/uni-tartu", headers=admin).json()["keys"]
    did_key = keys[-1]["didKey"]
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        response = issue(client, api_key, {**MINIMAL, "issuer": did_key}, {"cryptosuite": suite})
        assert response.status_code == 201, response.text
        vc = response.json()["verifiableCredential"]
        assert vc["issuer"] == did_key
        assert vc["proof"]["verificationMethod"] == f"{did_key}#{did_key.split(':')[-1]}"
        verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
        assert verified.status_code == 200, verified.text
    assert verify(svc, vc).verified


def test_status_entry_with_type_array_on_another_list_is_issued(client: TestClient,
                                                                api_key: dict) -> None:
    entry = {"type": ["BitstringStatusListEntry"], "statusPurpose": "revocation",
             "statusListIndex": "94567",
             "statusListCredential": "https://status.example.org/lists/3"}
    response = issue(client, api_key, {**MINIMAL, "credentialStatus": entry})
    assert response.status_code == 201, response.text
    assert response.json()["verifiableCredential"]["credentialStatus"] == entry
    nine = [entry] * 9
    too_many = issue(client, api_key, {**MINIMAL, "credentialStatus": nine})
    assert too_many.status_code == 422 and "at most 8" in too_many.json()["detail"]


def test_other_issuer_did_is_refused(client: TestClient, api_key: dict) -> None:
    response = issue(client, api_key, {**MINIMAL, "issuer": "did:key:z6MkrJVnaZkeFzdQyMZu1cg"})
    assert response.status_code == 403
    assert response.json()["type"] == "urn:mcred:problem:wrong-issuer"


def test_unknown_option_shape_and_members(client: TestClient, api_key: dict) -> None:
    assert issue(client, api_key, MINIMAL, {"cryptosuite": "rsa-2048"}).status_code == 422
    response = client.post("/credentials/issue", json={"credential": MINIMAL, "extra": 1},
                           headers=api_key)
    assert response.status_code == 400


def test_open_badge_without_eu_elements_is_refused_by_element(client: TestClient,
                                                              api_key: dict) -> None:
    credential = {
        "@context": [V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"type": ["AchievementSubject"], "id": "did:example:l",
                              "achievement": {"id": "https://x.example/a", "type": ["Achievement"],
                                              "name": "Badge", "description": "d",
                                              "criteria": {"narrative": "n"}}},
    }
    response = issue(client, api_key, credential)
    assert response.status_code == 422
    elements = response.json()["elements"]
    assert {"workload", "level", "assessmentType", "participationForm",
            "qualityAssurance", "learningOutcomes", "country"} <= set(elements)
    assert "title" not in elements
