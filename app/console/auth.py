"""Request dependencies of the console: who is signed in, their role at the issuer a page is
about, and the CSRF check every state-changing form passes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.console import accounts, sessions
from app.console.models import ConsoleSession, StaffUser
from app.db import is_read_only
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.errors import ProblemError, not_found
from app.issuers.models import Issuer
from app.issuers.service import get_issuer

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab, CR and LF


class SignInRequired(Exception):
    """No live session: browsers are sent to the sign-in page, and back here after it."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def sign_in_first(request: Request, exc: SignInRequired) -> Response:
    from app.web.render import wants_html

    if not wants_html(request):
        raise ProblemError(401, "unauthenticated", "Authentication required",
                           "sign in to the console first")
    return RedirectResponse(f"/console/login?next={quote(exc.back_to, safe='/')}", 303)


def secure_cookies(svc: Services) -> bool:
    return svc.settings.public_base_url.startswith("https://")


@dataclass
class SignedIn:
    """The signed-in user and their session (whose ``csrf`` every form must carry)."""

    user: StaffUser
    row: ConsoleSession

    @property
    def csrf(self) -> str:
        return self.row.csrf_token

    @property
    def actor(self) -> str:
        return accounts.actor_name(self.user)


def signed_in_now(request: Request, svc: Services, session: Session) -> SignedIn:
    token = request.cookies.get(sessions.cookie_name(secure_cookies(svc)))
    found = sessions.lookup(session, token)
    if found is None:
        back = request.url.path if request.method == "GET" else "/console"
        raise SignInRequired(back)
    if is_read_only(session) and sessions.touch_due(found[0]):
        with svc.db.session() as writer:
            sessions.touch(writer, found[0])
    return SignedIn(user=found[1], row=found[0])


def signed_in(request: Request, svc: Services = Depends(services),
              session: Session = DB_SESSION) -> SignedIn:
    return signed_in_now(request, svc, session)


def signed_in_read(request: Request, svc: Services = Depends(services),
                   session: Session = DB_READ_SESSION) -> SignedIn:
    return signed_in_now(request, svc, session)


def sso_issuer(who: SignedIn) -> str | None:
    """The issuer whose identity provider signed this session in (None: a password)."""
    method = who.row.method
    return method.removeprefix("sso:") if method.startswith("sso:") else None


def service_admin(who: SignedIn = Depends(signed_in)) -> SignedIn:
    if not who.user.service_admin or sso_issuer(who) is not None:
        raise ProblemError(403, "forbidden", "Forbidden", "only a service admin may do this")
    return who


def service_admin_read(who: SignedIn = Depends(signed_in_read)) -> SignedIn:
    return service_admin(who)


@dataclass
class Desk:
    """A signed-in user at one issuer, with their role there."""

    who: SignedIn
    issuer: Issuer
    role: str

    @property
    def user(self) -> StaffUser:
        return self.who.user

    @property
    def csrf(self) -> str:
        return self.who.csrf

    @property
    def actor(self) -> str:
        return self.who.actor

    def may(self, needed: str) -> bool:
        return accounts.allows(self.role, needed)


def desk_at(session: Session, who: SignedIn, slug: str, needed: str) -> Desk:
    """``who`` at ``slug``'s issuer. A session an issuer's identity provider started counts
    at that issuer only."""
    via = sso_issuer(who)
    if via is not None and via != slug:
        raise not_found(f"issuer '{slug}'")
    try:
        issuer = get_issuer(session, slug) if len(slug) <= 100 else None
    except ProblemError:
        issuer = None
    role = accounts.role_at(session, who.user, issuer) if issuer is not None else None
    if issuer is None or role is None:
        # Not a member: the issuer is not there for them (no hint that it exists).
        raise not_found(f"issuer '{slug}'")
    if not accounts.allows(role, needed):
        raise ProblemError(403, "forbidden", "Forbidden",
                           f"your role at {issuer.legal_name} ({role}) may not do this")
    return Desk(who=who, issuer=issuer, role=role)


def at_issuer(needed: str, *, write: bool):  # type: ignore[no-untyped-def]
    """A dependency: the signed-in user at the path's ``{slug}`` issuer, with at least the
    role ``needed``; ``write`` takes the committing session (for handlers that change data)."""
    if write:
        def dependency(slug: str, who: SignedIn = Depends(signed_in),
                       session: Session = DB_SESSION) -> Desk:
            return desk_at(session, who, slug, needed)
    else:
        def dependency(slug: str, who: SignedIn = Depends(signed_in_read),
                       session: Session = DB_READ_SESSION) -> Desk:
            return desk_at(session, who, slug, needed)
    return dependency


async def form_data(request: Request, svc: Services = Depends(services)) -> dict[str, str]:
    """The posted form's text fields, once the request has passed the CSRF checks (an Origin
    from elsewhere, then the session's token in the ``csrf`` field). Use with
    ``Depends(csrf_form)`` on every console POST."""
    if sessions.cross_site(request, svc.settings.public_base_url):
        raise ProblemError(403, "csrf", "Cross-site request refused",
                           "this form may only be sent from mcred's own pages")
    form = await request.form()
    # No field of ours takes control characters, and PostgreSQL cannot store a NUL: they
    # are dropped here, once for every console form, so the form's own checks see the rest
    # (and re-show it) instead of the database failing on it.
    return {k: CONTROL_CHARACTERS.sub("", v) for k, v in form.multi_items() if isinstance(v, str)}


def check_csrf(expected: str, fields: dict[str, str]) -> None:
    """The posted form's token is the session's, or the form is refused (403 ``csrf``)."""
    if not sessions.same_token(expected, fields.get("csrf")):
        raise ProblemError(403, "csrf", "Form expired",
                           "the form's security token is missing or out of date: reload the"
                           " page and send it again")


def brief_desk(request: Request, svc: Services, slug: str, needed: str) -> Desk:
    """The signed-in user at ``slug``, read in a session closed again before the caller
    fetches or verifies anything (for handlers that must hold no connection)."""
    with svc.db.session(read_only=True) as session:
        return desk_at(session, signed_in_now(request, svc, session), slug, needed)


def csrf_form(fields: dict[str, str] = Depends(form_data),
              who: SignedIn = Depends(signed_in)) -> dict[str, str]:
    check_csrf(who.csrf, fields)
    return fields
