"""Tables: the current good copy of each trusted list, its trust services and their keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class TrustedListRecord(Base):
    """One trusted list as last imported with a good signature; ``scope`` is ``LOTL`` or the
    national list's territory. A refused list never replaces it."""

    __tablename__ = "trusted_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), unique=True)
    territory: Mapped[str] = mapped_column(String(8))
    operator: Mapped[str] = mapped_column(String(500))
    sequence_number: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_update: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sha256: Mapped[str] = mapped_column(String(64))  # of the file as imported
    signer_sha256: Mapped[str] = mapped_column(String(64))  # certificate that signed it
    source: Mapped[str] = mapped_column(String(500))
    # LOTL only: [{territory, location, certificates: [hex DER]}]
    pointers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    document: Mapped[bytes] = mapped_column(LargeBinary)  # the signed file, kept for audit
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    services: Mapped[list[TrustService]] = relationship(back_populates="trusted_list",
                                                        cascade="all, delete-orphan",
                                                        passive_deletes=True)


class TrustService(Base):
    """A TSP's service on a national list, with its status history (newest first)."""

    __tablename__ = "trust_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("trusted_lists.id", ondelete="CASCADE"),
                                         index=True)
    tsp_name: Mapped[str] = mapped_column(String(500))
    service_name: Mapped[str] = mapped_column(String(500))
    service_type: Mapped[str] = mapped_column(String(200))
    # [{start, status, service_type, for_eseals, for_any_use_given, qualifications}]
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    trusted_list: Mapped[TrustedListRecord] = relationship(back_populates="services")
    keys: Mapped[list[TrustServiceKey]] = relationship(cascade="all, delete-orphan",
                                                       passive_deletes=True)


class TrustServiceKey(Base):
    """One digital identity of a service: found by the key identifier a certificate's
    AuthorityKeyIdentifier names, or by the public key of the CA certificate in a chain."""

    __tablename__ = "trust_service_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("trust_services.id", ondelete="CASCADE"),
                                            index=True)
    ski: Mapped[str | None] = mapped_column(String(128), index=True)  # hex
    spki_sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # hex
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary)  # DER
