"""Making a JAdES seal (ETSI TS 119 182-1, baseline B-B) as EDC issuers do: a JWS in JSON
serialisation with an unencoded payload (RFC 7797 b64:false), the certificate chain in
``x5c``, its ``x5t#S256``, the claimed signing time ``sigT`` and EDC's ``typ``/``cty``.
No ``sigTst``: mcred has no time-stamping authority to ask (docs/eseal-issuing.md)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from app.seals import jades, qualified

# As in EDC's sealed sample (Sample-MC-Annex1-signed-jades.json).
TYP, CTY = "jose+json", "octet-stream"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    # JWS wants r ‖ s (RFC 7518 §3.4), not the DER SEQUENCE cryptography returns.
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def seal(payload: bytes, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
         chain: list[x509.Certificate], at: datetime) -> dict[str, Any]:
    """The general JWS JSON serialisation sealing ``payload`` (UTF-8 JSON text) with ``key``
    and the certificate chain ``chain`` (signer first)."""
    ders = [c.public_bytes(serialization.Encoding.DER) for c in chain]
    protected = {
        "alg": "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256",
        "cty": CTY, "typ": TYP,
        "x5t#S256": _b64url(hashlib.sha256(ders[0]).digest()),
        "x5c": [base64.b64encode(der).decode("ascii") for der in ders],
        "sigT": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "b64": False, "crit": ["b64", "sigT"],
    }
    protected_b64 = _b64url(json.dumps(protected, separators=(",", ":")).encode("utf-8"))
    signature = _signature(key, protected_b64.encode("ascii") + b"." + payload)
    return {"payload": payload.decode("utf-8"),
            "signatures": [{"protected": protected_b64, "signature": _b64url(signature)}]}


def sealer_of(document: bytes) -> str | None:
    """The organisation whose certificate (x5c[0]) sealed a stored sealed rendering."""
    try:
        envelope = jades.parse(json.loads(document))
        return qualified.sealer(asn1_x509.Certificate.load(envelope.certificates[0])).name
    except (ValueError, TypeError, IndexError, jades.SealError):
        return None
