"""Single sign-on pages: an issuer admin's SSO settings, and signing in through the
institution's OpenID Provider (start, callback, and the sign-in page's e-mail-first step).

Outbound HTTP (discovery, token, keys) never runs while a database session is open: these
handlers take no DB dependency and open short sessions themselves, before and after fetching.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import asdict
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.console import auth, oidc, sessions, sso_service
from app.console.auth import Desk, at_issuer, csrf_form, form_data, secure_cookies
from app.console.router import back_to, sign_in_page
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.errors import not_found
from app.issuers.keys import KeyStoreError
from app.messages import Message, msg
from app.outbound import outbound_policy
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)
log = logging.getLogger(__name__)
PENDING_CONTEXT = "sso-pending"
PENDING_SECONDS = 600  # the time a person has at their provider before the callback


def _pending_cookie(secure: bool) -> str:
    return "__Host-mcred-sso" if secure else "mcred-sso"


def _redirect_uri(svc: Services, slug: str) -> str:
    return f"{svc.settings.public_base_url.rstrip('/')}/console/sso/{quote(slug)}/callback"


def _refused(request: Request, svc: Services, message: Message, status: int = 401,
             detail: str = "", next_: str = "", end_pending: bool = True) -> Response:
    """Back to the sign-in page with ``message``; the technical ``detail`` goes to the log
    only (it may name the provider's error, never a secret). ``end_pending``: the browser's
    sign-in in progress is over (its state was used)."""
    log.info("single sign-on refused: %s%s", message, f" ({detail})" if detail else "")
    response = sign_in_page(request, svc, error=message, status=status, next_=next_)
    if end_pending:
        sessions.clear_cookie(response, _pending_cookie(secure_cookies(svc)),
                              secure_cookies(svc))
    return response


# --- Settings (issuer admins) ---------------------------------------------------------------

def _settings_page(request: Request, desk: Desk, svc: Services, *, has_secret: bool,
                   typed: dict[str, str], errors: dict[str, object] | None = None,
                   status: int = 200, discovered: oidc.Provider | None = None,
                   done: str = "") -> Response:
    return page(request, "console/settings_sso.html", status, desk=desk, typed=typed,
                errors=errors or {}, has_secret=has_secret, discovered=discovered, done=done,
                redirect_uri=_redirect_uri(svc, desk.issuer.slug))


@router.get("/{slug}/settings/sso")
def sso_settings(request: Request, desk: Desk = Depends(at_issuer("admin", write=False)),
                 svc: Services = Depends(services), session: Session = DB_READ_SESSION,
                 done: str = Query("", max_length=20)) -> Response:
    row = sso_service.find(session, desk.issuer)
    return _settings_page(request, desk, svc, has_secret=row is not None,
                          typed=sso_service.form_values(row), done=done)


@router.post("/{slug}/settings/sso")
def save_sso_settings(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
                      fields: dict[str, str] = Depends(csrf_form),
                      svc: Services = Depends(services),
                      session: Session = DB_SESSION) -> Response:
    typed = {k: fields.get(k, "") for k in ("idp_issuer", "client_id", "allowed_domains",
                                            "new_user_role", "enabled")}
    try:
        sso_service.save(session, svc.keystore, desk.issuer, fields, actor=desk.actor)
    except sso_service.SettingsInvalid as exc:
        session.rollback()
        has_secret = sso_service.find(session, desk.issuer) is not None
        return _settings_page(request, desk, svc, has_secret=has_secret, typed=typed,
                              errors=exc.errors, status=422)
    return RedirectResponse(f"/console/{desk.issuer.slug}/settings/sso?done=saved", 303)


def _admin_desk(request: Request, svc: Services, slug: str) -> tuple[Desk, bool]:
    """The signed-in admin at ``slug`` and whether settings are saved, from a session that
    is closed again before the caller fetches anything."""
    with svc.db.session(read_only=True) as session:
        desk = auth.desk_at(session, auth.signed_in_now(request, svc, session), slug, "admin")
        return desk, sso_service.find(session, desk.issuer) is not None


@router.post("/{slug}/settings/sso/discovery")
def test_discovery(request: Request, slug: str, fields: dict[str, str] = Depends(form_data),
                   svc: Services = Depends(services)) -> Response:
    """Fetch the typed issuer's discovery document and show its endpoints (saves nothing)."""
    desk, has_secret = _admin_desk(request, svc, slug)
    auth.check_csrf(desk.csrf, fields)
    typed = {k: fields.get(k, "") for k in ("idp_issuer", "client_id", "allowed_domains",
                                            "new_user_role", "enabled")}
    try:
        issuer_url = sso_service.check_issuer_url(typed["idp_issuer"])
        provider = oidc.discover(issuer_url, outbound_policy(svc.settings))
    except sso_service.SettingsInvalid as exc:
        return _settings_page(request, desk, svc, has_secret=has_secret, typed=typed,
                              errors=exc.errors, status=422)
    except oidc.SsoError as exc:
        message = msg("%(problem)s (%(detail)s)", problem=exc.message, detail=exc.detail) \
            if exc.detail else exc.message
        return _settings_page(request, desk, svc, has_secret=has_secret, typed=typed,
                              errors={"idp_issuer": message}, status=422)
    return _settings_page(request, desk, svc, has_secret=has_secret, typed=typed,
                          discovered=provider)


# --- Signing in ------------------------------------------------------------------------------

@router.post("/sso")
def sso_by_email(request: Request, fields: dict[str, str] = Depends(form_data),
                 svc: Services = Depends(services)) -> Response:
    """The sign-in page's e-mail-first step: the institution whose SSO admits this domain."""
    secure = secure_cookies(svc)
    email, next_ = fields.get("email", "")[:320], fields.get("next", "")
    if not sessions.same_token(request.cookies.get(sessions.login_cookie_name(secure)),
                               fields.get("csrf")):
        return _refused(request, svc, msg("The sign-in form expired. Please sign in again."),
                        403, next_=next_)
    with svc.db.session(read_only=True) as session:
        offered = sso_service.offered_for(session, email)
    if not offered:
        return _refused(request, svc, msg("No institution in mcred offers single sign-on for"
                                          " this e-mail address. Sign in with your password."),
                        404, next_=next_)
    if len(offered) == 1:
        return RedirectResponse(_start_path(offered[0][0], next_), 303)
    # Several institutions share the domain: the page offers one button each.
    return _with_choices(request, svc, email, next_, offered)


def _start_path(slug: str, next_: str) -> str:
    return f"/console/sso/{quote(slug)}/start?next={quote(back_to(next_), safe='/')}"


def _with_choices(request: Request, svc: Services, email: str, next_: str,
                  offered: list[tuple[str, str]]) -> Response:
    """The sign-in page offering "Sign in with <institution>" for each of ``offered``."""
    token = secrets.token_urlsafe(32)
    response = page(request, "console/login.html", form_csrf=token, email=email,
                    next=back_to(next_), error=None,
                    sso_choices=[(slug, name, _start_path(slug, next_)) for slug, name in offered])
    secure = secure_cookies(svc)
    sessions.set_cookie(response, sessions.login_cookie_name(secure), token, secure, 3600)
    return response


@router.get("/sso/{slug}/start")
def sso_start(request: Request, slug: str, svc: Services = Depends(services),
              next: str = Query("", max_length=2000)) -> Response:
    """Send the browser to the institution's provider (code flow, PKCE S256, state, nonce)."""
    try:
        with svc.db.session(read_only=True) as session:
            sso = sso_service.config(session, svc.keystore, slug)
    except oidc.SsoError as exc:
        return _refused(request, svc, exc.message, 503)
    if sso is None:
        raise not_found(f"single sign-on for '{slug}'")
    try:
        provider = oidc.discover(sso.idp_issuer, outbound_policy(svc.settings))
    except oidc.SsoError as exc:
        return _refused(request, svc, msg("%(institution)s's sign-in service cannot be reached"
                                          " right now. Try again later, or sign in with your"
                                          " password.", institution=sso.institution),
                        502, detail=f"{exc.message}: {exc.detail}", next_=next)
    url, pending = oidc.begin(provider, sso.client_id, _redirect_uri(svc, slug), slug=slug,
                              next_=back_to(next), now=int(time.time()),
                              lifetime=PENDING_SECONDS)
    secure = secure_cookies(svc)
    sealed = svc.keystore.seal(json.dumps(asdict(pending)).encode("utf-8"), PENDING_CONTEXT)
    response = RedirectResponse(url, 303)
    sessions.set_cookie(response, _pending_cookie(secure), sealed, secure, PENDING_SECONDS)
    return response


def _pending(request: Request, svc: Services) -> oidc.Pending | None:
    """The sign-in this browser started, if its cookie is ours, intact and not expired."""
    sealed = request.cookies.get(_pending_cookie(secure_cookies(svc)))
    if not sealed or len(sealed) > 4000:
        return None
    try:
        pending = oidc.Pending(**json.loads(svc.keystore.unseal(sealed, PENDING_CONTEXT)))
    except (KeyStoreError, ValueError, TypeError):
        return None
    return pending if pending.expires > time.time() else None


@router.get("/sso/{slug}/callback")
def sso_callback(request: Request, slug: str, svc: Services = Depends(services),
                 code: str = Query("", max_length=2000), state: str = Query("", max_length=500),
                 error: str = Query("", max_length=200),
                 iss: str | None = Query(None, max_length=500)) -> Response:
    """Where the provider sends the browser back: check state, exchange the code, verify the
    ID token, admit the person and start their console session."""
    pending = _pending(request, svc)
    if pending is None or pending.slug != slug or not sessions.same_token(pending.state, state):
        # Not this flow's answer (a forged or stale link): the flow in progress, if any, is
        # left to finish.
        return _refused(request, svc, msg("This sign-in was not started here or took too long."
                                          " Please start again."), 400,
                        detail="state missing, expired or not this browser's",
                        end_pending=False)
    if error:
        return _refused(request, svc, msg("Your institution's sign-in service did not sign you"
                                          " in (%(reason)s).", reason=error[:100]), 401,
                        detail=f"provider error {error[:100]}", next_=pending.next)
    try:
        with svc.db.session(read_only=True) as session:
            sso = sso_service.config(session, svc.keystore, slug)
        if sso is None:
            raise not_found(f"single sign-on for '{slug}'")
        # RFC 9207: an iss parameter names who answered; a mix-up with another OP stops here.
        if iss is not None and iss != sso.idp_issuer:
            raise oidc.SsoError(msg("The answer came from another identity provider."),
                                f"iss {iss[:100]}")
        if not code:
            raise oidc.SsoError(msg("The identity provider sent no sign-in code."))
        policy = outbound_policy(svc.settings)
        provider = oidc.discover(sso.idp_issuer, policy)
        tokens = oidc.exchange_code(provider, sso.client_id, sso.client_secret, code,
                                    _redirect_uri(svc, slug), pending.verifier, policy)
        keys = oidc.fetch_keys(provider, policy)
        claims = oidc.validate_id_token(
            tokens["id_token"], keys, issuer=provider.issuer, client_id=sso.client_id,
            nonce=pending.nonce, access_token=tokens.get("access_token")
            if isinstance(tokens.get("access_token"), str) else None)
        # Fetched and verified: only now the database, for a short write.
        with svc.db.session() as session:
            user = sso_service.admit(session, sso, claims)
            token, _row = sessions.start(session, user, f"sso:{slug}",
                                         request.headers.get("user-agent", ""))
    except oidc.SsoError as exc:
        return _refused(request, svc, exc.message, 401, detail=exc.detail, next_=pending.next)
    secure = secure_cookies(svc)
    response = RedirectResponse(back_to(pending.next), 303)
    sessions.set_cookie(response, sessions.cookie_name(secure), token, secure)
    sessions.clear_cookie(response, _pending_cookie(secure), secure)
    sessions.clear_cookie(response, sessions.login_cookie_name(secure), secure)
    return response
