"""c_nonces (OpenID4VCI 1.0 §7): random, stored hashed, single use, short-lived.

Using one deletes its row in the request's transaction, so of two requests racing with the
same nonce exactly one sees its row deleted (one DELETE wins on both databases)."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.db import utcnow
from app.wallets.oid4vci.hashing import digest
from app.wallets.oid4vci.models import Nonce

MAX_NONCE_LENGTH = 100
_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,100}")


def issue_nonce(session: Session, seconds: int) -> str:
    """A new c_nonce; expired ones are cleared on the way, so the table stays small."""
    now = utcnow()
    session.execute(delete(Nonce).where(Nonce.expires_at <= now))
    nonce = secrets.token_urlsafe(32)
    session.add(Nonce(nonce_hash=digest(nonce), expires_at=now + timedelta(seconds=seconds)))
    return nonce


def consume_nonce(session: Session, nonce: str) -> bool:
    """True once for a nonce we issued that has not expired; False ever after."""
    if not _SHAPE.fullmatch(nonce):
        return False
    result = session.execute(delete(Nonce).where(Nonce.nonce_hash == digest(nonce),
                                                 Nonce.expires_at > utcnow()))
    return result.rowcount == 1  # type: ignore[attr-defined]
