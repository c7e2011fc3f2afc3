"""Tables of the learner home: which awards an e-mail address holds, one-time sign-in links,
learner sessions, and collections of awards published behind one link.

Learners are known only by the SHA-256 of their normalised e-mail address (``email_sha256``):
there is no learner account, and no address in clear outside the award requests themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class LearnerAward(Base):
    """An award issued to an e-mail address (the award's ``learner_key`` prefers a DID or
    other identifiers when given, so it cannot find awards by address)."""

    __tablename__ = "learner_awards"

    email_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)


class LearnerSignInLink(Base):
    """A one-time sign-in link sent by e-mail: only the SHA-256 of its token is kept."""

    __tablename__ = "learner_sign_in_links"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    email_sha256: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LearnerSession(Base):
    """A signed-in learner's browser: the cookie carries a random token, stored as SHA-256."""

    __tablename__ = "learner_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    email_sha256: Mapped[str] = mapped_column(String(64), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Collection(Base):
    """Several of a learner's awards behind one unguessable link, /p/{token}."""

    __tablename__ = "learner_collections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    email_sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CollectionItem(Base):
    """One award in a collection, in the learner's order."""

    __tablename__ = "learner_collection_items"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("learner_collections.id", ondelete="CASCADE"), primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"),
                                          primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
