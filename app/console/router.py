"""The console's own pages: sign-in and sign-out, the user's issuers, an issuer's overview,
its members (issuer admins), the user's account, and the service admin's issuers."""

from __future__ import annotations

import posixpath
import secrets

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.console import accounts, sessions, sso_service
from app.console.auth import (
    Desk,
    SignedIn,
    at_issuer,
    csrf_form,
    form_data,
    secure_cookies,
    service_admin,
    service_admin_read,
    signed_in,
    signed_in_read,
    sso_issuer,
)
from app.console.models import StaffUser
from app.credentials.models import AchievementRecord, AwardRecord
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.errors import ProblemError
from app.issuers import service as issuers
from app.issuers.schemas import IssuerCreate
from app.messages import msg
from app.web.render import page

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def back_to(target: str | None) -> str:
    """Only a console path of ours: never an absolute or scheme-relative address (an open
    redirect), never back to the sign-in page itself."""
    if not target or "\\" in target:
        return "/console"
    path, _, query = target.partition("?")
    path = posixpath.normpath(path)  # "/console/..//x" is not a console path
    if not (path == "/console" or path.startswith("/console/")) or path.startswith("//") \
            or path.startswith("/console/login"):
        return "/console"
    return f"{path}?{query}" if query else path


def sign_in_page(request: Request, svc: Services, *, email: str = "", next_: str = "",
                  error: str | None = None, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    with svc.db.session(read_only=True) as session:
        sso_offered = sso_service.any_enabled(session)
    response = page(request, "console/login.html", status, form_csrf=token, email=email,
                    next=back_to(next_), error=error, sso_offered=sso_offered)
    secure = secure_cookies(svc)
    sessions.set_cookie(response, sessions.login_cookie_name(secure), token, secure, 3600)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@router.get("/login")
def login_page(request: Request, next: str = Query("", max_length=2000),
               svc: Services = Depends(services)) -> Response:
    return sign_in_page(request, svc, next_=next)


@router.post("/login")
def login(request: Request, fields: dict[str, str] = Depends(form_data),
          svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    secure = secure_cookies(svc)
    email, password = fields.get("email", "")[:320], fields.get("password", "")
    next_ = fields.get("next", "")
    if not sessions.same_token(request.cookies.get(sessions.login_cookie_name(secure)),
                               fields.get("csrf")):
        return sign_in_page(request, svc, email=email, next_=next_, status=403,
                             error=msg("The sign-in form expired. Please sign in again."))
    try:
        user = accounts.authenticate(session, email, password, _client_address(request))
    except accounts.Throttled as exc:
        problem = accounts.throttled_problem(exc)
        return sign_in_page(request, svc, email=email, next_=next_, status=429,
                             error=msg("Too many failed sign-ins. Try again in %(minutes)s"
                                       " minutes.", minutes=max(exc.retry_after // 60, 1)),
                             headers=problem.headers)
    if user is None:
        return sign_in_page(request, svc, email=email, next_=next_, status=401,
                             error=msg("The e-mail address or the password is not right."))
    # A session this browser had before ends: one browser, one live session.
    sessions.end(session, request.cookies.get(sessions.cookie_name(secure)))
    token, _row = sessions.start(session, user, "password", request.headers.get("user-agent", ""))
    response = RedirectResponse(back_to(next_), 303)
    sessions.set_cookie(response, sessions.cookie_name(secure), token, secure)
    sessions.clear_cookie(response, sessions.login_cookie_name(secure), secure)
    return response


@router.post("/logout")
def logout(request: Request, _fields: dict[str, str] = Depends(csrf_form),
           svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    secure = secure_cookies(svc)
    sessions.end(session, request.cookies.get(sessions.cookie_name(secure)))
    response = RedirectResponse("/console/login", 303)
    sessions.clear_cookie(response, sessions.cookie_name(secure), secure)
    return response


@router.post("/logout-everywhere")
def logout_everywhere(who: SignedIn = Depends(signed_in),
                      _fields: dict[str, str] = Depends(csrf_form),
                      svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    sessions.end_all(session, who.user)
    audit.record(session, who.actor, "staff.sign-out-everywhere", f"staff:{who.user.email}")
    secure = secure_cookies(svc)
    response = RedirectResponse("/console/login", 303)
    sessions.clear_cookie(response, sessions.cookie_name(secure), secure)
    return response


@router.get("")
def home(request: Request, who: SignedIn = Depends(signed_in_read),
         session: Session = DB_READ_SESSION) -> Response:
    via = sso_issuer(who)  # signed in by an issuer's provider: that issuer only
    return page(request, "console/home.html", who=who,
                issuers=[(issuer, role) for issuer, role in accounts.memberships(session, who.user)
                         if via is None or issuer.slug == via],
                service_admin=who.user.service_admin and via is None)


@router.get("/account")
def account(request: Request, who: SignedIn = Depends(signed_in_read),
            done: str = Query("", max_length=40)) -> Response:
    return page(request, "console/account.html", who=who, done=done, errors={})


@router.post("/account/password")
def change_password(request: Request, who: SignedIn = Depends(signed_in),
                    fields: dict[str, str] = Depends(csrf_form),
                    svc: Services = Depends(services),
                    session: Session = DB_SESSION) -> Response:
    """A new password ends every session of the account (a thief's too) and starts a fresh
    one for this browser."""
    errors: dict[str, object] = {}
    current, new = fields.get("current", ""), fields.get("password", "")
    try:
        wrong = who.user.password_hash is not None and accounts.authenticate(
            session, who.user.email, current, _client_address(request)) is None
    except accounts.Throttled as exc:
        problem = accounts.throttled_problem(exc)
        response = page(request, "console/account.html", 429, who=who, done="", errors={
            "current": msg("Too many failed sign-ins. Try again in %(minutes)s minutes.",
                           minutes=max(exc.retry_after // 60, 1))})
        response.headers.update(problem.headers or {})
        return response
    if wrong:
        errors["current"] = msg("This is not your current password.")
    else:
        try:
            accounts.check_password(new, who.user.email)
        except accounts.AccountError as exc:
            errors["password"] = exc.message
        if new != fields.get("confirm", ""):
            errors.setdefault("confirm", msg("The two new passwords differ."))
    if errors:
        return page(request, "console/account.html", 422, who=who, errors=errors, done="")
    accounts.set_password(session, who.user, new, actor=who.actor)
    return _fresh_session(request, svc, session, who.user, "/console/account?done=password")


def _fresh_session(request: Request, svc: Services, session: Session, user: StaffUser,
                   target: str) -> Response:
    """End all of ``user``'s sessions, start one for this browser, go to ``target``."""
    sessions.end_all(session, user)
    token, _row = sessions.start(session, user, "password", request.headers.get("user-agent", ""))
    secure = secure_cookies(svc)
    response = RedirectResponse(target, 303)
    sessions.set_cookie(response, sessions.cookie_name(secure), token, secure)
    return response


def _welcome_page(request: Request, user: StaffUser | None, token: str, status: int = 200,
                  errors: dict[str, object] | None = None) -> Response:
    return page(request, "console/welcome.html", status, invited=user, token=token,
                errors=errors or {},
                error=None if user else msg("This invitation link is not valid any more. "
                                            "Ask the person who invited you for a new one."))


@router.get("/welcome/{token}")
def welcome(request: Request, token: str = Path(max_length=100),
            session: Session = DB_READ_SESSION) -> Response:
    """The invitation link: the new member chooses their password (nobody else knows it)."""
    user = accounts.invited(session, token)
    return _welcome_page(request, user, token, 200 if user else 404)


@router.post("/welcome/{token}")
def accept_welcome(request: Request, token: str = Path(max_length=100),
                   fields: dict[str, str] = Depends(form_data),
                   svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    # The link's secret is the proof here (there is no session yet); form_data still refuses
    # a cross-site post.
    user = accounts.invited(session, token)
    if user is None:
        return _welcome_page(request, None, token, 404)
    new = fields.get("password", "")
    errors: dict[str, object] = {}
    try:
        accounts.check_password(new, user.email)
    except accounts.AccountError as exc:
        errors["password"] = exc.message
    if new != fields.get("confirm", ""):
        errors.setdefault("confirm", msg("The two new passwords differ."))
    if errors:
        return _welcome_page(request, user, token, 422, errors)
    accounts.set_password(session, user, new, actor=accounts.actor_name(user))
    return _fresh_session(request, svc, session, user, "/console")


def _overview(session: Session, desk: Desk) -> dict[str, int]:
    issuer_id = desk.issuer.id
    return {
        "achievements": session.scalar(select(func.count(AchievementRecord.id)).where(
            AchievementRecord.issuer_id == issuer_id)) or 0,
        "awards": session.scalar(select(func.count(AwardRecord.id)).where(
            AwardRecord.issuer_id == issuer_id)) or 0,
    }


@router.get("/{slug}")
def issuer_home(request: Request, desk: Desk = Depends(at_issuer("viewer", write=False)),
                session: Session = DB_READ_SESSION) -> Response:
    return page(request, "console/issuer.html", desk=desk, counts=_overview(session, desk))


def _members_page(request: Request, session: Session, desk: Desk, status: int = 200,
                  errors: dict[str, object] | None = None,
                  typed: dict[str, str] | None = None, invited: StaffUser | None = None,
                  invite_link: str | None = None, existing: StaffUser | None = None) -> Response:
    people = accounts.members(session, desk.issuer)
    return page(request, "console/members.html", status, desk=desk, members=people,
                roles=accounts.ROLES, errors=errors or {}, typed=typed or {},
                may_invite={user.id for user, _ in people
                            if accounts.may_invite(session, user, desk.issuer)},
                invited=invited, invite_link=invite_link, existing=existing)


def _invite_link(request: Request, svc: Services, token: str) -> str:
    return f"{svc.settings.public_base_url}/console/welcome/{token}"


@router.get("/{slug}/members")
def members(request: Request, desk: Desk = Depends(at_issuer("admin", write=False)),
            session: Session = DB_READ_SESSION) -> Response:
    return _members_page(request, session, desk)


@router.post("/{slug}/members")
def add_member(request: Request, desk: Desk = Depends(at_issuer("admin", write=True)),
               fields: dict[str, str] = Depends(csrf_form),
               svc: Services = Depends(services),
               session: Session = DB_SESSION) -> Response:
    """Add a person by e-mail with a role. A new account gets no password: the page shows a
    one-time invitation link (7 days) for the person to choose one, or they sign in by the
    institution's single sign-on. An existing account keeps its password."""
    typed = {k: fields.get(k, "") for k in ("email", "name", "role")}
    errors: dict[str, object] = {}
    link = None
    try:
        user = accounts.find_user(session, typed["email"])
        existing = user
        if user is None:
            user = accounts.create_user(session, typed["email"], name=typed["name"],
                                        actor=desk.actor)
        elif accounts.role_at(session, user, desk.issuer) is not None:
            raise accounts.AccountError("email", msg("This person is a member already."))
        accounts.set_role(session, desk.issuer, user, typed["role"], actor=desk.actor)
        if existing is None:
            link = _invite_link(request, svc, accounts.invite(session, user, actor=desk.actor))
    except accounts.AccountError as exc:
        session.rollback()
        errors[exc.field] = exc.message
        return _members_page(request, session, desk, 422, errors, typed)
    return _members_page(request, session, desk, 201, invited=user, invite_link=link,
                         existing=existing)


@router.post("/{slug}/members/{user_id}/invite")
def reinvite(request: Request, user_id: int = Path(ge=1, le=2**31 - 1),
             desk: Desk = Depends(at_issuer("admin", write=True)),
             _fields: dict[str, str] = Depends(csrf_form), svc: Services = Depends(services),
             session: Session = DB_SESSION) -> Response:
    """A new invitation link for a member who has not chosen a password yet."""
    user = session.get(StaffUser, user_id)
    if user is None or accounts.role_at(session, user, desk.issuer) is None:
        raise ProblemError(404, "not-found", "Not found", "no such member")
    if not accounts.may_invite(session, user, desk.issuer):
        raise ProblemError(409, "cannot-invite", "No invitation possible",
                           "this person has a password or belongs to another institution too;"
                           " they reset it with their own institution")
    link = _invite_link(request, svc, accounts.invite(session, user, actor=desk.actor))
    return _members_page(request, session, desk, 201, invited=user, invite_link=link)


@router.post("/{slug}/members/{user_id}")
def change_member(request: Request, user_id: int = Path(ge=1, le=2**31 - 1),
                  desk: Desk = Depends(at_issuer("admin", write=True)),
                  fields: dict[str, str] = Depends(csrf_form),
                  session: Session = DB_SESSION) -> Response:
    user = session.get(StaffUser, user_id)
    if user is None or accounts.role_at(session, user, desk.issuer) is None:
        raise ProblemError(404, "not-found", "Not found", "no such member")
    role = fields.get("role", "")
    if role not in (*accounts.ROLES, "remove"):
        return _members_page(request, session, desk, 422, {
            f"member-{user_id}": msg("Choose one of the roles: %(roles)s.",
                                     roles=", ".join(accounts.ROLES))})
    try:
        accounts.set_role(session, desk.issuer, user, None if role == "remove" else role,
                          actor=desk.actor)
        if role == "remove" and not accounts.memberships(session, user):
            sessions.end_all(session, user)  # a member of nothing now: their sessions end
    except accounts.AccountError as exc:
        session.rollback()
        return _members_page(request, session, desk, 422, {f"member-{user_id}": exc.message})
    return RedirectResponse(f"/console/{desk.issuer.slug}/members", 303)


@router.get("/admin/issuers")
def admin_issuers(request: Request, who: SignedIn = Depends(service_admin_read),
                  session: Session = DB_READ_SESSION) -> Response:
    return page(request, "console/admin_issuers.html", who=who,
                issuers=issuers.list_issuers(session), errors={}, typed={})


@router.post("/admin/issuers")
def admin_create_issuer(request: Request, who: SignedIn = Depends(service_admin),
                        fields: dict[str, str] = Depends(csrf_form),
                        svc: Services = Depends(services),
                        session: Session = DB_SESSION) -> Response:
    """Register an issuer and name its first admin (an existing account, or a new one with
    the initial password typed)."""
    names = ("slug", "legal_name", "country", "url", "email", "org_type", "admin_email")
    typed = {k: fields.get(k, "").strip() for k in names}
    errors: dict[str, object] = {}
    try:
        data = IssuerCreate.model_validate({k: typed[k] for k in names[:6]})
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error.get("loc") else "slug"
            errors.setdefault(field, str(error["msg"]))
        data = None
    first = accounts.find_user(session, typed["admin_email"]) if typed["admin_email"] else None
    if not typed["admin_email"]:
        errors["admin_email"] = msg("Name the issuer's first admin.")
    if data is not None and not errors:
        try:
            new_account = first is None
            if first is None:
                first = accounts.create_user(session, typed["admin_email"], actor=who.actor)
            issuer = issuers.create_issuer(session, svc.keystore, data, actor=who.actor)
            accounts.set_role(session, issuer, first, "admin", actor=who.actor)
            link = _invite_link(request, svc, accounts.invite(session, first, actor=who.actor)) \
                if new_account else None
            return page(request, "console/admin_issuers.html", 201, who=who,
                        issuers=issuers.list_issuers(session), errors={}, typed={},
                        created=issuer, invited=first, invite_link=link)
        except accounts.AccountError as exc:
            errors["admin_" + exc.field] = exc.message
        except ProblemError as exc:
            errors["slug"] = str(exc.detail or exc.title)
        session.rollback()
    return page(request, "console/admin_issuers.html", 422, who=who,
                issuers=issuers.list_issuers(session), errors=errors, typed=typed)
