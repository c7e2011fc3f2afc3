"""A failed deciding check wins (issue 15): a revoked, altered, expired or not-yet-valid
credential gets a full-width banner in plain words, no recognition light and nothing to share,
on the share page and on the verification page."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from app.web.present import day, verdict

HTML = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
V2 = "https://www.w3.org/ns/credentials/v2"


def _revoke(client: TestClient, admin: dict, credential_id: str) -> None:
    response = client.post(f"/admin/credentials/{credential_id}/status", headers=admin,
                           json={"action": "revoke", "reason": "issued in error"})
    assert response.status_code == 200, response.text


def _no_light_and_nothing_to_share(html: str) -> None:
    assert 'data-testid="traffic-light"' not in html and 'data-testid="outcome-top"' not in html
    assert 'class="light"' not in html
    assert "linkedin.com" not in html and 'data-testid="linkedin"' not in html
    assert 'data-testid="download-json"' not in html and "badge.png" not in html
    assert 'data-testid="share"' not in html and "/static/copy.js" not in html
    assert "Recognisable" not in html


def _banner(html: str) -> str:
    start = html.index('data-testid="banner"')
    return html[start:html.index("</div>", start)]


def _verify_page(client: TestClient, credential: Any) -> Any:
    return client.post("/verify", data={"credential": json.dumps(credential)}, headers=HTML)


def _vc(client: TestClient, api_key: dict, **dates: str) -> dict[str, Any]:
    """A signed VC-API credential with the given validity dates."""
    body = {"credential": {"@context": [V2], "type": ["VerifiableCredential"],
                           "credentialSubject": {"id": "did:example:learner",
                                                 "name": "Jane Doe"}, **dates}}
    response = client.post("/credentials/issue", json=body, headers=api_key)
    assert response.status_code == 201, response.text
    return response.json()["verifiableCredential"]


def test_verified_share_page_has_light_and_actions(client: TestClient,
                                                   shared: dict) -> None:
    html = client.get(shared["path"], headers=HTML).text
    assert 'data-testid="banner"' not in html
    assert 'data-testid="traffic-light"' in html and 'data-testid="linkedin"' in html


def test_revoked_share_page_says_revoked_and_offers_nothing(client: TestClient, admin: dict,
                                                            shared: dict) -> None:
    _revoke(client, admin, shared["credential"]["id"])
    html = client.get(shared["path"], headers=HTML).text
    banner = _banner(html)
    # the status list has no dates; our own audit log says when
    today = day(datetime.now(UTC).date().isoformat(), "en_GB")
    assert 'data-reason="revoked"' in banner and f"Revoked on {today}" in banner
    assert html.index('data-testid="banner"') < html.index('data-testid="title"')  # on top
    _no_light_and_nothing_to_share(html)
    assert "Mari Maasikas" in html  # who and what it was is still said


def test_revoked_on_the_verification_page(client: TestClient, admin: dict,
                                          shared: dict) -> None:
    _revoke(client, admin, shared["credential"]["id"])
    response = _verify_page(client, shared["credential"])
    assert response.status_code == 422
    assert "Revoked by the issuer" in _banner(response.text)
    _no_light_and_nothing_to_share(response.text)


def test_revoked_in_german(client: TestClient, admin: dict, shared: dict) -> None:
    _revoke(client, admin, shared["credential"]["id"])
    html = client.get(shared["path"], headers={"Accept": "text/html",
                                               "Accept-Language": "de-DE"}).text
    today = day(datetime.now(UTC).date().isoformat(), "de_DE")
    assert f"Am {today} widerrufen" in _banner(html)


def test_tampered_credential_is_altered_after_signing(client: TestClient,
                                                      shared: dict) -> None:
    tampered = {**copy.deepcopy(shared["credential"]), "name": "Quantum Physics PhD"}
    response = _verify_page(client, tampered)
    assert response.status_code == 422
    banner = _banner(response.text)
    assert 'data-reason="altered"' in banner
    assert "Altered after signing — do not rely on it" in banner
    _no_light_and_nothing_to_share(response.text)
    assert 'data-testid="elements"' not in response.text  # its claims are not listed as facts


def test_expired_credential_says_when(client: TestClient, api_key: dict) -> None:
    vc = _vc(client, api_key, validFrom="2020-01-01T00:00:00Z",
             validUntil="2021-12-31T00:00:00Z")
    response = _verify_page(client, vc)
    assert response.status_code == 422
    banner = _banner(response.text)
    assert 'data-reason="expired"' in banner and "Expired on 31 December 2021" in banner
    _no_light_and_nothing_to_share(response.text)


def test_expiry_date_in_the_readers_locale(client: TestClient, api_key: dict) -> None:
    vc = _vc(client, api_key, validFrom="2020-01-01T00:00:00Z",
             validUntil="2021-12-31T00:00:00Z")
    us = client.post("/verify", data={"credential": json.dumps(vc)},
                     headers={"Accept": "text/html", "Accept-Language": "en-US"})
    assert "Expired on December 31, 2021" in _banner(us.text)
    de = client.post("/verify", data={"credential": json.dumps(vc)},
                     headers={"Accept": "text/html", "Accept-Language": "de-DE"})
    assert "Abgelaufen am 31. Dezember 2021" in _banner(de.text)


def test_not_yet_valid_credential(client: TestClient, api_key: dict) -> None:
    vc = _vc(client, api_key, validFrom="2099-03-01T00:00:00Z")
    banner = _banner(_verify_page(client, vc).text)
    assert 'data-reason="not-yet-valid"' in banner and "1 March 2099" in banner


def _report(*checks: tuple[str, str, str], **details: Any) -> dict[str, Any]:
    return {"verified": False, "report": {"checks": [
        {"name": n, "status": s, "message": m, **({"details": details} if n == "proof" else {})}
        for n, s, m in checks]}}


def test_the_first_deciding_failure_is_the_reason() -> None:
    revoked_and_expired = _report(("proof", "passed", "ok"), ("status", "failed", "revoked"),
                                  ("validity", "failed", "expired at 2021-12-31T00:00:00Z"))
    assert verdict(revoked_and_expired, "en_GB") == {"reason": "revoked"}
    altered_and_revoked = _report(("proof", "failed", "bad"), ("status", "failed", "revoked"),
                                  code="INVALID_SIGNATURE")
    assert verdict(altered_and_revoked, "en_GB") == {"reason": "altered"}
    unresolvable = _report(("proof", "failed", "no key"), code="VERIFICATION_METHOD_UNRESOLVABLE")
    assert verdict(unresolvable, "en_GB") == {"reason": "unverifiable"}
    suspended = _report(("status", "failed", "suspended"))
    assert verdict(suspended, "en_GB") == {"reason": "suspended"}
    unknown = _report(("status", "failed", "status could not be checked: timeout"))
    assert verdict(unknown, "en_GB") == {"reason": "status-unknown"}
    assert verdict({"verified": True, "report": {"checks": []}}, "en_GB") is None
