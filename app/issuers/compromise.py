"""A compromised signing key: mark it, find the credentials it signed, re-issue them.

Marking a key compromised takes it out of the issuer's DID document relationships (marked
``revoked``), so no verifier accepts a proof by it any more, whatever date the proof claims:
whoever holds the key can write any ``created``. The credentials it signed are therefore
re-signed, same content, same id and status entry, with the issuer's current key.

This module sits above ``credentials`` and ``status`` (it reads and rewrites their rows, as
the CLI does); nothing else in ``app.issuers`` imports it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.credentials.models import CredentialRecord
from app.credentials.service import credential_bytes
from app.db import utcnow
from app.dids.didkey import did_key_verification_method
from app.errors import ProblemError
from app.issuers import service
from app.issuers.keys import KeyStore
from app.issuers.models import Issuer, SigningKeyRecord
from app.proofs.dataintegrity import CRYPTOSUITES, RDFC, add_proof
from app.proofs.errors import ProofError
from app.status.models import StatusList


def key_methods(base_url: str, issuer: Issuer, key: SigningKeyRecord) -> tuple[str, str]:
    """The verification method ids a key signs under: the issuer's did:web and its did:key."""
    return (f"{service.issuer_did(base_url, issuer.slug)}#{key.fragment}",
            did_key_verification_method(key.public_key_multibase))


def _invalid_at(detail: str) -> ProblemError:
    return ProblemError(422, "validation-error", "Invalid request", detail,
                        errors=[{"field": "at", "message": detail, "code": "value_error"}])


def mark_compromised(session: Session, keystore: KeyStore, base_url: str, issuer: Issuer,
                     key: SigningKeyRecord, at: datetime, reason: str,
                     actor: str) -> SigningKeyRecord:
    """Record that ``key`` was compromised at ``at``; returns the issuer's current key (a new
    one when the compromised key was current). Audit-logged."""
    if key.compromised_at is not None:
        raise ProblemError(409, "key-compromised", "Key already compromised",
                           f"{key.fragment} was marked compromised"
                           f" (at {service.timestamp(key.compromised_at)})")
    if at.tzinfo is None:
        raise _invalid_at("at must be a date-time with a time zone, e.g. 2026-05-01T12:00:00Z")
    at = at.astimezone(UTC).replace(microsecond=0)
    if at > utcnow():
        raise _invalid_at(f"at {service.timestamp(at)} is in the future")
    if key.retired_at is None:  # it signs now: a new key takes over at once
        service.add_key(session, keystore, issuer, actor)
    key.compromised_at = at
    _forget_list_signatures(session, issuer, key_methods(base_url, issuer, key))
    audit.record(session, actor, "key.compromised", issuer.slug, key=key.fragment,
                 publicKeyMultibase=key.public_key_multibase, at=service.timestamp(at),
                 reason=reason, issuer_id=issuer.id)
    session.flush()
    return service.current_key(session, issuer)


def _proofs(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    return proof if isinstance(proof, list) else [] if proof is None else [proof]


def _signed_by(proof: Any, methods: tuple[str, ...]) -> bool:
    return isinstance(proof, dict) and proof.get("verificationMethod") in methods


def _forget_list_signatures(session: Session, issuer: Issuer, methods: tuple[str, ...]) -> None:
    """Status lists cached with a proof by the key are signed afresh (by the current key) on
    their next fetch; the version bump gives them a new ETag, so no cache keeps the old one.
    A list not stored signed is bumped too: a verifier may hold a copy it signed in memory
    (app.verify.caches keys those by version)."""
    lists = session.scalars(select(StatusList).where(StatusList.issuer_id == issuer.id))
    for status_list in lists:
        if status_list.signed is not None:
            try:
                document = json.loads(status_list.signed)
            except ValueError:
                document = None
            if isinstance(document, dict) and not any(_signed_by(p, methods)
                                                      for p in _proofs(document)):
                continue  # signed by another key: still good
        status_list.signed = None
        status_list.version += 1
        status_list.updated_at = utcnow()


@dataclass(frozen=True)
class SignedCredential:
    """A stored credential with a proof by the key in question."""

    id: str
    profile: str
    award_id: str | None
    issued_as: str  # the credential's issuer id
    proof_created: str | None
    reissuable: bool
    reason: str | None = None  # why it cannot be re-issued

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "profile": self.profile, "awardId": self.award_id,
               "issuedAs": self.issued_as, "proofCreated": self.proof_created,
               "reissuable": self.reissuable}
        if self.reason:
            out["reason"] = self.reason
        return out


