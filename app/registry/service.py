"""Trusted issuer registry: add, update, suspend, remove, look up, import and export.
Issuers created in mcred are not trusted automatically; trust is an explicit entry here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.errors import ProblemError, not_found
from app.issuers.schemas import STORED
from app.registry.models import RegistryDid, RegistryEntry, RegistrySealId, RegistrySubscription
from app.registry.schemas import QualityAssuranceEntry, RegistryEntryIn, RegistryEntryOut


def to_out(entry: RegistryEntry) -> RegistryEntryOut:
    return RegistryEntryOut.model_validate(
        {"id": entry.id, "source": entry.source, "dids": [d.did for d in entry.dids],
         "seal_ids": [s.org_identifier for s in entry.seal_ids],
         "legal_name": entry.legal_name, "country": entry.country, "org_type": entry.org_type,
         "quality_assurance": entry.quality_assurance, "status": entry.status,
         "deqar_id": entry.deqar_id},
        context=STORED)  # rows stored before the character rules are still read


def _claimed(session: Session, data: RegistryEntryIn, entry_id: int | None) -> None:
    taken = session.scalars(select(RegistryDid).where(RegistryDid.did.in_(data.dids))).all()
    clash = [d.did for d in taken if d.entry_id != entry_id]
    if clash:
        raise ProblemError(409, "did-registered", "DID already registered",
                           f"{', '.join(clash)} belongs to another registry entry")
    sealed = session.scalars(select(RegistrySealId).where(
        RegistrySealId.org_identifier.in_(data.seal_ids))).all()
    clash = [s.org_identifier for s in sealed if s.entry_id != entry_id]
    if clash:
        raise ProblemError(409, "seal-id-registered", "Seal identifier already registered",
                           f"{', '.join(clash)} belongs to another registry entry")
    if data.deqar_id is not None:
        owner = session.scalar(select(RegistryEntry.id).where(
            RegistryEntry.deqar_id == data.deqar_id))
        if owner is not None and owner != entry_id:
            raise ProblemError(409, "deqar-id-registered", "DEQAR id already registered",
                               f"{data.deqar_id} belongs to another registry entry")


def _apply(entry: RegistryEntry, data: RegistryEntryIn) -> None:
    entry.legal_name, entry.country, entry.org_type = data.legal_name, data.country, data.org_type
    given = [q.model_dump(mode="json", by_alias=True) for q in data.quality_assurance]
    if not any(q.get("source") == "deqar" for q in given):
        # DEQAR-sourced records belong to the DEQAR sync/import: an update that carries none
        # (the console's form, which edits manual records only) keeps them as they are
        given += [q for q in entry.quality_assurance or [] if q.get("source") == "deqar"]
    entry.quality_assurance = given
    entry.status = data.status
    if "deqar_id" in data.model_fields_set:  # forms that do not know the link keep it
        entry.deqar_id = data.deqar_id
    entry.updated_at = utcnow()
    current = {d.did: d for d in entry.dids}
    entry.dids = [current.get(did) or RegistryDid(did=did) for did in data.dids]
    sealed = {s.org_identifier: s for s in entry.seal_ids}
    entry.seal_ids = [sealed.get(i) or RegistrySealId(org_identifier=i) for i in data.seal_ids]


def add(session: Session, data: RegistryEntryIn, actor: str,
        source: str = "manual") -> RegistryEntry:
    _claimed(session, data, None)
    entry = RegistryEntry(source=source)
    _apply(entry, data)
    session.add(entry)
    session.flush()
    audit.record(session, actor, "registry.add", str(entry.id), dids=data.dids, source=source)
    return entry


def get(session: Session, entry_id: int) -> RegistryEntry:
    entry = session.get(RegistryEntry, entry_id)
    if entry is None:
        raise not_found(f"registry entry {entry_id}")
    return entry


def update(session: Session, entry_id: int, data: RegistryEntryIn, actor: str) -> RegistryEntry:
    entry = get(session, entry_id)
    _claimed(session, data, entry.id)
    _apply(entry, data)
    audit.record(session, actor, "registry.update", str(entry.id), dids=data.dids)
    session.flush()
    return entry


def set_status(session: Session, entry_id: int, status: str, reason: str,
               actor: str) -> RegistryEntry:
    entry = get(session, entry_id)
    entry.status, entry.updated_at = status, utcnow()
    audit.record(session, actor, f"registry.{status}", str(entry.id), reason=reason)
    return entry


def remove(session: Session, entry_id: int, reason: str, actor: str) -> None:
    entry = get(session, entry_id)
    audit.record(session, actor, "registry.remove", str(entry.id),
                 dids=[d.did for d in entry.dids], reason=reason)
    session.delete(entry)


def list_entries(session: Session) -> list[RegistryEntry]:
    return list(session.scalars(select(RegistryEntry).order_by(RegistryEntry.id)))


def search(session: Session, text: str = "", limit: int = 200) -> list[RegistryEntry]:
    """Entries whose legal name or one of whose DIDs or seal identifiers contains ``text``
    (any case), or all; at most ``limit``, by name."""
    query = select(RegistryEntry).order_by(RegistryEntry.legal_name, RegistryEntry.id)
    text = text.replace("\x00", "")  # PostgreSQL refuses a NUL in a text parameter
    if text.strip():
        pattern = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        by_did = select(RegistryDid.entry_id).where(
            func.lower(RegistryDid.did).like(pattern, escape="\\"))
        by_seal = select(RegistrySealId.entry_id).where(
            func.lower(RegistrySealId.org_identifier).like(pattern, escape="\\"))
        query = query.where(or_(func.lower(RegistryEntry.legal_name).like(pattern, escape="\\"),
                                RegistryEntry.id.in_(by_did), RegistryEntry.id.in_(by_seal)))
    return list(session.scalars(query.limit(limit)))


def import_plan(session: Session, entries: list[RegistryEntryIn]) -> list[int | None]:
    """What importing ``entries`` would do to each (what ``upsert_many`` does): the id of
    the entry it would update, or None for a new entry."""
    plan = []
    for data in entries:
        known = session.scalar(select(RegistryDid).where(RegistryDid.did.in_(data.dids)))
        plan.append(known.entry_id if known is not None else None)
    return plan


def list_subscriptions(session: Session) -> list[RegistrySubscription]:
    return list(session.scalars(select(RegistrySubscription)
                                .order_by(RegistrySubscription.url)))


def unsubscribe(session: Session, url: str, actor: str) -> None:
    """Stop following a registry; the entries it brought stay (remove them one by one)."""
    record = session.get(RegistrySubscription, url)
    if record is None:
        raise not_found("registry subscription")
    audit.record(session, actor, "registry.unsubscribe", url, signer=record.signer)
    session.delete(record)


def upsert_many(session: Session, entries: list[RegistryEntryIn], actor: str,
                source: str) -> dict[str, int]:
    """Import: an entry whose DIDs are known updates that entry, else a new one is added."""
    counts = {"added": 0, "updated": 0}
    for data in entries:
        known = session.scalar(select(RegistryDid).where(RegistryDid.did.in_(data.dids)))
        if known is None:
            add(session, data, actor, source)
            counts["added"] += 1
        else:
            entry = update(session, known.entry_id, data, actor)
            entry.source = source
            counts["updated"] += 1
    return counts


def by_deqar_id(session: Session, deqar_id: str) -> RegistryEntry | None:
    return session.scalar(select(RegistryEntry).where(RegistryEntry.deqar_id == deqar_id))


def replace_deqar_records(session: Session, deqar_id: str,
                          records: list[QualityAssuranceEntry], actor: str,
                          source: str) -> dict[str, Any]:
    """Replace the DEQAR-sourced QA records of the entry linked to ``deqar_id`` with
    ``records``; manually entered ones stay. Idempotent: the same reports change nothing."""
    entry = by_deqar_id(session, deqar_id)
    if entry is None:
        raise ProblemError(404, "deqar-institution-unknown", "No registry entry for this"
                           " DEQAR institution", f"no registry entry has deqarId {deqar_id}")
    kept = [q for q in entry.quality_assurance if q.get("source") != "deqar"]
    fresh = [q.model_dump(mode="json", by_alias=True, exclude_none=True)
             for q in sorted(records, key=lambda r: (r.valid_from, r.report_id or ""))]
    before = [q for q in entry.quality_assurance if q.get("source") == "deqar"]
    changed = before != fresh
    if changed:
        entry.quality_assurance = kept + fresh  # a new list: the JSON column sees the change
        entry.updated_at = utcnow()
        audit.record(session, actor, "registry.deqar", str(entry.id), deqarId=deqar_id,
                     reports=len(fresh), source=source)
    return {"entry": entry.id, "deqarId": deqar_id, "reports": len(fresh),
            "changed": changed}


@dataclass(frozen=True)
class Lookup:
    """What the registry says about an issuer, on a given date."""

    entry: RegistryEntryOut | None
    qa_valid: bool  # some QA result covers the date
    qa_current: list[dict[str, Any]]

    @property
    def trusted(self) -> bool:
        return self.entry is not None and self.entry.status == "active"

    def to_json(self) -> dict[str, Any]:
        if self.entry is None:
            return {"found": False}
        return {"found": True, "trusted": self.trusted, "qaValidOnIssuance": self.qa_valid,
                "entry": self.entry.model_dump(mode="json", by_alias=True),
                "qualityAssuranceOnIssuance": self.qa_current}


def lookup(session: Session, did: str, on: date) -> Lookup:
    row = session.get(RegistryDid, did)
    return _lookup(row.entry if row is not None else None, on)


def registry_entry_for_seal(session: Session, org_identifier: str, at: date) -> Lookup:
    """What the registry says about the issuer whose e-seal certificate carries
    ``org_identifier`` (organizationIdentifier, 2.5.4.97) on the day ``at`` (a datetime is
    taken as its day)."""
    row = session.get(RegistrySealId, org_identifier.strip()[:100])
    on = at.date() if isinstance(at, datetime) else at
    return _lookup(row.entry if row is not None else None, on)


def _lookup(row: RegistryEntry | None, on: date) -> Lookup:
    if row is None:
        return Lookup(None, False, [])
    entry = to_out(row)
    covering = [q for q in entry.quality_assurance if q.covers(on)]
    return Lookup(entry, bool(covering),
                  [q.model_dump(mode="json", by_alias=True) for q in covering])


__all__ = ["Lookup", "QualityAssuranceEntry", "add", "lookup", "registry_entry_for_seal",
           "remove", "set_status", "update"]
