"""The verification page's finer points (issue 15): an Open Badges 2.0 assertion gets a plain
answer, the service's own share links are verified without fetching them, a URL that failed
stays in the form, share pages stay out of search engines and say when they were checked."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient

HTML = {"Accept": "text/html"}
# An Open Badges 2.0 assertion as OB 2.0 hosts serve it (hosted verification: plain JSON).
OB2_ASSERTION = {
    "@context": "https://w3id.org/openbadges/v2", "type": "Assertion",
    "id": "https://badges.example.org/assertions/123",
    "recipient": {"type": "email", "hashed": True, "identity": "sha256$c7ef86405ba71b85acd8e2e9"},
    "badge": "https://badges.example.org/badges/5", "issuedOn": "2024-03-01T00:00:00Z",
    "verification": {"type": "hosted"}}


@pytest.fixture
def shared(issued: dict[str, Any]) -> dict[str, Any]:
    return {"url": issued["shareLink"]["url"],
            "credential": issued["credentials"]["ob3"]}


def test_open_badges_2_assertion_is_answered_plainly(client: TestClient) -> None:
    api = client.post("/credentials/verify", json={"verifiableCredential": OB2_ASSERTION})
    body = api.json()
    fmt = next(c for c in body["report"]["checks"] if c["name"] == "format")
    assert fmt["status"] == "failed" and fmt["details"]["code"] == "open-badges-2"
    assert "Open Badges 2.0 assertion, not a verifiable credential" in fmt["message"]
    page = client.post("/verify", data={"credential": json.dumps(OB2_ASSERTION)}, headers=HTML)
    assert page.status_code == 422
    assert 'data-reason="open-badges-2"' in page.text
    assert "ask the issuer for its Open Badges 3.0 version" in page.text
    # Without a context, the OB 2.0 shape is still recognised (some hosts drop it).
    bare = {k: v for k, v in OB2_ASSERTION.items() if k != "@context"}
    fmt = client.post("/credentials/verify", json={"verifiableCredential": bare}).json()
    assert next(c for c in fmt["report"]["checks"] if c["name"] == "format"
                )["details"]["code"] == "open-badges-2"


def test_an_ob3_credential_is_not_taken_for_ob2(client: TestClient, shared: dict) -> None:
    body = client.post("/credentials/verify",
                       json={"verifiableCredential": shared["credential"]}).json()
    assert body["verified"] is True


def test_own_share_link_is_verified_without_fetching(client: TestClient, shared: dict,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fetch(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"fetched {args[0]}")

    monkeypatch.setattr("app.verify.sources.fetch", no_fetch)
    for url in (shared["url"], shared["url"] + "/credential.json"):
        page = client.get("/verify?url=" + quote(url, safe=""), headers=HTML)
        assert page.status_code == 200, page.text[:300]
        assert 'data-headline="verified"' in page.text
        assert "Mari Maasikas" in page.text
    api = client.get("/verify?url=" + quote(shared["url"], safe=""),
                     headers={"Accept": "application/json"})
    assert api.status_code == 200 and api.json()["verified"] is True


def test_unknown_own_share_link_says_so_and_keeps_the_url(
        client: TestClient, shared: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    url = shared["url"].rsplit("/", 1)[0] + "/no-such-token"
    monkeypatch.setattr("app.verify.sources.fetch", lambda *a, **k: pytest.fail("fetched"))
    page = client.get("/verify?url=" + quote(url, safe=""), headers=HTML)
    assert page.status_code == 404
    assert "no credential is shared at this link" in page.text
    assert f'value="{url}"' in page.text  # the address stays in the form
    api = client.get("/verify?url=" + quote(url, safe=""), headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_refused_url_stays_in_the_form(client: TestClient) -> None:
    url = "http://127.0.0.1:9/credential.json"
    page = client.get("/verify?url=" + quote(url, safe=""), headers=HTML)
    assert page.status_code == 422
    assert f'value="{url}"' in page.text


def test_share_page_stays_out_of_search_engines_and_says_when(client: TestClient,
                                                             shared: dict) -> None:
    page = client.get(urlsplit(shared["url"]).path, headers={**HTML, "Accept-Language": "de"})
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert 'data-testid="checked">Soeben geprüft, am ' in page.text
    assert " UTC, gegen die Signatur" in page.text


def test_holder_email_is_checked_against_the_salted_hash(client: TestClient,
                                                         shared: dict) -> None:
    from app.verify.holder import email_match

    credential = shared["credential"]
    hashed = [i for i in credential["credentialSubject"]["identifier"]
              if i["identityType"] == "emailAddress"]
    assert hashed and hashed[0]["hashed"] is True  # the sample learner's address is hashed
    learner_email = "mari.maasikas@example.ee"
    assert email_match(credential, learner_email) is True
    assert email_match(credential, " Mari.Maasikas@Example.EE ") is True  # as typed
    assert email_match(credential, "someone.else@example.ee") is False
    no_email = json.loads(json.dumps(credential))
    no_email["credentialSubject"]["identifier"] = [
        i for i in no_email["credentialSubject"]["identifier"]
        if i["identityType"] != "emailAddress"]
    assert email_match(no_email, learner_email) is None
    path = urlsplit(shared["url"]).path
    page = client.post(path, data={"email": learner_email}, headers=HTML)
    assert page.status_code == 200 and 'data-answer="match"' in page.text
    assert 'data-headline="verified"' in page.text  # still the full, live-verified page
    page = client.post(path, data={"email": "someone.else@example.ee"}, headers=HTML)
    assert 'data-answer="no-match"' in page.text
    assert 'value="someone.else@example.ee"' in page.text
    # On the verification page, the credential comes back with the address.
    page = client.post("/verify", data={"credential": json.dumps(credential),
                                        "email": learner_email}, headers=HTML)
    assert 'data-answer="match"' in page.text
    assert 'name="credential" value="{' in page.text  # the next check needs no re-paste


def test_link_previews_show_the_badge(client: TestClient, shared: dict) -> None:
    path = urlsplit(shared["url"]).path
    html = client.get(path, headers=HTML).text
    assert f'<meta property="og:url" content="{shared["url"]}">' in html
    assert '<meta property="og:title" content="Data Literacy for Public Administration">' in html
    assert "awarded by University of Tartu to Mari Maasikas" in html
    assert f'<meta property="og:image" content="{shared["url"]}/image.png">' in html
    image = client.get(path + "/image.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG") and "attachment" not in \
        image.headers.get("content-disposition", "")
    assert b"openbadgecredential" not in image.content  # a preview carries no credential
