"""One-time sign-in links: asked for with an e-mail address, mailed only when the address holds
credentials here, valid for a few minutes, used once. Only each link's SHA-256 is stored.

The answer to a request is the same whether the address is known or not (the pages say "if
this address holds credentials, a link is on its way"); both paths do the same work but for
queuing the mail. Requests are throttled per address and per client with the console's
counters (app.console.accounts), under keys of their own."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.console import accounts
from app.db import utcnow
from app.learners import index
from app.learners.models import LearnerSignInLink
from app.learners.sessions import digest
from app.mail import service as mail

MAX_PER_ADDRESS = 5   # link requests per address within the throttle window (15 minutes)
MAX_PER_CLIENT = 30   # and per client address
KEEP_USED = timedelta(days=1)  # used or expired links are deleted after this


def link_url(base_url: str, token: str) -> str:
    return f"{base_url}/me/link/{token}"


def request_link(session: Session, base_url: str, email: str, client: str, language: str,
                 minutes: int) -> None:
    """Count the request, and mail a new link when the address holds credentials. Raises
    accounts.Throttled (for known and unknown addresses alike) past the limits."""
    keys = (f"learner-email:{accounts.throttle_key(email)}", f"learner-ip:{client[:100]}")
    accounts.check_throttle(session, ((keys[0], MAX_PER_ADDRESS), (keys[1], MAX_PER_CLIENT)))
    accounts.count_attempt(session, *keys)
    session.execute(delete(LearnerSignInLink).where(
        LearnerSignInLink.expires_at < utcnow() - KEEP_USED))
    # The same work for any address (a link row, the mail written) but for queuing the
    # mail, so neither the page nor its timing tells whether the address holds credentials.
    # A link for an unknown address is never sent to anyone.
    token = secrets.token_urlsafe(32)
    email_sha256 = index.email_digest(email)
    known = email_sha256 is not None and index.holds_any(session, email_sha256)
    session.add(LearnerSignInLink(token_sha256=digest(token),
                                  email_sha256=email_sha256 or digest(keys[0]),
                                  expires_at=utcnow() + timedelta(minutes=minutes)))
    message = mail.sign_in_message(email.strip()[:320], link_url(base_url, token), language,
                                   minutes)
    if known:
        message.to_address = accounts.normal_email(email)
        session.add(message)
    session.flush()


def _live(token: str):  # type: ignore[no-untyped-def]
    return (LearnerSignInLink.token_sha256 == digest(token), LearnerSignInLink.used_at.is_(None),
            LearnerSignInLink.expires_at > utcnow())


def usable(session: Session, token: str) -> bool:
    """Whether the link still works (unused, not expired); looking does not use it."""
    if not token or len(token) > 100:
        return False
    return session.scalar(select(LearnerSignInLink.token_sha256).where(*_live(token))) is not None


def consume(session: Session, token: str) -> str | None:
    """Use the link: the e-mail digest it signs in, or None (unknown, used or expired). One
    conditional UPDATE, so two browsers posting the same link at once sign in only one."""
    if not token or len(token) > 100:
        return None
    result = session.execute(update(LearnerSignInLink).where(*_live(token))
                             .values(used_at=utcnow()))
    if getattr(result, "rowcount", 0) != 1:
        return None
    return session.scalar(select(LearnerSignInLink.email_sha256)
                          .where(LearnerSignInLink.token_sha256 == digest(token)))
