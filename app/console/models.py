"""Staff accounts, their roles per issuer, browser sessions and failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class StaffUser(Base):
    """A person who signs in to the console. ``password_hash`` is an argon2id hash, or None
    for an account that signs in only through its institution's single sign-on."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    service_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A pending invitation: the SHA-256 of the one-time link that lets the person choose
    # their password (an admin never types, or knows, anyone else's password).
    invite_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Membership(Base):
    """A user's role at one issuer: ``admin`` (users, keys, settings), ``staff``
    (achievements, issuing, revocation) or ``viewer`` (read only)."""

    __tablename__ = "staff_memberships"
    __table_args__ = (UniqueConstraint("user_id", "issuer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"),
                                           index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsoleSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored,
    so a copy of the database signs nobody in."""

    __tablename__ = "console_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                         index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(80))  # "password" | "sso:<issuer slug>"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class LoginFailure(Base):
    """One failed sign-in, by account and by client address: what throttling counts (in the
    database, so every worker process counts the same failures)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), index=True)  # "email:<addr>" | "ip:<addr>"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SsoSettings(Base):
    """An issuer's single sign-on through its institution's OpenID Connect provider.
    ``client_secret_sealed`` is the client secret sealed with the key store's secret (see
    KeyStore.seal), never in clear; ``new_user_role`` is what a first-time SSO user gets
    ("" : nobody is admitted who was not added by an admin first)."""

    __tablename__ = "console_sso_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"),
                                           unique=True)
    idp_issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret_sealed: Mapped[str] = mapped_column(String(1000))
    allowed_domains: Mapped[str] = mapped_column(String(2000))  # space-separated, lower-case
    new_user_role: Mapped[str] = mapped_column(String(10), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
