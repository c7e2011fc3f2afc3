"""Credential offers (OpenID4VCI 1.0 §4): one award, one pre-authorized code, one tx_code.

The offer is handed to the wallet by reference (``credential_offer_uri``): a random ``ref``
whose hash finds the offer; the pre-authorized code in the offer is derived from ``ref`` with
the service secret, so the database holds neither in clear. The tx_code is shown once, to the
issuer, who sends it to the learner by another channel (e-mail, a page after sign-in)."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.errors import ProblemError, not_found
from app.wallets.binding import deliverable_award
from app.wallets.oid4vci.configurations import REGISTRY
from app.wallets.oid4vci.hashing import derived_code, digest, keyed
from app.wallets.oid4vci.models import Offer

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
TX_CODE_LENGTH = 6
TX_CODE_DESCRIPTION = "The 6-digit code your institution sent you with this offer"
_REF = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32)


@dataclass(frozen=True)
class CreatedOffer:
    offer: Offer
    ref: str
    tx_code: str


def offer_uri(base_url: str, ref: str) -> str:
    return f"{base_url}/oid4vci/offers/{ref}"


def offer_link(base_url: str, ref: str) -> str:
    """What a QR code or a same-device link carries (OpenID4VCI 1.0 §4.1.3)."""
    return "openid-credential-offer://?credential_offer_uri=" + quote(offer_uri(base_url, ref),
                                                                      safe="")


def tx_code_hash(secret: str, offer_id: str, tx_code: str) -> str:
    return keyed(secret, "tx_code", f"{offer_id}|{tx_code}")


def create_offer(session: Session, secret: str, issuer_id: int, award_id: str, minutes: int,
                 actor: str, configuration_ids: list[str] | None = None) -> CreatedOffer:
    """A new offer of the issuer's award (404 if not theirs, 409 if revoked or suspended),
    audited as ``credential.offer``; the API, the learner home and share pages call this."""
    award = deliverable_award(session, award_id)
    if award.issuer_id != issuer_id:
        raise not_found(f"award '{award_id}'")
    ids = configuration_ids or list(REGISTRY)  # every format: the wallet takes what it reads
    unknown = [i for i in ids if i not in REGISTRY]
    if unknown or len(set(ids)) != len(ids):
        raise ProblemError(422, "unknown-credential-configuration",
                           "Unknown credential configuration",
                           f"offer any of {sorted(REGISTRY)}, each once", unknown=unknown)
    ref = secrets.token_urlsafe(32)
    tx_code = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))
    offer_id = str(uuid.uuid4())
    now = utcnow()
    offer = Offer(id=offer_id, ref_hash=digest(ref), code_hash=digest(derived_code(secret, ref)),
                  tx_code_hash=tx_code_hash(secret, offer_id, tx_code), award_id=award.id,
                  issuer_id=issuer_id, configurations=json.dumps(ids), created_at=now,
                  expires_at=now + timedelta(minutes=minutes))
    session.add(offer)
    session.flush()
    audit.record(session, actor, "credential.offer", award.id, issuer_id=issuer_id,
                 offer=offer_id, configurations=ids, expires=offer.expires_at.isoformat())
    return CreatedOffer(offer, ref, tx_code)


def is_open(offer: Offer, now: datetime | None = None) -> bool:
    return offer.redeemed_at is None and offer.dead_at is None and \
        (now or utcnow()) < offer.expires_at


def open_offer(session: Session, ref: str) -> Offer:
    """The offer ``ref`` names while it can still be redeemed; 404 otherwise (used, expired
    and unknown look alike)."""
    offer = session.scalar(select(Offer).where(Offer.ref_hash == digest(ref))) \
        if _REF.fullmatch(ref) else None
    if offer is None or not is_open(offer):
        raise not_found("credential offer")
    return offer


def configuration_ids(offer: Offer) -> list[str]:
    return list(json.loads(offer.configurations))


def offer_document(base_url: str, secret: str, ref: str, offer: Offer) -> dict[str, Any]:
    """The Credential Offer object (OpenID4VCI 1.0 §4.1.1)."""
    grant: dict[str, Any] = {"pre-authorized_code": derived_code(secret, ref)}
    if offer.tx_code_hash is not None:
        grant["tx_code"] = {"input_mode": "numeric", "length": TX_CODE_LENGTH,
                            "description": TX_CODE_DESCRIPTION}
    return {"credential_issuer": base_url, "credential_configuration_ids": configuration_ids(offer),
            "grants": {PRE_AUTHORIZED_GRANT: grant}}
