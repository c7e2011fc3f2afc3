"""Trusted lists: import (signature first: the LOTL against pinned certificates, a national
list against the certificates the LOTL names for its territory), refresh from the configured
files, and the lookup a seal check asks: is this certificate's CA a qualified service for
e-seals at that time?"""

from __future__ import annotations

import hashlib
import logging
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.config import Settings
from app.db import utcnow
from app.trustlists import parse, xmlsig
from app.trustlists.models import TrustedListRecord, TrustService, TrustServiceKey
from app.trustlists.parse import ListError

log = logging.getLogger(__name__)
LOTL_SCOPE = "LOTL"


def _pinned_lotl_certificates(settings: Settings) -> list[x509.Certificate]:
    path = settings.trust_lotl_certs
    if path is None:
        raise ListError("no-pinned-certificates",
                        "MCRED_TRUST_LOTL_CERTS is not set: no LOTL signer is trusted")
    try:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ListError("no-pinned-certificates",
                        f"MCRED_TRUST_LOTL_CERTS cannot be read: {exc}") from None


def _national_signers(session: Session, territory: str) -> list[x509.Certificate]:
    lotl = session.scalar(select(TrustedListRecord).where(TrustedListRecord.scope == LOTL_SCOPE))
    if lotl is None:
        raise ListError("no-lotl", "import the EU List of Trusted Lists before national lists")
    certs = [bytes.fromhex(c) for p in lotl.pointers if p["territory"] == territory
             for c in p["certificates"]]
    if not certs:
        raise ListError("not-in-lotl", f"the LOTL names no signer for territory {territory}")
    try:
        return [x509.load_der_x509_certificate(c) for c in certs]
    except ValueError:
        raise ListError("not-in-lotl", f"the LOTL's signer certificate for {territory}"
                                       " cannot be read") from None


