"""Holder binding: an award's OBv3 credential re-issued with the wallet's DID as subject,
signed with the issuer's key, sharing the award's status; DIDs from JWKs per did:key."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.credentials.service import Issuing
from app.deps import Services
from app.errors import ProblemError
from app.proofs.multikey import decode_base58btc
from app.wallets.binding import bind_to_holder
from app.wallets.holder import HolderKeyError, check_holder_did, did_from_jwk
from tests.credentials.test_award import verify

ED25519_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"  # did:key spec
P256_DID = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"  # did:key spec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk_of_p256_did(did: str) -> dict[str, str]:
    point = decode_base58btc(did.removeprefix("did:key:"))[2:]
    numbers = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point).public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big"))}


def test_did_key_of_the_spec_vectors_round_trips_through_jwks() -> None:
    assert did_from_jwk(jwk_of_p256_did(P256_DID)) == P256_DID
    raw = decode_base58btc(ED25519_DID.removeprefix("did:key:"))[2:]
    assert did_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}) == ED25519_DID


@pytest.mark.parametrize("jwk, message", [
    ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"}, "private"),
    ({"kty": "RSA", "n": "AQAB", "e": "AQAB"}, "must be Ed25519"),
    ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "32 bytes"),
    ({"kty": "EC", "crv": "P-256", "x": b64url(b"\x01" * 32), "y": b64url(b"\x02" * 32)},
     "not a point on the curve"),
    ("not an object", "JSON object"),
])
def test_unusable_holder_keys_are_refused_by_name(jwk: Any, message: str) -> None:
    with pytest.raises(HolderKeyError, match=message):
        did_from_jwk(jwk)


@pytest.mark.parametrize("did", ["did:web:example.org", "did:key:z6Mk", "did:key:" + "z" * 50,
                                 ED25519_DID + "#key", 42])
def test_only_ed25519_and_p256_did_keys_are_holders(did: Any) -> None:
    with pytest.raises(HolderKeyError):
        check_holder_did(did)


def deliver(svc: Services, award_id: str, holder: str) -> dict[str, Any]:
    with svc.db.session() as session, session.begin():
        return bind_to_holder(session, Issuing(svc.keystore, svc.settings.public_base_url),
                              award_id, holder, "oid4vci", "test")


def test_bound_credential_names_the_holder_and_verifies(svc: Services, issued: dict) -> None:
    original = issued["credentials"]["ob3"]
    bound = deliver(svc, issued["awardId"], P256_DID)
    assert bound["credentialSubject"]["id"] == P256_DID
    assert bound["id"] != original["id"] and bound["id"].startswith("urn:uuid:")
    assert bound["credentialSubject"]["achievement"] == original["credentialSubject"]["achievement"]
    assert bound["credentialStatus"] == original["credentialStatus"]  # revoked together
    assert verify(svc, bound).verified
    with svc.db.session() as session:
        [event] = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "credential.deliver")).all()
    assert event.subject == issued["awardId"]
    assert event.detail["holder"] == P256_DID and event.detail["credential"] == bound["id"]


def test_revoked_award_is_not_delivered(svc: Services, client: TestClient, issued: dict,
                                        admin: dict) -> None:
    response = client.post(f"/admin/credentials/{issued['credentials']['ob3']['id']}/status",
                           json={"action": "revoke", "reason": "test"}, headers=admin)
    assert response.status_code == 200, response.text
    with pytest.raises(ProblemError) as caught:
        deliver(svc, issued["awardId"], ED25519_DID)
    assert caught.value.status == 409 and "revoked" in caught.value.detail


def test_unknown_award_is_not_found(svc: Services) -> None:
    with pytest.raises(ProblemError) as caught:
        deliver(svc, "0" * 32, ED25519_DID)
    assert caught.value.status == 404
