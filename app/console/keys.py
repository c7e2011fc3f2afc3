"""The issuer admin's API keys page: the keys (who made them, last use, revocation and its
reason), a new key whose token is shown once, and revocation with a reason; and the
institution's e-seal (PKCS#12 upload, its certificate, removal), which seals the Europass
credentials (app/issuers/eseals.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.console.auth import Desk, at_issuer, csrf_form
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.errors import ProblemError, not_found
from app.issuers import eseals
from app.issuers import service as issuers
from app.issuers.models import ApiKey
from app.issuers.schemas import ApiKeyCreate, Reason
from app.messages import Message, msg
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)

# The page that shows a new token must not be kept by the browser or any cache.
NO_STORE = {"Cache-Control": "no-store"}


def _keys_page(request: Request, session: Session, desk: Desk, status: int = 200,
               errors: dict[str, object] | None = None,
               typed: dict[str, str] | None = None) -> Response:
    eseal = eseals.current(session, desk.issuer)
    return page(request, "console/keys.html", status, desk=desk,
                keys=issuers.list_api_keys(session, desk.issuer),
                history=issuers.api_key_history(session, desk.issuer),
                eseal=eseals.describe(eseal) if eseal else None,
                done=request.query_params.get("done"),
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


# What the form says for each refusal of app/issuers/eseals.py (the API's problem types).
ESEAL_PROBLEMS: dict[str, Message] = {
    "eseal-too-large": msg("The file is too large for a PKCS#12 e-seal (at most %(kb)s kB).",
                           kb=eseals.MAX_UPLOAD // 1024),
    "eseal-bad-password-field": msg("The password is too long."),
    "eseal-too-costly": msg("The file asks for an unusually costly key derivation: export it"
                            " again with the usual settings."),
    "eseal-not-pkcs12": msg("This is not a PKCS#12 file (.p12 or .pfx) that mcred can read."),
    "eseal-wrong-password": msg("The password does not open this file."),
    "eseal-no-key": msg("The file holds no private key: export the e-seal with its key."),
    "eseal-no-certificate": msg("The file holds no certificate for its key."),
    "eseal-key-mismatch": msg("The private key in the file is not the certificate's key."),
    "eseal-weak-key": msg("The RSA key is shorter than 2048 bits."),
    "eseal-unsupported-key": msg("The key is neither RSA nor EC P-256."),
    "eseal-expired": msg("The certificate has expired."),
    "eseal-not-yet-valid": msg("The certificate is not valid yet."),
    "eseal-no-organisation-identifier": msg(
        "The certificate names no organisation identifier (such as VATBE-0123456789)."),
    "eseal-identifier-unusable": msg(
        "The certificate's organisation identifier is not one of EN 319 412-1 (such as"
        " VATBE-0123456789)."),
    "eseal-identifier-mismatch": msg(
        "The certificate's organisation identifier is of another country than this"
        " institution's."),
}


async def eseal_file(request: Request) -> UploadFile | None:
    """The uploaded PKCS#12 file of the form (already parsed, and CSRF-checked, by csrf_form)."""
    form = await request.form()
    upload = form.get("eseal")
    return upload if isinstance(upload, UploadFile) else None


@router.post("/{slug}/api-keys/eseal")
def upload_eseal(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
                 fields: dict[str, str] = Depends(csrf_form),
                 upload: UploadFile | None = Depends(eseal_file),
                 svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    if upload is None or not upload.filename:
        return _keys_page(request, session, desk, 422,
                          {"eseal": msg("Choose the e-seal's PKCS#12 file (.p12 or .pfx).")})
    try:
        checked = eseals.check(upload.file.read(eseals.MAX_UPLOAD + 1),
                               fields.get("password", ""), desk.issuer)
    except ProblemError as exc:
        said = ESEAL_PROBLEMS.get(exc.slug, msg("This file is not accepted."))
        return _keys_page(request, session, desk, 422, {"eseal": said})
    eseals.store(session, svc.keystore, desk.issuer, checked, desk.actor)
    return RedirectResponse(f"/console/{desk.issuer.slug}/api-keys?done=eseal#eseal", 303)


@router.post("/{slug}/api-keys/eseal/remove")
def remove_eseal(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
                 _fields: dict[str, str] = Depends(csrf_form),
                 session: Session = DB_SESSION) -> Response:
    if eseals.current(session, desk.issuer) is not None:
        eseals.remove(session, desk.issuer, desk.actor)
    return RedirectResponse(f"/console/{desk.issuer.slug}/api-keys?done=eseal-removed#eseal",
                            303)
