"""HTTP (admin token): import trusted lists, refresh them from the configured files, list them,
ask what they say about a certificate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography import x509
from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.deps import DB_READ_SESSION, DB_SESSION, Services, require_admin, services
from app.errors import ProblemError
from app.trustlists import service
from app.trustlists.parse import ListError

UPLOAD_PATH = "/admin/trustlists"
XML_TYPES = ("application/xml", "text/xml", "application/vnd.etsi.tsl+xml")
MAX_FILES = 40  # the LOTL and one list per territory it points at

admin = APIRouter(prefix=UPLOAD_PATH, tags=["trusted lists"])
_UPLOAD_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/xml": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}


def refused(exc: ListError, **extra: Any) -> ProblemError:
    return ProblemError(422, "trust-list-refused", "Trusted list refused", exc.detail,
                        reason=exc.reason, **extra)


async def _uploads(request: Request, limit: int) -> list[tuple[str, bytes]]:
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared in XML_TYPES:
        name = (request.headers.get("x-filename") or "upload.xml")[:200]
        return [(name, await request.body())]
    if declared != "multipart/form-data":
        raise ProblemError(415, "unsupported-media-type", "Unsupported file type",
                           "send the list as application/xml or multipart/form-data files")
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
    if not files:
        raise ProblemError(400, "no-file", "No file", "send the lists as 'file' form fields")
    out = []
    for upload in files:
        data = await upload.read(limit + 1)
        out.append(((upload.filename or "upload.xml")[:200], data))
    return out


@admin.post("", summary="Import trusted lists (the LOTL first, then national lists)",
            openapi_extra=_UPLOAD_DOC)
async def import_lists(request: Request, actor: str = Depends(require_admin),
                       svc: Services = Depends(services),
                       session: Session = DB_SESSION) -> dict[str, Any]:
    """All or nothing: a refused list (a named ``reason``) leaves every stored list as it was."""
    limit = svc.settings.max_trust_list_bytes
    results = []
    for name, data in await _uploads(request, limit):
        try:
            done = service.import_list(session, svc.settings, data, f"upload:{name}", actor)
        except ListError as exc:
            # all or nothing: the lists checked before this one are not stored either
            raise refused(exc, file=name, checked=results) from None
        results.append({"file": name, **done.to_json()})
    return {"results": results}


@admin.post("/refresh", summary="Re-import the files of MCRED_TRUST_LIST_FILES")
def refresh(actor: str = Depends(require_admin), svc: Services = Depends(services),
            session: Session = DB_SESSION) -> dict[str, Any]:
    return {"results": service.refresh(session, svc.settings, actor)}


@admin.get("", summary="The trusted lists stored")
def list_all(actor: str = Depends(require_admin),
             session: Session = DB_READ_SESSION) -> list[dict[str, Any]]:
    return service.list_lists(session)


class LookupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chain: str = Field(..., min_length=1, max_length=65_536,
                       description="PEM: the e-seal certificate first, then its CAs if known")
    at: AwareDatetime | None = Field(None, description="signing time (default: now)")


@admin.post("/lookup", summary="What the trusted lists say about a certificate's CA")
def lookup(body: LookupBody, actor: str = Depends(require_admin),
           session: Session = DB_READ_SESSION) -> dict[str, Any]:
    try:
        chain = x509.load_pem_x509_certificates(body.chain.encode("utf-8"))
    except ValueError as exc:
        raise ProblemError(422, "bad-certificate", "Bad certificate",
                           f"the chain is not PEM certificates: {exc}") from None
    if len(chain) > 8:
        raise ProblemError(422, "bad-certificate", "Bad certificate",
                           "at most 8 certificates in a chain")
    at = body.at or datetime.now().astimezone()
    return service.trust_for_certificate(session, chain, at).to_json()
