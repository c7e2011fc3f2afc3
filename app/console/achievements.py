"""The console's micro-credential definitions: list and search, create, edit (a new version),
retire, badge image, live EU completeness, detail with version history, and a preview of the
public credential page. Every change goes through app.credentials.service, as the API's do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.console import achievement_form as form
from app.console.auth import Desk, at_issuer, csrf_form
from app.credentials import preview, service
from app.credentials.models import AchievementRecord
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.elements.model import ELEMENT_LABELS, MicroCredentialSpec
from app.errors import ProblemError
from app.images import service as images
from app.images.checks import ImageRejected, check_image
from app.messages import msg
from app.verify.context import build_context
from app.verify.pipeline import verify_credential
from app.web.i18n import reader
from app.web.present import rows, summary
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)
PER_PAGE = 20


async def ticked(request: Request) -> list[str]:
    """The ticked participation boxes (a repeated field, which ``csrf_form`` folds to one).
    Starlette keeps the parsed form on the request, so this reads it once more for free."""
    found = (await request.form()).getlist("participation")
    return [value for value in found if isinstance(value, str)][:20]


def _achievement(session: Session, desk: Desk, achievement_id: str) -> AchievementRecord:
    """The issuer's achievement, or 404 (also for another issuer's: no hint that it exists)."""
    return service.get_achievement(session, desk.issuer, achievement_id)


def _base(desk: Desk) -> str:
    return f"/console/{desk.issuer.slug}/achievements"


@router.get("/{slug}/achievements")
def list_page(request: Request, q: str = Query("", max_length=200),
              status: str = Query("", max_length=20), page_no: int = Query(1, alias="page",
                                                                           ge=1, le=100_000),
              desk: Desk = Depends(at_issuer("viewer", write=False)),
              session: Session = DB_READ_SESSION) -> Response:
    state = status if status in (service.ACTIVE, service.RETIRED) else ""
    found = service.list_achievements(session, desk.issuer, q, state, page_no, PER_PAGE)
    return page(request, "console/achievements.html", desk=desk, found=found, q=q,
                state_filter=state)


def _form_page(request: Request, desk: Desk, svc: Services, typed: dict[str, Any],
               errors: dict[str, str], checked: preview.Checked, *,
               editing: AchievementRecord | None = None, status: int = 200) -> Response:
    return page(request, "console/achievement_form.html", status, desk=desk, typed=typed,
                errors=errors, checked=checked, editing=editing, options=form.options(),
                qa_rows=form.qa_count(typed), issuer_country=desk.issuer.country)


def _checked(svc: Services, desk: Desk, typed: dict[str, Any]) -> preview.Checked:
    return preview.check_definition(svc.settings.public_base_url, desk.issuer,
                                    form.spec_data(typed))


@router.get("/{slug}/achievements/new")
def new_page(request: Request, desk: Desk = Depends(at_issuer("staff", write=False)),
             svc: Services = Depends(services)) -> Response:
    typed = form.typed_values({}, [])
    return _form_page(request, desk, svc, typed, {}, _checked(svc, desk, typed))


@router.post("/{slug}/achievements")
def create(request: Request, desk: Desk = Depends(at_issuer("staff", write=True)),
           fields: dict[str, str] = Depends(csrf_form), participation: list[str] = Depends(ticked),
           svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    """Define a micro-credential from the form, validated as the API validates one."""
    typed = form.typed_values(fields, participation)
    checked = _checked(svc, desk, typed)
    if checked.spec is not None:
        try:
            record = service.create_achievement(session, desk.issuer, checked.spec, desk.actor)
            return RedirectResponse(f"{_base(desk)}/{record.id}", 303)
        except ProblemError as exc:  # a component that is not this issuer's achievement
            session.rollback()
            errors = {"components": str(exc.detail or exc.title)}
    else:
        errors = form.field_errors(checked.errors)
    return _form_page(request, desk, svc, typed, errors, checked, status=422)


@router.post("/{slug}/achievements/check")
def check(desk: Desk = Depends(at_issuer("staff", write=True)),
          fields: dict[str, str] = Depends(csrf_form), participation: list[str] = Depends(ticked),
          svc: Services = Depends(services)) -> JSONResponse:
    """The completeness panel's data for the form as typed so far (the form's script posts
    here): the eleven mandatory EU elements and the fields' messages, as a submit would."""
    typed = form.typed_values(fields, participation)
    checked = _checked(svc, desk, typed)
    return JSONResponse({
        "valid": checked.spec is not None, "complete": checked.complete,
        "elements": [{**e.to_json(), "label": str(ELEMENT_LABELS[e.element])}
                     for e in checked.elements],
        "errors": form.field_errors(checked.errors)})


