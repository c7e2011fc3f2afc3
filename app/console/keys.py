"""The issuer admin's API keys page: the keys (who made them, last use, revocation and its
reason), a new key whose token is shown once, and revocation with a reason."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.console.auth import Desk, at_issuer, csrf_form
from app.deps import DB_READ_SESSION, DB_SESSION
from app.errors import ProblemError, not_found
from app.issuers import service as issuers
from app.issuers.models import ApiKey
from app.issuers.schemas import ApiKeyCreate, Reason
from app.messages import msg
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)

# The page that shows a new token must not be kept by the browser or any cache.
NO_STORE = {"Cache-Control": "no-store"}


def _keys_page(request: Request, session: Session, desk: Desk, status: int = 200,
               errors: dict[str, object] | None = None,
               typed: dict[str, str] | None = None) -> Response:
    return page(request, "console/keys.html", status, desk=desk,
                keys=issuers.list_api_keys(session, desk.issuer),
                history=issuers.api_key_history(session, desk.issuer),
                errors=errors or {}, typed=typed or {})


def _key_of(session: Session, desk: Desk, key_id: str) -> ApiKey:
    found = next((k for k in issuers.list_api_keys(session, desk.issuer)
                  if k.key_id == key_id), None)
    if found is None:  # another issuer's key is not there either
        raise not_found(f"API key '{key_id}'")
    return found


@router.get("/{slug}/api-keys")
def api_keys(request: Request, desk: Desk = Depends(at_issuer("admin", write=False)),
             session: Session = DB_READ_SESSION) -> Response:
    return _keys_page(request, session, desk)


@router.post("/{slug}/api-keys")
def create_api_key(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
                   fields: dict[str, str] = Depends(csrf_form),
                   session: Session = DB_SESSION) -> Response:
    """A new key. Its token is answered here, once, instead of after a redirect: a redirect
    would need the token kept somewhere until the next request, and it is kept nowhere."""
    typed = {"label": fields.get("label", "").strip()}
    error = None
    if not typed["label"]:
        error = msg("Give the key a label that says where it is used.")
    else:
        try:
            ApiKeyCreate.model_validate(typed)
        except ValidationError:
            error = msg("A label is one line of at most 200 characters, without hidden"
                        " characters.")
    if error is not None:
        return _keys_page(request, session, desk, 422, {"label": error}, typed)
    token, record = issuers.create_api_key(session, desk.issuer, typed["label"], desk.actor)
    response = page(request, "console/keys_created.html", desk=desk, token=token, key=record)
    response.headers.update(NO_STORE)
    return response


@router.get("/{slug}/api-keys/{key_id}/revoke")
def confirm_revoke(request: Request, key_id: str,
                   desk: Desk = Depends(at_issuer("admin", write=False)),
                   session: Session = DB_READ_SESSION) -> Response:
    key = _key_of(session, desk, key_id)
    return page(request, "console/keys_revoke.html", desk=desk, key=key, errors={}, typed={})


@router.post("/{slug}/api-keys/{key_id}/revoke")
def revoke(request: Request, key_id: str, desk: Desk = Depends(at_issuer("admin", write=True)),
           fields: dict[str, str] = Depends(csrf_form),
           session: Session = DB_SESSION) -> Response:
    key = _key_of(session, desk, key_id)
    typed = {"reason": fields.get("reason", "").strip()}
    errors: dict[str, object] = {}
    try:
        Reason.model_validate(typed)
    except ValidationError:
        errors["reason"] = msg("Say why the key is revoked (one line, at most 1000"
                               " characters).")
    if key.revoked_at is not None:
        errors["reason"] = msg("This key is revoked already.")
    if not errors:
        try:
            issuers.revoke_api_key(session, desk.issuer, key_id, typed["reason"], desk.actor)
        except ProblemError as exc:  # revoked by someone else a moment ago
            session.rollback()
            if exc.status != 409:
                raise
            errors["reason"] = msg("This key is revoked already.")
    if errors:
        return page(request, "console/keys_revoke.html", 422, desk=desk, key=key,
                    errors=errors, typed=typed)
    return RedirectResponse(f"/console/{desk.issuer.slug}/api-keys", 303)
