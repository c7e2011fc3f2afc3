"""The JAdES envelope: a JWS in JSON serialisation (general or flattened), its protected and
unprotected (``etsiU``) headers, and the signature over the payload (RFC 7515, RFC 7797)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from app.messages import Message, msg

MAX_X5C = 10
MAX_ETSIU = 64
# Header parameters this verifier understands and processes (RFC 7515 §4.1.11: a name in
# `crit` that is not among them makes the signature invalid).
UNDERSTOOD_CRIT = frozenset({"b64", "sigT", "x5t#S256", "adoTst"})
# RFC 7515 §4.1.11: `crit` must not list the names the JWS specs themselves define.
_REGISTERED = frozenset({"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ",
                         "cty", "crit"})
_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA")


class SealError(ValueError):
    """The envelope cannot be read or breaks a JWS/JAdES rule; ``code`` is stable."""

    def __init__(self, code: str, message: Message) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def b64url_decode(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or "=" in value or "+" in value or "/" in value:
        raise SealError("malformed-envelope", msg("%(what)s is not base64url", what=what))
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise SealError("malformed-envelope", msg("%(what)s is not base64url", what=what)) from None


def b64_decode(value: Any, what: str) -> bytes:
    """Standard base64 (x5c, tstTokens' `val`), strictly."""
    if not isinstance(value, str):
        raise SealError("malformed-envelope", msg("%(what)s is not base64", what=what))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SealError("malformed-envelope", msg("%(what)s is not base64", what=what)) from None


def is_jades(doc: Any) -> bool:
    """A JWS JSON serialisation: what an EDC seal looks like on the wire."""
    return isinstance(doc, dict) and "payload" in doc and (
        "signatures" in doc or ("protected" in doc and "signature" in doc))


@dataclass
class Envelope:
    protected_b64: str
    protected: dict[str, Any]
    header: dict[str, Any]
    signature_b64: str
    signature: bytes
    payload_text: str  # as in the JWS: the payload itself (b64:false) or its base64url
    payload: bytes  # the bytes signed over and read as the credential
    certificates: list[bytes]  # x5c, DER, signer first
    etsi_u: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def unencoded(self) -> bool:
        return self.protected.get("b64") is False

    @property
    def alg(self) -> str:
        return str(self.protected.get("alg"))

    def signing_input(self) -> bytes:
        # RFC 7797 §3: with b64:false the payload's own bytes follow the protected header.
        return self.protected_b64.encode("ascii") + b"." + (
            self.payload if self.unencoded else self.payload_text.encode("ascii"))

    def unprotected(self, name: str) -> list[tuple[int, Any]]:
        """(position in etsiU, value) of each `etsiU` entry named ``name``."""
        return [(i, entry[name]) for i, (_, entry) in enumerate(self.etsi_u) if name in entry]

    def claimed_signing_time(self) -> datetime | None:
        value = self.protected.get("sigT")
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")) \
                if isinstance(value, str) and value.endswith("Z") else None
        except ValueError:
            return None


def parse(doc: dict[str, Any]) -> Envelope:
    """Read one JAdES signature; SealError for anything malformed or out of bounds."""
    if "signatures" in doc:
        signatures = doc["signatures"]
        if not isinstance(signatures, list) or not signatures:
            raise SealError("malformed-envelope", msg("signatures must be a non-empty list"))
        if len(signatures) != 1:
            raise SealError("several-signatures", msg("only a JWS with one signature is supported"))
        entry = signatures[0]
    else:
        entry = doc
    if not isinstance(entry, dict):
        raise SealError("malformed-envelope", msg("a signature must be an object"))
    protected_b64 = entry.get("protected")
    protected_raw = b64url_decode(protected_b64, "protected")
    try:
        protected = json.loads(protected_raw)
    except (ValueError, UnicodeDecodeError):
        raise SealError("malformed-envelope", msg("the protected header is not JSON")) from None
    if not isinstance(protected, dict):
        raise SealError("malformed-envelope", msg("the protected header is not a JSON object"))
    header = entry.get("header", {})
    if not isinstance(header, dict):
        raise SealError("malformed-envelope", msg("header must be an object"))
    if set(header) & set(protected) - {"etsiU"}:
        # RFC 7515 §7.2.1: the header parameter sets must be disjoint.
        raise SealError("malformed-envelope", msg("a header parameter is both protected and not"))
    signature_b64 = entry.get("signature")
    signature = b64url_decode(signature_b64, "signature")
    payload_text = doc.get("payload")
    if not isinstance(payload_text, str):
        raise SealError("detached-payload", msg("the payload is not in the envelope (detached"
                                                " JAdES signatures are not supported)"))
    b64 = protected.get("b64", True)
    if not isinstance(b64, bool):
        raise SealError("malformed-envelope", msg("b64 must be true or false"))
    payload = payload_text.encode("utf-8") if b64 is False else \
        b64url_decode(payload_text, "payload")
    return Envelope(protected_b64, protected, header, signature_b64, signature, payload_text,
                    payload, _x5c(protected), _etsi_u(header))


def _x5c(protected: dict[str, Any]) -> list[bytes]:
    chain = protected.get("x5c")
    if not isinstance(chain, list) or not chain:
        raise SealError("no-certificate", msg("the protected header carries no x5c certificate"))
    if len(chain) > MAX_X5C:
        raise SealError("too-many-certificates",
                        msg("x5c holds more than %(n)s certificates", n=MAX_X5C))
    return [b64_decode(c, "x5c") for c in chain]


def _etsi_u(header: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    entries = header.get("etsiU", [])
    if not isinstance(entries, list):
        raise SealError("malformed-envelope", msg("etsiU must be a list"))
    if len(entries) > MAX_ETSIU:
        raise SealError("too-many-entries", msg("etsiU holds more than %(n)s entries", n=MAX_ETSIU))
    out = []
    for raw in entries:
        # TS 119 182-1: each entry is the base64url of a JSON object with one member
        # (the "base64url" form DSS writes); a clear JSON object is read as well.
        if isinstance(raw, dict):
            value, text = raw, json.dumps(raw, separators=(",", ":"))
        else:
            try:
                value = json.loads(b64url_decode(raw, "an etsiU entry"))
            except (ValueError, UnicodeDecodeError):
                raise SealError("malformed-envelope", msg("an etsiU entry is not JSON")) from None
            text = raw
        if not isinstance(value, dict) or len(value) != 1:
            raise SealError("malformed-envelope", msg("an etsiU entry must hold one property"))
        out.append((text, value))
    return out


def check_crit(protected: dict[str, Any]) -> Message | None:
    """What is wrong with `crit` (RFC 7515 §4.1.11, RFC 7797 §6), or None."""
    crit = protected.get("crit")
    if crit is None:
        return msg("b64 is false but not listed in crit") if protected.get("b64") is False \
            else None
    if not isinstance(crit, list) or not crit or not all(isinstance(n, str) for n in crit):
        return msg("crit must be a non-empty list of names")
    registered = sorted(set(crit) & _REGISTERED - {"x5t#S256"})
    if registered:
        return msg("crit lists header parameters the JWS specification defines: %(names)s",
                   names=", ".join(registered))
    missing = [n for n in crit if n not in protected]
    if missing:
        return msg("crit lists parameters the header does not carry: %(names)s",
                   names=", ".join(missing))
    unknown = [n for n in crit if n not in UNDERSTOOD_CRIT]
    if unknown:
        return msg("crit lists parameters mcred does not support: %(names)s",
                   names=", ".join(unknown))
    if protected.get("b64") is False and "b64" not in crit:
        return msg("b64 is false but not listed in crit")
    return None


def thumbprint_problem(env: Envelope) -> Message | None:
    """x5t#S256 must be the SHA-256 of x5c[0] (RFC 7515 §4.1.8), when given."""
    given = env.protected.get("x5t#S256")
    if given is None:
        return None
    expected = base64.urlsafe_b64encode(hashlib.sha256(env.certificates[0]).digest())
    if not isinstance(given, str) or given.encode() != expected.rstrip(b"="):
        return msg("x5t#S256 is not the digest of the x5c certificate")
    return None


def kid_problem(env: Envelope, certificate: Any) -> Message | None:
    """A JAdES `kid` is the base64 DER IssuerSerial of the signing certificate (as DSS writes
    it, and the Europass sample has it): when it reads as one, it must name x5c[0] (an
    asn1crypto certificate)."""
    from asn1crypto import cms

    kid = env.protected.get("kid")
    if not isinstance(kid, str):
        return None
    try:
        named = cms.IssuerSerial.load(base64.b64decode(kid, validate=True), strict=True)
        issuers = [n.chosen for n in named["issuer"] if n.name == "directory_name"]
        serial = named["serial"].native
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None  # some other kind of key id: RFC 7515 leaves its form open
    if serial != certificate.serial_number or certificate.issuer not in issuers:
        return msg("kid names another certificate (issuer and serial number) than x5c[0]")
    return None


def verify_signature(env: Envelope, certificate: x509.Certificate) -> bool:
    """The JWS signature over the signing input with ``certificate``'s key (RFC 7518 §3)."""
    alg, data, sig = env.alg, env.signing_input(), env.signature
    try:
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return False
    try:
        if alg.startswith("RS") and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), _HASHES[alg[2:]]())
        elif alg.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            digest = _HASHES[alg[2:]]()
            key.verify(sig, data, padding.PSS(padding.MGF1(digest), digest.digest_size), digest)
        elif alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(sig) // 2  # JWS: r || s, not DER
            der = encode_dss_signature(int.from_bytes(sig[:half]), int.from_bytes(sig[half:]))
            key.verify(der, data, ec.ECDSA(_HASHES[alg[2:]]()))
        elif alg == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(sig, data)
        else:
            return False
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True
