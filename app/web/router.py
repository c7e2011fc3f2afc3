"""Public pages: the home page (/), the learner's share link (/c/{token}) and the verification
page (/verify)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import segno
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import AuditEvent
from app.credentials import sharing
from app.credentials.models import CredentialRecord
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.elements.extract import read_elements
from app.elements.text import displayable
from app.errors import ProblemError
from app.limits import loads_json
from app.messages import N_, Message, msg
from app.outbound import OutboundError, fetch, outbound_policy
from app.verify.context import build_context
from app.verify.holder import email_match
from app.verify.pipeline import verify_credential
from app.verify.scoring import RubricError
from app.web import baking
from app.web.i18n import Reader, reader
from app.web.present import day, linkedin_url, moment, rows, summary
from app.web.render import page, wants_html

router = APIRouter(tags=["pages"])
JSON_LD_TYPES = ("application/ld+json", "application/vc+ld+json", "application/vc",
                 "application/json")
UPLOAD_LIMIT = 5 * 1024 * 1024


@router.get("/", summary="Home page; API clients get the service name, version and links")
def home(request: Request) -> Response:
    if wants_html(request):
        return page(request, "home.html")
    return JSONResponse({"service": request.app.title, "version": request.app.version,
                         "links": {"docs": "/docs", "verify": "/verify",
                                   "credentialsVerify": "/credentials/verify"}})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    # Browsers ask for /favicon.ico whatever the page says; point them at the SVG icon.
    return RedirectResponse("/static/favicon.svg", status_code=301)


def _shared(session: Session, token: str) -> tuple[Any, dict[str, Any]]:
    record = sharing.find(session, token)
    return record, json.loads(record.document)


def _shared_now(svc: Services, token: str) -> tuple[Any, dict[str, Any]]:
    """The shared record, read in a session of its own that is closed before the page
    verifies: verification opens short sessions of its own (our DIDs, status lists, the
    registry), and a request holding one connection while it waits for another deadlocks
    the pool under load (seen at 32 concurrent share-page readers)."""
    with svc.db.session(read_only=True) as session:
        return _shared(session, token)


@router.get("/c/{token}", summary="Share link: HTML page, or the credential for JSON-LD clients")
def shared(token: str, request: Request, svc: Services = Depends(services)) -> Response:
    record, document = _shared_now(svc, token)
    accept = request.headers.get("accept", "")
    if not wants_html(request) and any(kind in accept for kind in JSON_LD_TYPES):
        return Response(record.document, media_type="application/vc+ld+json",
                        headers={"Vary": "Accept"})
    return _share_page(request, svc, token, record, document)


@router.post("/c/{token}", summary="Share page, with the holder's e-mail checked against it")
def shared_email(token: str, request: Request, email: str = Form("", max_length=320),
                 svc: Services = Depends(services)) -> Response:
    record, document = _shared_now(svc, token)
    return _share_page(request, svc, token, record, document, email=email)


def _share_page(request: Request, svc: Services, token: str, record: Any,
                document: dict[str, Any], email: str | None = None) -> Response:
    report = verify_credential(document, build_context(svc))
    # Render only what the verification read from the signed document.
    _, found = read_elements(document)
    t, locale = _reader(request)
    link = sharing.share_url(svc.settings.public_base_url, token)
    changed = None
    if not report.verified:
        with svc.db.session(read_only=True) as session:
            changed = _status_changed(session, record)
    response = page(request, "credential.html", report=report.to_json(),
                e=summary(found, t, locale), rows=rows(found, t, locale, document),
                link=link, linkedin=linkedin_url(found, link, record.id),
                checked=moment(datetime.now(UTC), locale), holder=_holder(document, email),
                status_changed={"action": changed[0], "date": day(changed[1], locale)}
                if changed else None)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"  # a person's credential
    return response


def _holder(document: Any, email: str | None) -> dict[str, Any] | None:
    """The e-mail check's answer for the page: the address as typed and whether it matched
    (None: the credential names no address); None when nothing was asked."""
    if not email or not email.strip():
        return None
    return {"email": email.strip(), "match": email_match(document, email)}


def _status_changed(session: Session, record: Any) -> tuple[str, str] | None:
    """("revoke" | "suspend", ISO date) of the last revocation or suspension of one of our
    credentials (any rendering of its award), from the audit log: a status list has no dates."""
    ids = [record.id]
    if record.award_id:
        ids = list(session.scalars(select(CredentialRecord.id)
                                   .where(CredentialRecord.award_id == record.award_id)))
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.subject.in_(ids), AuditEvent.action.in_(
            ("credential.revoke", "credential.suspend", "credential.unsuspend")))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)).first()
    if event is None or event.action == "credential.unsuspend":
        return None
    return event.action.removeprefix("credential."), event.at.date().isoformat()


def _reader(request: Request) -> tuple[Reader, str]:
    """Who reads the page (its language) and the reader's locale for dates."""
    who = reader(request.headers.get("accept-language"), request.query_params.get("lang"))
    return who, who.locale