def _issuer_id(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else ""


def _describe(record_id: str, profile: str, award_id: str | None, document: dict[str, Any],
              base_url: str, issuer: Issuer,
              methods: tuple[str, ...]) -> SignedCredential | None:
    by_key = [p for p in _proofs(document) if _signed_by(p, methods)]
    if not by_key:
        return None
    issued_as = _issuer_id(document)
    reason = None
    if issued_as != service.issuer_did(base_url, issuer.slug):
        # A did:key is the key itself: no other key can sign as it.
        reason = (f"issued as {issued_as}, which only the compromised key can sign for;"
                  " issue it anew") if issued_as.startswith("did:key:") else (
                  f"issued as {issued_as}, not as {service.issuer_did(base_url, issuer.slug)}")
    created = by_key[0].get("created")
    return SignedCredential(record_id, profile, award_id, issued_as,
                            created if isinstance(created, str) else None, reason is None,
                            reason)


def _scan(session: Session, base_url: str, issuer: Issuer,
          key: SigningKeyRecord) -> Iterator[SignedCredential]:
    methods = key_methods(base_url, issuer, key)
    # A byte search first: only credentials naming the method are parsed.
    needles = [json.dumps(m).encode("utf-8") for m in methods]
    rows = session.execute(
        select(CredentialRecord.id, CredentialRecord.profile, CredentialRecord.award_id,
               CredentialRecord.document)
        .where(CredentialRecord.issuer_id == issuer.id)
        .order_by(CredentialRecord.created_at, CredentialRecord.id)
        .execution_options(yield_per=500))
    for record_id, profile, award_id, raw in rows:
        if not any(n in raw for n in needles):
            continue
        try:
            document = json.loads(raw)
        except ValueError:
            continue
        if isinstance(document, dict):
            found = _describe(record_id, profile, award_id, document, base_url, issuer, methods)
            if found is not None:
                yield found


def signed_with(session: Session, base_url: str, issuer: Issuer,
                key: SigningKeyRecord) -> list[SignedCredential]:
    """Every stored credential of ``issuer`` that carries a proof by ``key``."""
    return list(_scan(session, base_url, issuer, key))


@dataclass
class ReissueResult:
    reissued: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    remaining: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"reissued": self.reissued, "skipped": self.skipped, "remaining": self.remaining}


def _resign(document: dict[str, Any], methods: tuple[str, ...], signing_key: Any,
            vm: str) -> dict[str, Any]:
    """The same credential with its proofs by ``methods`` replaced by one by ``vm``, in the
    cryptosuite and shape (object or array) the replaced proof had."""
    proofs = _proofs(document)
    old = next(p for p in proofs if _signed_by(p, methods))
    kept = [p for p in proofs if not _signed_by(p, methods)]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if kept:
        unsecured["proof"] = kept
    suite = old.get("cryptosuite") if old.get("cryptosuite") in CRYPTOSUITES else RDFC
    return add_proof(unsecured, signing_key, vm, cryptosuite=suite,
                     proof_array=isinstance(document.get("proof"), list))


def reissue(session: Session, keystore: KeyStore, base_url: str, issuer: Issuer,
            key: SigningKeyRecord, actor: str, ids: list[str] | None = None,
            limit: int | None = None) -> ReissueResult:
    """Re-sign the credentials ``key`` signed (those in ``ids``, default all, at most
    ``limit``) with the issuer's current key, in place: same content, id and status entry.
    Each is audit-logged; ones that cannot move to another key are skipped with the reason."""
    current = service.current_key(session, issuer)
    if current.id == key.id:
        raise ProblemError(409, "key-is-current", "Key is current",
                           f"{key.fragment} is the issuer's current key; rotate first (or mark"
                           " it compromised, which rotates)")
    targets = ids if ids is not None else [c.id for c in _scan(session, base_url, issuer, key)
                                           if c.reissuable]
    batch = targets if limit is None else targets[:limit]
    result = ReissueResult(remaining=len(targets) - len(batch))
    methods = key_methods(base_url, issuer, key)
    signing_key, vm = service.signer_for(session, keystore, base_url, issuer)
    for credential_id in batch:
        record = session.scalar(select(CredentialRecord).where(
            CredentialRecord.id == credential_id, CredentialRecord.issuer_id == issuer.id)
            .with_for_update())
        document = json.loads(record.document) if record is not None else None
        found = None
        if record is not None and isinstance(document, dict):
            found = _describe(record.id, record.profile, record.award_id, document, base_url,
                              issuer, methods)
        if record is None or found is None or not isinstance(document, dict):
            result.skipped.append({"id": credential_id, "reason": f"not signed by {key.fragment}"
                                   " (already re-issued?)"})
            continue
        if not found.reissuable:
            result.skipped.append({"id": credential_id, "reason": found.reason or ""})
            continue
        try:
            signed = _resign(document, methods, signing_key, vm)
        except ProofError as exc:
            result.skipped.append({"id": credential_id, "reason": exc.message})
            continue
        previous = hashlib.sha256(record.document).hexdigest()
        record.document = credential_bytes(signed)
        audit.record(session, actor, "credential.reissue", credential_id, fromKey=key.fragment,
                     toKey=current.fragment, previousSha256=previous,
                     issuer_id=issuer.id)
        result.reissued.append(credential_id)
    session.flush()
    return result
