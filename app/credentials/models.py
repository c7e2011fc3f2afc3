"""Table of issued credentials: the exact signed bytes, immutable once stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class CredentialRecord(Base):
    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the credential's `id` URI
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"),
                                           index=True)
    profile: Mapped[str] = mapped_column(String(20))  # "ob3" | "elm"
    document: Mapped[bytes] = mapped_column(LargeBinary)  # signed JSON, byte-exact
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
