"""What a signed-in learner sees and changes: their awards across issuers (with standing and
share link), the share switch of each, and collections published at /p/{token}.

Every function takes the learner's e-mail digest and only ever touches awards indexed for
it (app.learners.index): another learner's award id is "not found", never "forbidden"."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.credentials import sharing
from app.credentials.models import AchievementRecord, AwardRecord, CredentialRecord, ShareLink
from app.errors import not_found
from app.issuers.models import Issuer
from app.learners.models import Collection, CollectionItem, LearnerAward
from app.messages import msg
from app.status.service import states_of

MAX_NAME = 200
MAX_ITEMS = 50
MAX_COLLECTIONS = 100
_AWARD_ID = re.compile(r"[0-9a-f]{1,64}")


@dataclass(frozen=True)
class Card:
    """One award on the learner's home."""

    award_id: str
    title: str
    issuer: str
    awarded_on: date
    state: str  # active | suspended | revoked
    token: str | None  # the share link's token
    shared: bool
    elm: bool  # whether an ELM rendering exists (VC-API-only awards have none)
    elm_sealed: bool = False  # whether a sealed one exists (the issuer had an e-seal)


def cards(session: Session, email_sha256: str) -> list[Card]:
    """The learner's awards, newest first, with issuer, title, standing and share link."""
    rows = session.execute(
        select(AwardRecord, AchievementRecord.title, Issuer.legal_name, ShareLink)
        .join(LearnerAward, LearnerAward.award_id == AwardRecord.id)
        .join(AchievementRecord, AchievementRecord.id == AwardRecord.achievement_id)
        .join(Issuer, Issuer.id == AwardRecord.issuer_id)
        .outerjoin(ShareLink, ShareLink.award_id == AwardRecord.id)
        .where(LearnerAward.email_sha256 == email_sha256)
        .order_by(AwardRecord.awarded_on.desc(), AwardRecord.created_at.desc())).all()
    ids = [award.id for award, *_ in rows]
    states = states_of(session, ids)
    renderings = {(award_id, profile) for award_id, profile in session.execute(
        select(CredentialRecord.award_id, CredentialRecord.profile).where(
            CredentialRecord.award_id.in_(ids),
            CredentialRecord.profile.in_(("elm", "elm-sealed"))))} if ids else set()
    return [Card(award.id, title, issuer, award.awarded_on, states[award.id],
                 link.token if link else None, bool(link and link.enabled),
                 (award.id, "elm") in renderings, (award.id, "elm-sealed") in renderings)
            for award, title, issuer, link in rows]


def own_award(session: Session, email_sha256: str, award_id: str) -> AwardRecord:
    """The learner's award, or 404 (an id of someone else's award is not there for them)."""
    found = session.scalar(select(AwardRecord).join(
        LearnerAward, LearnerAward.award_id == AwardRecord.id).where(
        LearnerAward.email_sha256 == email_sha256, AwardRecord.id == award_id)) \
        if _AWARD_ID.fullmatch(award_id) else None
    if found is None:
        raise not_found(f"award '{award_id}'")
    return found


def rendering(session: Session, email_sha256: str, award_id: str,
              profile: str) -> CredentialRecord:
    award = own_award(session, email_sha256, award_id)
    record = session.scalar(select(CredentialRecord).where(
        CredentialRecord.award_id == award.id, CredentialRecord.profile == profile))
    if record is None:
        raise not_found(f"{profile} rendering of award '{award_id}'")
    return record


def set_sharing(session: Session, secret: str, email_sha256: str, award_id: str,
                enabled: bool) -> ShareLink:
    """Turn the award's share link on or off, as the link's manage key would (the signed-in
    learner holds the award, so the key is derived for them: one code path, one audit)."""
    award = own_award(session, email_sha256, award_id)
    link = sharing.award_link(session, award.id)
    if link is None:
        raise not_found(f"share link of award '{award_id}'")
    return sharing.change(session, secret, link.token, sharing.manage_key(secret, link.token),
                          enabled=enabled)


class CollectionError(ValueError):
    """A collection form that cannot be accepted; the message is for the learner."""


@dataclass(frozen=True)
class Published:
    collection: Collection
    award_ids: list[str]


def _items(session: Session, collection_id: int) -> list[str]:
    return list(session.scalars(select(CollectionItem.award_id)
                                .where(CollectionItem.collection_id == collection_id)
                                .order_by(CollectionItem.position)))


def create_collection(session: Session, email_sha256: str, name: str,
                      award_ids: list[str]) -> Collection:
    """A new published collection of the learner's awards (in the order given)."""
    name = " ".join(name.split())
    if not name:
        raise CollectionError(msg("Give the collection a name."))
    if len(name) > MAX_NAME:
        raise CollectionError(msg("Use at most %(count)s characters.", count=MAX_NAME))
    chosen = list(dict.fromkeys(award_ids))
    if not chosen:
        raise CollectionError(msg("Choose at least one credential for the collection."))
    if len(chosen) > MAX_ITEMS:
        raise CollectionError(msg("A collection holds at most %(count)s credentials.",
                                  count=MAX_ITEMS))
    count = session.scalar(select(func.count(Collection.id))
                           .where(Collection.email_sha256 == email_sha256)) or 0
    if count >= MAX_COLLECTIONS:
        raise CollectionError(msg("You have %(count)s collections: delete one first.",
                                  count=MAX_COLLECTIONS))
    for award_id in chosen:
        own_award(session, email_sha256, award_id)
    collection = Collection(token=secrets.token_urlsafe(24), email_sha256=email_sha256,
                            name=name, published=True)
    session.add(collection)
    session.flush()
    session.add_all([CollectionItem(collection_id=collection.id, award_id=award_id,
                                    position=n) for n, award_id in enumerate(chosen)])
    session.flush()
    return collection


def collections(session: Session, email_sha256: str) -> list[Published]:
    rows = session.scalars(select(Collection).where(Collection.email_sha256 == email_sha256)
                           .order_by(Collection.created_at.desc(), Collection.id.desc()))
    return [Published(row, _items(session, row.id)) for row in rows]


def own_collection(session: Session, email_sha256: str, collection_id: int) -> Collection:
    row = session.get(Collection, collection_id)
    if row is None or row.email_sha256 != email_sha256:
        raise not_found(f"collection {collection_id}")
    return row


def set_published(session: Session, email_sha256: str, collection_id: int,
                  published: bool) -> Collection:
    row = own_collection(session, email_sha256, collection_id)
    row.published = published
    return row


def delete_collection(session: Session, email_sha256: str, collection_id: int) -> None:
    row = own_collection(session, email_sha256, collection_id)
    session.execute(delete(CollectionItem).where(CollectionItem.collection_id == row.id))
    session.delete(row)


def published(session: Session, token: str) -> Published:
    """A published collection by its link; an unpublished or deleted one is not found (as an
    off share link is)."""
    row = session.scalar(select(Collection).where(Collection.token == token)) \
        if sharing.TOKEN_SHAPE.fullmatch(token) else None
    if row is None or not row.published:
        raise not_found("collection")
    return Published(row, _items(session, row.id))


def share_token(session: Session, award_id: str) -> str | None:
    """The award's share-link token while the link is on (the collection page links to it)."""
    link = sharing.award_link(session, award_id)
    return link.token if link is not None and link.enabled else None
