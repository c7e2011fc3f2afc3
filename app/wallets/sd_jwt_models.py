"""Tables of the SD-JWT VC rendering: issuers' ES256 keys and IETF Token Status Lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Es256Key(Base):
    """An issuer's P-256 key for SD-JWT VCs: public JWK here, private key in KEYS_DIR/key_file
    (KeyStore). One per issuer, created on first use; ``kid`` is its RFC 7638 thumbprint."""

    __tablename__ = "es256_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"),
                                           unique=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    key_file: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TokenStatusList(Base):
    """One Token Status List of an issuer: ``size`` entries of ``bits`` each, packed least
    significant bits first (draft-ietf-oauth-status-list), uncompressed."""

    __tablename__ = "token_status_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"),
                                           index=True)
    bits: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumps on every status change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TokenStatusEntry(Base):
    """The index one SD-JWT VC of an award carries; the unique (list, idx) pair arbitrates
    concurrent allocations, as for Bitstring Status Lists. Indices are never reused."""

    __tablename__ = "token_status_entries"
    __table_args__ = (UniqueConstraint("list_id", "idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("token_status_lists.id",
                                                    ondelete="RESTRICT"))
    idx: Mapped[int] = mapped_column(Integer)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"),
                                          index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