def _download(body: bytes | str, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/c/{token}/credential.json", summary="The shared credential as a download")
def shared_json(token: str, session: Session = DB_READ_SESSION) -> Response:
    record, _ = _shared(session, token)
    return _download(record.document, "application/vc+ld+json", "credential.json")


def _badge_texts(record: Any, document: dict[str, Any]) -> tuple[str, str]:
    """Title and issuer name for a badge image, read by meaning from the credential's own
    JSON: anything but text is left out (the record id stands in for a title), never a 500."""
    _, found = read_elements(document)
    title = found["title"].value if "title" in found else document.get("name")
    issuer = found["awardingBody"].value.get("name") if "awardingBody" in found else ""
    return (title if isinstance(title, str) and title else str(record.id),
            issuer if isinstance(issuer, str) else "")


@router.get("/c/{token}/badge.png", summary="Badge image with the credential baked in (PNG)")
def shared_png(token: str, session: Session = DB_READ_SESSION) -> Response:
    record, document = _shared(session, token)
    image = baking.badge_png(*_badge_texts(record, document))
    return _download(baking.bake_png(image, record.document.decode("utf-8")), "image/png",
                     "badge.png")


@router.get("/c/{token}/badge.svg", summary="Badge with the credential baked in (SVG)")
def shared_svg(token: str, session: Session = DB_READ_SESSION) -> Response:
    record, document = _shared(session, token)
    svg = baking.badge_svg(*_badge_texts(record, document))
    return _download(baking.bake_svg(svg, record.document.decode("utf-8")), "image/svg+xml",
                     "badge.svg")


@router.get("/c/{token}/image.png", summary="Badge image for link previews (inline, not baked)")
def shared_image(token: str, session: Session = DB_READ_SESSION) -> Response:
    record, document = _shared(session, token)
    return Response(baking.badge_png(*_badge_texts(record, document)), media_type="image/png",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/c/{token}/qr.svg", summary="QR code of the share link")
def shared_qr(token: str, session: Session = DB_READ_SESSION,
              svc: Services = Depends(services)) -> Response:
    _shared(session, token)
    buffer = io.BytesIO()
    segno.make(sharing.share_url(svc.settings.public_base_url, token), error="m").save(
        buffer, kind="svg", scale=6, border=2, title="QR code")
    return Response(buffer.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


class SharingChange(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    enabled: bool
    manage_key: str = Field(..., alias="manageKey", min_length=8, max_length=100)


@router.post("/c/{token}/sharing", summary="The learner turns their share link off or on")
def set_sharing(token: str, body: SharingChange, session: Session = DB_SESSION,
                svc: Services = Depends(services)) -> dict[str, Any]:
    record = sharing.set_enabled(session, svc.settings.key_secret.get_secret_value(), token,
                                 body.manage_key, body.enabled)
    return {"shareLink": sharing.share_url(svc.settings.public_base_url, token),
            "enabled": record.share_enabled}


def _verify_page(request: Request, svc: Services, document: Any,
                 rubric: str = "default", source: str | None = None,
                 pasted: str | None = None, email: str | None = None) -> Response:
    try:
        context = build_context(svc, rubric)
    except RubricError as exc:
        raise ProblemError(400, "unknown-rubric", "Unknown rubric", str(exc)) from None
    report = verify_credential(document, context)
    status = 200 if report.verified else 422
    if wants_html(request):
        shown = report.to_json()
        credential = shown["report"].get("credential") or {}
        for key in ("title", "issuer"):  # another issuer's texts: no invisible/bidi tricks
            if isinstance(credential.get(key), str):
                credential[key] = displayable(credential[key])
        t, locale = _reader(request)
        _, found = read_elements(document)  # summary() and rows() make the texts displayable
        return page(request, "verify.html", status=status, report=shown,
                    e=summary(found, t, locale), rows=rows(found, t, locale, document),
                    pasted=pasted, source=source, holder=_holder(document, email),
                    submitted=json.dumps(document, ensure_ascii=False))
    return JSONResponse(report.to_json(), status_code=status)


@router.get("/verify", summary="Verification page; with ?url= verify the credential there")
def verify_url(request: Request, url: str | None = Query(None, max_length=2048),
               rubric: str = "default", svc: Services = Depends(services)) -> Response:
    # No database session here: fetching ?url= may take seconds and must not hold a
    # connection (a flood of slow URLs once drained the pool for everyone).
    if not url:
        if wants_html(request):
            return page(request, "verify.html")
        raise ProblemError(400, "bad-request", "Bad request", "give ?url= of a credential")
    token = _own_share_token(svc.settings.public_base_url, url)
    try:
        if token is not None:  # our own share link: read it here, no request to ourselves
            with svc.db.session(read_only=True) as session:
                body = sharing.find(session, token).document
        else:
            body, _ = fetch(url, outbound_policy(svc.settings),
                            accept="application/vc, application/ld+json, application/json")
        document = loads_json(body)
    except (OutboundError, ValueError) as exc:
        slug = "fetch-refused" if isinstance(exc, OutboundError) else "not-json"
        message = _reason(exc) if isinstance(exc, OutboundError) else \
            msg("%(url)s did not return usable JSON: %(reason)s", url=url, reason=_reason(exc))
        if wants_html(request):
            return page(request, "verify.html", status=422, error=message, url=url)
        raise ProblemError(422, slug, "Credential could not be fetched", message) from None
    except ProblemError as exc:
        if wants_html(request) and exc.status == 404:
            return page(request, "verify.html", status=404, url=url,
                        error=msg("%(url)s: no credential is shared at this link (it was"
                                  " never issued here, or the learner turned it off)", url=url))
        raise
    return _verify_page(request, svc, document, rubric, source=url)


def _reason(exc: Exception) -> str:
    """An exception's message as raised: a Message stays one, so the page can translate it."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)


def _own_share_token(base_url: str, url: str) -> str | None:
    """The token of one of this service's share links (the page or its JSON download), so
    that verifying it needs no outbound fetch; None for any other address."""
    prefix = f"{base_url.rstrip('/')}/c/"
    if not url.startswith(prefix):
        return None
    token = url[len(prefix):].split("?", 1)[0].split("#", 1)[0]
    token = token.removesuffix("/credential.json").rstrip("/")
    return token if token and "/" not in token else None


@router.post("/verify", summary="Verification page form: pasted JSON or an uploaded badge")
async def verify_form(request: Request, credential: str = Form(""),
                      file: UploadFile | None = File(None), rubric: str = Form("default"),
                      email: str = Form("", max_length=320),
                      svc: Services = Depends(services)) -> Response:
    text = credential.strip()
    try:
        if file is not None and file.filename:
            data = await file.read(UPLOAD_LIMIT + 1)
            if len(data) > UPLOAD_LIMIT:
                raise ValueError(msg("the file is larger than 5 MB"))
            text = data.decode("utf-8") if data.lstrip()[:1] in (b"{", b"[") \
                else baking.extract(data)
        if not text:
            raise ValueError(msg("paste a credential or choose a file"))
        document = loads_json(text)
    except json.JSONDecodeError as exc:  # Python's own words, after ours
        return page(request, "verify.html", status=400, pasted=credential, error=Message.explained(
            str(exc), N_("this is not valid JSON: paste the whole credential")))
    except (ValueError, UnicodeDecodeError) as exc:
        return page(request, "verify.html", status=400, error=_reason(exc), pasted=credential)
    return _verify_page(request, svc, document, rubric or "default", pasted=text, email=email)
