"""The learner home's pages: /me (sign-in, then the learner's awards and collections), the
one-time link's confirm page, sharing switches, downloads, collections; and the public
collection page /p/{token}.

CSRF: every POST passes the console's cross-site check (app.console.auth.form_data); forms of
a signed-in learner carry the session's token, the sign-in and confirm forms (no session yet)
a double-submit token in a cookie of their own. The confirm page's GET changes nothing, so
mail scanners that open links do not use them up."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.console import accounts
from app.console.auth import form_data, secure_cookies
from app.db import is_read_only
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.errors import ProblemError
from app.learners import service, sessions, signin
from app.learners.models import LearnerSession
from app.messages import msg
from app.verify.context import build_context
from app.verify.pipeline import verify_credential
from app.web import router as web
from app.web.i18n import LANGUAGES, reader
from app.web.present import moment, summary
from app.web.render import page

router = APIRouter(tags=["learner home"], include_in_schema=False)
TOKEN = Path(max_length=100)
COLLECTION_ID = Path(ge=1, le=2**31 - 1)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _absolute(svc: Services) -> timedelta:
    return timedelta(hours=svc.settings.learner_session_hours)


def current(request: Request, svc: Services, session: Session) -> LearnerSession | None:
    row = sessions.lookup(session, request.cookies.get(sessions.cookie_name(secure_cookies(svc))),
                          _absolute(svc))
    if row is not None and is_read_only(session) and sessions.touch_due(row):  # type: ignore[arg-type]
        with svc.db.session() as writer:
            sessions.touch(writer, row)
    return row


def _signed_in(request: Request, svc: Services, session: Session) -> LearnerSession:
    row = current(request, svc, session)
    if row is None:
        raise ProblemError(401, "unauthenticated", "Sign in first",
                           "sign in to your learner home at /me first")
    return row


@dataclass
class Learner:
    """The signed-in learner of a request (``email_sha256``) and the form token."""

    row: LearnerSession

    @property
    def email_sha256(self) -> str:
        return self.row.email_sha256


def learner(request: Request, svc: Services = Depends(services),
            session: Session = DB_SESSION) -> Learner:
    return Learner(_signed_in(request, svc, session))


def learner_read(request: Request, svc: Services = Depends(services),
                 session: Session = DB_READ_SESSION) -> Learner:
    return Learner(_signed_in(request, svc, session))


def learner_form(fields: dict[str, str] = Depends(form_data),
                 who: Learner = Depends(learner)) -> dict[str, str]:
    """The posted form of a signed-in learner, once its token matches the session's."""
    if not sessions.same_token(who.row.csrf_token, fields.get("csrf")):
        raise ProblemError(403, "csrf", "Form expired",
                           "the form's security token is missing or out of date: reload the"
                           " page and send it again")
    return fields


def form_page(request: Request, svc: Services, template: str, status: int = 200,
              headers: dict[str, str] | None = None, **context: Any) -> Response:
    """A page with a form sent before there is a session: a double-submit token."""
    token = secrets.token_urlsafe(32)
    response = page(request, template, status, form_csrf=token, **context)
    secure = secure_cookies(svc)
    sessions.set_cookie(response, sessions.form_cookie_name(secure), token, secure, 3600)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _form_token_ok(request: Request, svc: Services, fields: dict[str, str]) -> bool:
    cookie = request.cookies.get(sessions.form_cookie_name(secure_cookies(svc)))
    return sessions.same_token(cookie, fields.get("csrf"))


@router.get("/me", summary="Learner home: sign-in page, or the learner's credentials")
def home(request: Request, svc: Services = Depends(services),
         session: Session = DB_READ_SESSION) -> Response:
    row = current(request, svc, session)
    if row is None:
        return form_page(request, svc, "learner/sign_in.html")
    return _home(request, svc, session, row)


def _home(request: Request, svc: Services, session: Session, row: LearnerSession,
          status: int = 200, **form: Any) -> Response:
    """The learner's home; ``form`` re-shows a collection form that was refused."""
    return page(request, "learner/home.html", status, csrf=row.csrf_token,
                base=svc.settings.public_base_url,
                cards=service.cards(session, row.email_sha256),
                collections=service.collections(session, row.email_sha256),
                notice=request.query_params.get("done"), **form)


