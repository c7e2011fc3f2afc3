"""HTTP of the OpenID4VCI issuer: metadata, offers (issuer API and wallet side), token, nonce,
credential. Protocol endpoints answer OAuth errors ``{"error", "error_description"}``, never
problem+json or an HTML page; secrets travel only in bodies and headers, and the access log
names route templates (``/oid4vci/offers/{ref}``), never the reference itself."""

from __future__ import annotations

import io
from typing import Annotated, Any
from urllib.parse import parse_qsl

import segno
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.credentials.service import Issuing
from app.deps import DB_READ_SESSION, DB_SESSION, Services, require_issuer_key, services
from app.errors import ProblemError
from app.issuers.models import Issuer
from app.limits import loads_json
from app.wallets.oid4vci import offers as offer_service
from app.wallets.oid4vci.credential import issue_credential
from app.wallets.oid4vci.errors import NO_STORE, OAuthError
from app.wallets.oid4vci.metadata import (
    JWT_MEDIA_TYPE,
    authorization_server_metadata,
    issuer_metadata,
    signed_issuer_metadata,
    wants_jwt,
)
from app.wallets.oid4vci.nonces import issue_nonce
from app.wallets.oid4vci.tokens import bearer_token, redeem, token_offer

router = APIRouter(tags=["openid4vci"])

MAX_TOKEN_REQUEST_BYTES = 4096
MAX_CREDENTIAL_REQUEST_BYTES = 64 * 1024
FORM = "application/x-www-form-urlencoded"
# Web wallets call these from their own origin; no cookies are involved, so any origin may.
CORS = {"Access-Control-Allow-Origin": "*"}
CORS_PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "GET, POST",
                  "Access-Control-Allow-Headers": "Authorization, Content-Type, DPoP",
                  "Access-Control-Max-Age": "600"}


def _secret(svc: Services) -> str:
    return svc.settings.key_secret.get_secret_value()


def _base(svc: Services) -> str:
    return svc.settings.public_base_url


def _oauth(error: OAuthError) -> JSONResponse:
    response = error.response()
    response.headers.update(CORS)
    return response


@router.get("/.well-known/openid-credential-issuer", summary="OpenID4VCI issuer metadata "
            "(JSON, or a signed JWT for Accept: application/jwt)")
def credential_issuer_metadata(request: Request, session: Session = DB_SESSION,
                               svc: Services = Depends(services)) -> Response:
    headers = {**CORS, "Vary": "Accept", "Cache-Control": "public, max-age=300"}
    if wants_jwt(request.headers.get("accept")):
        jwt = signed_issuer_metadata(session, svc.keystore, _base(svc))
        return Response(jwt, media_type=JWT_MEDIA_TYPE, headers=headers)
    return JSONResponse(issuer_metadata(_base(svc)), headers=headers)


@router.get("/.well-known/oauth-authorization-server",
            summary="OAuth 2.0 authorization server metadata (RFC 8414)")
def oauth_metadata(svc: Services = Depends(services)) -> JSONResponse:
    return JSONResponse(authorization_server_metadata(_base(svc)),
                        headers={**CORS, "Cache-Control": "public, max-age=300"})


class OfferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    credential_configuration_ids: list[Annotated[str, Field(max_length=100)]] | None = Field(
        None, alias="credentialConfigurationIds", min_length=1, max_length=5)


@router.post("/awards/{award_id}/offer", status_code=201,
             summary="OpenID4VCI credential offer of an award (pre-authorized code + tx_code)")
def create_offer(award_id: str, body: dict[str, Any] | None = Body(None),
                 issuer: Issuer = Depends(require_issuer_key), session: Session = DB_SESSION,
                 svc: Services = Depends(services)) -> JSONResponse:
    try:
        request = OfferRequest.model_validate(body or {})
    except ValidationError as exc:
        raise ProblemError(422, "validation-error", "Invalid request",
                           f"{exc.error_count()} field(s) failed validation") from None
    if len(award_id) > 64:
        raise ProblemError(404, "not-found", "Not found", "no such award")
    created = offer_service.create_offer(session, _secret(svc), issuer.id, award_id,
                                         svc.settings.oid4vci_offer_minutes,
                                         f"issuer:{issuer.slug}",
                                         request.credential_configuration_ids)
    offer, base = created.offer, _base(svc)
    uri = offer_service.offer_uri(base, created.ref)
    return JSONResponse({
        "offerId": offer.id, "awardId": offer.award_id,
        "credentialOffer": offer_service.offer_link(base, created.ref),
        "credentialOfferUri": uri, "qrCode": f"{uri}/qr.svg",
        "txCode": created.tx_code, "expiresAt": offer.expires_at.isoformat(),
        "credentialConfigurationIds": offer_service.configuration_ids(offer),
    }, status_code=201, headers=NO_STORE)


