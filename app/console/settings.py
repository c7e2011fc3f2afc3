"""The issuer admin's settings page: the institution's public details (what credentials
issued from now on say about it), its logo, and links to the e-mail and sign-on settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.console.auth import Desk, at_issuer, csrf_form
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.images import service as images
from app.images.checks import CheckedImage, ImageRejected, check_image
from app.issuers import service as issuers
from app.issuers.schemas import IssuerDetails
from app.messages import Message, msg
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)

FIELDS = ("legal_name", "country", "url", "email", "org_type")
# One message per field, whatever pydantic found wrong with it (its texts are not ours to
# translate, and "string_too_short" says little to a registrar).
FIELD_PROBLEMS = {
    "legal_name": msg("Give the institution's legal name: 2 to 300 characters on one line."),
    "country": msg("Give the country as its two-letter ISO 3166 code, e.g. EE or FR."),
    "url": msg("Give the institution's web address, starting with https:// or http://."),
    "email": msg("Give an e-mail address people can write to, e.g. info@example.edu."),
    "org_type": msg("Choose the kind of organisation."),
}


def _typed(desk: Desk) -> dict[str, str]:
    issuer = desk.issuer
    return {"legal_name": issuer.legal_name, "country": issuer.country, "url": issuer.url,
            "email": issuer.email, "org_type": issuer.org_type}


def _settings_page(request: Request, session: Session, svc: Services, desk: Desk,
                   status: int = 200, errors: dict[str, object] | None = None,
                   typed: dict[str, str] | None = None, done: str = "") -> Response:
    logo = images.current(session, desk.issuer.id)
    base = svc.settings.public_base_url
    return page(request, "console/settings.html", status, desk=desk,
                typed=typed if typed is not None else _typed(desk), errors=errors or {},
                did=issuers.issuer_did(base, desk.issuer.slug),
                logo=images.image_url(base, logo) if logo else None, done=done,
                max_image_kb=svc.settings.max_image_bytes // 1024)


def details_problems(fields: dict[str, str]) -> tuple[IssuerDetails | None, dict[str, object]]:
    """The posted details validated as the API validates them, or one message per field."""
    try:
        return IssuerDetails.model_validate({k: fields.get(k, "") for k in FIELDS}), {}
    except ValidationError as exc:
        errors: dict[str, object] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error.get("loc") else "legal_name"
            errors.setdefault(field, FIELD_PROBLEMS.get(field, FIELD_PROBLEMS["legal_name"]))
        return None, errors


@router.get("/{slug}/settings")
def settings_page(request: Request, desk: Desk = Depends(at_issuer("admin", write=False)),
                  svc: Services = Depends(services), session: Session = DB_READ_SESSION,
                  done: str = Query("", max_length=20)) -> Response:
    return _settings_page(request, session, svc, desk, done=done)


@router.post("/{slug}/settings")
def save_settings(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
                  fields: dict[str, str] = Depends(csrf_form),
                  svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    typed = {k: fields.get(k, "").strip() for k in FIELDS}
    data, errors = details_problems(typed)
    if data is None:
        return _settings_page(request, session, svc, desk, 422, errors, typed)
    issuers.update_issuer(session, desk.issuer, data, desk.actor)
    return RedirectResponse(f"/console/{desk.issuer.slug}/settings?done=details", 303)


async def logo_file(request: Request) -> UploadFile | None:
    """The uploaded logo file of the form (already parsed, and CSRF-checked, by csrf_form)."""
    form = await request.form()
    upload = form.get("logo")
    return upload if isinstance(upload, UploadFile) else None


def _logo_problem(upload: UploadFile | None,
                  limit: int) -> tuple[CheckedImage | None, Message | None]:
    """The checked image of an upload, or why it is not accepted."""
    if upload is None or not upload.filename:
        return None, msg("Choose a PNG or SVG file.")
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        return None, msg("The logo may be at most %(kb)s kB.", kb=limit // 1024)
    try:
        return check_image(data, (upload.content_type or "").split(";")[0].strip().lower()), None
    except ImageRejected as exc:
        return None, msg("This file is not an accepted PNG or SVG image: %(problem)s.",
                         problem=exc.message)


@router.post("/{slug}/settings/logo")
def upload_logo(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
                _fields: dict[str, str] = Depends(csrf_form),
                upload: UploadFile | None = Depends(logo_file),
                svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    image, problem = _logo_problem(upload, svc.settings.max_image_bytes)
    if image is None:
        return _settings_page(request, session, svc, desk, 422, {"logo": problem})
    images.store(session, desk.issuer.id, None, image, desk.actor)
    return RedirectResponse(f"/console/{desk.issuer.slug}/settings?done=logo", 303)


@router.post("/{slug}/settings/logo/remove")
def remove_logo(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
                _fields: dict[str, str] = Depends(csrf_form),
                session: Session = DB_SESSION) -> Response:
    images.remove(session, desk.issuer.id, None, desk.actor)
    return RedirectResponse(f"/console/{desk.issuer.slug}/settings?done=logo-removed", 303)