@router.get("/me/sign-in", summary="Back to /me (a page shown after a POST links here)")
@router.get("/me/collections", summary="Back to /me (a page shown after a POST links here)")
def back_home(request: Request) -> Response:
    # The language switcher of a page answering a POST links to its address with ?lang=.
    lang = request.query_params.get("lang")
    return RedirectResponse(f"/me?lang={lang}" if lang in LANGUAGES else "/me", 303)


@router.post("/me/sign-in", summary="Ask for a one-time sign-in link by e-mail")
def ask_for_link(request: Request, fields: dict[str, str] = Depends(form_data),
                 svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    email = fields.get("email", "").strip()[:320]
    if not _form_token_ok(request, svc, fields):
        return form_page(request, svc, "learner/sign_in.html", 403, email=email,
                          error=msg("The form expired. Please send it again."))
    if not email or "@" not in email:
        return form_page(request, svc, "learner/sign_in.html", 422, email=email,
                          error=msg("Enter the e-mail address your credentials were sent to."))
    language = reader(request.headers.get("accept-language"),
                      request.query_params.get("lang")).lang
    try:
        signin.request_link(session, svc.settings.public_base_url, email, _client(request),
                            language, svc.settings.learner_link_minutes)
    except accounts.Throttled as exc:
        minutes = max(exc.retry_after // 60, 1)
        return form_page(request, svc, "learner/sign_in.html", 429, email=email,
                          headers={"Retry-After": str(exc.retry_after)},
                          error=msg("Too many sign-in links were asked for. Try again in"
                                    " %(minutes)s minutes.", minutes=minutes))
    return page(request, "learner/link_sent.html", email=email,
                minutes=svc.settings.learner_link_minutes)


@router.get("/me/link/{token}", summary="The e-mailed link: a page to confirm the sign-in")
def confirm_page(request: Request, token: str = TOKEN, svc: Services = Depends(services),
                 session: Session = DB_READ_SESSION) -> Response:
    if not signin.usable(session, token):
        return page(request, "learner/link_invalid.html", 410)
    return form_page(request, svc, "learner/confirm.html", token=token)


@router.post("/me/link/{token}", summary="Use the one-time link: sign in")
def confirm(request: Request, token: str = TOKEN, fields: dict[str, str] = Depends(form_data),
            svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    if not _form_token_ok(request, svc, fields):
        return form_page(request, svc, "learner/confirm.html", 403, token=token,
                          error=msg("The form expired. Please send it again."))
    email_sha256 = signin.consume(session, token)
    if email_sha256 is None:
        return page(request, "learner/link_invalid.html", 410)
    secure = secure_cookies(svc)
    sessions.end(session, request.cookies.get(sessions.cookie_name(secure)))
    cookie = sessions.start(session, email_sha256, _absolute(svc))
    response = RedirectResponse("/me", 303)
    sessions.set_cookie(response, sessions.cookie_name(secure), cookie, secure)
    sessions.clear_cookie(response, sessions.form_cookie_name(secure), secure)
    return response


@router.post("/me/sign-out", summary="Sign the learner out")
def sign_out(request: Request, _fields: dict[str, str] = Depends(learner_form),
             svc: Services = Depends(services), session: Session = DB_SESSION) -> Response:
    secure = secure_cookies(svc)
    sessions.end(session, request.cookies.get(sessions.cookie_name(secure)))
    response = RedirectResponse("/me", 303)
    sessions.clear_cookie(response, sessions.cookie_name(secure), secure)
    return response


@router.post("/me/awards/{award_id}/sharing", summary="Turn an award's share link on or off")
def sharing_switch(award_id: str = Path(max_length=64),
                   fields: dict[str, str] = Depends(learner_form),
                   who: Learner = Depends(learner), svc: Services = Depends(services),
                   session: Session = DB_SESSION) -> Response:
    enabled = fields.get("enabled") == "true"
    service.set_sharing(session, svc.settings.key_secret.get_secret_value(), who.email_sha256,
                        award_id, enabled)
    done = "shared" if enabled else "unshared"
    return RedirectResponse(f"/me?done={done}#award-{award_id}", 303)


_DOWNLOADS = {"credential.json": ("ob3", "application/vc+ld+json", "credential.json"),
              "elm.json": ("elm", "application/ld+json", "credential-elm.json"),
              "elm-sealed.json": ("elm-sealed", "application/jose+json",
                                  "credential-elm-sealed.json")}


@router.get("/me/awards/{award_id}/credential.json", summary="Download the OBv3 credential")
@router.get("/me/awards/{award_id}/elm.json", summary="Download the ELM credential")
@router.get("/me/awards/{award_id}/elm-sealed.json",
            summary="Download the ELM credential sealed with the issuer's e-seal (JAdES)")
def download(request: Request, award_id: str = Path(max_length=64),
             who: Learner = Depends(learner_read), session: Session = DB_READ_SESSION) -> Response:
    profile, media_type, filename = _DOWNLOADS[request.url.path.rsplit("/", 1)[-1]]
    record = service.rendering(session, who.email_sha256, award_id, profile)
    return web.download(record.document, media_type, filename)


@router.get("/me/awards/{award_id}/badge.png", summary="Download the badge with the credential"
                                                      " baked in")
def download_badge(award_id: str = Path(max_length=64), who: Learner = Depends(learner_read),
                   svc: Services = Depends(services),
                   session: Session = DB_READ_SESSION) -> Response:
    record = service.rendering(session, who.email_sha256, award_id, "ob3")
    return web.download(web.baked_png(session, svc.settings.public_base_url, record),
                        "image/png", "badge.png")


@router.post("/me/collections", summary="Publish a collection of the learner's credentials")
async def create_collection(request: Request, fields: dict[str, str] = Depends(learner_form),
                            who: Learner = Depends(learner), svc: Services = Depends(services),
                            session: Session = DB_SESSION) -> Response:
    form = await request.form()  # read once already: the repeated "award" fields
    chosen = [str(v)[:64] for v in form.getlist("award")][:service.MAX_ITEMS + 1]
    name = fields.get("name", "")
    try:
        service.create_collection(session, who.email_sha256, name, chosen)
    except service.CollectionError as exc:
        return _home(request, svc, session, who.row, 422, collection_error=exc.args[0],
                     collection_name=name[:service.MAX_NAME * 2], chosen=set(chosen))
    return RedirectResponse("/me?done=collection#collections", 303)


@router.post("/me/collections/{collection_id}/published",
             summary="Publish or unpublish a collection")
def publish(collection_id: int = COLLECTION_ID, fields: dict[str, str] = Depends(learner_form),
            who: Learner = Depends(learner), session: Session = DB_SESSION) -> Response:
    published = fields.get("published") == "true"
    service.set_published(session, who.email_sha256, collection_id, published)
    done = "published" if published else "unpublished"
    return RedirectResponse(f"/me?done={done}#collection-{collection_id}", 303)


@router.post("/me/collections/{collection_id}/delete", summary="Delete a collection")
def delete(collection_id: int = COLLECTION_ID, _fields: dict[str, str] = Depends(learner_form),
           who: Learner = Depends(learner), session: Session = DB_SESSION) -> Response:
    service.delete_collection(session, who.email_sha256, collection_id)
    return RedirectResponse("/me?done=deleted#collections", 303)


@router.get("/p/{token}", summary="A learner's published collection, each credential verified")
def collection_page(request: Request, token: str = TOKEN,
                    svc: Services = Depends(services)) -> Response:
    # Read, close the session, then verify: verification opens short sessions of its own
    # (as the share page does, web.router._shared_now).
    with svc.db.session(read_only=True) as session:
        found = service.published(session, token)
        name = found.collection.name
        records = [service.rendering(session, found.collection.email_sha256, award_id, "ob3")
                   for award_id in found.award_ids]
        links = {award_id: service.share_token(session, award_id) for award_id in found.award_ids}
    who = reader(request.headers.get("accept-language"), request.query_params.get("lang"))
    context = build_context(svc)
    items = []
    for award_id, record in zip(found.award_ids, records, strict=True):
        document = json.loads(record.document)
        report = verify_credential(document, context)
        items.append({"report": report.to_json(), "award_id": award_id,
                      "e": summary(web.elements_of(report, document), who, who.locale),
                      "link": links[award_id]})
    response = page(request, "learner/collection.html", name=name, items=items,
                    base=svc.settings.public_base_url,
                    checked=moment(datetime.now(UTC), who.locale))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
