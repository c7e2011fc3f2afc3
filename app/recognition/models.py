"""Table: recognition targets (a course or programme an office recognises against)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class RecognitionTarget(Base):
    """One course or programme of an issuer (the office's own institution). ``outcomes`` is a
    list of ``{text, language, uris}`` so later matching can compare outcome by outcome, in
    any language. ``version`` counts edits; each edit is also in the audit log."""

    __tablename__ = "recognition_targets"
    __table_args__ = (UniqueConstraint("issuer_id", "code", name="uq_recognition_target_code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(Integer, ForeignKey("issuers.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(35))
    description: Mapped[str | None] = mapped_column(Text)
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    eqf_level: Mapped[int | None] = mapped_column(Integer)
    qf_ehea_cycle: Mapped[str | None] = mapped_column(String(10))
    ects: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    assessment: Mapped[list[str]] = mapped_column(JSON, default=list)
    identification: Mapped[str | None] = mapped_column(String(40))
    entry_requirements: Mapped[str | None] = mapped_column(Text)
    # What admission asks of an applicant's prior learning: {learningOutcomes, eqfLevel, ects}
    entry: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecognitionCase(Base):
    """One applicant's credentials weighed against one target, for one purpose. The presented
    documents are kept as submitted, with the answer computed from them (``assessment``) and
    the officer's recorded decision, so the file shows what was decided on what evidence."""

    __tablename__ = "recognition_cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(Integer, ForeignKey("issuers.id", ondelete="CASCADE"),
                                           index=True)
    target_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("recognition_targets.id", ondelete="CASCADE"), index=True)
    target_version: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(20))
    applicant: Mapped[str | None] = mapped_column(String(200))
    credentials: Mapped[list[Any]] = mapped_column(JSON, default=list)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recommendation: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
