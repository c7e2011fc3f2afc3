"""Issuer API keys are listed (never their secrets) and revoked (security review, issue 14,
item B): a revoked key gets 401 problem+json; each key's last use is recorded, cheaply."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.audit import AuditEvent
from app.db import utcnow
from app.deps import Services
from app.issuers.models import ApiKey
from app.issuers.service import forget_recent_uses
from tests.issuers.cli_helpers import mcred

KEYS = "/admin/issuers/uni-tartu/api-keys"
MINIMAL = {"@context": ["https://www.w3.org/ns/credentials/v2"],
           "type": ["VerifiableCredential"], "credentialSubject": {"name": "Jane Doe"}}


def new_key(client: TestClient, admin: dict, label: str = "registrar") -> tuple[str, str]:
    body = client.post(KEYS, json={"label": label}, headers=admin).json()
    return body["keyId"], body["apiKey"]


def issue(client: TestClient, token: str):  # type: ignore[no-untyped-def]
    return client.post("/credentials/issue", json={"credential": copy.deepcopy(MINIMAL)},
                       headers={"Authorization": f"Bearer {token}"})


def last_used(svc: Services, key_id: str):  # type: ignore[no-untyped-def]
    with svc.db.session() as session:
        return session.scalars(select(ApiKey.last_used_at)
                               .where(ApiKey.key_id == key_id)).one()


def set_last_used(svc: Services, key_id: str, value) -> None:  # type: ignore[no-untyped-def]
    with svc.db.session() as session:
        session.execute(update(ApiKey).where(ApiKey.key_id == key_id)
                        .values(last_used_at=value))
    forget_recent_uses()


def test_listing_shows_label_created_and_last_use_but_no_secret(
        client: TestClient, issuer: dict, admin: dict) -> None:
    key_id, token = new_key(client, admin)
    listed = client.get(KEYS, headers=admin)
    assert listed.status_code == 200
    [entry] = listed.json()
    assert entry["keyId"] == key_id and entry["label"] == "registrar"
    assert entry["prefix"] == f"mcred_{key_id}_" and token.startswith(entry["prefix"])
    assert entry["lastUsed"] is None and entry["revoked"] is None
    assert token.split("_", 2)[2] not in listed.text
    assert issue(client, token).status_code == 201
    [entry] = client.get(KEYS, headers=admin).json()
    assert entry["lastUsed"] is not None


def test_revoked_key_gets_401_problem(client: TestClient, issuer: dict, admin: dict,
                                      svc: Services) -> None:
    key_id, token = new_key(client, admin)
    _, other = new_key(client, admin, "bulk uploads")
    assert issue(client, token).status_code == 201
    revoked = client.post(f"{KEYS}/{key_id}/revoke", json={"reason": "staff member left"},
                          headers=admin)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked"] is not None

    refused = issue(client, token)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:mcred:problem:api-key-revoked"
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert issue(client, other).status_code == 201  # only that key
    # a wrong secret under a revoked key id says nothing about the key
    assert issue(client, token[:-2] + "xx").status_code == 403

    again = client.post(f"{KEYS}/{key_id}/revoke", json={"reason": "twice"}, headers=admin)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:mcred:problem:api-key-already-revoked"
    assert client.post(f"{KEYS}/nope/revoke", json={"reason": "x"},
                       headers=admin).status_code == 404
    with svc.db.session() as session:
        [event] = session.scalars(select(AuditEvent)
                                  .where(AuditEvent.action == "apikey.revoke")).all()
        assert (event.subject, event.detail) == ("uni-tartu", {"keyId": key_id,
                                                               "reason": "staff member left"})


def test_another_issuers_key_cannot_be_revoked_through_this_issuer(
        client: TestClient, issuer: dict, admin: dict) -> None:
    key_id, token = new_key(client, admin)
    client.post("/admin/issuers", json={"slug": "uni-other", "legal_name": "Other University",
                                        "country": "EE", "url": "https://other.ee",
                                        "email": "x@other.ee"}, headers=admin)
    response = client.post(f"/admin/issuers/uni-other/api-keys/{key_id}/revoke",
                           json={"reason": "x"}, headers=admin)
    assert response.status_code == 404
    assert issue(client, token).status_code == 201


def test_last_use_is_written_at_most_once_a_minute(client: TestClient, issuer: dict,
                                                   admin: dict, svc: Services) -> None:
    key_id, token = new_key(client, admin)
    recent = utcnow() - timedelta(seconds=30)
    set_last_used(svc, key_id, recent)
    assert issue(client, token).status_code == 201
    assert last_used(svc, key_id) == recent  # within the minute: untouched
    stale = utcnow() - timedelta(minutes=2)
    set_last_used(svc, key_id, stale)
    assert issue(client, token).status_code == 201
    assert last_used(svc, key_id) > stale


def test_use_on_a_read_only_request_is_recorded(client: TestClient, issuer: dict,
                                                admin: dict, svc: Services) -> None:
    key_id, token = new_key(client, admin)
    issued = issue(client, token).json()["verifiableCredential"]
    set_last_used(svc, key_id, None)
    fetched = client.get(f"/credentials/{issued['id']}",
                         headers={"Authorization": f"Bearer {token}"})
    assert fetched.status_code == 200
    assert last_used(svc, key_id) is not None


def test_list_and_revoke_from_the_command_line(client: TestClient, issuer: dict, admin: dict,
                                               svc: Services) -> None:
    key_id, token = new_key(client, admin)
    listed = mcred(svc, "issuer", "api-keys", "uni-tartu")
    assert listed.returncode == 0, listed.stderr
    assert [k["keyId"] for k in json.loads(listed.stdout)] == [key_id]
    assert token.split("_", 2)[2] not in listed.stdout
    revoked = mcred(svc, "issuer", "revoke-api-key", "uni-tartu", key_id, "--reason", "leaked")
    assert revoked.returncode == 0, revoked.stderr
    assert issue(client, token).status_code == 401
    again = mcred(svc, "issuer", "revoke-api-key", "uni-tartu", key_id, "--reason", "leaked")
    assert again.returncode == 1
    assert again.stderr.startswith("mcred: error: API key") and again.stderr.count("\n") == 1
