"""GET /status-lists/{id} honours Accept: the same signed bytes as application/vc (the
default), application/vc+ld+json, application/ld+json or application/json; caching headers
per representation; 406 problem+json when Accept allows none of them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.status.router import negotiate_list_type
from tests.status.test_status import issue_vc


@pytest.fixture
def list_path(client: TestClient, api_key: dict) -> str:
    vc = issue_vc(client, api_key)
    return vc["credentialStatus"]["statusListCredential"].removeprefix("https://mcred.test")


def get(client: TestClient, path: str, accept: str | None = None, **headers: str) -> Any:
    if accept is not None:
        headers["Accept"] = accept
    return client.get(path, headers=headers)


@pytest.mark.parametrize(("accept", "media_type"), [
    (None, "application/vc"),
    ("*/*", "application/vc"),
    ("application/*", "application/vc"),
    ("application/vc", "application/vc"),
    ("application/vc+ld+json", "application/vc+ld+json"),
    ("application/ld+json, application/json", "application/ld+json"),  # the W3C suites
    ("application/json", "application/json"),
    ("application/ld+json;q=0.5, application/json", "application/json"),
    ("Application/JSON; charset=utf-8", "application/json"),
    ("text/html, application/json;q=0.1", "application/json"),
    ("application/vc;q=0, */*;q=0.8", "application/vc+ld+json"),
    ('application/ld+json;profile="https://www.w3.org/ns/credentials/v2"', "application/ld+json"),
])
def test_accept_picks_the_media_type(accept: str | None, media_type: str) -> None:
    assert negotiate_list_type(accept) == media_type


@pytest.mark.parametrize("accept", ["text/html", "application/xml, image/*",
                                    "application/json;q=0", "*/*;q=0", "application/vc;q=x"])
def test_accept_that_allows_none_of_ours(accept: str) -> None:
    assert negotiate_list_type(accept) is None


def test_same_bytes_under_each_media_type(client: TestClient, list_path: str) -> None:
    default = get(client, list_path)
    assert default.status_code == 200
    assert default.headers["content-type"] == "application/vc"
    for media_type in ("application/vc", "application/vc+ld+json", "application/ld+json",
                       "application/json"):
        response = get(client, list_path, media_type)
        assert response.status_code == 200
        assert response.headers["content-type"] == media_type
        assert response.content == default.content
        assert response.headers["vary"] == "Accept"
        assert response.headers["cache-control"] == "public, max-age=300"
        assert response.headers["access-control-allow-origin"] == "*"
    suites = get(client, list_path, "application/ld+json, application/json")
    assert suites.headers["content-type"] == "application/ld+json"
    assert suites.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]


def test_each_representation_has_its_own_etag(client: TestClient, list_path: str) -> None:
    tags = {media_type: get(client, list_path, media_type).headers["etag"]
            for media_type in ("application/vc", "application/vc+ld+json",
                               "application/ld+json", "application/json")}
    assert len(set(tags.values())) == 4
    for media_type, tag in tags.items():
        cached = get(client, list_path, media_type, **{"If-None-Match": tag})
        assert cached.status_code == 304
        assert (cached.headers["etag"], cached.headers["vary"]) == (tag, "Accept")
    # a cache holding the application/vc copy does not get a 304 for the JSON one
    other = get(client, list_path, "application/json",
                **{"If-None-Match": tags["application/vc"]})
    assert other.status_code == 200
    listed = get(client, list_path, "application/json",
                 **{"If-None-Match": f'W/{tags["application/vc"]}, {tags["application/json"]}'})
    assert listed.status_code == 304


def test_etag_changes_when_a_bit_changes(client: TestClient, api_key: dict) -> None:
    vc = issue_vc(client, api_key)
    path = vc["credentialStatus"]["statusListCredential"].removeprefix("https://mcred.test")
    before = get(client, path, "application/ld+json").headers["etag"]
    client.post("/credentials/status", headers=api_key,
                json={"credentialId": vc["id"], "action": "revoke", "reason": "error"})
    after = get(client, path, "application/ld+json", **{"If-None-Match": before})
    assert after.status_code == 200 and after.headers["etag"] != before


def test_unacceptable_accept_is_406_problem(client: TestClient, list_path: str) -> None:
    # (a browser's text/html gets the 406 as the site's HTML error page: app/errors.py)
    assert get(client, list_path, "text/html").status_code == 406
    response = get(client, list_path, "application/xml")
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:mcred:problem:not-acceptable"
    assert body["detail"] == ("a status list is served as application/vc,"
                              " application/vc+ld+json, application/ld+json, application/json")


def test_unknown_list_is_404_whatever_the_accept(client: TestClient) -> None:
    assert get(client, "/status-lists/999999", "text/html").status_code == 404
