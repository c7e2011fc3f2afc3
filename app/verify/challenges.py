"""Fresh, single-use presentation challenges, kept in the database so that any mcred
instance behind a load balancer can check a challenge another one handed out. They expire
after ten minutes; a store full of open challenges refuses new ones instead of growing.

A relying party may also bring its own challenge (VC-API: the caller of the verifier owns
it). Ours carry a prefix, so one of ours is known as ours even once it is used or expired and
gone from the store: a replay is refused, never mistaken for a caller's own challenge."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Database, UTCDateTime, utcnow

TTL = timedelta(minutes=10)
PREFIX = "mcred-"
_SHAPE = re.compile(r"mcred-[A-Za-z0-9_-]{32}")  # PREFIX + secrets.token_urlsafe(24)
LIMIT = 100_000


class Challenge(Base):
    __tablename__ = "presentation_challenges"

    challenge: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ChallengesExhausted(Exception):
    """As many challenges are open as the store holds; the caller should retry later."""


def issue(db: Database) -> str:
    """A new challenge, valid for ``TTL``; ChallengesExhausted when ``LIMIT`` are open."""
    challenge = PREFIX + secrets.token_urlsafe(24)
    with db.session() as session:
        now = utcnow()
        session.execute(delete(Challenge).where(Challenge.expires_at <= now))
        if (session.scalar(select(func.count()).select_from(Challenge)) or 0) >= LIMIT:
            raise ChallengesExhausted
        session.add(Challenge(challenge=challenge, expires_at=now + TTL))
    return challenge


def issued_here(challenge: str) -> bool:
    """Whether ``challenge`` is one this service hands out (open, used or expired alike)."""
    return challenge.startswith(PREFIX)


def consume(db: Database, challenge: str) -> bool:
    """True once for an open challenge; False for an unknown, used or expired one."""
    if not _SHAPE.fullmatch(challenge):  # not one of ours; and NUL & co. never reach the DB
        return False
    with db.session() as session:
        result = session.execute(delete(Challenge).where(Challenge.challenge == challenge,
                                                         Challenge.expires_at > utcnow()))
        return result.rowcount == 1  # type: ignore[attr-defined]
