"""Share links: an unguessable token per credential (/c/{token}) that the learner can turn
off and on with a manage key. The manage key is an HMAC of the token under a key derived
from MCRED_KEY_SECRET: it can be handed to the learner (or re-shown to the issuer) at any
time, and nothing secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.credentials.models import CredentialRecord
from app.errors import ProblemError, not_found


def new_token() -> str:
    return secrets.token_urlsafe(24)


def manage_key(secret: str, token: str) -> str:
    key = hashlib.sha256(b"mcred share-link manage key|" + secret.encode("utf-8")).digest()
    return hmac.new(key, token.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def share_url(base_url: str, token: str) -> str:
    return f"{base_url}/c/{token}"


def find(session: Session, token: str, *, enabled_only: bool = True) -> CredentialRecord:
    record = session.scalar(select(CredentialRecord).where(CredentialRecord.share_token == token))
    if record is None or (enabled_only and not record.share_enabled):
        raise not_found("shared credential")  # an off link looks like no link
    return record


def set_enabled(session: Session, secret: str, token: str, key: str,
                enabled: bool) -> CredentialRecord:
    record = find(session, token, enabled_only=False)
    # Compare bytes: compare_digest refuses non-ASCII str (a 500 for a pasted odd key).
    if not hmac.compare_digest(manage_key(secret, token).encode(), key.encode("utf-8")):
        raise ProblemError(403, "forbidden", "Forbidden", "wrong manage key for this link")
    # The learner's choice is about the award, not one rendering of it: every credential of
    # the same award (its OBv3 and ELM renderings) is shared or not together.
    siblings = [record] if record.award_id is None else list(session.scalars(
        select(CredentialRecord).where(CredentialRecord.award_id == record.award_id)))
    for credential in siblings:
        credential.share_enabled = enabled
        audit.record(session, "learner", "share.enable" if enabled else "share.disable",
                     credential.id)
    return record
