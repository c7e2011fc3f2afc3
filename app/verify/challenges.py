"""Presentation challenges: stateless until used, single use once used.

A challenge is ``mcred-`` + base64url(expiry ‖ random ‖ HMAC) under a key derived from
MCRED_KEY_SECRET, so handing one out writes nothing: no client can fill a store and deny
challenges to others (a store of open challenges once could be filled at ~285/s). Using one
records it in the database until it expires, so every mcred instance behind a load balancer
refuses a replay. Challenges expire after ten minutes.

A relying party may also bring its own challenge (VC-API: the caller of the verifier owns it).
Ours carry a prefix, so one of ours is known as ours even when used, expired or forged: it is
refused, never mistaken for a caller's own challenge."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app import stamped
from app.db import Base, Database, UTCDateTime, utcnow

TTL = timedelta(minutes=10)
PREFIX = "mcred-"
_SHAPE = re.compile(r"mcred-[A-Za-z0-9_-]{48}")  # 8 + 12 + 16 bytes, base64url


class Challenge(Base):
    """A challenge that has been used (kept until it would have expired anyway)."""

    __tablename__ = "presentation_challenges"

    challenge: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


PURPOSE = b"mcred presentation challenge key"


def issue(secret: str, now: float | None = None) -> str:
    """A new challenge, valid for ``TTL``; nothing is stored."""
    expires = int((now if now is not None else time.time()) + TTL.total_seconds())
    return PREFIX + stamped.mint(secret, PURPOSE, expires, 12)


def issued_here(challenge: str) -> bool:
    """Whether ``challenge`` claims to be one of ours (open, used, expired or forged)."""
    return challenge.startswith(PREFIX)


def _expiry(secret: str, challenge: str) -> datetime | None:
    """When an authentic challenge of ours expires; None if it is not one (or malformed)."""
    if not _SHAPE.fullmatch(challenge):  # NUL & co. never reach the database either
        return None
    return stamped.expiry(secret, PURPOSE, challenge[len(PREFIX):])


def consume(db: Database, secret: str, challenge: str) -> bool:
    """True once for an authentic, unexpired challenge of ours; False otherwise."""
    expires = _expiry(secret, challenge)
    now = utcnow()
    if expires is None or expires <= now:
        return False
    try:
        with db.session() as session:
            session.execute(delete(Challenge).where(Challenge.expires_at <= now))
            session.add(Challenge(challenge=challenge, expires_at=expires))
    except IntegrityError:  # already used, here or on another instance
        return False
    return True
