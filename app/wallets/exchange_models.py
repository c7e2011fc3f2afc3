"""Table of the VC-API exchanges delivering an award into a wallet (one exchange, one delivery)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Exchange(Base):
    """One delivery of one award. The exchange id in its URL is a bearer secret (whoever holds
    the link may take the credential), so only its SHA-256 is stored."""

    __tablename__ = "wallet_exchanges"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"),
                                           index=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"),
                                          index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # VCALM exchange states
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # VCALM: steps taken so far
    # The open DID Authentication challenge (a nonce, not a secret: it is signed in the VP);
    # NULL when none is open. Used once: any presentation against it closes it.
    challenge: Mapped[str | None] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    holder: Mapped[str | None] = mapped_column(String(200))
    credential_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
