"""Tables of the OpenID4VCI flow: offers, access tokens, their uses, and used c_nonces.

Every secret (pre-authorized code, offer reference, tx_code, access token, used c_nonce) is
stored only as a hash; the tx_code, six digits, as an HMAC under the service secret, so that a
copy of the database does not reveal it by trying a million values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Offer(Base):
    """A single-use credential offer of one award (one pre-authorized code)."""

    __tablename__ = "oid4vci_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ref_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"),
                                          index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"))
    configurations: Mapped[str] = mapped_column(Text)  # JSON array of configuration ids
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # too many wrong tx_codes


class AccessToken(Base):
    """An access token from redeeming an offer: bound to its award and configurations."""

    __tablename__ = "oid4vci_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("oid4vci_offers.id", ondelete="CASCADE"),
                                          index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TokenUse(Base):
    """A configuration delivered with a token: the primary key makes it once per configuration,
    whichever instance answers the request."""

    __tablename__ = "oid4vci_token_uses"

    token_hash: Mapped[str] = mapped_column(
        ForeignKey("oid4vci_tokens.token_hash", ondelete="CASCADE"), primary_key=True)
    configuration_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Nonce(Base):
    """A used c_nonce, kept until it would have expired (app/wallets/oid4vci/nonces.py)."""

    __tablename__ = "oid4vci_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
