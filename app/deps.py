"""Shared request dependencies: services, a DB session per request, and authentication."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Database
from app.errors import ProblemError
from app.issuers.keys import KeyStore
from app.issuers.models import Issuer
from app.verify.caches import VerifyCaches


@dataclass
class Services:
    """What every request handler may need; built once by create_app."""

    settings: Settings
    db: Database
    keystore: KeyStore
    # what verification reads from our own database, per process (app.verify.caches)
    caches: VerifyCaches = field(default_factory=VerifyCaches)


def services(request: Request) -> Services:
    return request.app.state.services


def db_session(svc: Services = Depends(services)) -> Iterator[Session]:
    """A session committed when the handler returns. Always use it with scope="function":
    the commit must happen before the response is sent, so a client never gets a 201 for
    data that is not stored (or whose commit then fails)."""
    with svc.db.session() as session:
        yield session


def db_read_session(svc: Services = Depends(services)) -> Iterator[Session]:
    """A read-only session: for handlers that only read, so they never wait for a writer
    (a running bulk job on SQLite) nor hold anyone up."""
    with svc.db.session(read_only=True) as session:
        yield session


DB_SESSION = Depends(db_session, scope="function")
DB_READ_SESSION = Depends(db_read_session, scope="function")

_bearer = HTTPBearer(auto_error=False, description="Admin token or an issuer API key")


def _unauthenticated(detail: str) -> ProblemError:
    return ProblemError(401, "unauthenticated", "Authentication required", detail,
                        headers={"WWW-Authenticate": 'Bearer realm="mcred"'})


def require_admin(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
                  svc: Services = Depends(services)) -> str:
    """Accept only the admin token; returns the actor name for the audit log."""
    if credentials is None:
        raise _unauthenticated("send 'Authorization: Bearer <admin token>'")
    expected = svc.settings.admin_token.get_secret_value().encode("utf-8")
    if not hmac.compare_digest(credentials.credentials.encode("utf-8"), expected):
        raise ProblemError(403, "forbidden", "Forbidden", "this token may not use admin endpoints")
    return "admin"


def _issuer_for_key(credentials: HTTPAuthorizationCredentials | None,
                    session: Session) -> Issuer:
    from app.issuers.service import authenticate_api_key

    if credentials is None:
        raise _unauthenticated("send 'Authorization: Bearer <issuer API key>'")
    issuer = authenticate_api_key(session, credentials.credentials)
    if issuer is None:
        raise ProblemError(403, "forbidden", "Forbidden", "unknown or revoked API key")
    return issuer


def require_issuer_key(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
                       session: Session = DB_SESSION) -> Issuer:
    """Accept an issuer API key; returns the issuer it belongs to (in the request's session)."""
    return _issuer_for_key(credentials, session)


def require_issuer_key_read(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
                            session: Session = DB_READ_SESSION) -> Issuer:
    """``require_issuer_key`` for read-only handlers (those that take ``DB_READ_SESSION``)."""
    return _issuer_for_key(credentials, session)


def require_issuer_key_brief(
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
        svc: Services = Depends(services)) -> Issuer:
    """``require_issuer_key`` for handlers that must hold no connection while they work
    (they fetch or verify): the key is checked in a short session, the issuer detached."""
    with svc.db.session(read_only=True) as session:
        issuer = _issuer_for_key(credentials, session)
        session.expunge(issuer)
    return issuer


def optional_issuer_key_read(
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
        session: Session = DB_READ_SESSION) -> Issuer | None:
    """The issuer whose API key was sent, None when none was sent (a wrong key is 403)."""
    return None if credentials is None else _issuer_for_key(credentials, session)
