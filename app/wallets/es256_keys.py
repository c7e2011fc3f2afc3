"""Issuers' ES256 (P-256) keys for SD-JWT VCs: created on first use (private key only in the
KeyStore), published as JWT VC Issuer Metadata, and compact JWS signing with them."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.issuers.keys import KeyStore
from app.issuers.models import Issuer
from app.wallets.sd_jwt_models import Es256Key


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _coordinate(value: int) -> str:
    return b64url(value.to_bytes(32, "big"))


def public_jwk(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": _coordinate(numbers.x),
            "y": _coordinate(numbers.y)}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of an EC or OKP public JWK."""
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("crv", "kty", "x")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"),
                           sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def issuer_url(base_url: str, slug: str) -> str:
    """The ``iss`` of an issuer's SD-JWT VCs (its JWT VC Issuer Metadata names the same)."""
    return f"{base_url}/issuers/{slug}"


def _record(session: Session, issuer: Issuer) -> Es256Key | None:
    return session.scalar(select(Es256Key).where(Es256Key.issuer_id == issuer.id))


def ensure_key(session: Session, keystore: KeyStore, issuer: Issuer) -> Es256Key:
    """The issuer's ES256 key, created (and audited) the first time one is needed."""
    record = _record(session, issuer)
    if record is not None:
        return record
    key_file, public = keystore.generate_p256(f"issuer-{issuer.slug}-es256")
    jwk = public_jwk(public)
    record = Es256Key(issuer_id=issuer.id, kid=thumbprint(jwk), public_jwk=jwk,
                      key_file=key_file)
    try:
        with session.begin_nested():  # another process may create it at the same moment
            session.add(record)
            session.flush()
    except IntegrityError:
        # Theirs wins; our key file stays unused in KEYS_DIR (never deleted: key material).
        existing = _record(session, issuer)
        assert existing is not None
        return existing
    audit.record(session, "system", "key.create", issuer.slug, key=record.kid,
                 algorithm="ES256", issuer_id=issuer.id)
    return record


def signer(session: Session, keystore: KeyStore,
           issuer: Issuer) -> tuple[ec.EllipticCurvePrivateKey, str]:
    """The issuer's ES256 private key and its ``kid``."""
    record = ensure_key(session, keystore, issuer)
    return keystore.p256_key(record.key_file), record.kid


def sign_jws(key: ec.EllipticCurvePrivateKey, header: dict[str, Any],
             payload: dict[str, Any]) -> str:
    """Compact JWS over JSON ``header`` and ``payload`` (ES256: raw r || s, RFC 7518 3.4)."""
    signing_input = ".".join(b64url(json_bytes(part))
                             for part in ({**header, "alg": "ES256"}, payload))
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"),
                                         ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def issuer_metadata(session: Session, keystore: KeyStore, base_url: str,
                    issuer: Issuer) -> dict[str, Any]:
    """JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc §5): ``issuer`` and ``jwks``."""
    record = ensure_key(session, keystore, issuer)
    jwk = {**record.public_jwk, "kid": record.kid, "use": "sig", "alg": "ES256"}
    return {"issuer": issuer_url(base_url, issuer.slug), "jwks": {"keys": [jwk]}}
