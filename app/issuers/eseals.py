"""Issuers' e-seals: a PKCS#12 upload (certificate and private key) checked, stored and
removed. The key is kept only as ``KeyStore.seal`` ciphertext (PKCS#8 DER, AES-256-GCM under
the key store's KEK), the chain as PEM; the upload's password is used once and dropped. Every
refusal is a named problem (``urn:mcred:problem:eseal-…``)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import pkcs12 as apkcs12
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy.orm import Session

from app import audit
from app.errors import ProblemError
from app.issuers.keys import KeyStore
from app.issuers.models import Issuer, IssuerESeal
from app.seals import qualified, sealing

MAX_UPLOAD = 64 * 1024  # a PKCS#12 of a key and a few certificates is a few KiB
MAX_PASSWORD = 1024
# OpenSSL writes 2048 iterations, cryptography 20000, other tools up to a few 100 000.
MAX_ITERATIONS = 1_000_000
MIN_RSA_BITS = 2048
# EN 319 412-1 §5.1.4: a legal person's semantics identifier is 3 letters (VAT, NTR, PSD,
# LEI) or 2 letters and ":" (a national scheme), the country (2 letters), "-", the number.
_ORG_ID = re.compile(r"^(?:VAT|NTR|PSD|LEI|[A-Z]{2}:)([A-Z]{2})-[0-9A-Za-z./:+-]{1,80}$")


def _problem(status: int, slug: str, title: str, detail: str) -> ProblemError:
    return ProblemError(status, f"eseal-{slug}", title, detail)


@dataclass(frozen=True)
class Checked:
    """A usable e-seal: its private key, the chain (signer first) and what it names."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate]
    sealer: qualified.Sealer
    algorithm: str


def _load(data: bytes, password: str) -> tuple[Any, x509.Certificate | None, list[Any]]:
    if len(data) > MAX_UPLOAD:
        raise _problem(413, "too-large", "E-seal file too large",
                       f"a PKCS#12 file is at most {MAX_UPLOAD // 1024} KiB")
    if len(password) > MAX_PASSWORD:
        raise _problem(422, "bad-password-field", "Password too long",
                       f"the password is at most {MAX_PASSWORD} characters")
    try:  # its outer structure first: a wrong password is then told from a wrong file
        pfx = apkcs12.Pfx.load(data, strict=True)
        if pfx["auth_safe"]["content_type"].native != "data":
            raise ValueError("not password-integrity PKCS#12")
        iterations = _iteration_counts(pfx)
    except (ValueError, TypeError, KeyError):
        raise _problem(422, "not-pkcs12", "Not a PKCS#12 file",
                       "the file is not a PKCS#12 (.p12/.pfx) archive") from None
    if max(iterations, default=0) > MAX_ITERATIONS:
        raise _problem(422, "too-costly", "Key derivation too costly",
                       f"the file asks for more than {MAX_ITERATIONS} key-derivation"
                       " iterations; export it with the usual settings")
    try:
        return pkcs12.load_key_and_certificates(data, password.encode("utf-8") or None)
    except (ValueError, TypeError):
        raise _problem(422, "wrong-password", "Wrong password",
                       "the password does not open this PKCS#12 file") from None
    except UnsupportedAlgorithm:  # a cipher inside mcred's OpenSSL lacks: bad input, no 500
        raise _problem(422, "not-pkcs12", "Unreadable PKCS#12 file",
                       "the PKCS#12 file uses an encryption or format mcred cannot read"
                       ) from None


def _iteration_counts(pfx: apkcs12.Pfx) -> list[int]:
    """The key-derivation iteration counts the file asks for (its MAC, its encrypted parts and
    the key bags that are not inside one): each is work done before the password is known to
    be wrong, so a file asking for billions would hold a worker for hours."""
    found: list[int] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                if name in ("iterations", "iteration_count") and isinstance(inner, int):
                    found.append(inner)
                walk(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner)

    mac = pfx["mac_data"]
    if mac.native is not None:
        found.append(int(mac["iterations"].native))
    for info in pfx.authenticated_safe:
        walk(info.native)
        if info["content_type"].native == "data":
            walk(apkcs12.SafeContents.load(info["content"].native).native)
    return found


