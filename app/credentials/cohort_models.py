"""Table: cohorts, the bulk jobs staff upload in the console. A cohort is a draft (its rows
checked and shown, none issued, the rows in states ``draft``/``held`` that no worker claims)
until someone confirms it; then its ready rows become ``pending`` for the bulk workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Cohort(Base):
    """A console upload: which bulk job it is, who sent it, how its file was read."""

    __tablename__ = "cohorts"

    job_id: Mapped[str] = mapped_column(ForeignKey("bulk_jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"),
                                           index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")  # draft | confirmed
    created_by: Mapped[str] = mapped_column(String(320))
    encoding: Mapped[str] = mapped_column(String(20))
    separator: Mapped[str] = mapped_column(String(10))
    unknown_columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ready: Mapped[int] = mapped_column(Integer)  # rows without problems at preview
    problems: Mapped[int] = mapped_column(Integer)
    formula_rows: Mapped[int] = mapped_column(Integer, default=0)  # rows with a "=…" cell
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