def _spki_sha256(public_key: Any) -> str:
    return hashlib.sha256(public_key.public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def _service_row(service: parse.Service) -> TrustService:
    row = TrustService(tsp_name=service.tsp_name, service_name=service.service_name,
                       service_type=service.service_type[:200], history=[
                           {**asdict(s), "start": s.start.isoformat()} for s in service.history])
    for der in service.certificates:
        try:  # cryptography reads a certificate's parts lazily: any of them may be invalid
            cert = x509.load_der_x509_certificate(der)
            public_key = cert.public_key()
            try:
                ski = cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                ski = x509.SubjectKeyIdentifier.from_public_key(
                    public_key).digest  # type: ignore[arg-type]
        except (ValueError, UnsupportedAlgorithm):
            raise ListError("bad-content", f"a certificate of {service.service_name!r} cannot"
                                           " be read") from None
        row.keys.append(TrustServiceKey(ski=ski.hex(), spki_sha256=_spki_sha256(public_key),
                                        certificate=der))
    row.keys += [TrustServiceKey(ski=ski.hex()[:128]) for ski in service.skis]
    return row


@dataclass(frozen=True)
class Imported:
    scope: str
    sequence_number: int
    services: int
    unchanged: bool

    def to_json(self) -> dict[str, Any]:
        return {"outcome": "unchanged" if self.unchanged else "imported", "scope": self.scope,
                "sequenceNumber": self.sequence_number, "services": self.services}


def import_list(session: Session, settings: Settings, data: bytes, source: str,
                actor: str) -> Imported:
    """Check and store one trusted list, replacing the previous good copy of its scope;
    ListError (nothing changed) when it is refused."""
    root = parse.parse_xml(data, settings.max_trust_list_bytes)
    claimed = parse.read_list(root)  # unsigned yet: only to choose whose signature to expect
    pinned = (_pinned_lotl_certificates(settings) if claimed.lotl
              else _national_signers(session, claimed.territory))
    signed, signer = xmlsig.verify(data, root, pinned)
    content = parse.read_list(signed)
    if (content.lotl, content.territory) != (claimed.lotl, claimed.territory):
        raise ListError("signature-invalid", "the signed content is not the list presented")
    scope = LOTL_SCOPE if content.lotl else content.territory
    digest = hashlib.sha256(data).hexdigest()
    current = session.scalar(select(TrustedListRecord).where(TrustedListRecord.scope == scope))
    if current is not None and current.sha256 == digest:
        return Imported(scope, current.sequence_number, len(current.services), True)
    if current is not None and content.sequence_number < current.sequence_number:
        raise ListError("older-than-current", f"sequence number {content.sequence_number} is"
                        f" older than the stored {current.sequence_number}")
    services = [_service_row(s) for s in content.services]
    if current is not None:
        session.delete(current)
        session.flush()
    record = TrustedListRecord(
        scope=scope, territory=content.territory, operator=content.operator,
        sequence_number=content.sequence_number, issued_at=content.issued_at,
        next_update=content.next_update, sha256=digest,
        signer_sha256=hashlib.sha256(signer.public_bytes(Encoding.DER)).hexdigest(),
        source=source[:500], document=data, imported_at=utcnow(),
        pointers=[{"territory": p.territory, "location": p.location,
                   "certificates": [c.hex() for c in p.certificates]} for p in content.pointers],
        services=services)
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        # another process stored this scope meanwhile (its unique key): let the caller retry
        raise ListError("concurrent-import", f"{scope} was imported at the same time;"
                                             " try again") from None
    audit.record(session, actor, "trustlist.import", scope, sequence=content.sequence_number,
                 sha256=digest, source=source[:500], services=len(services))
    return Imported(scope, content.sequence_number, len(services), False)


def refresh(session: Session, settings: Settings, actor: str,
            files: list[Path] | None = None) -> list[dict[str, Any]]:
    """Re-import each file (the configured ones by default) in order, each in a savepoint: a
    refused or unreadable file keeps its previous good copy and is reported by reason."""
    results = []
    for path in files if files is not None else settings.trust_list_files:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            results.append({"file": str(path), "outcome": "refused", "reason": "unreadable",
                            "detail": exc.strerror or str(exc)})
            continue
        try:
            with session.begin_nested():
                done = import_list(session, settings, data, f"file:{path}", actor)
            results.append({"file": str(path), **done.to_json()})
        except ListError as exc:
            log.warning("trusted list %s refused: %s", path, exc.reason)
            audit.record(session, actor, "trustlist.refused", str(path)[:500],
                         reason=exc.reason, detail=exc.detail[:500])
            results.append({"file": str(path), "outcome": "refused", "reason": exc.reason,
                            "detail": exc.detail})
    return results


def list_lists(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(TrustedListRecord).order_by(TrustedListRecord.scope))
    return [{"scope": r.scope, "territory": r.territory, "operator": r.operator,
             "sequenceNumber": r.sequence_number, "issued": r.issued_at.isoformat(),
             "nextUpdate": r.next_update.isoformat() if r.next_update else None,
             "services": len(r.services), "source": r.source, "sha256": r.sha256,
             "imported": r.imported_at.isoformat()} for r in rows]


@dataclass(frozen=True)
class TrustAnswer:
    """What the trusted lists say about a certificate's CA at a time. ``qualified`` is None
    when no imported list knows the CA."""

    qualified: bool | None
    service_name: str | None = None
    tsp_name: str | None = None
    territory: str | None = None
    status_at_time: str | None = None
    reason: str = ""
    warnings: tuple[str, ...] = ()  # e.g. the list is past its NextUpdate
    # Qualifications that apply to the certificate (QCForESeal, QCWithQSCD, NotQualified…),
    # for the seal check to weigh against the certificate's own QC statements
    qualifiers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"qualified": self.qualified, "serviceName": self.service_name,
                "tspName": self.tsp_name, "territory": self.territory,
                "statusAtTime": self.status_at_time, "reason": self.reason,
                "warnings": list(self.warnings), "qualifiers": list(self.qualifiers)}


ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")


def organisation_identifier(cert: x509.Certificate) -> str | None:
    """The subject's organizationIdentifier (e.g. ``VATES-G63287510``), what
    ``registry.service.registry_entry_for_seal`` looks an issuer up by."""
    try:
        values = cert.subject.get_attributes_for_oid(ORGANIZATION_IDENTIFIER)
    except ValueError:
        return None
    value = values[0].value if values else None
    return value.strip()[:100] if isinstance(value, str) and value.strip() else None


def _aki(cert: x509.Certificate) -> str | None:
    try:
        value = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    return value.key_identifier.hex() if value.key_identifier else None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, TypeError, ValueError, UnsupportedAlgorithm):
        return False
    return True


def _policies(cert: x509.Certificate) -> set[str]:
    try:
        value = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except (x509.ExtensionNotFound, ValueError):
        return set()
    return {p.policy_identifier.dotted_string for p in value}


