"""Issuers' own images: store a checked upload, find the current badge image or logo, and map
the public URLs that signed credentials carry back to stored images."""

from __future__ import annotations

import hashlib
import re
import uuid

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from app import audit
from app.images.checks import CheckedImage
from app.images.models import BADGE, LOGO, ImageRecord

_PUBLIC_NAME = re.compile(r"([0-9a-f]{32})\.(png|svg)")


def image_url(base_url: str, record: ImageRecord) -> str:
    """The public address of a stored image (what ``image.id`` in a credential says)."""
    return f"{base_url}/images/{record.id}.{record.extension}"


def _current(issuer_id: int, role: str,
             achievement_id: str | None) -> tuple[ColumnElement[bool], ...]:
    return (ImageRecord.issuer_id == issuer_id, ImageRecord.role == role,
            ImageRecord.achievement_id.is_(None) if achievement_id is None
            else ImageRecord.achievement_id == achievement_id,
            ImageRecord.current.is_(True))


def store(session: Session, issuer_id: int, achievement_id: str | None, image: CheckedImage,
          actor: str) -> ImageRecord:
    """Make ``image`` the achievement's badge image (or, without an achievement, the issuer's
    logo); the one it replaces stays served for the credentials that name it."""
    role = LOGO if achievement_id is None else BADGE
    session.execute(update(ImageRecord).where(*_current(issuer_id, role, achievement_id))
                    .values(current=False))
    record = ImageRecord(id=uuid.uuid4().hex, issuer_id=issuer_id,
                         achievement_id=achievement_id, role=role,
                         media_type=image.media_type, data=image.data,
                         sha256=hashlib.sha256(image.data).hexdigest(), width=image.width,
                         height=image.height, current=True)
    session.add(record)
    audit.record(session, actor, f"image.{role}.set", achievement_id or str(issuer_id),
                 image=record.id, mediaType=image.media_type, sha256=record.sha256,
                 issuer_id=issuer_id)
    session.flush()
    return record


def remove(session: Session, issuer_id: int, achievement_id: str | None, actor: str) -> bool:
    """Stop using the current badge image (or logo) for new credentials; False if none."""
    role = LOGO if achievement_id is None else BADGE
    changed = session.execute(update(ImageRecord)
                              .where(*_current(issuer_id, role, achievement_id))
                              .values(current=False)).rowcount  # type: ignore[attr-defined]
    if changed:
        audit.record(session, actor, f"image.{role}.remove", achievement_id or str(issuer_id),
                     issuer_id=issuer_id)
    return bool(changed)


def current(session: Session, issuer_id: int,
            achievement_id: str | None = None) -> ImageRecord | None:
    """The achievement's badge image, or (no achievement) the issuer's logo, if any."""
    role = LOGO if achievement_id is None else BADGE
    return session.scalars(select(ImageRecord).where(*_current(issuer_id, role, achievement_id))
                           .order_by(ImageRecord.created_at.desc()).limit(1)).first()


def get(session: Session, name: str) -> ImageRecord | None:
    """The stored image behind a public name (``<id>.png`` / ``<id>.svg``)."""
    match = _PUBLIC_NAME.fullmatch(name)
    if match is None:
        return None
    record = session.get(ImageRecord, match[1])
    return record if record is not None and record.extension == match[2] else None


def from_url(session: Session, base_url: str, url: object) -> ImageRecord | None:
    """The stored image a credential's ``image`` (a URL, or an Image object with that ``id``)
    names, when it is one of ours; None for anything else (we never fetch other images)."""
    if isinstance(url, dict):
        url = url.get("id")
    prefix = f"{base_url}/images/"
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    return get(session, url[len(prefix):])
