"""Revocation and suspension with Bitstring Status List v1.0."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import Services
from app.status import bitstring
from tests.credentials.test_award import verify
from tests.samples import award_body


@pytest.fixture
def suspending_issuer(client: TestClient, admin: dict) -> dict[str, str]:
    body = {"slug": "uni-ghent", "legal_name": "Ghent University", "country": "BE",
            "url": "https://ugent.be", "email": "info@ugent.be", "suspension": True}
    assert client.post("/admin/issuers", json=body, headers=admin).status_code == 201
    token = client.post("/admin/issuers/uni-ghent/api-keys", headers=admin).json()["apiKey"]
    return {"Authorization": f"Bearer {token}"}


def issue_vc(client: TestClient, key: dict) -> dict[str, Any]:
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                  "type": ["VerifiableCredential"],
                  "credentialSubject": {"id": "did:example:learner"}}
    response = client.post("/credentials/issue", json={"credential": credential}, headers=key)
    assert response.status_code == 201, response.text
    return response.json()["verifiableCredential"]


def verify_http(client: TestClient, vc: dict) -> Any:
    return client.post("/credentials/verify", json={"verifiableCredential": vc})


def status_check(response: Any) -> dict[str, Any]:
    return next(c for c in response.json()["report"]["checks"] if c["name"] == "status")


def test_entry_shape_and_list_size(client: TestClient, api_key: dict) -> None:
    vc = issue_vc(client, api_key)
    entry = vc["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    assert entry["statusListIndex"].isdigit()
    assert entry["statusListCredential"].startswith("https://mcred.test/status-lists/")
    assert entry["id"] == f"{entry['statusListCredential']}#{entry['statusListIndex']}"
    path = entry["statusListCredential"].removeprefix("https://mcred.test")
    listed = client.get(path).json()
    bits = bitstring.decode(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 131_072


def test_revoke_then_verify_fails_with_revoked(client: TestClient, api_key: dict) -> None:
    vc = issue_vc(client, api_key)
    assert verify_http(client, vc).status_code == 200
    response = client.post("/credentials/status", headers=api_key, json={
        "credentialId": vc["id"],
        "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}]})
    assert response.status_code == 200
    assert response.json()["status"] == {"revocation": "revoked"}
    after = verify_http(client, vc)
    assert after.status_code == 422
    assert after.json()["verified"] is False
    assert status_check(after)["status"] == "failed"
    assert status_check(after)["message"] == "revoked"
    # revocation is final
    again = client.post("/credentials/status", headers=api_key,
                        json={"credentialId": vc["id"], "action": "revoke", "reason": "x"})
    assert again.status_code == 409


def test_suspend_unsuspend(client: TestClient, suspending_issuer: dict) -> None:
    vc = issue_vc(client, suspending_issuer)
    assert [e["statusPurpose"] for e in vc["credentialStatus"]] == ["revocation", "suspension"]
    change = {"credentialId": vc["id"], "reason": "under investigation"}
    assert client.post("/credentials/status", headers=suspending_issuer,
                       json={**change, "action": "suspend"}).status_code == 200
    suspended = verify_http(client, vc)
    assert suspended.status_code == 422
    assert status_check(suspended)["message"] == "suspended"
    assert client.post("/credentials/status", headers=suspending_issuer,
                       json={**change, "action": "unsuspend"}).status_code == 200
    assert verify_http(client, vc).status_code == 200


def test_published_list_has_exactly_the_bits_set(client: TestClient,
                                                 suspending_issuer: dict) -> None:
    vcs = [issue_vc(client, suspending_issuer) for _ in range(5)]
    for vc in vcs[:2]:
        client.post("/credentials/status", headers=suspending_issuer,
                    json={"credentialId": vc["id"], "action": "revoke", "reason": "error"})
    client.post("/credentials/status", headers=suspending_issuer,
                json={"credentialId": vcs[2]["id"], "action": "suspend", "reason": "check"})
    for purpose, expected in (("revocation", vcs[:2]), ("suspension", vcs[2:3])):
        entries = [next(e for e in vc["credentialStatus"] if e["statusPurpose"] == purpose)
                   for vc in vcs]
        url = entries[0]["statusListCredential"]
        assert {e["statusListCredential"] for e in entries} == {url}
        listed = client.get(url.removeprefix("https://mcred.test")).json()
        bits = bitstring.decode(listed["credentialSubject"]["encodedList"])
        set_bits = {i for i in range(len(bits) * 8) if bitstring.get_bit(bits, i)}
        wanted = {int(next(e for e in vc["credentialStatus"]
                           if e["statusPurpose"] == purpose)["statusListIndex"])
                  for vc in expected}
        assert set_bits == wanted


def test_list_credential_proof_verifies_and_caches(client: TestClient, api_key: dict,
                                                   svc: Services) -> None:
    vc = issue_vc(client, api_key)
    path = vc["credentialStatus"]["statusListCredential"].removeprefix("https://mcred.test")
    first = client.get(path)
    listed = first.json()
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["issuer"] == "did:web:mcred.test:issuers:uni-tartu"
    assert verify(svc, listed).verified
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    client.post("/credentials/status", headers=api_key,
                json={"credentialId": vc["id"], "action": "revoke", "reason": "error"})
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert verify(svc, changed.json()).verified


def test_unknown_id_and_other_issuer_are_refused(client: TestClient, api_key: dict,
                                                 suspending_issuer: dict) -> None:
    vc = issue_vc(client, api_key)
    unknown = client.post("/credentials/status", headers=api_key,
                          json={"credentialId": "urn:uuid:nope", "action": "revoke",
                                "reason": "x"})
    assert unknown.status_code == 404
    other = client.post("/credentials/status", headers=suspending_issuer,
                        json={"credentialId": vc["id"], "action": "revoke", "reason": "x"})
    assert other.status_code == 403
    assert verify_http(client, vc).status_code == 200


def test_award_renderings_share_status(client: TestClient, api_key: dict, achievement: dict,
                                       admin: dict) -> None:
    issued = client.post("/credentials/issue", json=award_body(achievement["id"]),
                         headers=api_key).json()["credentials"]
    # The same entry: the ELM credential names its status resource, which lists the entry.
    resource = issued["elm"]["credentialStatus"]["@value"].removeprefix("https://mcred.test")
    assert client.get(resource).json()["credentialStatus"] == [issued["ob3"]["credentialStatus"]]
    response = client.post(f"/admin/credentials/{issued['elm']['id']}/status", headers=admin,
                           json={"action": "revoke", "reason": "issued in error"})
    assert response.status_code == 200
    for document in issued.values():
        assert status_check(verify_http(client, document))["message"] == "revoked"


def test_changes_are_audited(client: TestClient, api_key: dict, svc: Services) -> None:
    from sqlalchemy import select

    from app.audit import AuditEvent

    vc = issue_vc(client, api_key)
    client.post("/credentials/status", headers=api_key,
                json={"credentialId": vc["id"], "action": "revoke", "reason": "wrong learner"})
    with svc.db.session() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "credential.revoke")).one()
        assert (event.subject, event.detail["reason"]) == (vc["id"], "wrong learner")


def test_bitstring_round_trip_and_bit_order() -> None:
    bits = bitstring.empty()
    for index in (0, 7, 8, 131_071):
        bitstring.set_bit(bits, index, True)
    assert bits[0] == 0b1000_0001 and bits[1] == 0b1000_0000 and bits[-1] == 1
    encoded = bitstring.encode(bits)
    assert encoded.startswith("u") and "=" not in encoded
    assert bitstring.decode(encoded) == bytes(bits)
    with pytest.raises(bitstring.BitstringError):
        bitstring.decode(bitstring.encode(bytes(100)).replace("u", "z", 1))
    small = "u" + __import__("base64").urlsafe_b64encode(
        __import__("gzip").compress(bytes(100))).decode().rstrip("=")
    with pytest.raises(bitstring.BitstringError, match="at least 131072"):
        bitstring.decode(small)
    json.dumps(encoded)


def test_concurrent_issuers_never_share_an_index(client: TestClient, api_key: dict,
                                                 svc: Services) -> None:
    """8 processes issuing 2,000 credentials at once against the same database."""
    import subprocess
    import sys
    from pathlib import Path

    from sqlalchemy import func, select

    from app.credentials.models import CredentialRecord
    from app.status.models import StatusEntry
    from tests.conftest import mcred_env

    root = Path(__file__).resolve().parents[2]
    env = mcred_env(svc.settings)
    processes = [subprocess.Popen([sys.executable, "-m", "tests.status.issue_many", "uni-tartu",
                                   "250"], cwd=root, env=env, stderr=subprocess.PIPE, text=True)
                 for _ in range(8)]
    errors = [p.communicate(timeout=600)[1] for p in processes]
    assert all(p.returncode == 0 for p in processes), errors
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(CredentialRecord)) == 2000
        pairs = session.execute(select(StatusEntry.list_id, StatusEntry.index)).all()
    assert len(pairs) == 2000
    assert len(set(pairs)) == 2000


def test_many_status_entries_are_not_fetched() -> None:
    from datetime import UTC, datetime

    from app.status.check import MAX_STATUS_ENTRIES, check_status

    fetched: list[str] = []

    def fetch_list(url: str) -> dict[str, Any]:
        fetched.append(url)
        raise AssertionError("must not fetch")

    entries = [{"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                "statusListIndex": "1", "statusListCredential": f"https://l{n}.example/s"}
               for n in range(MAX_STATUS_ENTRIES + 1)]
    results = check_status({"credentialStatus": entries}, fetch_list,
                           lambda vm, purpose: None, datetime.now(UTC))  # type: ignore[arg-type,return-value]
    assert fetched == [] and len(results) == 1
    assert "at most 8 are checked" in (results[0].error or "")
