"""Tables: trusted issuer registry entries and the DIDs that point at them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class RegistryEntry(Base):
    __tablename__ = "registry_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    org_type: Mapped[str] = mapped_column(String(20))  # "hei" | "other"
    # [{agency, agencyId, deqarId, esgAligned, validFrom, validUntil, reportUrl}]
    quality_assurance: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | suspended
    # DEQARINST…: the DEQAR institution whose reports feed quality_assurance (app/registry/deqar.py)
    deqar_id: Mapped[str | None] = mapped_column(String(20), unique=True, index=True)
    source: Mapped[str] = mapped_column(String(500), default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dids: Mapped[list[RegistryDid]] = relationship(back_populates="entry",
                                                   cascade="all, delete-orphan",
                                                   order_by="RegistryDid.did")
    seal_ids: Mapped[list[RegistrySealId]] = relationship(
        back_populates="entry", cascade="all, delete-orphan",
        order_by="RegistrySealId.org_identifier")


class RegistryDid(Base):
    """One DID (or issuer URL) of an entry; a DID belongs to at most one entry."""

    __tablename__ = "registry_dids"

    did: Mapped[str] = mapped_column(String(500), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entries.id", ondelete="CASCADE"),
                                          index=True)
    entry: Mapped[RegistryEntry] = relationship(back_populates="dids")


class RegistrySealId(Base):
    """An organisation identifier (X.520 organizationIdentifier, 2.5.4.97, e.g.
    ``VATES-G63287510``) of an entry's e-seal certificates; one entry per identifier."""

    __tablename__ = "registry_seal_ids"

    org_identifier: Mapped[str] = mapped_column(String(100), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entries.id", ondelete="CASCADE"),
                                          index=True)
    entry: Mapped[RegistryEntry] = relationship(back_populates="seal_ids")


class RegistrySubscription(Base):
    """Another registry, published as a signed list at ``url`` by ``signer``, that we follow."""

    __tablename__ = "registry_subscriptions"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    signer: Mapped[str] = mapped_column(String(500))
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
