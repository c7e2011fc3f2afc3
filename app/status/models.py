"""Tables: status lists (the bits, and their signed credential cached) and allocated entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class StatusList(Base):
    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"),
                                           index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "revocation" | "suspension"
    # The did:key the list is issued as, for credentials issued as that did:key (a list's
    # issuer is its credentials' issuer); NULL: the issuer's did:web.
    did_key: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)  # number of entries (bits)
    bits: Mapped[bytes] = mapped_column(LargeBinary)  # uncompressed bitstring
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumps on every bit change (ETag)
    signed: Mapped[bytes | None] = mapped_column(LargeBinary)  # cached signed credential
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusEntry(Base):
    """An allocated index. The unique (list, index) pair is what keeps two instances issuing
    at once from ever handing out the same index; indices are never freed or reused."""

    __tablename__ = "status_entries"
    __table_args__ = (UniqueConstraint("list_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id", ondelete="RESTRICT"))
    index: Mapped[int] = mapped_column(Integer)
    # The award (both renderings share its entries) or, for VC-API credentials, the credential.
    subject: Mapped[str] = mapped_column(String(255), index=True)
    state: Mapped[str] = mapped_column(String(20), default="active")  # active|revoked|suspended
    # The last change of ``state``: when, and the reason the issuer gave (shown on the share
    # page; the audit log keeps every change).
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