@router.get("/oid4vci/offers/{ref}", summary="A credential offer, by reference")
def credential_offer(ref: str, session: Session = DB_READ_SESSION,
                     svc: Services = Depends(services)) -> JSONResponse:
    offer = offer_service.open_offer(session, ref)
    return JSONResponse(offer_service.offer_document(_base(svc), _secret(svc), ref, offer),
                        headers={**NO_STORE, **CORS})


@router.get("/oid4vci/offers/{ref}/qr.svg", summary="QR code of a credential offer")
def credential_offer_qr(ref: str, session: Session = DB_READ_SESSION,
                        svc: Services = Depends(services)) -> Response:
    offer_service.open_offer(session, ref)
    buffer = io.BytesIO()
    segno.make(offer_service.offer_link(_base(svc), ref), error="m").save(
        buffer, kind="svg", scale=5, border=2, title="Credential offer QR code")
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers=NO_STORE)


def _form(raw: bytes, content_type: str) -> dict[str, str]:
    if content_type.split(";")[0].strip().lower() != FORM:
        raise OAuthError("invalid_request", f"send the token request as {FORM}")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw),
                          max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "the token request is not a valid form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:  # RFC 6749 §3.2: parameters MUST NOT be included more than once
            raise OAuthError("invalid_request", f"parameter {name[:40]!r} is repeated")
        if "\x00" in value:
            raise OAuthError("invalid_request", f"parameter {name[:40]!r} holds a NUL")
        form[name] = value
    return form


def _token(svc: Services, raw: bytes, content_type: str) -> JSONResponse:
    try:
        form = _form(raw, content_type)
        grant_type = form.get("grant_type")
        if grant_type is None:
            raise OAuthError("invalid_request", "grant_type is missing")
        if grant_type != offer_service.PRE_AUTHORIZED_GRANT:
            raise OAuthError("unsupported_grant_type",
                             f"only {offer_service.PRE_AUTHORIZED_GRANT} is supported")
        code = form.get("pre-authorized_code")
        if not code:
            raise OAuthError("invalid_request", "pre-authorized_code is missing")
        with svc.db.session() as session:
            try:
                grant = redeem(session, svc.settings, code, form.get("tx_code"))
            except OAuthError:
                session.commit()  # a counted tx_code failure or a revocation must stay
                raise
    except OAuthError as error:
        return _oauth(error)
    return JSONResponse({"access_token": grant.access_token, "token_type": "Bearer",
                         "expires_in": grant.expires_in}, headers={**NO_STORE, **CORS})


@router.post("/oid4vci/token", summary="Token endpoint (pre-authorized code grant)")
async def token(request: Request, svc: Services = Depends(services)) -> JSONResponse:
    raw = await _body(request, MAX_TOKEN_REQUEST_BYTES)
    if raw is None:
        return _oauth(OAuthError("invalid_request", "the token request is too large"))
    return await run_in_threadpool(_token, svc, raw, request.headers.get("content-type", ""))


@router.post("/oid4vci/nonce", summary="Nonce endpoint: a fresh c_nonce")
def nonce(svc: Services = Depends(services)) -> JSONResponse:
    value = issue_nonce(_secret(svc), svc.settings.oid4vci_nonce_seconds)
    return JSONResponse({"c_nonce": value}, headers={**NO_STORE, **CORS})


def _credential(svc: Services, raw: bytes, authorization: str | None) -> JSONResponse:
    try:
        access_token = bearer_token(authorization)
        try:
            body = loads_json(raw)
        except (UnicodeDecodeError, ValueError):
            raise OAuthError("invalid_credential_request", "the body is not JSON") from None
        with svc.db.session() as session:
            record, offer = token_offer(session, access_token)
            try:
                answer = issue_credential(session, Issuing(svc.keystore, _base(svc)),
                                          svc.settings, record, offer, body)
            except OAuthError:
                session.commit()  # a used nonce or token use stays used
                raise
    except OAuthError as error:
        return _oauth(error)
    return JSONResponse(answer, headers={**NO_STORE, **CORS})


@router.post("/oid4vci/credential", summary="Credential endpoint")
async def credential(request: Request, svc: Services = Depends(services)) -> JSONResponse:
    raw = await _body(request, MAX_CREDENTIAL_REQUEST_BYTES)
    if raw is None:
        return _oauth(OAuthError("invalid_credential_request",
                                 "the credential request is too large"))
    return await run_in_threadpool(_credential, svc, raw, request.headers.get("authorization"))


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or None past ``limit`` bytes (read no further than that)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.options("/.well-known/openid-credential-issuer", include_in_schema=False)
@router.options("/.well-known/oauth-authorization-server", include_in_schema=False)
@router.options("/oid4vci/token", include_in_schema=False)
@router.options("/oid4vci/nonce", include_in_schema=False)
@router.options("/oid4vci/credential", include_in_schema=False)
@router.options("/oid4vci/offers/{ref}", include_in_schema=False)
def preflight() -> Response:
    """CORS preflight for web wallets (credentials are bearer tokens, never cookies)."""
    return Response(status_code=204, headers=CORS_PREFLIGHT)
