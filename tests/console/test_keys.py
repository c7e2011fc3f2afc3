"""The API keys page: an issuer admin creates a key whose token is shown once and works
against the API, sees who made it and when it was last used, and revokes it with a reason;
staff and viewers may not see the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services
from app.issuers.models import ApiKey
from app.issuers.service import forget_recent_uses
from tests import samples
from tests.console.conftest import open_browser, post_form, sign_in

KEYS = "/console/uni-tartu/api-keys"


def token_on(html: str) -> str:
    found = re.search(r'value="(mcred_[0-9a-f]{16}_[A-Za-z0-9_-]+)"', html)
    assert found, "no token on the page"
    return found.group(1)


def create_key(browser: TestClient, label: str) -> Any:
    return post_form(browser, KEYS, KEYS, {"label": label})


def test_new_key_is_shown_once_and_issues(registrar: TestClient, client: TestClient,
                                          achievement: dict, svc: Services) -> None:
    created = create_key(registrar, "Study information system")
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    token = token_on(created.text)
    assert "shown only this once" in created.text
    # It works as the API's Bearer token.
    issued = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                         headers={"Authorization": f"Bearer {token}"})
    assert issued.status_code == 201, issued.text
    # Never again: not on the list, and only its hash is stored.
    listing = registrar.get(KEYS)
    assert listing.status_code == 200
    assert token not in listing.text
    key_id = token.split("_")[1]
    assert f"mcred_{key_id}_…" in listing.text
    with svc.db.session(read_only=True) as session:
        record = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
        assert record is not None and record.label == "Study information system"
        assert token.split("_", 2)[2] not in record.secret_sha256


def test_list_says_who_created_a_key_and_its_last_use(registrar: TestClient, client: TestClient,
                                                      achievement: dict) -> None:
    token = token_on(create_key(registrar, "Moodle").text)
    key_id = token.split("_")[1]
    row = re.search(rf'data-testid="api-key-{key_id}">(.*?)</tr>', registrar.get(KEYS).text,
                    re.S)
    assert row and "staff:registrar@ut.ee" in row.group(1) and "never" in row.group(1)
    forget_recent_uses()
    client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                headers={"Authorization": f"Bearer {token}"})
    row = re.search(rf'data-testid="api-key-{key_id}">(.*?)</tr>', registrar.get(KEYS).text,
                    re.S)
    assert row and "never" not in row.group(1) and " UTC" in row.group(1)


def test_revoked_key_gets_401_and_the_list_shows_the_reason(registrar: TestClient,
                                                             client: TestClient,
                                                             achievement: dict,
                                                             svc: Services) -> None:
    token = token_on(create_key(registrar, "Old portal").text)
    key_id = token.split("_")[1]
    page = f"{KEYS}/{key_id}/revoke"
    confirm = registrar.get(page)
    assert confirm.status_code == 200 and "Revoke the API key" in confirm.text
    revoked = post_form(registrar, page, page, {"reason": "portal retired"})
    assert revoked.status_code == 303 and revoked.headers["location"] == KEYS
    answer = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.json()["type"] == "urn:mcred:problem:api-key-revoked"
    state = re.search(rf'data-testid="state-{key_id}">(.*?)</td>', registrar.get(KEYS).text,
                      re.S)
    assert state and "Revoked" in state.group(1) and "portal retired" in state.group(1)
    assert f'data-testid="revoke-{key_id}"' not in registrar.get(KEYS).text
    with svc.db.session(read_only=True) as session:
        event = session.scalars(select(AuditEvent)
                                .where(AuditEvent.action == "apikey.revoke")).one()
        assert (event.actor, event.detail["reason"]) == ("staff:registrar@ut.ee",
                                                         "portal retired")


def test_revocation_needs_a_reason_and_is_final(registrar: TestClient) -> None:
    key_id = token_on(create_key(registrar, "Portal").text).split("_")[1]
    page = f"{KEYS}/{key_id}/revoke"
    empty = post_form(registrar, page, page, {"reason": "  "})
    assert empty.status_code == 422
    assert 'data-testid="error-reason"' in empty.text
    assert post_form(registrar, page, page, {"reason": "done"}).status_code == 303
    again = post_form(registrar, page, page, {"reason": "twice"})
    assert again.status_code == 422 and "revoked already" in again.text


def test_label_is_required_and_kept_when_refused(registrar: TestClient) -> None:
    empty = create_key(registrar, "")
    assert empty.status_code == 422 and 'data-testid="error-label"' in empty.text
    hidden = create_key(registrar, "LMS\u202e key")
    assert hidden.status_code == 422
    assert 'value="LMS\u202e key"' in hidden.text
    too_long = create_key(registrar, "x" * 201)
    assert too_long.status_code == 422


def test_the_secret_is_in_no_audit_event(registrar: TestClient, svc: Services) -> None:
    token = token_on(create_key(registrar, "SIS").text)
    secret = token.split("_", 2)[2]
    with svc.db.session(read_only=True) as session:
        events = session.scalars(select(AuditEvent)).all()
    assert any(e.action == "apikey.create" and e.actor == "staff:registrar@ut.ee"
               for e in events)
    assert not any(secret in repr(e.detail) or secret in e.subject for e in events)


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_keys_page_is_for_admins_only(svc: Services, issuer: dict, role: str,
                                      make_staff: Callable[..., None]) -> None:
    make_staff(f"{role}@ut.ee", "uni-tartu", role)
    with open_browser(svc) as browser:
        assert sign_in(browser, f"{role}@ut.ee").status_code == 303
        assert browser.get(KEYS).status_code == 403
        token = browser.get("/console/uni-tartu").text  # a page they may see, for its token
        assert "/api-keys" not in token  # and no link to the keys there
        csrf = re.search(r'name="csrf" value="([^"]+)"', token)
        assert csrf
        refused = browser.post(KEYS, data={"csrf": csrf.group(1), "label": "x"},
                               follow_redirects=False)
        assert refused.status_code == 403
    with svc.db.session(read_only=True) as session:
        assert session.scalars(select(ApiKey).where(ApiKey.label == "x")).first() is None


def test_another_issuers_key_is_not_found(registrar: TestClient, client: TestClient,
                                          admin: dict) -> None:
    other = {**{"slug": "tlu", "legal_name": "Tallinn University", "country": "EE",
                "url": "https://tlu.ee", "email": "info@tlu.ee", "org_type": "hei"}}
    assert client.post("/admin/issuers", json=other, headers=admin).status_code == 201
    theirs = client.post("/admin/issuers/tlu/api-keys", headers=admin).json()["keyId"]
    assert registrar.get(f"{KEYS}/{theirs}/revoke").status_code == 404
    assert registrar.get(f"{KEYS}/nonexistent/revoke").status_code == 404
    assert registrar.get("/console/tlu/api-keys").status_code == 404
