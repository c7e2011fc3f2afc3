"""The console's issuing pages: one award from a form, and a cohort from a CSV file (upload,
preview, confirm, progress, report). Both go through the issuing services the JSON API uses
(service.award, cohorts/batch with the bulk workers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.console.auth import Desk, at_issuer, csrf_form
from app.credentials import batch, cohorts, service, sharing
from app.credentials.models import AchievementRecord, AwardRecord
from app.db import utcnow
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.elements.model import AwardRequest, MicroCredentialSpec, element_errors
from app.errors import ProblemError, not_found
from app.mail import sender as mail_sender
from app.messages import Message, msg
from app.proofs.errors import ProofError
from app.web.i18n import LANGUAGES, language_name
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)
# The cohort upload takes files as large as the bulk API (app.limits: "*" is the issuer slug).
UPLOAD_PATH = "/console/*/cohorts/new"

ISSUE_FIELDS = ("achievement", "name", "email", "student_id", "did", "language", "awarded_on",
                "grade", "valid_until", "evidence_url", "notify")
# An award request's field (element_errors' "field") → the form field that carries it.
_FORM_FIELD = {"achievementId": "achievement", "learner.name": "name", "learner": "name",
               "learner.email": "email", "learner.studentId": "student_id",
               "learner.did": "did", "awardedOn": "awarded_on", "grade": "grade",
               "validUntil": "valid_until", "body": "valid_until", "evidence.0.id": "evidence_url"}


def _form_field(field: str) -> str:
    if field in _FORM_FIELD:
        return _FORM_FIELD[field]
    if field.startswith("learner"):
        return "name"
    return "evidence_url" if field.startswith("evidence") else "achievement"


def _issuing(svc: Services) -> service.Issuing:
    return service.Issuing(keystore=svc.keystore, base_url=svc.settings.public_base_url,
                           elm_status=svc.settings.elm_credential_status)


def _secret(svc: Services) -> str:
    return svc.settings.key_secret.get_secret_value()


def _choices(session: Session, desk: Desk) -> list[tuple[AchievementRecord, MicroCredentialSpec]]:
    return [(record, MicroCredentialSpec.model_validate(record.spec))
            for record in service.issuable_achievements(session, desk.issuer)]


def _field_message(field: str, scale: list[str] | None) -> Message:
    """One plain message per form field (the services' English reasons are for programs)."""
    if field == "grade" and scale:
        return msg("Choose one of this micro-credential's grades: %(grades)s.",
                   grades=", ".join(scale))
    return {
        "achievement": msg("Choose a micro-credential."),
        "name": msg("Enter the learner's name (up to 300 characters)."),
        "email": msg("Enter an e-mail address such as name@example.org, or leave it empty."),
        "student_id": msg("A student id has at most 100 characters."),
        "did": msg("A DID looks like did:web:example.org or did:key:z6Mk…, or leave it empty."),
        "awarded_on": msg("Enter the date of the award."),
        "valid_until": msg("Enter a date after the date of the award, or leave it empty."),
        "grade": msg("A grade has at most 50 characters."),
        "evidence_url": msg("Enter a web address (https://…), or leave it empty."),
    }.get(field, msg("Check this field."))


def _award_body(typed: dict[str, str]) -> dict[str, Any]:
    """The form's fields → the award request shape of POST /credentials/issue."""
    learner = {key: typed[name] for key, name in (("name", "name"), ("email", "email"),
               ("studentId", "student_id"), ("did", "did")) if typed[name]}
    body: dict[str, Any] = {"achievementId": typed["achievement"], "learner": learner,
                            "awardedOn": typed["awarded_on"]}
    for key, name in (("grade", "grade"), ("validUntil", "valid_until")):
        if typed[name]:
            body[key] = typed[name]
    if typed["evidence_url"]:
        body["evidence"] = [{"id": typed["evidence_url"]}]
    if typed["language"] in LANGUAGES:
        learner["language"] = typed["language"]
    if typed["notify"] == "yes":
        body["notifyLearner"] = True
    return body


def _issue_page(request: Request, session: Session, desk: Desk, typed: dict[str, str],
                errors: dict[str, object], status: int = 200) -> Response:
    choices = _choices(session, desk)
    chosen = next((spec for record, spec in choices if record.id == typed.get("achievement")),
                  None)
    return page(request, "console/issue.html", status, desk=desk, typed=typed, errors=errors,
                choices=[(record.id, spec.title) for record, spec in choices],
                scale=chosen.grade_scale if chosen else None,
                learner_languages=[(code, language_name(code)) for code in LANGUAGES],
                mail_ready=mail_sender.configured(request.app.state.services.settings))


@router.get("/{slug}/issue")
def issue_form(request: Request, achievement: str = Query("", max_length=200),
               desk: Desk = Depends(at_issuer("staff", write=False)),
               session: Session = DB_READ_SESSION) -> Response:
    typed = dict.fromkeys(ISSUE_FIELDS, "")
    typed["awarded_on"] = utcnow().date().isoformat()
    typed["notify"] = "yes"  # learners are told by default; unticked, nobody is e-mailed
    ids = [record.id for record in service.issuable_achievements(session, desk.issuer)]
    typed["achievement"] = achievement if achievement in ids else (ids[0] if len(ids) == 1
                                                                   else "")
    return _issue_page(request, session, desk, typed, {})


@router.post("/{slug}/issue")
def issue(request: Request, desk: Desk = Depends(at_issuer("staff", write=True)),
          fields: dict[str, str] = Depends(csrf_form), session: Session = DB_SESSION,
          svc: Services = Depends(services)) -> Response:
    """Issue one award with service.award, as POST /credentials/issue does."""
    typed = {name: fields.get(name, "").strip()[:2000] for name in ISSUE_FIELDS}
    records = {record.id: spec for record, spec in _choices(session, desk)}
    scale = records[typed["achievement"]].grade_scale if typed["achievement"] in records \
        else None
    errors: dict[str, object] = {}
    if typed["achievement"] not in records:
        errors["achievement"] = _field_message("achievement", None)
    try:
        award_request = AwardRequest.model_validate(_award_body(typed))
    except ValidationError as exc:
        for error in element_errors(exc.errors()):
            name = _form_field(error["field"])
            errors.setdefault(name, _field_message(name, scale))
        award_request = None
    if errors or award_request is None:
        return _issue_page(request, session, desk, typed, errors, 422)
    try:
        award, created = service.award(session, _issuing(svc), desk.issuer, award_request,
                                       desk.actor)
    except ProblemError as exc:
        session.rollback()
        for error in exc.extra.get("errors") or []:
            name = _FORM_FIELD.get(str(error.get("field")), "")
            if name:
                errors.setdefault(name, _field_message(name, scale))
        if not errors:
            errors["form"] = msg("This award cannot be issued: %(reason)s",
                                 reason=exc.detail or exc.title)
        return _issue_page(request, session, desk, typed, errors, 422)
    except ProofError as exc:
        session.rollback()
        errors["form"] = msg("This award cannot be signed: %(reason)s", reason=exc.message)
        return _issue_page(request, session, desk, typed, errors, 422)
    where = f"/console/{desk.issuer.slug}/issue/{award.id}"
    return RedirectResponse(where if created else f"{where}?repeat=1", 303)


@router.get("/{slug}/issue/{award_id}")
def issued(request: Request, award_id: str, repeat: str = Query("", max_length=5),
           desk: Desk = Depends(at_issuer("staff", write=False)),
           session: Session = DB_READ_SESSION, svc: Services = Depends(services)) -> Response:
    """The award just issued (or found again): the learner's share link, to copy, and QR."""
    award = session.get(AwardRecord, award_id[:64])
    if award is None or award.issuer_id != desk.issuer.id:
        raise not_found(f"award '{award_id}'")
    achievement = service.get_achievement(session, desk.issuer, award.achievement_id)
    link = sharing.award_link(session, award.id)
    answer = sharing.answer(svc.settings.public_base_url, _secret(svc), link) if link else None
    return page(request, "console/issue_done.html", desk=desk, award=award,
                learner=award.request.get("learner", {}), title=achievement.spec.get("title"),
                link=answer, token=link.token if link else None, repeat=bool(repeat))


# --- cohorts -------------------------------------------------------------------------------

async def _uploaded(request: Request) -> tuple[str, bytes] | None:
    """The form's file (its name and bytes), or None when none was chosen."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return upload.filename, await upload.read()


def _file_message(exc: ProblemError) -> Message:
    """What a file that cannot be taken is told, by the reason it was refused."""
    if exc.slug == "too-many-rows":
        return msg("The file has more than %(limit)s rows: at most %(limit)s learners can be"
                   " issued from one file. Split it into several files.",
                   limit=f"{cohorts.MAX_COHORT_ROWS:,}")
    if exc.slug == "empty-file":
        return msg("The file is empty: it needs a header line naming the columns, then one"
                   " line per learner.")
    if exc.slug == "no-csv-header":
        return msg("The first line must name the columns (for example name, email,"
                   " awarded_on); this file's first line names none of them.")
    if exc.slug == "bad-csv-header":
        return msg("The file needs a name column and an awarded_on (date) column: %(detail)s",
                   detail=exc.detail or "")
    return msg("The file cannot be read as CSV: %(detail)s", detail=exc.detail or exc.title)


def _new_cohort_page(request: Request, session: Session, desk: Desk, typed: dict[str, str],
                     errors: dict[str, object], status: int = 200) -> Response:
    choices = [(record.id, spec.title) for record, spec in _choices(session, desk)]
    return page(request, "console/cohort_new.html", status, desk=desk, typed=typed,
                errors=errors, choices=choices, columns=batch.CSV_COLUMNS,
                limit=f"{cohorts.MAX_COHORT_ROWS:,}",
                mail_ready=mail_sender.configured(request.app.state.services.settings))


@router.get("/{slug}/cohorts")
def cohort_list(request: Request, desk: Desk = Depends(at_issuer("staff", write=False)),
                session: Session = DB_READ_SESSION) -> Response:
    titles = {record.id: spec.title for record, spec in _choices(session, desk)}
    return page(request, "console/cohorts.html", desk=desk, titles=titles,
                cohorts=cohorts.listing(session, desk.issuer))


@router.get("/{slug}/cohorts/new")
def cohort_form(request: Request, achievement: str = Query("", max_length=200),
                desk: Desk = Depends(at_issuer("staff", write=False)),
                session: Session = DB_READ_SESSION) -> Response:
    return _new_cohort_page(request, session, desk, {"achievement": achievement, "notify": "yes"},
                            {})


@router.post("/{slug}/cohorts/new")
def cohort_upload(request: Request, desk: Desk = Depends(at_issuer("staff", write=True)),
                  fields: dict[str, str] = Depends(csrf_form),
                  uploaded: tuple[str, bytes] | None = Depends(_uploaded),
                  session: Session = DB_SESSION) -> Response:
    """Read and check the file and keep it as a draft; nothing is issued before confirm."""
    typed = {"achievement": fields.get("achievement", "")[:200],
             "notify": "yes" if fields.get("notify") == "yes" else ""}
    errors: dict[str, object] = {}
    ids = {record.id for record in service.issuable_achievements(session, desk.issuer)}
    if typed["achievement"] not in ids:
        errors["achievement"] = msg("Choose a micro-credential.")
    if uploaded is None:
        errors["file"] = msg("Choose a CSV file.")
    if not errors and uploaded is not None:
        try:
            cohort = cohorts.create_draft(session, desk.issuer, typed["achievement"],
                                          uploaded[1], uploaded[0], desk.actor,
                                          notify=fields.get("notify") == "yes")
        except ProblemError as exc:
            session.rollback()
            errors["file"] = _file_message(exc)
        else:
            return RedirectResponse(f"/console/{desk.issuer.slug}/cohorts/{cohort.job_id}", 303)
    return _new_cohort_page(request, session, desk, typed, errors, 422)


@router.get("/{slug}/cohorts/{job_id}")
def cohort(request: Request, job_id: str, desk: Desk = Depends(at_issuer("staff", write=False)),
           session: Session = DB_READ_SESSION, svc: Services = Depends(services)) -> Response:
    """A draft's preview, or a confirmed cohort's progress and, once done, its report."""
    found, job = cohorts.get_cohort(session, desk.issuer, job_id)
    title = service.get_achievement(session, desk.issuer, job.achievement_id).spec.get("title")
    if found.state == "draft":
        return page(request, "console/cohort_preview.html", desk=desk, cohort=found, job=job,
                    title=title, rows=cohorts.preview(session, job),
                    formula_rows=found.formula_rows,
                    separator=_SEPARATOR_NAMES.get(found.separator, found.separator))
    state = batch.progress(session, job)
    rows = batch.report(session, job, svc.settings.public_base_url, _secret(svc),
                        learners=True)[:cohorts.REPORT_ROWS_SHOWN] if state.done else []
    return page(request, "console/cohort_progress.html", desk=desk, cohort=found, job=job,
                title=title, progress=state.to_json(), rows=rows,
                shown=cohorts.REPORT_ROWS_SHOWN)


_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


@router.post("/{slug}/cohorts/{job_id}/confirm")
def cohort_confirm(job_id: str, desk: Desk = Depends(at_issuer("staff", write=True)),
                   _fields: dict[str, str] = Depends(csrf_form),
                   session: Session = DB_SESSION) -> Response:
    found, job = cohorts.get_cohort(session, desk.issuer, job_id)
    cohorts.confirm(session, found, job, desk.actor)
    return RedirectResponse(f"/console/{desk.issuer.slug}/cohorts/{job.id}", 303)


@router.post("/{slug}/cohorts/{job_id}/cancel")
def cohort_cancel(job_id: str, desk: Desk = Depends(at_issuer("staff", write=True)),
                  _fields: dict[str, str] = Depends(csrf_form),
                  session: Session = DB_SESSION) -> Response:
    found, job = cohorts.get_cohort(session, desk.issuer, job_id)
    if found.state != "draft":
        raise ProblemError(409, "not-a-draft", "Already confirmed",
                           "this cohort was confirmed; it can no longer be cancelled")
    cohorts.cancel(session, found, job, desk.actor)
    return RedirectResponse(f"/console/{desk.issuer.slug}/cohorts", 303)


@router.get("/{slug}/cohorts/{job_id}/progress")
def cohort_progress(job_id: str, desk: Desk = Depends(at_issuer("staff", write=False)),
                    session: Session = DB_READ_SESSION) -> JSONResponse:
    """The counts the progress page polls (cohort-progress.js)."""
    found, job = cohorts.get_cohort(session, desk.issuer, job_id)
    body = batch.progress(session, job).to_json()
    return JSONResponse({**body, "state": found.state,
                         "done": found.state == "confirmed" and body["done"]},
                        headers={"Cache-Control": "no-store"})


@router.get("/{slug}/cohorts/{job_id}/report.csv")
def cohort_report(job_id: str, desk: Desk = Depends(at_issuer("staff", write=False)),
                  session: Session = DB_READ_SESSION,
                  svc: Services = Depends(services)) -> Response:
    """Every row's outcome and share link, as a CSV safe to open in a spreadsheet."""
    _found, job = cohorts.get_cohort(session, desk.issuer, job_id)
    entries = batch.report(session, job, svc.settings.public_base_url, _secret(svc),
                           learners=True)
    return Response(cohorts.report_csv(entries), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="cohort-{job.id}.csv"',
                             "Cache-Control": "no-store"})
