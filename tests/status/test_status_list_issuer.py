"""A status list's issuer is its credentials' issuer (verifiers hold one against the other):
a VC-API credential issued as the did:key of the issuer's key points at a list issued and
signed as that did:key, apart from the issuer's did:web lists; after a key rotation such a
list stays signed by the key its did:key names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.credentials.models import CredentialRecord
from app.deps import Services
from app.issuers.service import get_issuer
from app.status.models import StatusEntry, StatusList
from app.status.service import credential_status
from tests.conftest import mcred_env
from tests.credentials.test_award import verify
from tests.status.test_status import status_check, suspending_issuer, verify_http  # noqa: F401

DID_WEB = "did:web:mcred.test:issuers:uni-tartu"


def current_did_key(client: TestClient, admin: dict, slug: str = "uni-tartu") -> str:
    return client.get(f"/admin/issuers/{slug}", headers=admin).json()["keys"][-1]["didKey"]


def issue(client: TestClient, key: dict, issuer: str | None = None) -> dict[str, Any]:
    credential: dict[str, Any] = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                                  "type": ["VerifiableCredential"],
                                  "credentialSubject": {"id": "did:example:learner"}}
    if issuer is not None:
        credential["issuer"] = issuer
    response = client.post("/credentials/issue", json={"credential": credential}, headers=key)
    assert response.status_code == 201, response.text
    return response.json()["verifiableCredential"]


def entries(vc: dict[str, Any]) -> list[dict[str, Any]]:
    status = vc["credentialStatus"]
    return status if isinstance(status, list) else [status]


def published(client: TestClient, entry: dict[str, Any]) -> dict[str, Any]:
    response = client.get(entry["statusListCredential"].removeprefix("https://mcred.test"))
    assert response.status_code == 200
    return response.json()


def test_did_key_credential_points_at_a_list_issued_by_that_did_key(
        client: TestClient, api_key: dict, admin: dict, svc: Services) -> None:
    did_key = current_did_key(client, admin)
    vc = issue(client, api_key, did_key)
    [entry] = entries(vc)
    listed = published(client, entry)
    assert listed["issuer"] == vc["issuer"] == did_key
    assert listed["id"] == entry["statusListCredential"]
    assert listed["proof"]["verificationMethod"] == f"{did_key}#{did_key.removeprefix('did:key:')}"
    assert verify(svc, listed).verified
    [web_entry] = entries(issue(client, api_key))
    assert web_entry["statusListCredential"] != entry["statusListCredential"]
    assert published(client, web_entry)["issuer"] == DID_WEB
    [again] = entries(issue(client, api_key, did_key))
    assert again["statusListCredential"] == entry["statusListCredential"]  # one open list each


def test_did_key_credential_status_reads_cleanly_then_revoked(client: TestClient,
                                                              api_key: dict,
                                                              admin: dict) -> None:
    vc = issue(client, api_key, current_did_key(client, admin))
    first = verify_http(client, vc)
    assert first.status_code == 200, first.text
    check = status_check(first)
    assert (check["status"], check["message"]) == ("passed", "not revoked or suspended")
    assert not [w for w in first.json()["warnings"] if w["check"] == "status"]
    changed = client.post("/credentials/status", headers=api_key,
                          json={"credentialId": vc["id"], "action": "revoke", "reason": "error"})
    assert changed.status_code == 200, changed.text
    revoked = verify_http(client, vc)
    assert revoked.status_code == 422
    assert (status_check(revoked)["status"], status_check(revoked)["message"]) == (
        "failed", "revoked")
    assert published(client, entries(vc)[0])["issuer"] == vc["issuer"]


def test_suspension_list_is_issued_by_the_did_key_too(client: TestClient,
                                                      suspending_issuer: dict,  # noqa: F811
                                                      admin: dict) -> None:
    did_key = current_did_key(client, admin, "uni-ghent")
    vc = issue(client, suspending_issuer, did_key)
    lists = {e["statusPurpose"]: published(client, e)["issuer"] for e in entries(vc)}
    assert lists == {"revocation": did_key, "suspension": did_key}
    assert verify_http(client, vc).status_code == 200


def test_rotation_keeps_a_did_key_list_signed_by_its_own_key(client: TestClient,
                                                             api_key: dict, admin: dict,
                                                             svc: Services) -> None:
    old = current_did_key(client, admin)
    vc = issue(client, api_key, old)
    rotated = client.post("/admin/issuers/uni-tartu/keys/rotate", headers=admin)
    assert rotated.status_code in (200, 201), rotated.text
    new = current_did_key(client, admin)
    assert new != old
    # the bit changes after the rotation, so the list is signed afresh: by the old key
    client.post("/credentials/status", headers=api_key,
                json={"credentialId": vc["id"], "action": "revoke", "reason": "error"})
    listed = published(client, entries(vc)[0])
    assert listed["issuer"] == old
    assert listed["proof"]["verificationMethod"] == f"{old}#{old.removeprefix('did:key:')}"
    assert verify(svc, listed).verified
    assert status_check(verify_http(client, vc))["message"] == "revoked"
    [fresh] = entries(issue(client, api_key, new))
    assert fresh["statusListCredential"] != entries(vc)[0]["statusListCredential"]
    assert published(client, fresh)["issuer"] == new


def test_no_list_for_a_did_the_issuer_does_not_sign_as(client: TestClient, issuer: dict,
                                                       svc: Services) -> None:
    with svc.db.session() as session:
        uni = get_issuer(session, "uni-tartu")
        with pytest.raises(ValueError, match="does not issue as did:key:z6MkOther"):
            credential_status(session, svc.settings.public_base_url, uni, "urn:x",
                              issued_as="did:key:z6MkOther")


def test_concurrent_did_key_and_did_web_issuing_never_share_an_index(
        client: TestClient, api_key: dict, svc: Services) -> None:
    """4 processes at once, two issuing as the did:key, two as the did:web: every index is
    unique, and each credential's entry sits in a list issued by the credential's issuer."""
    root = Path(__file__).resolve().parents[2]
    env = mcred_env(svc.settings)
    processes = [subprocess.Popen([sys.executable, "-m", "tests.status.issue_many", "uni-tartu",
                                   "150", *(["did-key"] if n % 2 else [])], cwd=root, env=env,
                                  stderr=subprocess.PIPE, text=True) for n in range(4)]
    errors = [p.communicate(timeout=600)[1] for p in processes]
    assert all(p.returncode == 0 for p in processes), errors
    with svc.db.session() as session:
        pairs = session.execute(select(StatusEntry.list_id, StatusEntry.index)).all()
        lists = {lst.id: lst.did_key for lst in session.scalars(select(StatusList))}
        issued = {r.id: r.document for r in session.scalars(select(CredentialRecord))}
        subjects = dict(session.execute(select(StatusEntry.subject, StatusEntry.list_id)).all())
    assert len(pairs) == len(set(pairs)) == 600
    issuers = {json.loads(document)["issuer"] for document in issued.values()}
    did_key = next(i for i in issuers if i.startswith("did:key:"))
    assert issuers == {DID_WEB, did_key}
    assert set(lists.values()) == {None, did_key}  # 300 entries each: one open list per signer
    for credential_id, document in issued.items():
        issuer = json.loads(document)["issuer"]
        assert lists[subjects[credential_id]] == (None if issuer == DID_WEB else issuer)
