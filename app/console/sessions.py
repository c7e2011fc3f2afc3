"""Console sign-in sessions: server-side rows behind an opaque cookie, with CSRF tokens.

Why server-side rows rather than a signed cookie: "sign out everywhere", disabling an account
and an admin removing someone must end their sessions at once, in every worker process.

The cookie is ``__Host-mcred-console`` (HttpOnly, Secure, SameSite=Lax, Path=/) when the
service is served over https; on a plain-http development address a browser would drop a
Secure cookie, so there it is ``mcred-console`` without Secure. CSRF: every form carries the
session's synchronizer token (``csrf``), and a cross-site ``Origin`` / ``Sec-Fetch-Site`` is
refused before the token is even looked at. The sign-in form, which has no session yet, uses
a double-submit token in a cookie of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import Request, Response
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.console.models import ConsoleSession, StaffUser
from app.db import is_read_only, utcnow

IDLE = timedelta(hours=2)
ABSOLUTE = timedelta(hours=12)
# last_seen_at is written at most this often, so browsing is not a write per page.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def cookie_name(secure: bool) -> str:
    return "__Host-mcred-console" if secure else "mcred-console"


def login_cookie_name(secure: bool) -> str:
    return "__Host-mcred-signin" if secure else "mcred-signin"


def start(session: Session, user: StaffUser, method: str,
          user_agent: str) -> tuple[str, ConsoleSession]:
    """A new session for ``user``; returns the cookie value (shown to nobody else)."""
    token = secrets.token_urlsafe(32)
    # Housekeeping on the way: sessions past their absolute limit can never be used again.
    session.execute(delete(ConsoleSession).where(ConsoleSession.created_at < utcnow() - ABSOLUTE))
    row = ConsoleSession(token_sha256=_digest(token), user_id=user.id, method=method,
                         csrf_token=secrets.token_urlsafe(32), user_agent=user_agent[:300])
    session.add(row)
    session.flush()
    return token, row


def lookup(session: Session, token: str | None) -> tuple[ConsoleSession, StaffUser] | None:
    """The live session of this cookie and its user; None when unknown, expired (idle or
    absolute) or the account is disabled. Refreshes last_seen_at now and then."""
    if not token or len(token) > 100:
        return None
    found = session.execute(select(ConsoleSession, StaffUser).join(
        StaffUser, StaffUser.id == ConsoleSession.user_id).where(
        ConsoleSession.token_sha256 == _digest(token))).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    if user.disabled_at is not None or now - row.created_at > ABSOLUTE \
            or now - row.last_seen_at > IDLE:
        return None
    if touch_due(row) and not is_read_only(session):
        row.last_seen_at = now
    return row, user


def touch_due(row: ConsoleSession) -> bool:
    """Whether the session's last_seen_at is old enough to be written again."""
    return utcnow() - row.last_seen_at > TOUCH_EVERY


def touch(session: Session, row: ConsoleSession) -> None:
    """Record activity of a session looked up in a read-only transaction (a page view):
    a small write of its own, so browsing keeps the session alive as posting does."""
    session.execute(update(ConsoleSession).where(
        ConsoleSession.token_sha256 == row.token_sha256).values(last_seen_at=utcnow()))


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.token_sha256 == _digest(token)))


def end_all(session: Session, user: StaffUser) -> int:
    """Sign ``user`` out of every browser; returns how many sessions ended."""
    result = session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    return int(getattr(result, "rowcount", 0) or 0)


def set_cookie(response: Response, name: str, value: str, secure: bool,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True,
                        samesite="lax")


def clear_cookie(response: Response, name: str, secure: bool) -> None:
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(
        str(expected).encode("utf-8"), str(given).encode("utf-8"))


def cross_site(request: Request, public_base_url: str) -> bool:
    """True when the browser says the request comes from another site: Sec-Fetch-Site, or an
    Origin that is not ours (a form post from elsewhere). Neither header sent: not refused
    here (old browsers, non-browser clients), the token check still applies."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    ours = urlsplit(public_base_url)
    theirs = urlsplit(origin)
    request_host = request.headers.get("host", "")
    return (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc) \
        and theirs.netloc != request_host
