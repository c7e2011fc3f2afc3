"""HTTP: issuer DID documents (public) and issuer administration (admin token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app.deps import DB_SESSION, Services, require_admin, services
from app.issuers import compromise, eseals, service
from app.issuers.schemas import (
    ApiKeyCreate,
    ApiKeyInfo,
    ApiKeyOut,
    CompromiseIn,
    IssuerCreate,
    IssuerOut,
    Reason,
)

public = APIRouter(tags=["issuers"])
admin = APIRouter(prefix="/admin", tags=["admin"])

DID_JSON = "application/did+json"


@public.get("/issuers/{slug}/did.json", summary="An issuer's did:web DID document")
def issuer_did_document(slug: str, session: Session = DB_SESSION,
                        svc: Services = Depends(services)) -> JSONResponse:
    issuer = service.get_issuer(session, slug)
    doc = service.issuer_did_document(session, svc.settings.public_base_url, issuer)
    return JSONResponse(doc, media_type=DID_JSON, headers={"Cache-Control": "max-age=300"})


@public.get("/.well-known/did.json", summary="The service's own did:web DID document")
def service_did_document(session: Session = DB_SESSION,
                         svc: Services = Depends(services)) -> JSONResponse:
    doc = service.service_did_document(session, svc.settings.public_base_url)
    return JSONResponse(doc, media_type=DID_JSON, headers={"Cache-Control": "max-age=300"})


@admin.post("/issuers", status_code=201, response_model=IssuerOut,
            summary="Register an issuer and create its first key")
def create_issuer(body: IssuerCreate, actor: str = Depends(require_admin),
                  session: Session = DB_SESSION,
                  svc: Services = Depends(services)) -> IssuerOut:
    issuer = service.create_issuer(session, svc.keystore, body, actor)
    return service.issuer_out(session, svc.settings.public_base_url, issuer)


@admin.get("/issuers", response_model=list[IssuerOut], summary="List issuers")
def list_issuers(actor: str = Depends(require_admin), session: Session = DB_SESSION,
                 svc: Services = Depends(services)) -> list[IssuerOut]:
    base = svc.settings.public_base_url
    return [service.issuer_out(session, base, i) for i in service.list_issuers(session)]


@admin.get("/issuers/{slug}", response_model=IssuerOut, summary="One issuer")
def get_issuer(slug: str, actor: str = Depends(require_admin),
               session: Session = DB_SESSION,
               svc: Services = Depends(services)) -> IssuerOut:
    issuer = service.get_issuer(session, slug)
    return service.issuer_out(session, svc.settings.public_base_url, issuer)


@admin.post("/issuers/{slug}/keys/rotate", response_model=IssuerOut,
            summary="Add a new signing key; earlier keys stay resolvable")
def rotate_key(slug: str, actor: str = Depends(require_admin),
               session: Session = DB_SESSION,
               svc: Services = Depends(services)) -> IssuerOut:
    issuer = service.get_issuer(session, slug)
    service.add_key(session, svc.keystore, issuer, actor)
    return service.issuer_out(session, svc.settings.public_base_url, issuer)


@admin.post("/issuers/{slug}/api-keys", status_code=201, response_model=ApiKeyOut,
            summary="Create an API key for issuing (shown once)")
def create_api_key(slug: str, body: ApiKeyCreate | None = None,
                   actor: str = Depends(require_admin),
                   session: Session = DB_SESSION) -> Any:
    issuer = service.get_issuer(session, slug)
    label = body.label if body else ""
    token, record = service.create_api_key(session, issuer, label, actor)
    return ApiKeyOut(keyId=record.key_id, apiKey=token, label=label, created=record.created_at)


@admin.get("/issuers/{slug}/api-keys", response_model=list[ApiKeyInfo],
           summary="An issuer's API keys: label, created, last used, revoked (never secrets)")
def list_api_keys(slug: str, actor: str = Depends(require_admin),
                  session: Session = DB_SESSION) -> list[ApiKeyInfo]:
    issuer = service.get_issuer(session, slug)
    return [service.api_key_info(k) for k in service.list_api_keys(session, issuer)]


@admin.post("/issuers/{slug}/api-keys/{key_id}/revoke", response_model=ApiKeyInfo,
            summary="Revoke an API key (final: it gets 401 from now on)")
def revoke_api_key(slug: str, key_id: str, body: Reason, actor: str = Depends(require_admin),
                   session: Session = DB_SESSION) -> ApiKeyInfo:
    issuer = service.get_issuer(session, slug)
    return service.api_key_info(service.revoke_api_key(session, issuer, key_id, body.reason,
                                                       actor))


@admin.post("/issuers/{slug}/keys/{key_id}/compromised",
            summary="Mark a signing key compromised: no proof by it verifies any more")
def mark_compromised(slug: str, key_id: str, body: CompromiseIn,
                     actor: str = Depends(require_admin), session: Session = DB_SESSION,
                     svc: Services = Depends(services)) -> dict[str, Any]:
    base = svc.settings.public_base_url
    issuer = service.get_issuer(session, slug)
    key = service.get_key(session, base, issuer, key_id)
    current = compromise.mark_compromised(session, svc.keystore, base, issuer, key, body.at,
                                          body.reason, actor)
    signed = compromise.signed_with(session, base, issuer, key)
    return {"key": service.key_out(base, issuer, key).model_dump(mode="json"),
            "currentKey": service.key_out(base, issuer, current).model_dump(mode="json"),
            "signedCredentials": len(signed),
            "reissuable": sum(c.reissuable for c in signed)}


@admin.get("/issuers/{slug}/keys/{key_id}/credentials",
           summary="The stored credentials a signing key signed")
def signed_credentials(slug: str, key_id: str, actor: str = Depends(require_admin),
                       session: Session = DB_SESSION,
                       svc: Services = Depends(services)) -> list[dict[str, Any]]:
    base = svc.settings.public_base_url
    issuer = service.get_issuer(session, slug)
    key = service.get_key(session, base, issuer, key_id)
    return [c.to_json() for c in compromise.signed_with(session, base, issuer, key)]


@admin.post("/issuers/{slug}/keys/{key_id}/reissue",
            summary="Re-sign a key's credentials with the current key (same id and status)")
def reissue(slug: str, key_id: str, limit: int = Query(500, ge=1, le=5000),
            actor: str = Depends(require_admin), session: Session = DB_SESSION,
            svc: Services = Depends(services)) -> dict[str, Any]:
    """At most ``limit`` per call (one transaction); ``remaining`` says how many are left."""
    base = svc.settings.public_base_url
    issuer = service.get_issuer(session, slug)
    key = service.get_key(session, base, issuer, key_id)
    return compromise.reissue(session, svc.keystore, base, issuer, key, actor,
                              limit=limit).to_json()


def read_upload(file: UploadFile) -> bytes:
    """The upload's bytes, read no further than one byte past the limit (then refused)."""
    return file.file.read(eseals.MAX_UPLOAD + 1)


