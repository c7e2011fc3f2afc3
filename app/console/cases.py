"""The console's recognition cases: the recognition officer weighs presented credentials
against one of the institution's targets, reads the answer criterion by criterion and outcome
by outcome, prints it for the file and records the decision. Every change goes through
app.recognition.cases, as the API's do.

Opening a case verifies the credentials (a remote did:web, a status list or a link may take
seconds), so its handler holds no database connection of its own: the signed-in user is
looked up in a short session, as app.console.sso does before it fetches."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.console import auth
from app.console import case_form as form
from app.console.auth import Desk, at_issuer, csrf_form, form_data
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.elements import vocabularies as vocab
from app.errors import ProblemError
from app.messages import msg
from app.recognition import cases, targets
from app.recognition.models import RecognitionCase
from app.recognition.schemas import MAX_CASE_CREDENTIALS, validate_case, validate_decision
from app.web import labels
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)
UPLOAD_PATH = "/console/*/cases"  # the new-case form posts here, files included
DECISION_FIELDS = ("decision", "note", "officer")
# A recommendation's or decision's pill colour (its words are always shown with it)
COLOURS = {"recognise": "passed", "partial": "warning", "not-recognise": "failed"}
ASSESSMENT_LABELS = {key: c.label for key, c in vocab.ASSESSMENT_TYPES.items()}
SUPERVISION_LABELS = {key: c.label for key, c in vocab.SUPERVISION.items()}


def _base(desk: Desk) -> str:
    return f"/console/{desk.issuer.slug}/cases"


async def uploaded(request: Request) -> list[tuple[str, bytes]]:
    """The form's chosen files (name, bytes); at most one more than a case takes, so that
    too many is said rather than cut."""
    found = (await request.form()).getlist("files")
    files = [f for f in found if isinstance(f, UploadFile) and f.filename]
    return [(f.filename or "", await f.read()) for f in files[:MAX_CASE_CREDENTIALS + 1]]


@router.get("/{slug}/cases")
def list_page(request: Request, undecided: str = Query("", max_length=5),
              desk: Desk = Depends(at_issuer("viewer", write=False)),
              session: Session = DB_READ_SESSION) -> Response:
    found = cases.list_cases(session, desk.issuer, undecided=bool(undecided))
    return page(request, "console/cases.html", desk=desk, found=found,
                undecided=bool(undecided), colours=COLOURS)


def _targets(svc: Services, desk: Desk) -> list[tuple[str, str]]:
    with svc.db.session(read_only=True) as session:
        return [(t.id, f"{t.code} — {t.title}")
                for t in targets.list_targets(session, desk.issuer, status="active")]


def _form_page(request: Request, svc: Services, desk: Desk, typed: dict[str, str],
               errors: dict[str, Any], status: int = 200) -> Response:
    return page(request, "console/case_new.html", status, desk=desk, typed=typed,
                errors=errors, choices=_targets(svc, desk), most=MAX_CASE_CREDENTIALS)


@router.get("/{slug}/cases/new")
def new_page(request: Request, target: str = Query("", max_length=32),
             desk: Desk = Depends(at_issuer("staff", write=False)),
             svc: Services = Depends(services)) -> Response:
    typed = form.typed_values({"targetId": target, "purpose": "exemption"})
    return _form_page(request, svc, desk, typed, {})


@router.post("/{slug}/cases")
def create(request: Request, slug: str, fields: dict[str, str] = Depends(form_data),
           files: list[tuple[str, bytes]] = Depends(uploaded),
           svc: Services = Depends(services)) -> Response:
    """Open a case from the form: verified and weighed as the API does, then its page."""
    desk = auth.brief_desk(request, svc, slug, "staff")
    auth.check_csrf(desk.csrf, fields)
    typed = form.typed_values(fields)
    built = form.build(typed, files)
    errors: dict[str, Any] = dict(built.errors)
    if not errors:
        try:
            spec = validate_case(built.body)
            case = cases.open_case(svc, desk.issuer.id, spec, desk.actor)
            return RedirectResponse(f"{_base(desk)}/{case.id}", 303)
        except ProblemError as exc:
            errors = form.field_errors(exc.extra.get("errors", []), built.sources) or \
                {"credentials": str(exc.detail or exc.title)}
    return _form_page(request, svc, desk, typed, errors, status=422)


def _case_page(request: Request, desk: Desk, case: RecognitionCase, *,
               typed: dict[str, str] | None = None, errors: dict[str, Any] | None = None,
               status: int = 200, template: str = "console/case.html") -> Response:
    answer = cases.said(cases.to_json(case))
    typed = typed or {"decision": answer["recommendation"]["decision"], "note": "",
                      "officer": ""}
    return page(request, template, status, desk=desk, case=answer, typed=typed,
                errors=errors or {}, base=_base(desk), colours=COLOURS,
                assessment_labels=ASSESSMENT_LABELS, supervision_labels=SUPERVISION_LABELS,
                today=date.today().isoformat())


@router.get("/{slug}/cases/{case_id}")
def case_page(request: Request, case_id: str,
              desk: Desk = Depends(at_issuer("viewer", write=False)),
              session: Session = DB_READ_SESSION) -> Response:
    return _case_page(request, desk, cases.get_case(session, desk.issuer, case_id))


@router.get("/{slug}/cases/{case_id}/print")
def print_page(request: Request, case_id: str,
               desk: Desk = Depends(at_issuer("viewer", write=False)),
               session: Session = DB_READ_SESSION) -> Response:
    """The whole case for the file, on A4: no navigation, no forms."""
    return _case_page(request, desk, cases.get_case(session, desk.issuer, case_id),
                      template="console/case_print.html")


@router.post("/{slug}/cases/{case_id}/decision")
def decide(request: Request, case_id: str, desk: Desk = Depends(at_issuer("staff", write=True)),
           fields: dict[str, str] = Depends(csrf_form),
           session: Session = DB_SESSION) -> Response:
    typed = {name: fields.get(name, "") for name in DECISION_FIELDS}
    case = cases.get_case(session, desk.issuer, case_id)
    body = {"decision": typed["decision"] or None, "note": typed["note"].strip() or None,
            "officer": typed["officer"].strip() or None}
    try:
        spec = validate_decision({k: v for k, v in body.items() if v is not None})
        cases.record_decision(session, desk.issuer, case_id, spec, desk.actor)
        return RedirectResponse(f"{_base(desk)}/{case_id}", 303)
    except ProblemError as exc:
        session.rollback()
        case = cases.get_case(session, desk.issuer, case_id)
        errors = _decision_errors(exc, case)
    return _case_page(request, desk, case, typed=typed, errors=errors, status=422)


def _decision_errors(exc: ProblemError, case: RecognitionCase) -> dict[str, Any]:
    """The refused decision's messages on its fields."""
    if exc.slug == "decision-needs-reason":
        return {"note": msg("A note is needed: the decision departs from the recommendation"
                            " (%(recommended)s). Say why.",
                            recommended=msg(labels.DECISIONS[case.recommendation]))}
    errors: dict[str, Any] = {}
    for error in exc.extra.get("errors", []):
        name = str(error.get("field", "")).split(".")[0]
        if name == "decision" or name not in DECISION_FIELDS:
            errors.setdefault("decision", msg("Choose a decision."))
        else:
            errors.setdefault(name, str(error["message"]))
    return errors
