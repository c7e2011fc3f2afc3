"""Stateless, self-expiring tokens: base64url(expiry ‖ random ‖ HMAC) under a key derived from
the service secret and a purpose label. Handing one out stores nothing (no client can fill a
table with open ones); the caller records a token once used, to make it single use. Used for
presentation challenges (app/verify/challenges.py) and OpenID4VCI c_nonces."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from datetime import UTC, datetime

TAG_BYTES = 16


def _tag(secret: str, purpose: bytes, body: bytes) -> bytes:
    key = hashlib.sha256(purpose + b"|" + secret.encode("utf-8")).digest()
    return hmac.new(key, body, hashlib.sha256).digest()[:TAG_BYTES]


def mint(secret: str, purpose: bytes, expires: int, random_bytes: int) -> str:
    """A token for ``purpose`` valid until the Unix time ``expires`` (base64url, no padding)."""
    body = struct.pack(">Q", expires) + secrets.token_bytes(random_bytes)
    return base64.urlsafe_b64encode(body + _tag(secret, purpose, body)).rstrip(b"=").decode()


def expiry(secret: str, purpose: bytes, token: str) -> datetime | None:
    """When an authentic token of ``purpose`` expires; None for anything else (the caller
    checks the token's shape first, so nothing odd is decoded)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    # base64url can spell the same bytes in several ways (unused low bits of the last
    # character); only the canonical spelling counts, so a used token stays used.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != token.rstrip("="):
        return None
    body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if len(body) < 8 or not hmac.compare_digest(tag, _tag(secret, purpose, body)):
        return None
    return datetime.fromtimestamp(struct.unpack(">Q", body[:8])[0], UTC)
