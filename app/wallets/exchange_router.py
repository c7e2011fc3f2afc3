"""HTTP: VC-API (VCALM) exchanges delivering awards into wallets, and their interaction URLs."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import segno
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from app.credentials.service import Issuing
from app.deps import (
    DB_READ_SESSION,
    DB_SESSION,
    Services,
    require_issuer_key,
    require_issuer_key_read,
    services,
)
from app.errors import ProblemError
from app.issuers.models import Issuer
from app.wallets import exchanges
from app.web.render import page, wants_html

router = APIRouter(tags=["wallets"])
EXCHANGES = f"/workflows/{exchanges.WORKFLOW}/exchanges"
AWARD_ID = Path(..., min_length=1, max_length=64)
EXCHANGE_ID = Path(..., min_length=1, max_length=64)
# The body-size guard matches "*" to one path segment: the participation limit.
PARTICIPATE_PATH = EXCHANGES + "/*"


class CreateExchange(BaseModel):
    """VCALM CreateExchangeRequest, with the award named directly or as a variable."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    award_id: str | None = Field(None, alias="awardId", min_length=1, max_length=64)
    variables: dict[str, str] | None = Field(None, max_length=8)
    expires: datetime | None = None

    def award(self) -> str:
        chosen = self.award_id or (self.variables or {}).get("awardId")
        if not chosen or len(chosen) > 64:
            raise ProblemError(400, "bad-request", "Bad request",
                               "name the award: {\"awardId\": \"…\"}")
        return chosen


def _created(svc: Services, session: Session, issuer: Issuer, award_id: str,
             expires: datetime | None = None) -> exchanges.Created:
    if expires is not None and expires.tzinfo is None:
        raise ProblemError(400, "bad-request", "Bad request", "expires needs a time zone")
    return exchanges.create_exchange(session, award_id, svc.settings.exchange_ttl_seconds,
                                     f"issuer:{issuer.slug}", issuer=issuer, expires=expires)


@router.post("/awards/{award_id}/exchanges", status_code=201,
             summary="Open a VC-API exchange delivering this award to a wallet (LCW)")
def open_exchange(award_id: str = AWARD_ID, issuer: Issuer = Depends(require_issuer_key),
                  session: Session = DB_SESSION,
                  svc: Services = Depends(services)) -> JSONResponse:
    """The exchange, interaction and LCW deep-link URLs: the exchange id in them is the
    learner's key to the credential, shown only here."""
    created = _created(svc, session, issuer, award_id)
    base = svc.settings.public_base_url
    return JSONResponse(created.to_json(base), status_code=201,
                        headers={"Location": exchanges.exchange_url(base, created.exchange_id),
                                 "Cache-Control": "no-store"})


@router.post(EXCHANGES, status_code=204, summary="VCALM: create an exchange (body {awardId})")
def create_exchange(body: dict[str, Any] = Body(...),
                    issuer: Issuer = Depends(require_issuer_key),
                    session: Session = DB_SESSION,
                    svc: Services = Depends(services)) -> Response:
    """As VCALM says: 204 with the exchange's URL in ``Location``."""
    try:
        request = CreateExchange.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ProblemError(400, "bad-request", "Bad request", f"{where}: {first['msg']}") from None
    created = _created(svc, session, issuer, request.award(), request.expires)
    return Response(status_code=204, headers={
        "Location": exchanges.exchange_url(svc.settings.public_base_url, created.exchange_id),
        "Cache-Control": "no-store"})


@router.get(EXCHANGES + "/{exchange_id}", summary="VCALM: the state of an exchange (issuer)")
def exchange_state(exchange_id: str = EXCHANGE_ID,
                   issuer: Issuer = Depends(require_issuer_key_read),
                   session: Session = DB_READ_SESSION) -> JSONResponse:
    return JSONResponse(exchanges.describe(session, issuer, exchange_id),
                        headers={"Cache-Control": "no-store"})


@router.post(EXCHANGES + "/{exchange_id}",
             summary="VCALM: take part in an exchange ({} → VPR; DID Auth VP → credential)")
def participate(exchange_id: str = EXCHANGE_ID, body: Any = Body(None),
                svc: Services = Depends(services)) -> JSONResponse:
    # No request-long session: participate() runs its own short transactions, so a refused
    # presentation is recorded although the wallet gets an error.
    issuing = Issuing(keystore=svc.keystore, base_url=svc.settings.public_base_url)
    answer = exchanges.participate(svc.db, issuing, exchange_id, {} if body is None else body)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


@router.get("/interactions/{exchange_id}", summary="Interaction URL: protocols, or a page")
def interaction(request: Request, exchange_id: str = EXCHANGE_ID,
                iuv: str | None = Query(None, max_length=8),
                session: Session = DB_READ_SESSION,
                svc: Services = Depends(services)) -> Response:
    """A wallet (Accept JSON) gets ``{"protocols": {"vcapi": …}}``; a browser a page with the
    QR code and the button that opens the Learner Credential Wallet."""
    base = svc.settings.public_base_url
    if not wants_html(request):
        exchanges.interaction(session, exchange_id)
        return JSONResponse({"protocols": exchanges.protocols(base, exchange_id)},
                            headers={"Cache-Control": "no-store"})
    exchange = exchanges.interaction(session, exchange_id)
    title, issuer = exchanges.offer(session, exchange)
    return page(request, "wallet_interaction.html", title=title, issuer=issuer,
                minutes=exchanges.minutes_left(exchange),
                lcw=exchanges.lcw_links(base, exchange_id)["app"],
                qr=f"{base}/interactions/{exchange_id}/qr.svg",
                interaction_url=exchanges.interaction_url(base, exchange_id))


@router.get("/interactions/{exchange_id}/qr.svg", summary="QR code of the LCW link")
def interaction_qr(exchange_id: str = EXCHANGE_ID, session: Session = DB_READ_SESSION,
                   svc: Services = Depends(services)) -> Response:
    """The QR code LCW's scanner reads: its https deep link (``request=`` with the exchange)."""
    exchanges.interaction(session, exchange_id)
    buffer = io.BytesIO()
    link = exchanges.lcw_links(svc.settings.public_base_url, exchange_id)["web"]
    segno.make(link, error="m").save(buffer, kind="svg", scale=5, border=2, title="QR code")
    return Response(buffer.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store"})
