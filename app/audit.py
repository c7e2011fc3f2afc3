"""The append-only audit log: who did what to which object, and when.

The migration adds database triggers that refuse UPDATE and DELETE on this table.
``issuer_id`` names the issuer an event belongs to (its achievements, awards, credentials,
keys, API keys, members, logo), so an issuer's own log is one indexed query: subjects alone
cannot say it (a staff account belongs to several issuers, an id names no issuer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_issuer", "issuer_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(2048))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # No foreign key: the log outlives what it names, and an ON DELETE action would be an
    # UPDATE or DELETE here, which the triggers refuse.
    issuer_id: Mapped[int | None] = mapped_column(Integer)


def record(session: Session, actor: str, action: str, subject: str, *,
           issuer_id: int | None = None, **detail: Any) -> AuditEvent:
    """Append one event (committed with the caller's transaction). Never pass secrets.
    ``issuer_id``: the issuer the event belongs to, None for service-wide events."""
    event = AuditEvent(actor=actor, action=action, subject=subject, detail=detail,
                       issuer_id=issuer_id)
    session.add(event)
    return event


@dataclass(frozen=True)
class EventPage:
    """One page of an issuer's log, newest first."""

    events: list[AuditEvent]
    page: int
    pages: int
    total: int


def issuer_actions(session: Session, issuer_id: int) -> list[str]:
    """The distinct actions in an issuer's log (what its filter offers)."""
    return list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.issuer_id == issuer_id).distinct().order_by(AuditEvent.action)))


def issuer_events(session: Session, issuer_id: int, *, action: str | None = None,
                  since: date | None = None, until: date | None = None, page: int = 1,
                  per_page: int = 50) -> EventPage:
    """An issuer's events, newest first, filtered by action and by day (``until`` included,
    days in UTC); ``page`` counts from 1 and is clamped to the last page."""
    where = [AuditEvent.issuer_id == issuer_id]
    if action:
        where.append(AuditEvent.action == action)
    if since is not None:
        where.append(AuditEvent.at >= datetime.combine(since, time(), UTC))
    if until is not None:
        where.append(AuditEvent.at < datetime.combine(until + timedelta(days=1), time(), UTC))
    total = session.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    events = list(session.scalars(select(AuditEvent).where(*where)
                                  .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                  .offset((page - 1) * per_page).limit(per_page)))
    return EventPage(events, page, pages, total)


def issuer_history(session: Session, issuer_id: int, actions: tuple[str, ...],
                   ) -> list[AuditEvent]:
    """An issuer's events of the given actions, oldest first (e.g. who created each key)."""
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.issuer_id == issuer_id, AuditEvent.action.in_(actions))
        .order_by(AuditEvent.id)))
