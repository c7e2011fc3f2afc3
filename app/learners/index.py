"""Which awards an e-mail address holds: ``index_award`` records each award's address as a
digest (called by credentials.service.award in the award's own transaction)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.console.accounts import AccountError, normal_email
from app.credentials.models import AwardRecord
from app.learners.models import LearnerAward


def email_digest(address: str) -> str | None:
    """SHA-256 of the address as accounts compare it (validated, lower-cased); None when it
    is no e-mail address. Migration 0020 computes the same digest for older awards."""
    try:
        normal = normal_email(address)
    except AccountError:
        return None
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def award_email(award: AwardRecord) -> str | None:
    learner = award.request.get("learner") if isinstance(award.request, dict) else None
    address = learner.get("email") if isinstance(learner, dict) else None
    return address if isinstance(address, str) and address else None


def index_award(session: Session, award: AwardRecord) -> None:
    """Record that the award's learner e-mail address holds it (nothing without one)."""
    address = award_email(award)
    digest = email_digest(address) if address else None
    if digest is None:
        return
    known = session.scalar(select(LearnerAward.award_id).where(
        LearnerAward.email_sha256 == digest, LearnerAward.award_id == award.id))
    if known is None:
        session.add(LearnerAward(email_sha256=digest, award_id=award.id))
        session.flush()


def holds_any(session: Session, digest: str) -> bool:
    return session.scalar(select(LearnerAward.award_id)
                          .where(LearnerAward.email_sha256 == digest).limit(1)) is not None


def award_ids(session: Session, digest: str) -> list[str]:
    return list(session.scalars(select(LearnerAward.award_id)
                                .where(LearnerAward.email_sha256 == digest)))
