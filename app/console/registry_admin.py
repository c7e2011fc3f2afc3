"""The service admin's trusted issuer registry pages: entries (search, add, edit, remove),
importing a registry file (a preview, then the import) and followed registries. Everything
goes through app/registry's service, as the admin API does."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.console import registry_forms as entry_form
from app.console.auth import (
    SignedIn,
    check_csrf,
    csrf_form,
    form_data,
    service_admin,
    service_admin_read,
)
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.errors import ProblemError, not_found
from app.issuers.schemas import one_line_problem
from app.messages import msg
from app.outbound import outbound_policy
from app.registry import importers, publish
from app.registry import service as registry
from app.registry.models import RegistryEntry
from app.registry.schemas import RegistryEntryIn
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)

BASE = "/console/admin/registry"
_LARGEST_ID = 2**31 - 1  # a longer number is no entry (and no PostgreSQL integer)
_ENTRIES = TypeAdapter(list[RegistryEntryIn])
IMPORT_KINDS = {".json": "json", ".csv": "csv"}


def csrf_form_read(fields: dict[str, str] = Depends(form_data),
                   who: SignedIn = Depends(service_admin_read)) -> dict[str, str]:
    """``csrf_form`` for a handler that must hold no write transaction itself (refreshing
    followed registries opens its own short ones, and waits on the network between them)."""
    check_csrf(who.csrf, fields)
    return fields


def _entry(session: Session, entry_id: int) -> RegistryEntry:
    if entry_id > _LARGEST_ID:
        raise not_found(f"registry entry {entry_id}")
    return registry.get(session, entry_id)


# -- entries -------------------------------------------------------------------------------


@router.get("/admin/registry")
def entries(request: Request, who: SignedIn = Depends(service_admin_read),
            session: Session = DB_READ_SESSION, q: str = Query("", max_length=200),
            done: str = Query("", max_length=20), added: int = Query(0, ge=0, le=10**6),
            updated: int = Query(0, ge=0, le=10**6)) -> Response:
    found = registry.search(session, q)
    return page(request, "console/admin_registry.html", who=who, q=q,
                entries=[registry.to_out(e) for e in found], done=done,
                counts={"added": added, "updated": updated})


def _entry_page(request: Request, who: SignedIn, typed: dict[str, str], errors: dict[str, object],
                entry_id: int | None = None, status: int = 200, **context: Any) -> Response:
    """The entry form: its QA rows, then one empty row for one more result."""
    rows = [*entry_form.qa_rows(typed), entry_form.blank_row(typed)]
    return page(request, "console/admin_registry_entry.html", status, who=who, typed=typed,
                errors=errors, entry_id=entry_id, qa_rows=rows[:entry_form.MAX_QA_ROWS],
                **context)


@router.get("/admin/registry/new")
def new_entry(request: Request, who: SignedIn = Depends(service_admin_read)) -> Response:
    return _entry_page(request, who, {"org_type": "hei", "status": "active"}, {})


def _claim_problem(exc: ProblemError) -> dict[str, object]:
    if exc.status == 409 and exc.slug == "seal-id-registered":
        return {"seal_ids": msg("An identifier here belongs to another registry entry:"
                                " %(detail)s.", detail=str(exc.detail))}
    if exc.status == 409:
        return {"dids": msg("A DID here belongs to another registry entry: %(detail)s.",
                            detail=str(exc.detail))}
    raise exc


@router.post("/admin/registry/new")
def add_entry(request: Request, who: SignedIn = Depends(service_admin),
              fields: dict[str, str] = Depends(csrf_form),
              session: Session = DB_SESSION) -> Response:
    typed = entry_form.typed_of(fields)
    data, errors = entry_form.parse(typed)
    if data is not None:
        try:
            entry = registry.add(session, data, who.actor)
            return RedirectResponse(f"{BASE}/{entry.id}?done=added", 303)
        except ProblemError as exc:
            session.rollback()
            errors = _claim_problem(exc)
    return _entry_page(request, who, typed, errors, status=422)


@router.get("/admin/registry/{entry_id:int}")
def edit_entry(request: Request, entry_id: int, who: SignedIn = Depends(service_admin_read),
               session: Session = DB_READ_SESSION,
               done: str = Query("", max_length=20)) -> Response:
    entry = registry.to_out(_entry(session, entry_id))
    return _entry_page(request, who, entry_form.typed_from_entry(entry), {}, entry.id,
                       done=done, source=entry.source)


@router.post("/admin/registry/{entry_id:int}")
def save_entry(request: Request, entry_id: int, who: SignedIn = Depends(service_admin),
               fields: dict[str, str] = Depends(csrf_form),
               session: Session = DB_SESSION) -> Response:
    _entry(session, entry_id)
    typed = entry_form.typed_of(fields)
    data, errors = entry_form.parse(typed)
    if data is not None:
        try:
            registry.update(session, entry_id, data, who.actor)
            return RedirectResponse(f"{BASE}/{entry_id}?done=saved", 303)
        except ProblemError as exc:
            session.rollback()
            errors = _claim_problem(exc)
    return _entry_page(request, who, typed, errors, entry_id, status=422)


@router.get("/admin/registry/{entry_id:int}/remove")
def confirm_remove(request: Request, entry_id: int, who: SignedIn = Depends(service_admin_read),
                   session: Session = DB_READ_SESSION) -> Response:
    entry = registry.to_out(_entry(session, entry_id))
    return page(request, "console/admin_registry_remove.html", who=who, entry=entry,
                typed={}, errors={})


@router.post("/admin/registry/{entry_id:int}/remove")
def remove_entry(request: Request, entry_id: int, who: SignedIn = Depends(service_admin),
                 fields: dict[str, str] = Depends(csrf_form),
                 session: Session = DB_SESSION) -> Response:
    entry = _entry(session, entry_id)
    typed = {"reason": fields.get("reason", "").strip()}
    if not typed["reason"] or len(typed["reason"]) > 1000 or one_line_problem(typed["reason"]):
        return page(request, "console/admin_registry_remove.html", 422, who=who,
                    entry=registry.to_out(entry), typed=typed,
                    errors={"reason": msg("Say why the entry is removed (one line, at most"
                                          " 1000 characters).")})
    registry.remove(session, entry_id, typed["reason"], who.actor)
    return RedirectResponse(f"{BASE}?done=removed", 303)


# -- import --------------------------------------------------------------------------------


@router.get("/admin/registry/import")
def import_form(request: Request, who: SignedIn = Depends(service_admin_read)) -> Response:
    return page(request, "console/admin_registry_import.html", who=who, errors={},
                preview=None, problems=[], columns=importers.CSV_COLUMNS)


async def registry_file(request: Request) -> UploadFile | None:
    """The uploaded registry file of the form (parsed, and CSRF-checked, by csrf_form)."""
    upload = (await request.form()).get("file")
    return upload if isinstance(upload, UploadFile) else None


def _import_page(request: Request, who: SignedIn, status: int, **context: Any) -> Response:
    values = {"errors": {}, "preview": None, "problems": [], "columns": importers.CSV_COLUMNS,
              **context}
    return page(request, "console/admin_registry_import.html", status, who=who, **values)


@router.post("/admin/registry/import")
def preview_import(request: Request, who: SignedIn = Depends(service_admin),
                   _fields: dict[str, str] = Depends(csrf_form),
                   upload: UploadFile | None = Depends(registry_file),
                   session: Session = DB_SESSION) -> Response:
    """Read the file and show what importing it would do, entry by entry; nothing is stored
    until the preview is confirmed (parsing is cheap, so the file is read twice at most)."""
    name = (upload.filename or "") if upload is not None else ""
    kind = next((k for suffix, k in IMPORT_KINDS.items() if name.lower().endswith(suffix)), "")
    if upload is None or not name:
        return _import_page(request, who, 422, errors={"file": msg("Choose a file.")})
    if not kind:
        return _import_page(request, who, 422, errors={"file": msg(
            "Upload a .json file (a registry export or a list of entries) or a .csv file.")})
    try:
        parsed = importers.parse(upload.file.read(), kind)
    except ProblemError as exc:
        problems = list((exc.extra or {}).get("errors", []))
        return _import_page(request, who, 422, problems=problems, errors={"file": msg(
            "Nothing can be imported from this file: %(detail)s.",
            detail=str(exc.detail or exc.title))})
    plan = registry.import_plan(session, parsed)
    data = json.dumps([e.model_dump(mode="json", by_alias=True) for e in parsed])
    return _import_page(request, who, 200, preview=list(zip(parsed, plan, strict=True)),
                        data=data, source=name[:200])


@router.post("/admin/registry/import/confirm")
def confirm_import(request: Request, who: SignedIn = Depends(service_admin),
                   fields: dict[str, str] = Depends(csrf_form),
                   session: Session = DB_SESSION) -> Response:
    """Import the previewed entries (sent back by the preview page, validated again)."""
    source = fields.get("source", "")[:200] or "upload"
    try:
        parsed = _ENTRIES.validate_json(fields.get("data", ""))
    except ValidationError:
        return _import_page(request, who, 422, errors={"file": msg(
            "The preview could not be read back; upload the file again.")})
    if one_line_problem(source):
        source = "upload"
    try:
        counts = registry.upsert_many(session, parsed, who.actor, f"import:{source}")
    except ProblemError as exc:  # e.g. an entry whose DIDs are two existing entries'
        session.rollback()
        return _import_page(request, who, 422, errors={"file": msg(
            "Nothing was imported: %(detail)s.", detail=str(exc.detail or exc.title))})
    return RedirectResponse(f"{BASE}?done=imported&added={counts['added']}"
                            f"&updated={counts['updated']}", 303)


# -- followed registries -------------------------------------------------------------------


def _subscriptions_page(request: Request, session: Session, who: SignedIn, status: int = 200,
                        errors: dict[str, object] | None = None,
                        typed: dict[str, str] | None = None, done: str = "") -> Response:
    return page(request, "console/admin_registry_subscriptions.html", status, who=who,
                subscriptions=registry.list_subscriptions(session), errors=errors or {},
                typed=typed or {}, done=done)


@router.get("/admin/registry/subscriptions")
def subscriptions(request: Request, who: SignedIn = Depends(service_admin_read),
                  session: Session = DB_READ_SESSION,
                  done: str = Query("", max_length=20)) -> Response:
    return _subscriptions_page(request, session, who, done=done)


@router.post("/admin/registry/subscriptions")
def subscribe(request: Request, who: SignedIn = Depends(service_admin),
              fields: dict[str, str] = Depends(csrf_form),
              session: Session = DB_SESSION) -> Response:
    typed = {"url": fields.get("url", "").strip(), "signer": fields.get("signer", "").strip()}
    errors: dict[str, object] = {}
    if not typed["url"].startswith("https://") or len(typed["url"]) > 2048 \
            or one_line_problem(typed["url"]):
        errors["url"] = msg("Give the https:// address of the registry's signed list.")
    if not typed["signer"].startswith("did:") or len(typed["signer"]) > 500 \
            or one_line_problem(typed["signer"]):
        errors["signer"] = msg("Give the DID that signs the list, e.g. did:web:registry.example.")
    if not errors:
        try:
            publish.subscribe(session, typed["url"], typed["signer"], who.actor)
            return RedirectResponse(f"{BASE}/subscriptions?done=added", 303)
        except ProblemError as exc:  # the service's own rules, should they be stricter
            session.rollback()
            errors["url"] = msg("This registry cannot be followed: %(detail)s.",
                                detail=str(exc.detail))
    return _subscriptions_page(request, session, who, 422, errors, typed)


@router.post("/admin/registry/subscriptions/refresh")
def refresh(who: SignedIn = Depends(service_admin_read),
            _fields: dict[str, str] = Depends(csrf_form_read),
            svc: Services = Depends(services)) -> Response:
    """Fetch, check and import every followed registry now; each one's outcome (its last
    refresh or its error) is on the list the browser is sent back to."""
    publish.refresh_followed(svc.db, svc.settings.public_base_url,
                             outbound_policy(svc.settings), who.actor)
    return RedirectResponse(f"{BASE}/subscriptions?done=refreshed", 303)


@router.post("/admin/registry/subscriptions/remove")
def unsubscribe(who: SignedIn = Depends(service_admin),
                fields: dict[str, str] = Depends(csrf_form),
                session: Session = DB_SESSION) -> Response:
    url = fields.get("url", "")[:2048]
    if one_line_problem(url):  # no such subscription (and a NUL would trouble PostgreSQL)
        raise not_found("registry subscription")
    registry.unsubscribe(session, url, who.actor)
    return RedirectResponse(f"{BASE}/subscriptions?done=removed", 303)
