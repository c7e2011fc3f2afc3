""""Add to a wallet app" for a signed-in learner's own award: a page to choose the wallet, then
a single-use OpenID4VCI credential offer (QR code, same-device link and the transaction code
shown on the page the learner signed in to) or a VC-API exchange for the Learner Credential
Wallet. Behind the learner's e-mail sign-in, so a forwarded award e-mail or share link gives
nobody else a copy bound to their own wallet."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.learners import service
from app.learners.router import Learner, current, form_page, learner, learner_form
from app.messages import msg
from app.wallets import exchanges
from app.wallets.oid4vci import offers
from app.web.render import page

router = APIRouter(tags=["learner home"], include_in_schema=False)
AWARD_ID = Path(max_length=64)
ACTOR = "learner"  # audited as the learner's own act (the address is stored only hashed)


def wallet_path(award_id: str) -> str:
    return f"/me/awards/{award_id}/wallet"


@router.get("/me/awards/{award_id}/wallet", summary="Choose a wallet app for an award")
def choose(request: Request, award_id: str = AWARD_ID, svc: Services = Depends(services),
           session: Session = DB_READ_SESSION) -> Response:
    row = current(request, svc, session)
    if row is None:  # the award e-mail's link: sign in first, then the home offers the wallet
        return form_page(request, svc, "learner/sign_in.html",
                         notice=msg("Sign in first: then choose “Add to a wallet app” beside"
                                    " the credential."))
    award = service.own_award(session, row.email_sha256, award_id)
    card = next(c for c in service.cards(session, row.email_sha256) if c.award_id == award.id)
    return page(request, "learner/wallet.html", csrf=row.csrf_token, card=card)


@router.post("/me/awards/{award_id}/wallet/openid4vci",
             summary="A credential offer for an EU / OpenID4VC wallet")
def openid4vci_offer(request: Request, award_id: str = AWARD_ID,
                     _fields: dict[str, str] = Depends(learner_form),
                     who: Learner = Depends(learner), svc: Services = Depends(services),
                     session: Session = DB_SESSION) -> Response:
    award = service.own_award(session, who.email_sha256, award_id)
    created = offers.create_offer(session, svc.settings.key_secret.get_secret_value(),
                                  award.issuer_id, award.id, svc.settings.oid4vci_offer_minutes,
                                  ACTOR)
    base = svc.settings.public_base_url
    card = next(c for c in service.cards(session, who.email_sha256) if c.award_id == award.id)
    return page(request, "learner/wallet_offer.html", card=card,
                link=offers.offer_link(base, created.ref),
                qr=f"{offers.offer_uri(base, created.ref)}/qr.svg", tx_code=created.tx_code,
                minutes=svc.settings.oid4vci_offer_minutes)


@router.post("/me/awards/{award_id}/wallet/lcw",
             summary="A VC-API exchange for the Learner Credential Wallet")
def lcw_exchange(award_id: str = AWARD_ID, _fields: dict[str, str] = Depends(learner_form),
                 who: Learner = Depends(learner), svc: Services = Depends(services),
                 session: Session = DB_SESSION) -> Response:
    award = service.own_award(session, who.email_sha256, award_id)
    created = exchanges.create_exchange(session, award.id, svc.settings.exchange_ttl_seconds,
                                        ACTOR)
    # The interaction page explains the app, shows the QR code and the button.
    return RedirectResponse(exchanges.interaction_url(svc.settings.public_base_url,
                                                      created.exchange_id), 303)
