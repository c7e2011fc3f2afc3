"""c_nonces (OpenID4VCI 1.0 §7): short-lived, single use, stateless until used.

A nonce is base64url(expiry ‖ random ‖ HMAC) under a key derived from the service secret, so
the unauthenticated nonce endpoint writes nothing and no client can fill a table with open
nonces (the pattern of app/verify/challenges.py). Using one records its hash until it would
have expired; the primary key makes the use single across instances: of two requests racing
with one nonce, the second insert fails."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
import time
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.wallets.oid4vci.hashing import digest
from app.wallets.oid4vci.models import Nonce

MAX_NONCE_LENGTH = 100
_TAG_BYTES = 16
_SHAPE = re.compile(r"[A-Za-z0-9_-]{54}")  # 8 + 16 + 16 bytes


def _tag(secret: str, body: bytes) -> bytes:
    key = hashlib.sha256(f"mcred oid4vci c_nonce key|{secret}".encode()).digest()
    return hmac.new(key, body, hashlib.sha256).digest()[:_TAG_BYTES]


def issue_nonce(secret: str, seconds: int) -> str:
    """A new c_nonce valid for ``seconds``; nothing is stored."""
    body = struct.pack(">Q", int(time.time()) + seconds) + secrets.token_bytes(16)
    return base64.urlsafe_b64encode(body + _tag(secret, body)).rstrip(b"=").decode("ascii")


def _expiry(secret: str, nonce: str) -> datetime | None:
    """When an authentic nonce of ours expires; None for anything else."""
    if not _SHAPE.fullmatch(nonce):
        return None
    try:
        raw = base64.urlsafe_b64decode(nonce + "==")
    except (binascii.Error, ValueError):
        return None
    body, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(secret, body)):
        return None
    return datetime.fromtimestamp(struct.unpack(">Q", body[:8])[0], UTC)


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
