"""Issued credentials as an issuer's staff see them: awards found by learner, achievement,
date and status, a page at a time, and one award's whole record (elements, share link,
status, history, e-mails)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, cast, exists, func, select
from sqlalchemy.orm import Session

from app.audit import AuditEvent
from app.credentials import sharing
from app.credentials.models import AchievementRecord, AwardRecord, CredentialRecord
from app.issuers.models import Issuer
from app.mail import service as mail
from app.mail.models import OutboxMessage
from app.status.models import StatusEntry
from app.status.service import Standing, standing_of, states_of

PER_PAGE = 25
# A text search reads the learners of at most this many awards (newest first) in Python: the
# names, e-mails and student ids are inside the request JSON, which no portable SQL indexes.
SCAN_LIMIT = 5000
STATUSES = ("active", "suspended", "revoked")


@dataclass(frozen=True)
class AwardQuery:
    """The list's filters (all optional) and the page wanted (1-based)."""

    text: str = ""
    achievement_id: str = ""
    awarded_from: date | None = None
    awarded_to: date | None = None
    status: str = ""
    page: int = 1


@dataclass(frozen=True)
class AwardRow:
    award: AwardRecord
    learner: dict[str, Any]
    title: str
    status: str
    mail_state: str | None


@dataclass
class AwardPage:
    rows: list[AwardRow]
    total: int
    page: int
    pages: int
    capped: bool = False  # the search stopped at SCAN_LIMIT awards


def achievements(session: Session, issuer: Issuer) -> list[tuple[str, str]]:
    """The issuer's achievements as (id, title), by title."""
    rows = session.execute(select(AchievementRecord.id, AchievementRecord.spec)
                           .where(AchievementRecord.issuer_id == issuer.id)).all()
    return sorted(((i, str(spec.get("title", i))) for i, spec in rows), key=lambda r: r[1])


def _has_state(state: str) -> Any:
    return exists().where(StatusEntry.subject == AwardRecord.id, StatusEntry.state == state)


def _learner_matches(request: dict[str, Any], needle: str) -> bool:
    learner = request.get("learner") or {}
    return any(needle in str(learner.get(key) or "").casefold()
               for key in ("name", "email", "studentId"))


def _like_json(needle: str) -> Any:
    """A cheap SQL pre-filter for an ASCII needle: the request's JSON text contains it
    (escaped as JSON writes it). Python then checks it is in a learner field."""
    escaped = json.dumps(needle)[1:-1]
    pattern = "%" + escaped.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    return func.lower(cast(AwardRecord.request, String)).like(pattern, escape="!")


def search(session: Session, issuer: Issuer, query: AwardQuery,
           per_page: int = PER_PAGE) -> AwardPage:
    """One page of the issuer's awards matching ``query``, newest first."""
    where = [AwardRecord.issuer_id == issuer.id]
    if query.achievement_id:
        where.append(AwardRecord.achievement_id == query.achievement_id)
    if query.awarded_from:
        where.append(AwardRecord.awarded_on >= query.awarded_from)
    if query.awarded_to:
        where.append(AwardRecord.awarded_on <= query.awarded_to)
    if query.status == "revoked":
        where.append(_has_state("revoked"))
    elif query.status == "suspended":
        where += [_has_state("suspended"), ~_has_state("revoked")]
    elif query.status == "active":
        where += [~_has_state("revoked"), ~_has_state("suspended")]
    order = (AwardRecord.created_at.desc(), AwardRecord.id.desc())
    needle = " ".join(query.text.split()).casefold()
    capped = False
    if needle:
        if needle.isascii():
            where.append(_like_json(needle))
        scanned = session.execute(select(AwardRecord.id, AwardRecord.request).where(*where)
                                  .order_by(*order).limit(SCAN_LIMIT + 1)).all()
        capped = len(scanned) > SCAN_LIMIT
        ids = [i for i, request in scanned[:SCAN_LIMIT] if _learner_matches(request, needle)]
        total = len(ids)
        pages = max(1, -(-total // per_page))
        page = min(max(query.page, 1), pages)
        wanted = ids[(page - 1) * per_page:page * per_page]
        found = {a.id: a for a in session.scalars(
            select(AwardRecord).where(AwardRecord.id.in_(wanted)))} if wanted else {}
        awards = [found[i] for i in wanted]
    else:
        total = session.scalar(select(func.count()).select_from(AwardRecord).where(*where)) or 0
        pages = max(1, -(-total // per_page))
        page = min(max(query.page, 1), pages)
        awards = list(session.scalars(select(AwardRecord).where(*where).order_by(*order)
                                      .offset((page - 1) * per_page).limit(per_page)))
    titles = dict(achievements(session, issuer))
    ids = [a.id for a in awards]
    states, mails = states_of(session, ids), mail.latest_states(session, ids)
    rows = [AwardRow(a, a.request.get("learner") or {}, titles.get(a.achievement_id, ""),
                     states[a.id], mails.get(a.id)) for a in awards]
    return AwardPage(rows, total, page, pages, capped)


@dataclass
class AwardRecordView:
    """Everything the detail page shows of one award."""

    award: AwardRecord
    title: str
    share_url: str | None
    standing: Standing
    credential_ids: dict[str, str]
    history: list[AuditEvent] = field(default_factory=list)
    deliveries: list[OutboxMessage] = field(default_factory=list)

    @property
    def learner(self) -> dict[str, Any]:
        return self.award.request.get("learner") or {}

    @property
    def primary_credential(self) -> str | None:
        """The credential id status changes are made through (either rendering would do)."""
        return self.credential_ids.get("ob3") or next(iter(self.credential_ids.values()), None)


def view(session: Session, base_url: str, issuer: Issuer, award_id: str) -> AwardRecordView:
    """One award of ``issuer`` (404 for another issuer's: it is not there for them)."""
    award = mail.get_award(session, issuer, award_id)
    achievement = session.get(AchievementRecord, award.achievement_id)
    link = sharing.award_link(session, award.id)
    credentials = {profile: cid for cid, profile in session.execute(
        select(CredentialRecord.id, CredentialRecord.profile)
        .where(CredentialRecord.award_id == award.id))}
    subjects = [award.id, *credentials.values()]
    history = list(session.scalars(select(AuditEvent).where(AuditEvent.subject.in_(subjects))
                                   .order_by(AuditEvent.at, AuditEvent.id)))
    return AwardRecordView(
        award=award, title=str(achievement.spec.get("title", "")) if achievement else "",
        share_url=sharing.share_url(base_url, link.token) if link else None,
        standing=standing_of(session, award.id), credential_ids=credentials,
        history=history, deliveries=mail.deliveries(session, award.id))
