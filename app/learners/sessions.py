"""Learner sessions: a database row behind the opaque cookie ``__Host-mcred-learner`` (plain
``mcred-learner`` on an http development address, where a browser drops Secure cookies).

The cookie helpers, the constant-time token comparison and the cross-site check are the
console's (app.console.sessions); only the row is the learner's own, keyed by the digest of
an e-mail address instead of an account."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.console import sessions as console_sessions
from app.db import is_read_only, utcnow
from app.learners.models import LearnerSession

IDLE = timedelta(hours=1)

set_cookie = console_sessions.set_cookie
clear_cookie = console_sessions.clear_cookie
same_token = console_sessions.same_token
cross_site = console_sessions.cross_site
touch_due = console_sessions.touch_due


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def cookie_name(secure: bool) -> str:
    return "__Host-mcred-learner" if secure else "mcred-learner"


def form_cookie_name(secure: bool) -> str:
    """The double-submit CSRF cookie of the forms shown before there is a session."""
    return "__Host-mcred-learner-form" if secure else "mcred-learner-form"


def start(session: Session, email_sha256: str, absolute: timedelta) -> str:
    """A new session for the address; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    session.execute(delete(LearnerSession).where(LearnerSession.created_at < utcnow() - absolute))
    session.add(LearnerSession(token_sha256=digest(token), email_sha256=email_sha256,
                               csrf_token=secrets.token_urlsafe(32)))
    session.flush()
    return token


def lookup(session: Session, token: str | None, absolute: timedelta) -> LearnerSession | None:
    """The live session of this cookie; None when unknown or expired (idle or absolute)."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(LearnerSession).where(LearnerSession.token_sha256 == digest(token)))
    now = utcnow()
    if row is None or now - row.created_at > absolute or now - row.last_seen_at > IDLE:
        return None
    if touch_due(row) and not is_read_only(session):  # type: ignore[arg-type]
        row.last_seen_at = now
    return row


def touch(session: Session, row: LearnerSession) -> None:
    session.execute(update(LearnerSession).where(
        LearnerSession.token_sha256 == row.token_sha256).values(last_seen_at=utcnow()))


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(LearnerSession).where(LearnerSession.token_sha256 == digest(token)))
