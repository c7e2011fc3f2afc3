"""The append-only audit log: who did what to which object, and when.

The migration adds database triggers that refuse UPDATE and DELETE on this table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(2048))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(session: Session, actor: str, action: str, subject: str,
           **detail: Any) -> AuditEvent:
    """Append one event (committed with the caller's transaction). Never pass secrets."""
    event = AuditEvent(actor=actor, action=action, subject=subject, detail=detail)
    session.add(event)
    return event
