"""The console's issued-credentials pages: the list (search and filters), one award's record,
revoke / suspend / unsuspend with a reason and a confirmation step, sending the award e-mail
again, and the issuer's e-mail texts (settings)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.console.auth import CONTROL_CHARACTERS, Desk, at_issuer, csrf_form
from app.credentials import issued
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.errors import ProblemError
from app.mail import service as mail
from app.mail.models import STATES as MAIL_STATES
from app.messages import N_, Message, msg
from app.status import service as status
from app.web.i18n import LANGUAGES, language_name
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)

# The common reasons offered; the stored reason is the English label, then the details typed.
REASONS = {"error": N_("Issued in error"), "misconduct": N_("Academic misconduct"),
           "result": N_("Result changed after review"),
           "request": N_("At the learner's request"),
           "investigation": N_("Under investigation"), "other": N_("Other reason")}
MAX_REASON = 500
ACTIONS = {"revoke": N_("Revoke"), "suspend": N_("Suspend"), "unsuspend": N_("Unsuspend")}
STATUS_LABELS = {"active": N_("Active"), "suspended": N_("Suspended"), "revoked": N_("Revoked")}
MAIL_LABELS = {"queued": N_("Queued"), "sending": N_("Sending"), "sent": N_("Sent"),
               "failed": N_("Failed")}
assert set(MAIL_LABELS) == set(MAIL_STATES)
LABELS = {"reasons": REASONS, "actions": ACTIONS, "statuses": STATUS_LABELS,
          "mail": MAIL_LABELS}


def _text(value: str, limit: int) -> str:
    """A typed value as we keep it: at most ``limit`` characters, no control characters but
    line breaks and tabs (PostgreSQL refuses NUL in text: a 500 otherwise)."""
    return CONTROL_CHARACTERS.sub("", value[:limit])


def _date(text: str, field: str, errors: dict[str, Message]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = msg("Write a date as YYYY-MM-DD.")
        return None


def _mail_configured(svc: Services) -> bool:
    return bool(svc.settings.smtp_host)


@router.get("/{slug}/credentials")
def credentials_list(request: Request, desk: Desk = Depends(at_issuer("viewer", write=False)),
                     svc: Services = Depends(services),
                     session: Session = DB_READ_SESSION) -> Response:
    """The issuer's awards, newest first, filtered by the query string (a GET form)."""
    params = request.query_params
    typed = {k: _text(params.get(k, ""), 200).strip() for k in ("q", "achievement", "from",
                                                                 "to", "status")}
    errors: dict[str, Message] = {}
    choices = issued.achievements(session, desk.issuer)
    if typed["achievement"] and typed["achievement"] not in dict(choices):
        errors["achievement"] = msg("Choose one of the micro-credentials.")
    if typed["status"] and typed["status"] not in issued.STATUSES:
        errors["status"] = msg("Choose one of the statuses.")
    start, end = _date(typed["from"], "from", errors), _date(typed["to"], "to", errors)
    if start and end and end < start:
        errors["to"] = msg("The end date is before the start date.")
    page_text = params.get("page", "1")
    number = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 1
    found = issued.search(session, desk.issuer, issued.AwardQuery(
        text=typed["q"], achievement_id="" if "achievement" in errors else typed["achievement"],
        awarded_from=start, awarded_to=end,
        status="" if "status" in errors else typed["status"], page=number)) \
        if not errors else issued.AwardPage([], 0, 1, 1)
    query = urlencode({k: v for k, v in typed.items() if v})
    return page(request, "console/credentials.html", 422 if errors else 200, desk=desk,
                found=found, typed=typed, errors=errors, achievements=choices,
                statuses=issued.STATUSES, query=query, L=LABELS,
                mail_configured=_mail_configured(svc))


def _detail(request: Request, svc: Services, session: Session, desk: Desk, award_id: str,
            status_code: int = 200, **extra: Any) -> Response:
    record = issued.view(session, svc.settings.public_base_url, desk.issuer, award_id)
    context: dict[str, Any] = {"errors": {}, "typed": {}, "done": ""}
    context.update(extra)
    return page(request, "console/credential.html", status_code, desk=desk, record=record,
                L=LABELS, mail_configured=_mail_configured(svc),
                actions=_actions(record.standing), **context)


def _actions(standing: status.Standing) -> list[str]:
    """The changes that can be made now (revocation is final)."""
    if standing.state == "revoked":
        return []
    out = ["revoke"]
    if "suspension" in standing.purposes:
        out.append("unsuspend" if standing.state == "suspended" else "suspend")
    return out


@router.get("/{slug}/credentials/{award_id}")
def credential_detail(request: Request, award_id: str,
                      desk: Desk = Depends(at_issuer("viewer", write=False)),
                      svc: Services = Depends(services),
                      session: Session = DB_READ_SESSION) -> Response:
    done = request.query_params.get("done", "")
    return _detail(request, svc, session, desk, award_id,
                   done=done if done in (*ACTIONS, "resend") else "")


