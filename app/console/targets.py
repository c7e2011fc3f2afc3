"""The console's recognition targets: the courses and programmes the institution recognises
credentials against — list, create, edit, retire. Every change goes through
app.recognition.targets, as the API's do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.console import target_form as form
from app.console.auth import Desk, at_issuer, csrf_form
from app.deps import DB_READ_SESSION, DB_SESSION
from app.errors import ProblemError
from app.recognition import targets
from app.recognition.models import RecognitionTarget
from app.recognition.schemas import TargetSpec, validate_target
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)


async def ticked(request: Request) -> list[str]:
    """The ticked assessment boxes (a repeated field, which ``csrf_form`` folds to one)."""
    found = (await request.form()).getlist("requiredAssessment")
    return [value for value in found if isinstance(value, str)][:20]


def _base(desk: Desk) -> str:
    return f"/console/{desk.issuer.slug}/targets"


@router.get("/{slug}/targets")
def list_page(request: Request, status: str = Query("", max_length=20),
              desk: Desk = Depends(at_issuer("viewer", write=False)),
              session: Session = DB_READ_SESSION) -> Response:
    state = status if status in ("active", "retired") else ""
    found = targets.list_targets(session, desk.issuer, status=state or None)
    return page(request, "console/targets.html", desk=desk, found=found, state_filter=state)


def _form_page(request: Request, desk: Desk, typed: dict[str, Any], errors: dict[str, str],
               *, editing: RecognitionTarget | None = None, status: int = 200) -> Response:
    return page(request, "console/target_form.html", status, desk=desk, typed=typed,
                errors=errors, editing=editing, options=form.options())


def _validated(typed: dict[str, Any]) -> tuple[TargetSpec | None, dict[str, str]]:
    try:
        return validate_target(form.body_of(typed)), {}
    except ProblemError as exc:
        return None, form.field_errors(exc.extra["errors"])


@router.get("/{slug}/targets/new")
def new_page(request: Request, desk: Desk = Depends(at_issuer("staff", write=False))) -> Response:
    typed = form.typed_values({"kind": "course"}, [])
    return _form_page(request, desk, typed, {})


@router.post("/{slug}/targets")
def create(request: Request, desk: Desk = Depends(at_issuer("staff", write=True)),
           fields: dict[str, str] = Depends(csrf_form), assessment: list[str] = Depends(ticked),
           session: Session = DB_SESSION) -> Response:
    typed = form.typed_values(fields, assessment)
    spec, errors = _validated(typed)
    if spec is not None:
        try:
            targets.create_target(session, desk.issuer, spec, desk.actor)
            return RedirectResponse(_base(desk), 303)
        except ProblemError as exc:  # a code already in use
            session.rollback()
            errors = form.field_errors(exc.extra.get("errors", []))
    return _form_page(request, desk, typed, errors, status=422)


@router.get("/{slug}/targets/{target_id}/edit")
def edit_page(request: Request, target_id: str,
              desk: Desk = Depends(at_issuer("staff", write=False)),
              session: Session = DB_READ_SESSION) -> Response:
    target = targets.get_target(session, desk.issuer, target_id)
    return _form_page(request, desk, form.typed_from_target(targets.spec_of(target)), {},
                      editing=target)


@router.post("/{slug}/targets/{target_id}/edit")
def edit(request: Request, target_id: str, desk: Desk = Depends(at_issuer("staff", write=True)),
         fields: dict[str, str] = Depends(csrf_form), assessment: list[str] = Depends(ticked),
         session: Session = DB_SESSION) -> Response:
    target = targets.get_target(session, desk.issuer, target_id)
    typed = form.typed_values(fields, assessment)
    spec, errors = _validated(typed)
    if spec is not None:
        try:
            targets.update_target(session, desk.issuer, target_id, spec, desk.actor)
            return RedirectResponse(_base(desk), 303)
        except ProblemError as exc:
            session.rollback()
            errors = form.field_errors(exc.extra.get("errors", []))
            target = targets.get_target(session, desk.issuer, target_id)
    return _form_page(request, desk, typed, errors, editing=target, status=422)


@router.post("/{slug}/targets/{target_id}/retire")
def retire(target_id: str, desk: Desk = Depends(at_issuer("staff", write=True)),
           fields: dict[str, str] = Depends(csrf_form),
           session: Session = DB_SESSION) -> Response:
    targets.retire_target(session, desk.issuer, target_id, desk.actor)
    return RedirectResponse(_base(desk), 303)
