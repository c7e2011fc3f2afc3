"""c_nonces (OpenID4VCI 1.0 §7): short-lived, single use, stateless until used.

A nonce is base64url(expiry ‖ random ‖ HMAC) under a key derived from the service secret, so
the unauthenticated nonce endpoint writes nothing and no client can fill a table with open
nonces (the pattern of app/verify/challenges.py). Using one records its hash until it would
have expired; the primary key makes the use single across instances: of two requests racing
with one nonce, the second insert fails."""

from __future__ import annotations

import re
import time
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import stamped
from app.db import utcnow
from app.wallets.oid4vci.hashing import digest
from app.wallets.oid4vci.models import Nonce

MAX_NONCE_LENGTH = 100
_SHAPE = re.compile(r"[A-Za-z0-9_-]{54}")  # 8 + 16 + 16 bytes


PURPOSE = b"mcred oid4vci c_nonce key"


def issue_nonce(secret: str, seconds: int) -> str:
    """A new c_nonce valid for ``seconds``; nothing is stored."""
    return stamped.mint(secret, PURPOSE, int(time.time()) + seconds, 16)


def _expiry(secret: str, nonce: str) -> datetime | None:
    """When an authentic nonce of ours expires; None for anything else."""
    return stamped.expiry(secret, PURPOSE, nonce) if _SHAPE.fullmatch(nonce) else None


def consume_nonce(session: Session, secret: str, nonce: str) -> bool:
    """True once for an unexpired nonce we issued; False for a used, expired or forged one."""
    expires = _expiry(secret, nonce)
    now = utcnow()
    if expires is None or expires <= now:
        return False
    session.execute(delete(Nonce).where(Nonce.expires_at <= now))  # used ones, past expiry
    try:
        with session.begin_nested():
            session.add(Nonce(nonce_hash=digest(nonce), expires_at=expires))
    except IntegrityError:
        return False
    return True
