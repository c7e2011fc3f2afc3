"""Retired and compromised signing keys (security review, issue 14, item A).

A retired key (replaced by a rotation) keeps verifying what it signed before its retirement
and nothing it signed later; a compromised key verifies nothing any more, leaves the DID
document's assertionMethod, and the credentials it signed are listed and re-issued with the
current key (same id and status entry)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services
from app.issuers.models import SigningKeyRecord
from app.proofs.dataintegrity import add_proof
from tests.issuers.cli_helpers import mcred
from tests.samples import award_body

V2 = "https://www.w3.org/ns/credentials/v2"
DID = "did:web:mcred.test:issuers:uni-tartu"
ROTATE = "/admin/issuers/uni-tartu/keys/rotate"


def vc(issuer: str = DID) -> dict[str, Any]:
    return {"@context": [V2], "type": ["VerifiableCredential"], "issuer": issuer,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:learner", "name": "Jane Doe"}}


def key_record(svc: Services, number: int) -> SigningKeyRecord:
    with svc.db.session() as session:
        return session.scalars(select(SigningKeyRecord)
                               .where(SigningKeyRecord.number == number,
                                      SigningKeyRecord.issuer_id.is_not(None))).one()


def sign_with(svc: Services, number: int, document: dict[str, Any], *, created: str | None = None,
              as_did_key: bool = False) -> dict[str, Any]:
    record = key_record(svc, number)
    key = svc.keystore.signing_key(record.key_file)
    mb = record.public_key_multibase
    vm = f"did:key:{mb}#{mb}" if as_did_key else f"{DID}#key-{number}"
    return add_proof(document, key, vm, created=created)


def stamp(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def proof_check(client: TestClient, document: dict[str, Any]) -> dict[str, Any]:
    body = client.post("/credentials/verify", json={"verifiableCredential": document}).json()
    return next(c for c in body["report"]["checks"] if c["name"] == "proof")


def test_proof_by_a_retired_key_made_after_its_retirement_is_refused(
        client: TestClient, issuer: dict, admin: dict, svc: Services) -> None:
    assert client.post(ROTATE, headers=admin).status_code == 200
    retired = key_record(svc, 1).retired_at
    assert retired is not None
    late = sign_with(svc, 1, vc(), created=stamp(retired + timedelta(seconds=1)))
    check = proof_check(client, late)
    assert check["status"] == "failed"
    assert check["details"]["code"] == "KEY_RETIRED"
    assert f"{DID}#key-1" in check["message"] and stamp(retired) in check["message"]


def test_proof_by_a_retired_key_made_before_its_retirement_verifies(
        client: TestClient, issuer: dict, admin: dict, svc: Services) -> None:
    assert client.post(ROTATE, headers=admin).status_code == 200
    retired = key_record(svc, 1).retired_at
    assert retired is not None
    for created in ("2026-01-01T00:00:00Z", stamp(retired)):  # the same second still counts
        early = sign_with(svc, 1, vc(), created=created)
        assert proof_check(client, early)["status"] == "passed", created
    # the new key is not bound by the old one's window
    assert proof_check(client, sign_with(svc, 2, vc()))["status"] == "passed"


def test_did_key_of_a_retired_key_is_held_to_the_same_window(
        client: TestClient, issuer: dict, admin: dict, svc: Services) -> None:
    did_key = issuer["keys"][0]["didKey"]
    early = sign_with(svc, 1, vc(did_key), as_did_key=True)
    assert client.post(ROTATE, headers=admin).status_code == 200
    retired = key_record(svc, 1).retired_at
    assert retired is not None
    late = sign_with(svc, 1, vc(did_key), created=stamp(retired + timedelta(minutes=5)),
                     as_did_key=True)
    assert proof_check(client, early)["status"] == "passed"
    check = proof_check(client, late)
    assert (check["status"], check["details"]["code"]) == ("failed", "KEY_RETIRED")


@pytest.fixture
def awarded(client: TestClient, api_key: dict, achievement: dict) -> dict[str, Any]:
    response = client.post("/credentials/issue", json=award_body(achievement["id"]),
                           headers=api_key)
    assert response.status_code == 201, response.text
    return response.json()["credentials"]


def verify(client: TestClient, document: dict[str, Any]) -> dict[str, Any]:
    return client.post("/credentials/verify", json={"verifiableCredential": document}).json()


def compromise(client: TestClient, admin: dict, key: str = "key-1",
               at: str = "2026-01-01T00:00:00Z") -> Any:
    return client.post(f"/admin/issuers/uni-tartu/keys/{key}/compromised",
                       json={"at": at, "reason": "key file found on a public share"},
                       headers=admin)


def test_compromised_key_is_refused_listed_and_reissued(
        client: TestClient, admin: dict, awarded: dict, svc: Services) -> None:
    ob3, elm = awarded["ob3"], awarded["elm"]
    assert verify(client, ob3)["verified"] is True
    assert client.post(ROTATE, headers=admin).status_code == 200
    assert verify(client, ob3)["verified"] is True  # retired, signed before: still good

    marked = compromise(client, admin)
    assert marked.status_code == 200, marked.text
    assert marked.json()["key"]["compromised"] == "2026-01-01T00:00:00Z"
    assert marked.json()["signedCredentials"] == 2

    doc = client.get("/issuers/uni-tartu/did.json").json()
    assert doc["assertionMethod"] == [f"{DID}#key-2"]
    old = next(m for m in doc["verificationMethod"] if m["id"] == f"{DID}#key-1")
    assert old["revoked"] == "2026-01-01T00:00:00Z"

    for credential in (ob3, elm):  # signed long before the compromise, refused all the same
        report = verify(client, credential)
        assert report["verified"] is False
        check = next(c for c in report["report"]["checks"] if c["name"] == "proof")
        assert check["details"]["code"] == "VERIFICATION_METHOD_NOT_AUTHORIZED"
        assert "revoked" in check["message"]

    listed = client.get("/admin/issuers/uni-tartu/keys/key-1/credentials", headers=admin)
    assert listed.status_code == 200
    assert {(c["id"], c["profile"], c["reissuable"]) for c in listed.json()} == {
        (ob3["id"], "ob3", True), (elm["id"], "elm", True)}

    reissued = client.post("/admin/issuers/uni-tartu/keys/key-1/reissue", headers=admin)
    assert reissued.status_code == 200, reissued.text
    assert sorted(reissued.json()["reissued"]) == sorted([ob3["id"], elm["id"]])
    assert reissued.json()["remaining"] == 0
    for before in (ob3, elm):
        after = client.get(f"/credentials/{before['id']}").json()
        assert isinstance(after["proof"], list) == isinstance(before["proof"], list)
        proofs = after["proof"] if isinstance(after["proof"], list) else [after["proof"]]
        assert [p["verificationMethod"] for p in proofs] == [f"{DID}#key-2"]
        assert {k: v for k, v in after.items() if k != "proof"} == \
            {k: v for k, v in before.items() if k != "proof"}  # same content, id and status
        assert verify(client, after)["verified"] is True, verify(client, after)["errors"]
    assert client.get("/admin/issuers/uni-tartu/keys/key-1/credentials",
                      headers=admin).json() == []

    with svc.db.session() as session:
        events = [(e.action, e.subject, e.detail) for e in
                  session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    compromised = [d for a, _, d in events if a == "key.compromised"]
    assert compromised == [{"key": "key-1", "publicKeyMultibase": old["publicKeyMultibase"],
                            "at": "2026-01-01T00:00:00Z",
                            "reason": "key file found on a public share"}]
    assert sorted(s for a, s, _ in events if a == "credential.reissue") == sorted(
        [ob3["id"], elm["id"]])


def test_status_lists_signed_by_a_compromised_key_are_signed_afresh(
        client: TestClient, admin: dict, awarded: dict) -> None:
    url = awarded["ob3"]["credentialStatus"]["statusListCredential"]
    path = url.removeprefix("https://mcred.test")
    first = client.get(path)
    assert first.json()["proof"]["verificationMethod"] == f"{DID}#key-1"
    assert compromise(client, admin).status_code == 200
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200  # a new ETag: no cache keeps the list signed by key-1
    assert again.json()["proof"]["verificationMethod"] == f"{DID}#key-2"


def test_marking_the_current_key_compromised_rotates(
        client: TestClient, admin: dict, api_key: dict, achievement: dict) -> None:
    marked = compromise(client, admin)
    assert marked.status_code == 200, marked.text
    assert marked.json()["currentKey"]["id"] == f"{DID}#key-2"
    assert marked.json()["key"]["current"] is False
    issued = client.post("/credentials/issue", json=award_body(achievement["id"]),
                         headers=api_key).json()["credentials"]["ob3"]
    assert [p["verificationMethod"] for p in issued["proof"]] == [f"{DID}#key-2"]
    assert verify(client, issued)["verified"] is True


@pytest.mark.parametrize(("at", "message"), [("2999-01-01T00:00:00Z", "in the future"),
                                             ("2026-01-01T00:00:00", "time zone")])
def test_compromise_time_must_be_past_and_zoned(client: TestClient, issuer: dict, admin: dict,
                                                at: str, message: str) -> None:
    response = compromise(client, admin, at=at)
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:mcred:problem:validation-error"
    assert body["errors"][0]["field"] == "at" and message in body["detail"]
    assert client.get("/issuers/uni-tartu/did.json").json()["assertionMethod"] == [
        f"{DID}#key-1"]


def test_compromised_twice_is_409_and_unknown_key_404(client: TestClient, issuer: dict,
                                                      admin: dict) -> None:
    assert compromise(client, admin).status_code == 200
    again = compromise(client, admin)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:mcred:problem:key-compromised"
    assert compromise(client, admin, key="key-9").status_code == 404


def test_reissue_from_the_current_key_is_409(client: TestClient, issuer: dict,
                                             admin: dict) -> None:
    response = client.post("/admin/issuers/uni-tartu/keys/key-1/reissue", headers=admin)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:mcred:problem:key-is-current"


def test_credential_issued_as_the_compromised_did_key_is_refused_and_not_reissuable(
        client: TestClient, admin: dict, api_key: dict, issuer: dict) -> None:
    did_key = issuer["keys"][0]["didKey"]
    response = client.post("/credentials/issue", json={"credential": vc(did_key)},
                           headers=api_key)
    assert response.status_code == 201, response.text
    issued = response.json()["verifiableCredential"]
    assert verify(client, issued)["verified"] is True
    assert compromise(client, admin).status_code == 200
    check = next(c for c in verify(client, issued)["report"]["checks"] if c["name"] == "proof")
    assert check["status"] == "failed" and "revoked" in check["message"]
    [listed] = client.get("/admin/issuers/uni-tartu/keys/key-1/credentials",
                          headers=admin).json()
    assert (listed["id"], listed["reissuable"]) == (issued["id"], False)
    assert "did:key" in listed["reason"]
    result = client.post("/admin/issuers/uni-tartu/keys/key-1/reissue", headers=admin).json()
    assert result == {"reissued": [], "skipped": [], "remaining": 0}


def test_compromise_and_reissue_from_the_command_line(
        client: TestClient, admin: dict, awarded: dict, svc: Services) -> None:
    ob3 = awarded["ob3"]
    bad = mcred(svc, "keys", "compromised", "uni-tartu", "key-1", "--at", "yesterday",
                "--reason", "leak")
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("mcred: error: invalid --at 'yesterday'")

    marked = mcred(svc, "keys", "compromised", "uni-tartu", "key-1", "--at",
                   "2026-02-01T10:00:00+02:00", "--reason", "laptop stolen")
    assert marked.returncode == 0, marked.stderr
    assert marked.stdout.startswith(f"{DID}#key-1 marked compromised at 2026-02-01T08:00:00Z;"
                                    f" current key {DID}#key-2")
    assert "2 credential(s) signed with it" in marked.stderr

    listed = mcred(svc, "keys", "credentials", "uni-tartu", "key-1")
    assert {c["id"] for c in json.loads(listed.stdout)} == {ob3["id"], awarded["elm"]["id"]}

    done = mcred(svc, "keys", "reissue", "uni-tartu", "key-1", "--batch", "1")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["reissued"]) == 2
    assert verify(client, client.get(f"/credentials/{ob3['id']}").json())["verified"] is True
    again = mcred(svc, "keys", "reissue", "uni-tartu", "key-2")
    assert again.returncode != 0 and "is the current key" in again.stderr
