"""The token endpoint's grant (OpenID4VCI 1.0 §6, RFC 6749 §5): a pre-authorized code and its
tx_code for an access token, opaque and random, stored hashed, bound to the offer's award and
configurations."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import utcnow
from app.wallets.oid4vci.errors import OAuthError, invalid_token, no_token
from app.wallets.oid4vci.hashing import digest, same
from app.wallets.oid4vci.models import AccessToken, Offer
from app.wallets.oid4vci.offers import is_open, tx_code_hash

MAX_CODE_LENGTH = 100
MAX_TOKEN_LENGTH = 100
_TX_CODE = re.compile(r"[0-9]{1,20}")


@dataclass(frozen=True)
class Grant:
    access_token: str
    expires_in: int


def _invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def redeem(session: Session, settings: Settings, code: str, tx_code: str | None) -> Grant:
    """An access token for an open offer's code and right tx_code; OAuthError otherwise.
    A code used twice also revokes the token issued the first time (RFC 6749 §4.1.2)."""
    secret = settings.key_secret.get_secret_value()
    offer = session.scalar(select(Offer).where(Offer.code_hash == digest(code))
                           .with_for_update()) if len(code) <= MAX_CODE_LENGTH else None
    if offer is None:
        raise _invalid_grant("unknown pre-authorized code")
    now = utcnow()
    if offer.redeemed_at is not None:
        session.execute(update(AccessToken).where(AccessToken.offer_id == offer.id,
                                                  AccessToken.revoked_at.is_(None))
                        .values(revoked_at=now))
        raise _invalid_grant("the pre-authorized code was already used")
    if not is_open(offer, now):
        raise _invalid_grant("the pre-authorized code expired or its offer was closed")
    if offer.tx_code_hash is not None:
        if tx_code is None:
            raise OAuthError("invalid_request", "this offer requires its tx_code")
        right = bool(_TX_CODE.fullmatch(tx_code)) and same(
            offer.tx_code_hash, tx_code_hash(secret, offer.id, tx_code))
        if not right:
            offer.tx_code_failures += 1
            if offer.tx_code_failures >= settings.oid4vci_tx_code_attempts:
                offer.dead_at = now
                raise _invalid_grant("wrong tx_code; too many attempts, the offer is closed")
            raise _invalid_grant("wrong tx_code")
    offer.redeemed_at = now
    token = secrets.token_urlsafe(32)
    seconds = settings.oid4vci_token_seconds
    session.add(AccessToken(token_hash=digest(token), offer_id=offer.id,
                            expires_at=now + timedelta(seconds=seconds)))
    return Grant(token, seconds)


def bearer_token(authorization: str | None) -> str:
    """The access token of an ``Authorization: Bearer`` header (RFC 6750 §2.1)."""
    if not authorization:
        raise no_token()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise invalid_token("use the Bearer scheme (DPoP is not supported)")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise invalid_token("unknown access token")
    return token


def token_offer(session: Session, token: str) -> tuple[AccessToken, Offer]:
    """The live access token and the offer it came from; invalid_token otherwise."""
    record = session.get(AccessToken, digest(token))
    if record is None:
        raise invalid_token("unknown access token")
    if record.revoked_at is not None:
        raise invalid_token("the access token was revoked")
    if utcnow() >= record.expires_at:
        raise invalid_token("the access token expired")
    offer = session.get(Offer, record.offer_id)
    assert offer is not None  # oid4vci_tokens.offer_id is a foreign key
    return record, offer