@admin.post("/issuers/{slug}/eseal", status_code=201,
            summary="Upload the issuer's e-seal (PKCS#12 file + password); replaces an earlier one")
def upload_eseal(slug: str, file: UploadFile = File(...), password: str = Form(""),
                 actor: str = Depends(require_admin), session: Session = DB_SESSION,
                 svc: Services = Depends(services)) -> dict[str, Any]:
    data = read_upload(file)
    issuer = service.get_issuer(session, slug)
    checked = eseals.check(data, password, issuer)
    return eseals.describe(eseals.store(session, svc.keystore, issuer, checked, actor))


@admin.get("/issuers/{slug}/eseal", summary="The issuer's e-seal certificate (never its key)")
def get_eseal(slug: str, actor: str = Depends(require_admin),
              session: Session = DB_SESSION) -> dict[str, Any]:
    return eseals.describe(eseals.get(session, service.get_issuer(session, slug)))


@admin.delete("/issuers/{slug}/eseal", status_code=204,
              summary="Remove the issuer's e-seal: awards from now on are not sealed")
def delete_eseal(slug: str, actor: str = Depends(require_admin),
                 session: Session = DB_SESSION) -> Response:
    eseals.remove(session, service.get_issuer(session, slug), actor)
    return Response(status_code=204)
