"""Tables: the outbox of e-mails to learners, and each issuer's e-mail texts and language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

STATES = ("queued", "sending", "sent", "failed")
KINDS = ("award", "sign-in")  # an award's e-mail, or a learner's one-time sign-in link


class OutboxMessage(Base):
    """One e-mail to one learner, written in full when queued (a retry sends the very text
    the award's transaction wrote). A sign-in mail's body holds a live link: it is blanked
    once the message is sent or has failed (mail.service.record_sent). ``state`` moves
    queued → sending → sent, or back to queued with a later ``next_attempt_at``, or to
    failed."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Both None for a sign-in link (kind "sign-in"): it belongs to an address, not an award.
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"))
    award_id: Mapped[str | None] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"),
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(20), default="award", server_default="award")
    to_address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queued_by: Mapped[str] = mapped_column(String(200), default="")


class IssuerMailText(Base):
    """An issuer's own subject and body for award e-mails in one language (placeholders
    {learner_name}, {title}, {link}, {issuer}, {wallet_link}); without one, mcred's default
    text is used."""

    __tablename__ = "issuer_mail_texts"
    __table_args__ = (UniqueConstraint("issuer_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IssuerMailSettings(Base):
    """The language an issuer writes to learners in when a learner's own is not given."""

    __tablename__ = "issuer_mail_settings"

    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"),
                                           primary_key=True)
    default_language: Mapped[str] = mapped_column(String(8), default="en")