def _judge(service: TrustService, seal: x509.Certificate, at: datetime) -> TrustAnswer:
    listed = service.trusted_list
    named: dict[str, Any] = {"service_name": service.service_name,
                             "tsp_name": service.tsp_name, "territory": listed.territory}
    if listed.next_update is not None and listed.next_update < utcnow():
        # TS 119 612 §5.3.15: the list should have been replaced by then; it still answers
        named["warnings"] = (f"the {listed.territory} trusted list was due for an update on"
                             f" {listed.next_update.date().isoformat()}",)
    status = next((s for s in service.history if datetime.fromisoformat(s["start"]) <= at),
                  None)
    if status is None:
        return TrustAnswer(False, **named, reason="the service was not listed at that time")
    named["status_at_time"] = status["status"]
    if status["service_type"] != parse.CA_QC:
        return TrustAnswer(False, **named, reason="the service is not a CA issuing"
                                                  " qualified certificates (CA/QC)")
    if status["status"] != parse.GRANTED:
        return TrustAnswer(False, **named, reason="the service was not granted at that time")
    if not status["for_eseals"]:
        return TrustAnswer(False, **named, reason="the service is not listed for e-seals")
    qualifiers, skipped = _qualifiers(status["qualifications"], _policies(seal))
    named["qualifiers"] = qualifiers
    if skipped:
        named["warnings"] = (*named.get("warnings", ()), "a qualification of the service with"
                             " criteria other than policy sets was not evaluated")
    if parse.NOT_QUALIFIED in qualifiers:
        return TrustAnswer(False, **named, reason="the list says certificates like this one"
                                                  " are not qualified (NotQualified)")
    return TrustAnswer(True, **named, reason="granted CA/QC service for e-seals at that time")


def _qualifiers(qualifications: list[dict[str, Any]],
                policies: set[str]) -> tuple[tuple[str, ...], bool]:
    """The qualifier URIs of the Qualifications whose PolicySet criteria the certificate's
    policies meet (TS 119 612 §5.5.9.2: a set is met when the certificate has all of its
    policies; ``assert`` all / atLeastOne / none over the sets), and whether some
    qualification was skipped because it has criteria of another kind."""
    applying: list[str] = []
    skipped = False
    for qualification in qualifications:
        if qualification["other_criteria"]:
            skipped = True
            continue
        met = [bool(ids) and set(ids) <= policies for ids in qualification["policy_sets"]]
        rule = qualification["assert"]
        if (rule == "all" and met and all(met)) or (rule == "atLeastOne" and any(met)) \
                or (rule == "none" and not any(met)):
            applying += [q for q in qualification["qualifiers"] if q not in applying]
    return tuple(applying), skipped


def _vouched(session: Session, listed: TrustedListRecord) -> bool:
    """Whether the stored LOTL still names the certificate that signed this national list:
    a LOTL imported later may have dropped it (a compromised or replaced operator key)."""
    lotl = session.scalar(select(TrustedListRecord).where(TrustedListRecord.scope == LOTL_SCOPE))
    if lotl is None:
        return False
    named = {hashlib.sha256(bytes.fromhex(c)).hexdigest() for p in lotl.pointers
             if p["territory"] == listed.territory for c in p["certificates"]}
    return listed.signer_sha256 in named


def trust_for_certificate(session: Session, chain: list[x509.Certificate],
                          at: datetime) -> TrustAnswer:
    """The trusted lists' answer for the e-seal certificate ``chain[0]`` (its CA certificates
    after it, if known) at ``at`` (the signing time, timezone-aware)."""
    if not chain:
        return TrustAnswer(None, reason="no certificate")
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at  # a zone-less time is UTC
    for position, cert in enumerate(chain):
        if position and not _issued_by(chain[position - 1], cert):
            break  # the chain given is broken here: nothing above it vouches for the seal
        issuer = chain[position + 1] if position + 1 < len(chain) else None
        wanted = [TrustServiceKey.ski == aki for aki in [_aki(cert)] if aki]
        if issuer is not None:
            with suppress(ValueError, UnsupportedAlgorithm):  # an unreadable key matches none
                wanted.append(TrustServiceKey.spki_sha256 == _spki_sha256(issuer.public_key()))
        if not wanted:
            continue
        answers = []
        for key in session.scalars(select(TrustServiceKey).where(or_(*wanted))):
            if key.certificate is None:
                # An X509SKI alone: anyone can mint a CA certificate with that identifier,
                # so a CA certificate the seal brings proves nothing against it.
                continue
            ca = x509.load_der_x509_certificate(key.certificate)
            if not _issued_by(cert, ca):
                continue  # the signature must check against the listed key
            service = session.get(TrustService, key.service_id)
            if service is not None and _vouched(session, service.trusted_list):
                answers.append(_judge(service, chain[0], at))
        if answers:
            return next((a for a in answers if a.qualified), answers[0])
    return TrustAnswer(None, reason="the certificate's CA is on no imported trusted list")
