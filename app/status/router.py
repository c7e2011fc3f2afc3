"""HTTP: published status lists, and revoke / suspend / unsuspend (issuer key or admin)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.db import utcnow
from app.deps import (
    DB_READ_SESSION,
    DB_SESSION,
    Services,
    require_admin,
    require_issuer_key,
    services,
)
from app.errors import ProblemError
from app.issuers.models import Issuer
from app.status import service

router = APIRouter(tags=["status"])
admin = APIRouter(prefix="/admin", tags=["admin"])

# VC-API `status` values → our actions.
_VCAPI_STATUS = {"revoked": "revoke", "suspended": "suspend", "unsuspended": "unsuspend",
                 "active": "unsuspend"}


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["revoke", "suspend", "unsuspend"]
    reason: str = Field(..., min_length=1, max_length=1000)


# The media types a status list credential is served as, most preferred first, each with the
# suffix of its ETag (same bytes, another Content-Type: another representation, RFC 9110 8.8.3).
LIST_MEDIA_TYPES = {"application/vc": "", "application/vc+ld+json": "-vcld",
                    "application/ld+json": "-ld", "application/json": "-json"}


def _accepted(accept: str | None) -> dict[str, float]:
    """Media range (lower case, no parameters) → q of an Accept header (RFC 9110 12.5.1)."""
    ranges: dict[str, float] = {}
    for item in (accept or "").split(","):
        media, *params = [part.strip() for part in item.split(";")]
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        media = media.lower()
        ranges[media] = max(q, ranges.get(media, 0.0))
    return ranges


def negotiate_list_type(accept: str | None) -> str | None:
    """The media type to serve a status list as for ``accept``; None if it allows none."""
    ranges = _accepted(accept)
    if not ranges:
        return next(iter(LIST_MEDIA_TYPES))
    best, best_q = None, 0.0
    for media in LIST_MEDIA_TYPES:  # the most specific range decides a type's q
        kind = media.split("/")[0]
        q = next((ranges[r] for r in (media, f"{kind}/*", "*/*") if r in ranges), 0.0)
        if q > best_q:
            best, best_q = media, q
    return best


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match holds ``etag`` (weak comparison) or is ``*``."""
    tags = [t.strip().removeprefix("W/") for t in (if_none_match or "").split(",")]
    return "*" in tags or etag in tags


@router.get("/status-lists/{list_id}", summary="A signed BitstringStatusListCredential")
def status_list(list_id: int, request: Request, session: Session = DB_SESSION,
                svc: Services = Depends(services)) -> Response:
    status = service.get_list(session, list_id)
    media_type = negotiate_list_type(request.headers.get("accept"))
    if media_type is None:
        raise ProblemError(406, "not-acceptable", "Not acceptable",
                           "a status list is served as " + ", ".join(LIST_MEDIA_TYPES),
                           headers={"Vary": "Accept"})
    etag = f'"{status.id}-{status.version}{LIST_MEDIA_TYPES[media_type]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300", "Vary": "Accept",
               "Access-Control-Allow-Origin": "*"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    body = service.signed_list(session, svc.keystore, svc.settings.public_base_url, status)
    return Response(body, media_type=media_type, headers=headers)


# A status resource may be cached this long (seconds): a revocation reaches verifiers that
# cache within a minute, as quickly as the lists' five minutes or quicker.
RESOURCE_MAX_AGE = 60


@router.get("/credentials/{credential_id}/status",
            summary="An award credential's current status (the ELM credentialStatus URI)")
def status_resource(credential_id: str, session: Session = DB_READ_SESSION,
                    svc: Services = Depends(services)) -> JSONResponse:
    body = service.status_resource(session, svc.settings.public_base_url, credential_id,
                                   utcnow())
    return JSONResponse(body, headers={"Cache-Control": f"public, max-age={RESOURCE_MAX_AGE}",
                                       "Access-Control-Allow-Origin": "*"})


def _vcapi_action(body: dict[str, Any]) -> tuple[str, str, str]:
    credential_id = body.get("credentialId")
    if not isinstance(credential_id, str):
        raise ProblemError(400, "bad-request", "Bad request", "credentialId is required")
    if "action" in body:
        change = StatusChange.model_validate({k: body.get(k) for k in ("action", "reason")
                                              if k in body})
        return credential_id, change.action, change.reason
    updates = body.get("credentialStatus")
    first = updates[0] if isinstance(updates, list) and updates else updates
    status = first.get("status") if isinstance(first, dict) else None
    if status not in _VCAPI_STATUS:
        raise ProblemError(400, "bad-request", "Bad request",
                           "credentialStatus[0].status must be one of "
                           + ", ".join(_VCAPI_STATUS))
    reason = first.get("reason") or body.get("reason") or f"set to {status} via VC-API"
    return credential_id, _VCAPI_STATUS[status], str(reason)


@router.post("/credentials/status", summary="Change a credential's status (VC-API)")
def update_status(body: dict[str, Any] = Body(...), issuer: Issuer = Depends(require_issuer_key),
                  session: Session = DB_SESSION) -> dict[str, Any]:
    credential_id, action, reason = _vcapi_action(body)
    states = service.change(session, issuer, credential_id, action, reason,
                            f"issuer:{issuer.slug}")
    return {"credentialId": credential_id, "status": states}


@admin.post("/credentials/{credential_id}/status", summary="Revoke, suspend or unsuspend")
def admin_change(credential_id: str, body: StatusChange, actor: str = Depends(require_admin),
                 session: Session = DB_SESSION) -> dict[str, Any]:
    states = service.change(session, None, credential_id, body.action, body.reason, actor)
    return {"credentialId": credential_id, "status": states}


@admin.get("/credentials/{credential_id}/status", summary="A credential's status by purpose")
def admin_status(credential_id: str, actor: str = Depends(require_admin),
                 session: Session = DB_SESSION) -> dict[str, Any]:
    return {"credentialId": credential_id,
            "status": service.current_status(session, credential_id)}
