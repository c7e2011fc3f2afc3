"""Share links: one unguessable token per award (/c/{token}), whose page offers every rendering
of it (OBv3 and ELM), or per credential issued without an award (VC-API). The learner turns a
link off and on, and lets search engines in, with a manage key: an HMAC of the token under a
key derived from MCRED_KEY_SECRET. It can be handed to the learner (or re-shown to the issuer)
at any time, and nothing secret is stored.

Before migration 0010 each credential had its own token; an award's ELM token lives on as a
``ShareLinkAlias`` that leads to the award's link (its manage key still works there)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.credentials.models import AwardRecord, CredentialRecord, ShareLink, ShareLinkAlias
from app.errors import ProblemError, not_found

# What new_token() makes (URL-safe base64), within the 64 characters of the token columns.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Shared:
    """What a token leads to: the link, the credentials it shares (by profile) and, when the
    token is an old per-credential one, the rendering that old link served."""

    link: ShareLink
    credentials: dict[str, CredentialRecord]
    via: str | None = None

    @property
    def primary(self) -> CredentialRecord:
        """The rendering the page shows and JSON-LD clients get: OBv3, or the only one."""
        return self.credentials.get("ob3") or next(iter(self.credentials.values()))

    def rendering(self, profile: str) -> CredentialRecord:
        record = self.credentials.get(profile)
        if record is None:
            raise not_found(f"{profile} rendering of this shared credential")
        return record


def new_token() -> str:
    return secrets.token_urlsafe(24)


def manage_key(secret: str, token: str) -> str:
    key = hashlib.sha256(b"mcred share-link manage key|" + secret.encode("utf-8")).digest()
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def share_url(base_url: str, token: str) -> str:
    return f"{base_url}/c/{token}"


def answer(base_url: str, secret: str, link: ShareLink) -> dict[str, str]:
    """The link as the issuer's API answers give it, to hand to the learner."""
    return {"url": share_url(base_url, link.token), "manageKey": manage_key(secret, link.token)}


def create(session: Session, *, award_id: str | None = None,
           credential_id: str | None = None) -> ShareLink:
    """A new, enabled link for an award or for a credential issued without one."""
    link = ShareLink(token=new_token(), award_id=award_id, credential_id=credential_id,
                     enabled=True, search_engines=False)
    session.add(link)
    return link


def award_link(session: Session, award_id: str) -> ShareLink | None:
    return session.scalar(select(ShareLink).where(ShareLink.award_id == award_id))


def link_of(session: Session, record: CredentialRecord) -> ShareLink | None:
    """The link that shares a credential: its award's, or its own."""
    if record.award_id is not None:
        return award_link(session, record.award_id)
    return session.scalar(select(ShareLink).where(ShareLink.credential_id == record.id))


def _lookup(session: Session, token: str) -> tuple[ShareLink, str | None] | None:
    if not TOKEN_SHAPE.fullmatch(token):  # no such link, and no query: PostgreSQL refuses
        return None                         # a NUL in a text parameter (a 500, not a 404)
    link = session.get(ShareLink, token)
    if link is not None:
        return link, None
    alias = session.get(ShareLinkAlias, token)
    link = award_link(session, alias.award_id) if alias is not None else None
    return (link, alias.profile) if link is not None and alias is not None else None


def find(session: Session, token: str, *, enabled_only: bool = True) -> Shared:
    found = _lookup(session, token)
    if found is None or (enabled_only and not found[0].enabled):
        raise not_found("shared credential")  # an off link looks like no link
    link, via = found
    if link.award_id is not None:
        rows = session.scalars(select(CredentialRecord)
                               .where(CredentialRecord.award_id == link.award_id))
        credentials = {row.profile: row for row in rows}
    else:
        record = session.get(CredentialRecord, link.credential_id)
        credentials = {record.profile: record} if record is not None else {}
    if not credentials:
        raise not_found("shared credential")
    return Shared(link, credentials, via)


def _issuer_of(session: Session, link: ShareLink) -> int | None:
    """The issuer of the award (or credential) a link shares: its audit events are theirs."""
    if link.award_id is not None:
        return session.scalar(select(AwardRecord.issuer_id)
                              .where(AwardRecord.id == link.award_id))
    return session.scalar(select(CredentialRecord.issuer_id)
                          .where(CredentialRecord.id == link.credential_id))


def change(session: Session, secret: str, token: str, key: str, *,
           enabled: bool | None = None, search_engines: bool | None = None) -> ShareLink:
    """The learner's switches: the link on or off, search engines allowed or not. The key
    is the one for the token used (an old ELM link's key works through that old link)."""
    found = _lookup(session, token)  # an off link can be turned back on
    if found is None:
        raise not_found("shared credential")
    # Compare bytes: compare_digest refuses non-ASCII str (a 500 for a pasted odd key).
    if not hmac.compare_digest(manage_key(secret, token).encode(), key.encode("utf-8")):
        raise ProblemError(403, "forbidden", "Forbidden", "wrong manage key for this link")
    link = found[0]
    # The learner's choice is about the award, not one rendering of it: one link, one event.
    subject = link.award_id or link.credential_id or link.token
    owner = _issuer_of(session, link)
    if enabled is not None:
        link.enabled = enabled
        audit.record(session, "learner", "share.enable" if enabled else "share.disable",
                     subject, issuer_id=owner)
    if search_engines is not None:
        link.search_engines = search_engines
        audit.record(session, "learner", "share.search-engines."
                     + ("allow" if search_engines else "refuse"), subject, issuer_id=owner)
    return link