def _reason(typed: dict[str, str], errors: dict[str, Message]) -> str:
    """The reason to store: the chosen common reason's English label, then the details."""
    code, details = typed["reason"], " ".join(typed["details"].split())
    if code not in REASONS:
        errors["reason"] = msg("Choose a reason.")
        return ""
    if code == "other" and not details:
        errors["details"] = msg("Say why in a few words.")
    text = REASONS[code] if code != "other" else details
    if code != "other" and details:
        text = f"{text}: {details}"
    if len(text) > MAX_REASON:
        errors["details"] = msg("Use at most %(count)s characters.", count=MAX_REASON)
    return text


@router.post("/{slug}/credentials/{award_id}/status")
def change_status(request: Request, award_id: str,
                  desk: Desk = Depends(at_issuer("staff", write=True)),
                  fields: dict[str, str] = Depends(csrf_form),
                  svc: Services = Depends(services),
                  session: Session = DB_SESSION) -> Response:
    """Revoke, suspend or unsuspend. The first post shows what will happen (a confirmation
    page); the second, with ``confirm=yes``, does it."""
    record = issued.view(session, svc.settings.public_base_url, desk.issuer, award_id)
    typed = {k: _text(fields.get(k, ""), 2000) for k in ("action", "reason", "details")}
    errors: dict[str, Message] = {}
    if typed["action"] not in _actions(record.standing):
        errors["action"] = msg("This change cannot be made to this credential now.")
    reason = _reason(typed, errors)
    if errors:
        return _detail(request, svc, session, desk, award_id, 422, errors=errors, typed=typed)
    if fields.get("confirm") != "yes":
        return page(request, "console/credential_status.html", desk=desk, record=record,
                    typed=typed, reason=reason, L=LABELS)
    credential = record.primary_credential
    try:
        if credential is None:
            raise ProblemError(409, "no-status", "No status entry", "no credential stored")
        status.change(session, desk.issuer, credential, typed["action"], reason, desk.actor)
    except ProblemError as exc:
        session.rollback()
        errors["action"] = msg("The change could not be made: %(why)s",
                               why=str(exc.detail or exc.title))
        return _detail(request, svc, session, desk, award_id, 422, errors=errors, typed=typed)
    return RedirectResponse(f"/console/{desk.issuer.slug}/credentials/{award_id}"
                            f"?done={typed['action']}", 303)


@router.post("/{slug}/credentials/{award_id}/resend")
def resend(request: Request, award_id: str, desk: Desk = Depends(at_issuer("staff", write=True)),
           _fields: dict[str, str] = Depends(csrf_form), svc: Services = Depends(services),
           session: Session = DB_SESSION) -> Response:
    """Queue the award e-mail again, as a new message."""
    try:
        mail.resend(session, svc.settings.public_base_url, desk.issuer, award_id, desk.actor)
    except ProblemError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        return _detail(request, svc, session, desk, award_id, 422,
                       errors={"resend": msg("The learner gave no e-mail address.")})
    return RedirectResponse(f"/console/{desk.issuer.slug}/credentials/{award_id}?done=resend",
                            303)


def _texts_page(request: Request, svc: Services, desk: Desk, typed: dict[str, str],
                errors: dict[str, Message], status_code: int = 200, done: bool = False) -> Response:
    return page(request, "console/settings_email.html", status_code, desk=desk, typed=typed,
                errors=errors, done=done, mail_configured=_mail_configured(svc),
                site_languages=[(code, language_name(code)) for code in LANGUAGES])


@router.get("/{slug}/settings/email")
def email_settings(request: Request, desk: Desk = Depends(at_issuer("admin", write=False)),
                   svc: Services = Depends(services),
                   session: Session = DB_READ_SESSION) -> Response:
    typed = {"default_language": mail.default_language(session, desk.issuer)}
    for language, (subject, body) in mail.own_texts(session, desk.issuer).items():
        typed[f"subject-{language}"], typed[f"body-{language}"] = subject, body
    return _texts_page(request, svc, desk, typed, {},
                       done=request.query_params.get("done") == "saved")


@router.post("/{slug}/settings/email")
def save_email_settings(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
                        fields: dict[str, str] = Depends(csrf_form),
                        svc: Services = Depends(services),
                        session: Session = DB_SESSION) -> Response:
    names = ["default_language", *(f"{f}-{lang}" for lang in LANGUAGES
                                   for f in ("subject", "body"))]
    typed = {k: _text(fields.get(k, ""), 20000) for k in names}
    form = mail.TextsForm(typed["default_language"], {
        lang: (typed[f"subject-{lang}"], typed[f"body-{lang}"]) for lang in LANGUAGES})
    errors = mail.text_errors(form)
    if errors:
        return _texts_page(request, svc, desk, typed, errors, 422)
    mail.save_texts(session, desk.issuer, form, desk.actor)
    return RedirectResponse(f"/console/{desk.issuer.slug}/settings/email?done=saved", 303)
