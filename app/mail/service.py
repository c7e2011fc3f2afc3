"""The outbox: award e-mails queued in the award's own transaction (an award rolled back sends
nothing), sent again on request, and the states the sender moves them through; and each
issuer's e-mail texts. The API, the console, bulk issuing and the CLI all come through here."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import audit
from app.credentials import sharing
from app.credentials.models import AchievementRecord, AwardRecord
from app.db import utcnow
from app.errors import ProblemError, not_found
from app.issuers.models import Issuer
from app.mail import texts
from app.mail.models import IssuerMailSettings, IssuerMailText, OutboxMessage
from app.messages import Message, msg

# The site's languages. Imported from the pages' i18n module (plain gettext/Babel, nothing
# of HTTP in it): an e-mail says mcred's default text in the same words a page would.
from app.web.i18n import LANGUAGES, translations

# After the n-th failed attempt, wait BACKOFF[n-1]; after the last one the message fails.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(BACKOFF) + 1
# A message "sending" this long was claimed by a sender that died mid-send: due again.
STALE_SENDING = timedelta(minutes=10)
_AWARD_ID = re.compile(r"[0-9a-f]{1,64}")
_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def site_language(tag: str | None) -> str | None:
    """The site language of a BCP-47 tag ("de-AT" → "de"), or None when it is not one."""
    if not tag or not _TAG.fullmatch(tag):
        return None
    primary = tag.split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def default_language(session: Session, issuer: Issuer) -> str:
    row = session.get(IssuerMailSettings, issuer.id)
    return row.default_language if row is not None else "en"


def own_texts(session: Session, issuer: Issuer) -> dict[str, tuple[str, str]]:
    """The issuer's own (subject, body) by language."""
    rows = session.scalars(select(IssuerMailText).where(IssuerMailText.issuer_id == issuer.id))
    return {row.language: (row.subject, row.body) for row in rows}


@dataclass(frozen=True)
class TextsForm:
    """What the settings form sends: the default language and (subject, body) by language."""

    default_language: str
    texts: dict[str, tuple[str, str]]


def text_errors(form: TextsForm) -> dict[str, Message]:
    """One message per field (``subject-de``, ``body-fr``, ``default_language``)."""
    errors: dict[str, Message] = {}
    if form.default_language not in LANGUAGES:
        errors["default_language"] = msg("Choose one of the languages.")
    for language, (subject, body) in form.texts.items():
        if bool(subject.strip()) != bool(body.strip()):
            missing = "subject" if not subject.strip() else "body"
            errors[f"{missing}-{language}"] = msg(
                "Write both a subject and a text, or leave both empty for mcred's default.")
            continue
        for field, value, limit in (("subject", subject, texts.MAX_SUBJECT),
                                    ("body", body, texts.MAX_BODY)):
            problem = texts.template_error(value)
            if problem is None and len(value) > limit:
                problem = msg("Use at most %(count)s characters.", count=limit)
            if problem is not None:
                errors[f"{field}-{language}"] = problem
    return errors


def save_texts(session: Session, issuer: Issuer, form: TextsForm, actor: str) -> None:
    """Store the issuer's texts (an empty pair removes that language's own text)."""
    if text_errors(form):
        raise ProblemError(422, "invalid-mail-texts", "Invalid e-mail texts",
                           "; ".join(f"{k}: {v}" for k, v in text_errors(form).items()))
    settings = session.get(IssuerMailSettings, issuer.id)
    if settings is None:
        settings = IssuerMailSettings(issuer_id=issuer.id)
        session.add(settings)
    settings.default_language = form.default_language
    stored = {row.language: row for row in session.scalars(
        select(IssuerMailText).where(IssuerMailText.issuer_id == issuer.id))}
    for language, (subject, body) in form.texts.items():
        row = stored.get(language)
        if not subject.strip():
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = IssuerMailText(issuer_id=issuer.id, language=language)
            session.add(row)
        row.subject, row.body, row.updated_at = subject.strip(), body.strip(), utcnow()
    audit.record(session, actor, "issuer.mail-texts", f"issuer:{issuer.slug}",
                 default_language=form.default_language,
                 own=sorted(k for k, (s, _b) in form.texts.items() if s.strip()),
                 issuer_id=issuer.id)
    session.flush()


def _compose(session: Session, base_url: str, issuer: Issuer, award: AwardRecord,
             token: str, title: str, actor: str) -> OutboxMessage | None:
    learner = award.request.get("learner", {})
    address = learner.get("email")
    if not address:
        return None
    language = site_language(learner.get("language")) or default_language(session, issuer)
    # The public share URL only: the manage key is the learner's to ask for, not to be sent
    # around in mail that may be forwarded.
    values = {"learner_name": learner.get("name", ""), "title": title,
              "link": sharing.share_url(base_url, token), "issuer": issuer.legal_name,
              # Behind the learner's own sign-in: a forwarded e-mail gives no wallet copy.
              "wallet_link": f"{base_url}/me/awards/{award.id}/wallet"}
    written = texts.write(values, own_texts(session, issuer).get(language),
                          translations(language).gettext, language)
    message = OutboxMessage(issuer_id=issuer.id, award_id=award.id, to_address=address,
                            language=language, subject=written.subject, text_body=written.text,
                            html_body=written.html, state="queued", attempts=0,
                            next_attempt_at=utcnow(), queued_by=actor)
    session.add(message)
    session.flush()
    audit.record(session, actor, "mail.queue", award.id, message=message.id, language=language,
                 issuer_id=issuer.id)
    return message


