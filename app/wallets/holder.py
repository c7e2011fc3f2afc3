"""The holder's key as a DID: wallets prove a public JWK or a did:key; the credential names a DID.

did:key (v0.7) encodes Ed25519 (multicodec 0xed) and P-256 (0x1200, compressed point) keys,
the two that OpenID4VCI wallets and the Learner Credential Wallet use.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.proofs.multikey import ED25519_PUB_PREFIX, decode_base58btc, encode_base58btc

P256_PUB_PREFIX = b"\x80\x24"  # varint of multicodec 0x1200 (p256-pub)
MAX_DID_LENGTH = 200
# did:key:z + base58btc of 34 (Ed25519) or 35 (P-256) bytes; nothing else is bound.
_DID_KEY = re.compile(r"did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}")


class HolderKeyError(ValueError):
    """A holder key or DID that cannot be bound to a credential."""


def _unb64url(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or len(value) > 100:
        raise HolderKeyError(f"jwk.{name} must be a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise HolderKeyError(f"jwk.{name} is not base64url") from exc


def did_from_jwk(jwk: Any) -> str:
    """``did:key`` of a public Ed25519 (OKP) or P-256 (EC) JWK; private keys are refused."""
    if not isinstance(jwk, dict):
        raise HolderKeyError("jwk must be a JSON object")
    if "d" in jwk:
        raise HolderKeyError("jwk must be a public key: it carries the private 'd'")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        raw = _unb64url(jwk.get("x"), "x")
        if len(raw) != 32:
            raise HolderKeyError("an Ed25519 jwk.x is 32 bytes")
        return "did:key:" + encode_base58btc(ED25519_PUB_PREFIX + raw)
    if kty == "EC" and crv == "P-256":
        x, y = _unb64url(jwk.get("x"), "x"), _unb64url(jwk.get("y"), "y")
        if len(x) != 32 or len(y) != 32:
            raise HolderKeyError("P-256 jwk.x and jwk.y are 32 bytes each")
        try:  # on the curve, or no credential is bound to it
            point = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"),
                                                  int.from_bytes(y, "big"), ec.SECP256R1())
            key = point.public_key()
        except ValueError as exc:
            raise HolderKeyError("the P-256 jwk is not a point on the curve") from exc
        compressed = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        return "did:key:" + encode_base58btc(P256_PUB_PREFIX + compressed)
    raise HolderKeyError("holder keys must be Ed25519 (OKP) or P-256 (EC) JWKs")


def check_holder_did(did: Any) -> str:
    """A did:key naming an Ed25519 or P-256 key, returned unchanged; anything else refused."""
    if not isinstance(did, str) or len(did) > MAX_DID_LENGTH or not _DID_KEY.fullmatch(did):
        raise HolderKeyError("the holder must be a did:key (Ed25519 or P-256)")
    data = decode_base58btc(did.removeprefix("did:key:"))
    if not ((data.startswith(ED25519_PUB_PREFIX) and len(data) == 34)
            or (data.startswith(P256_PUB_PREFIX) and len(data) == 35)):
        raise HolderKeyError("the holder did:key is neither an Ed25519 nor a P-256 key")
    return did
