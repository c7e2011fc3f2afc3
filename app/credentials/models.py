"""Tables: achievements (defined once), awards (one per learner), the signed credentials of
each award (OBv3 and ELM renderings, byte-exact and immutable), the learner's share links
(one per award) and bulk-issue jobs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class AchievementRecord(Base):
    """One version of a micro-credential definition (the EU elements but the learner's).

    Its ``spec`` never changes: credentials signed with it name this row's id. An edit adds
    the next version of the ``family`` (a new row, ``supersedes_id`` naming this one) and
    sets ``superseded_by_id`` here; retiring sets ``retired_at`` on the current version.
    Neither may be issued from again (service.award refuses them).
    """

    __tablename__ = "achievements"
    __table_args__ = (Index("uq_achievements_family_version", "family_id", "version",
                            unique=True),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"),
                                           index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The spec's title, kept in a column so lists search it the same way on every database.
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    family_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Plain columns, no foreign keys: adding one on SQLite rebuilds the table, which awards,
    # images and bulk jobs reference (migration 0013).
    supersedes_id: Mapped[str | None] = mapped_column(String(64))
    superseded_by_id: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AwardRecord(Base):
    """One achievement awarded to one learner: the record both renderings come from."""

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("issuer_id", "idempotency_key"),
        UniqueConstraint("achievement_id", "learner_key", "awarded_on"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"))
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id",
                                                           ondelete="RESTRICT"), index=True)
    # SHA-256 of the learner's normalised identity: finds the learner's credentials (stacking)
    # and makes re-submitting the same award idempotent, without storing e-mails in clear here.
    learner_key: Mapped[str] = mapped_column(String(64), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    awarded_on: Mapped[date] = mapped_column(Date)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # the validated award request
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CredentialRecord(Base):
    """A signed credential, stored as the exact bytes that were signed and returned."""

    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the credential's `id` URI
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"),
                                           index=True)
    award_id: Mapped[str | None] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"),
                                                 index=True)
    profile: Mapped[str] = mapped_column(String(20))  # "ob3" | "elm" | "vc"
    document: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShareLink(Base):
    """The learner's link /c/{token}: one per award (its page offers every rendering), or one
    per credential issued without an award (VC-API). The learner turns it off and on, and
    lets search engines in, with a manage key derived from the token (sharing.py), so
    nothing secret is stored."""

    __tablename__ = "share_links"
    __table_args__ = (
        CheckConstraint("(award_id IS NULL) <> (credential_id IS NULL)",
                        name="ck_share_links_one_subject"),
    )

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    award_id: Mapped[str | None] = mapped_column(
        ForeignKey("awards.id", ondelete="RESTRICT"), unique=True)
    credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("credentials.id", ondelete="RESTRICT"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The learner's opt-in: without it the page carries noindex, nofollow.
    search_engines: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShareLinkAlias(Base):
    """A link handed out before links were per award (migration 0010): an award's ELM
    credential had a token of its own. It now leads to the award's link, and to the same
    rendering where it served a document."""

    __tablename__ = "share_link_aliases"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"),
                                          index=True)
    profile: Mapped[str] = mapped_column(String(20))  # the rendering the old link served


class BulkJob(Base):
    """A file of awards for one achievement, issued row by row by the workers."""

    __tablename__ = "bulk_jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"))
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id",
                                                           ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(300))
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BulkRow(Base):
    """One row of a bulk job; ``state`` moves pending → issued | duplicate | rejected once."""

    __tablename__ = "bulk_rows"
    __table_args__ = (Index("ix_bulk_rows_pending", "job_id", "state"),)

    job_id: Mapped[str] = mapped_column(ForeignKey("bulk_jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    award_id: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[list[Any] | None] = mapped_column(JSON)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
