"""Tables: issuers, their signing keys (public part + key file reference) and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

SERVICE_OWNER = "service"


class Issuer(Base):
    """An HEI or other provider that awards micro-credentials."""

    __tablename__ = "issuers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    url: Mapped[str] = mapped_column(String(2048))
    email: Mapped[str] = mapped_column(String(320))
    org_type: Mapped[str] = mapped_column(String(20))
    # Also issue a suspension status entry (revocation entries are always issued). Off by
    # default: two entries make credentialStatus an array, which the OBv3 JSON Schema refuses.
    suspension: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    keys: Mapped[list[SigningKeyRecord]] = relationship(
        back_populates="issuer", order_by="SigningKeyRecord.number")


class SigningKeyRecord(Base):
    """One Ed25519 key: public Multikey here, encrypted private key in KEYS_DIR/key_file.

    ``issuer_id`` NULL marks a key of the service's own DID. Keys are never deleted, so that
    credentials signed before a rotation stay verifiable. ``retired_at``: superseded by a newer
    key (its proofs made later are not the issuer's); ``compromised_at``: when its private key
    stopped being the issuer's alone (no proof by it is accepted any more).
    """

    __tablename__ = "signing_keys"
    __table_args__ = (UniqueConstraint("issuer_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    public_key_multibase: Mapped[str] = mapped_column(String(64), unique=True)
    key_file: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    compromised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issuer: Mapped[Issuer | None] = relationship(back_populates="keys")

    @property
    def fragment(self) -> str:
        return f"key-{self.number}"


class ApiKey(Base):
    """An issuer's API key; only a SHA-256 of its secret part is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Updated on authentication at most once a minute per key (app/issuers/service.py).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issuer: Mapped[Issuer] = relationship()


class IssuerESeal(Base):
    """An issuer's uploaded e-seal (PKCS#12): its certificate chain in PEM, and its private
    key (PKCS#8 DER) sealed by the KeyStore (``KeyStore.seal`` under ``key_context``), so a
    database copy without MCRED_KEY_SECRET holds no key. One per issuer; the password of the
    upload is never stored."""

    __tablename__ = "issuer_eseals"

    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"),
                                           primary_key=True)
    sealed_key: Mapped[str] = mapped_column(Text)
    key_context: Mapped[str] = mapped_column(String(100))
    chain_pem: Mapped[str] = mapped_column(Text)  # signer first, then the rest of the chain
    org_identifier: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(300))
    algorithm: Mapped[str] = mapped_column(String(10))  # RS256 | ES256
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(320))
