"""HTTP: JWT VC Issuer Metadata, the micro-credential's SD-JWT VC Type Metadata and the
Token Status List tokens (all public: verifiers and wallets fetch them)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.issuers.service import get_issuer
from app.wallets import es256_keys, token_status
from app.wallets.type_metadata import type_metadata_bytes

router = APIRouter(tags=["sd-jwt-vc"])
_CORS = {"Access-Control-Allow-Origin": "*"}


@router.get("/.well-known/jwt-vc-issuer/issuers/{slug}",
            summary="JWT VC Issuer Metadata of an issuer's SD-JWT VCs (its ES256 keys)")
def jwt_vc_issuer(slug: str, session: Session = DB_SESSION,
                  svc: Services = Depends(services)) -> Response:
    issuer = get_issuer(session, slug)
    # The write session: the issuer's key is created on first use.
    body = es256_keys.issuer_metadata(session, svc.keystore, svc.settings.public_base_url,
                                      issuer)
    return Response(es256_keys.json_bytes(body), media_type="application/json",
                    headers={**_CORS, "Cache-Control": "public, max-age=300"})


@router.get("/vct/micro-credential/v1", summary="SD-JWT VC Type Metadata of a micro-credential")
def micro_credential_type(svc: Services = Depends(services)) -> Response:
    return Response(type_metadata_bytes(svc.settings.public_base_url),
                    media_type="application/json",
                    headers={**_CORS, "Cache-Control": "public, max-age=3600"})


@router.get("/statuslists/{list_id}", summary="A Token Status List token (statuslist+jwt)")
def status_list_token(list_id: int = Path(..., ge=1, le=2**31 - 1),
                      session: Session = DB_READ_SESSION,
                      svc: Services = Depends(services)) -> Response:
    settings = svc.settings
    status_list = token_status.get_list(session, list_id)
    token = token_status.status_token(session, svc.keystore, settings.public_base_url,
                                      status_list, settings.sd_jwt_status_lifetime_seconds,
                                      settings.sd_jwt_status_ttl_seconds)
    return Response(token, media_type=token_status.MEDIA_TYPE,
                    headers={**_CORS, "Cache-Control":
                             f"public, max-age={settings.sd_jwt_status_ttl_seconds}"})