def _detail_page(request: Request, session: Session, desk: Desk, svc: Services,
                 record: AchievementRecord, status: int = 200,
                 image_error: str | None = None) -> Response:
    base = svc.settings.public_base_url
    badge = images.current(session, desk.issuer.id, record.id)
    versions = service.achievement_versions(session, record)
    return page(request, "console/achievement.html", status, desk=desk, a=record,
                spec=record.spec, state=service.achievement_state(record),
                current=service.latest_version(session, record), versions=versions,
                counts=service.award_counts(session, [v.id for v in versions]),
                states={v.id: service.achievement_state(v) for v in versions},
                badge_src=images.image_url(base, badge) if badge else None,
                image_error=image_error, options=form.options(),
                max_image_kb=svc.settings.max_image_bytes // 1024)


@router.get("/{slug}/achievements/{achievement_id}")
def detail(request: Request, achievement_id: str,
           desk: Desk = Depends(at_issuer("viewer", write=False)),
           svc: Services = Depends(services), session: Session = DB_READ_SESSION) -> Response:
    return _detail_page(request, session, desk, svc, _achievement(session, desk, achievement_id))


@router.get("/{slug}/achievements/{achievement_id}/edit")
def edit_page(request: Request, achievement_id: str,
              desk: Desk = Depends(at_issuer("staff", write=False)),
              svc: Services = Depends(services), session: Session = DB_READ_SESSION) -> Response:
    record = _achievement(session, desk, achievement_id)
    if service.achievement_state(record) != service.ACTIVE:
        # Only the current version is edited: send the user to it (or to the retired page).
        return RedirectResponse(f"{_base(desk)}/{service.latest_version(session, record).id}",
                                303)
    typed = form.typed_from_spec(record.spec)
    return _form_page(request, desk, svc, typed, {}, _checked(svc, desk, typed), editing=record)


@router.post("/{slug}/achievements/{achievement_id}/edit")
def edit(request: Request, achievement_id: str,
         desk: Desk = Depends(at_issuer("staff", write=True)),
         fields: dict[str, str] = Depends(csrf_form), participation: list[str] = Depends(ticked),
         svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    """Save the edit as the next version; credentials issued before keep their version."""
    record = _achievement(session, desk, achievement_id)
    typed = form.typed_values(fields, participation)
    checked = _checked(svc, desk, typed)
    if checked.spec is None:
        return _form_page(request, desk, svc, typed, form.field_errors(checked.errors),
                          checked, editing=record, status=422)
    try:
        new = service.revise_achievement(session, desk.issuer, record.id, checked.spec,
                                         desk.actor)
    except ProblemError as exc:
        if exc.status == 409:
            raise  # superseded or retired meanwhile: the problem names the current version
        session.rollback()
        return _form_page(request, desk, svc, typed,
                          {"components": str(exc.detail or exc.title)}, checked,
                          editing=record, status=422)
    return RedirectResponse(f"{_base(desk)}/{new.id}", 303)


@router.get("/{slug}/achievements/{achievement_id}/retire")
def retire_page(request: Request, achievement_id: str,
                desk: Desk = Depends(at_issuer("staff", write=False)),
                session: Session = DB_READ_SESSION) -> Response:
    record = _achievement(session, desk, achievement_id)
    return page(request, "console/achievement_retire.html", desk=desk, a=record,
                state=service.achievement_state(record),
                awards=service.award_counts(session, [record.id]).get(record.id, 0))


@router.post("/{slug}/achievements/{achievement_id}/retire")
def retire(achievement_id: str, desk: Desk = Depends(at_issuer("staff", write=True)),
           fields: dict[str, str] = Depends(csrf_form),
           session: Session = DB_SESSION) -> Response:
    record = _achievement(session, desk, achievement_id)
    if fields.get("confirm") != "yes":
        # The confirmation box is required on the page; without it nothing happens.
        return RedirectResponse(f"{_base(desk)}/{record.id}/retire", 303)
    service.retire_achievement(session, desk.issuer, record.id, desk.actor)
    return RedirectResponse(f"{_base(desk)}/{record.id}", 303)


@router.post("/{slug}/achievements/{achievement_id}/image")
async def upload_image(request: Request, achievement_id: str,
                       desk: Desk = Depends(at_issuer("staff", write=True)),
                       _fields: dict[str, str] = Depends(csrf_form),
                       svc: Services = Depends(services),
                       session: Session = DB_SESSION) -> Response:
    """Set the badge image of this version (PNG or SVG, checked and cleaned by app/images)."""
    record = _achievement(session, desk, achievement_id)
    upload = (await request.form()).get("image")
    error = None
    if upload is None or isinstance(upload, str) or not upload.filename:
        error = msg("Choose a PNG or SVG file.")
    else:
        limit = svc.settings.max_image_bytes
        data = await upload.read(limit + 1)
        if len(data) > limit:
            error = msg("The image is larger than %(kb)s kB.", kb=limit // 1024)
        else:
            try:
                image = check_image(data, (upload.content_type or "").lower())
            except ImageRejected as exc:
                error = msg("This image was not accepted: %(why)s", why=exc.message)
    if error is None and service.achievement_state(record) != service.ACTIVE:
        error = msg("Only the current version's image can be changed.")
    if error is not None:
        return _detail_page(request, session, desk, svc, record, 422, error)
    images.store(session, desk.issuer.id, record.id, image, desk.actor)
    return RedirectResponse(f"{_base(desk)}/{record.id}?image=set", 303)


@router.get("/{slug}/achievements/{achievement_id}/preview")
def preview_page(request: Request, achievement_id: str,
                 desk: Desk = Depends(at_issuer("viewer", write=False)),
                 svc: Services = Depends(services), session: Session = DB_READ_SESSION) -> Response:
    """The public credential page as a sample learner would get it from this version. The
    credential is rendered but neither signed nor stored (so the page's own checks say it
    carries no signature); what it certifies is read as a verifier reads it."""
    base = svc.settings.public_base_url
    record = _achievement(session, desk, achievement_id)
    badge = images.current(session, desk.issuer.id, record.id)
    logo = images.current(session, desk.issuer.id, None)
    badge_src = images.image_url(base, badge) if badge else None
    logo_src = images.image_url(base, logo) if logo else None
    document = preview.sample_document(base, desk.issuer, MicroCredentialSpec.model_validate(
        record.spec), record.id, badge_url=badge_src, logo_url=logo_src)
    title, version = record.title, record.version
    # Verifying opens short sessions of its own: give this one's connection back first, so
    # the request never holds one connection while it waits for another.
    session.close()
    report = verify_credential(document, build_context(svc))
    found = report.elements or {}
    who = reader(request.headers.get("accept-language"), request.query_params.get("lang"))
    response = page(request, "console/achievement_preview.html", report=report.to_json(),
                    badge_src=badge_src or "/static/favicon.svg", logo_src=logo_src,
                    e=summary(found, who, who.locale), rows=rows(found, who, who.locale, document),
                    link=f"{_base(desk)}/{achievement_id}/preview", linkedin="#",
                    checked=None, holder=None, status_changed=None, elm=False,
                    indexable=False, search_engines=False,
                    back=f"{_base(desk)}/{achievement_id}", title=title, version=version)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