def queue_award(session: Session, base_url: str, issuer: Issuer, award: AwardRecord,
                link: sharing.ShareLink, title: str, actor: str) -> OutboxMessage | None:
    """Queue the award e-mail (in the caller's transaction); None: the learner gave no
    e-mail address."""
    return _compose(session, base_url, issuer, award, link.token, title, actor)


def sign_in_message(address: str, link: str, language: str, minutes: int) -> OutboxMessage:
    """A learner's one-time sign-in mail (kind "sign-in", no issuer or award), not yet
    added: the caller queues it with ``session.add`` only for an address that holds
    credentials, after the same work for any address. Not in the audit log: an entry would
    say which addresses hold credentials here."""
    gettext = translations(language if language in LANGUAGES else "en").gettext
    values = {"link": link, "minutes": str(minutes)}
    subject = texts.one_line(gettext(texts.SIGN_IN_SUBJECT))[:300]
    text = gettext(texts.SIGN_IN_BODY) % values
    return OutboxMessage(issuer_id=None, award_id=None, kind="sign-in", to_address=address,
                         language=language, subject=subject, text_body=text,
                         html_body=texts.as_html(text, link, language), state="queued",
                         attempts=0, next_attempt_at=utcnow(), queued_by="learner")


def _forget_link(row: OutboxMessage) -> None:
    """A sign-in mail done with (sent or failed for good) keeps no live link in the table."""
    if row.kind == "sign-in":
        row.text_body = row.html_body = ""


def get_award(session: Session, issuer: Issuer, award_id: str) -> AwardRecord:
    # Award ids are hex; any other text is no award (and no query: PostgreSQL refuses a NUL).
    award = session.get(AwardRecord, award_id) if _AWARD_ID.fullmatch(award_id) else None
    if award is None or award.issuer_id != issuer.id:
        raise not_found(f"award '{award_id}'")  # another issuer's award is not there for them
    return award


def resend(session: Session, base_url: str, issuer: Issuer, award_id: str,
           actor: str) -> OutboxMessage:
    """Queue the award e-mail once more (a new message, the texts as they are now)."""
    award = get_award(session, issuer, award_id)
    link = sharing.award_link(session, award.id)
    achievement = session.get(AchievementRecord, award.achievement_id)
    title = str(achievement.spec.get("title", "")) if achievement is not None else ""
    message = _compose(session, base_url, issuer, award, link.token, title, actor) \
        if link is not None else None
    if message is None:
        raise ProblemError(409, "no-learner-email", "No e-mail address",
                           "the award names no e-mail address for the learner")
    return message


def deliveries(session: Session, award_id: str) -> list[OutboxMessage]:
    """The award's e-mails, newest first."""
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.award_id == award_id)
                                .order_by(OutboxMessage.id.desc())))


def latest_states(session: Session, award_ids: Iterable[str]) -> dict[str, str]:
    """The state of each award's newest e-mail (awards without one are absent)."""
    ids = list(award_ids)
    if not ids:
        return {}
    rows = session.execute(select(OutboxMessage.award_id, OutboxMessage.state)
                           .where(OutboxMessage.award_id.in_(ids))
                           .order_by(OutboxMessage.id)).all()
    return {award_id: state for award_id, state in rows}  # the newest wins


def claim_due(session: Session, now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for sending: marked "sending" with one more
    attempt, to be committed before any SMTP talk (SKIP LOCKED: senders never share one)."""
    due = or_((OutboxMessage.state == "queued") & (OutboxMessage.next_attempt_at <= now),
              (OutboxMessage.state == "sending") & (OutboxMessage.claimed_at < now - STALE_SENDING))
    rows = list(session.scalars(select(OutboxMessage).where(due).order_by(OutboxMessage.id)
                                .limit(limit).with_for_update(skip_locked=True)))
    for row in rows:
        row.state, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
    session.flush()
    return rows


def record_sent(session: Session, message_id: int, now: datetime) -> None:
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.state, row.sent_at, row.last_error = "sent", now, None
        _forget_link(row)


def record_failure(session: Session, message_id: int, error: str, *, permanent: bool,
                   now: datetime) -> None:
    """A failed attempt: tried again after the backoff, or failed for good (a permanent
    SMTP refusal, or the last attempt)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return
    row.last_error = error[:500]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.state = "failed"
        _forget_link(row)
    else:
        row.state, row.next_attempt_at = "queued", now + BACKOFF[row.attempts - 1]