def _algorithm(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise _problem(422, "weak-key", "Key too short",
                           f"an RSA e-seal key has at least {MIN_RSA_BITS} bits,"
                           f" this one {key.key_size}")
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise _problem(422, "unsupported-key", "Unsupported key type",
                   "an e-seal key is RSA (2048 bits or more) or EC P-256")


def _public(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def check(data: bytes, password: str, issuer: Issuer, now: datetime | None = None) -> Checked:
    """The e-seal in PKCS#12 ``data``, or the named problem that makes it unusable."""
    key, cert, extra = _load(data, password)
    if key is None:
        raise _problem(422, "no-key", "No private key",
                       "the PKCS#12 file holds no private key (only certificates?)")
    algorithm = _algorithm(key)
    if cert is None:  # no certificate paired with the key: is its certificate among the rest?
        if not extra:
            raise _problem(422, "no-certificate", "No certificate",
                           "the PKCS#12 file holds no certificate for its key")
        cert = next((c for c in extra if _spki(c) == _public(key)), None)
        extra = [c for c in extra if c is not cert]
    if cert is None or _public(key) != _spki(cert):
        raise _problem(422, "key-mismatch", "Key does not match the certificate",
                       "the private key is not the key of the certificate")
    now = now or datetime.now(UTC)
    if cert.not_valid_after_utc <= now:
        raise _problem(422, "expired", "Certificate expired",
                       f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
    if cert.not_valid_before_utc > now:
        raise _problem(422, "not-yet-valid", "Certificate not yet valid",
                       f"the certificate is valid from {cert.not_valid_before_utc:%Y-%m-%d}")
    sealer = qualified.sealer(ax509.Certificate.load(
        cert.public_bytes(serialization.Encoding.DER)))
    if not sealer.identifier:
        raise _problem(422, "no-organisation-identifier", "No organisation identifier",
                       "the certificate's subject has no organizationIdentifier (2.5.4.97):"
                       " the credential's issuer could not be bound to the seal")
    found = _ORG_ID.match(sealer.identifier)
    if found is None:
        raise _problem(422, "identifier-unusable", "Organisation identifier unusable",
                       f"{sealer.identifier!r} is not a legal person's identifier of"
                       " EN 319 412-1 (e.g. VATBE-0123456789, NTREE-12345678, LEIXG-…)")
    if found.group(1) not in ("XG", issuer.country.upper()):
        raise _problem(422, "identifier-mismatch", "Another country's organisation",
                       f"the certificate names {sealer.identifier}, an organisation of"
                       f" {found.group(1)}; the issuer is registered in {issuer.country}")
    return Checked(key, [cert, *extra], sealer, algorithm)


def _context(issuer: Issuer, nonce: str) -> str:
    return f"eseal:{issuer.id}:{nonce}"


def store(session: Session, keystore: KeyStore, issuer: Issuer, checked: Checked,
          actor: str) -> IssuerESeal:
    """Replace the issuer's e-seal with ``checked`` (the old key is gone with its row)."""
    existing = session.get(IssuerESeal, issuer.id)
    if existing is not None:
        session.delete(existing)
        session.flush()
    context = _context(issuer, secrets.token_hex(8))
    der = checked.key.private_bytes(serialization.Encoding.DER,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    row = IssuerESeal(
        issuer_id=issuer.id, sealed_key=keystore.seal(der, context), key_context=context,
        chain_pem="".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii")
                          for c in checked.chain),
        org_identifier=checked.sealer.identifier or "",
        organisation=(checked.sealer.organisation or checked.sealer.name)[:300],
        algorithm=checked.algorithm, not_after=checked.chain[0].not_valid_after_utc,
        uploaded_by=actor[:320])
    session.add(row)
    audit.record(session, actor, "issuer.eseal-upload", issuer.slug, issuer_id=issuer.id,
                 organisationIdentifier=row.org_identifier,
                 certificateSha256=_fingerprint(checked.chain[0]))
    session.flush()
    return row


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def current(session: Session, issuer: Issuer) -> IssuerESeal | None:
    return session.get(IssuerESeal, issuer.id)


def get(session: Session, issuer: Issuer) -> IssuerESeal:
    row = current(session, issuer)
    if row is None:
        raise _problem(404, "none", "No e-seal", f"issuer '{issuer.slug}' has no e-seal")
    return row


def remove(session: Session, issuer: Issuer, actor: str) -> None:
    row = get(session, issuer)
    audit.record(session, actor, "issuer.eseal-remove", issuer.slug, issuer_id=issuer.id,
                 organisationIdentifier=row.org_identifier)
    session.delete(row)
    session.flush()


def chain(row: IssuerESeal) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(row.chain_pem.encode("ascii"))


def private_key(keystore: KeyStore, row: IssuerESeal) -> Any:
    der = keystore.unseal(row.sealed_key, row.key_context)
    return serialization.load_der_private_key(der, password=None)


def describe(row: IssuerESeal) -> dict[str, Any]:
    """What the admin API and the console show: the certificate, never the key."""
    certs = chain(row)
    signer = certs[0]
    parsed = ax509.Certificate.load(signer.public_bytes(serialization.Encoding.DER))
    sealer = qualified.sealer(parsed)
    claims = qualified.qc_claims(parsed)
    return {
        "subject": signer.subject.rfc4514_string(),
        "organisation": sealer.organisation,
        "organisationIdentifier": sealer.identifier,
        "issuer": signer.issuer.rfc4514_string(),
        "serialNumber": format(signer.serial_number, "x"),
        "notBefore": signer.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
        "notAfter": signer.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
        "algorithm": row.algorithm,
        "sha256": _fingerprint(signer),
        "chainLength": len(certs),
        "qcStatements": {**claims.to_json(), "level": claims.level},
        "uploadedAt": row.uploaded_at.isoformat().replace("+00:00", "Z")
        if row.uploaded_at else None,
        "uploadedBy": row.uploaded_by,
    }


def usable(session: Session, issuer: Issuer, now: datetime | None = None) -> IssuerESeal | None:
    """The issuer's e-seal if it can seal now: none is made with an expired certificate."""
    row = current(session, issuer)
    if row is None or row.not_after <= (now or datetime.now(UTC)):
        return None
    return row


def seal_credential(keystore: KeyStore, row: IssuerESeal, payload: bytes,
                    at: datetime) -> dict[str, Any]:
    """The JAdES seal of ``payload`` (the unsigned EDC credential) with the issuer's e-seal."""
    return sealing.seal(payload, private_key(keystore, row), chain(row), at)
