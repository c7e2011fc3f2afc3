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
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import AuditEvent
from app.credentials import sharing
from app.credentials.models import CredentialRecord
from app.deps import DB_READ_SESSION, DB_SESSION, Services, services
from app.elements.extract import read_elements
from app.elements.text import displayable
from app.errors import ProblemError
from app.images import service as images
from app.images.models import ImageRecord
from app.limits import loads_json
from app.messages import N_, Message, msg
from app.outbound import OutboundError
from app.seals import sealing
from app.status import service as status_service
from app.verify.context import build_context
from app.verify.holder import email_match
from app.verify.pipeline import Report, verify_credential
from app.verify.scoring import RubricError
from app.verify.sources import credential_at
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


class MovedLink(Exception):
    """A share token handed out before links were per award (an award's ELM rendering had
    its own): answered by ``moved_link`` with a redirect to the award's link."""

    def __init__(self, token: str, via: str) -> None:
        super().__init__(token)
        self.token = token
        self.via = via


def moved_link(request: Request, exc: MovedLink) -> Response:
    """308 (method and body kept, so the e-mail form still works) to the same place under
    the award's link; where the old link served its own rendering as a document (its JSON
    download, or JSON-LD by negotiation), to that rendering's download."""
    old = request.path_params.get("token", "")
    rest = request.url.path.split(f"/c/{old}", 1)[-1]
    if rest == "/credential.json" or (rest == "" and request.method == "GET"
                                      and _json_ld_client(request)):
        rest = f"/{exc.via}.json"
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/c/{exc.token}{rest}{query}", status_code=308,
                            headers={"Vary": "Accept"})


def _shared(session: Session, token: str) -> sharing.Shared:
    found = sharing.find(session, token)
    if found.via is not None:
        raise MovedLink(found.link.token, found.via)
    return found


def _shared_now(svc: Services, token: str) -> sharing.Shared:
    """The shared link, read in a session of its own that is closed before the page
    verifies: verification opens short sessions of its own (our DIDs, status lists, the
    registry), and a request holding one connection while it waits for another deadlocks
    the pool under load (seen at 32 concurrent share-page readers)."""
    with svc.db.session(read_only=True) as session:
        return _shared(session, token)


def _json_ld_client(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return not wants_html(request) and any(kind in accept for kind in JSON_LD_TYPES)


@router.get("/c/{token}", summary="Share link: HTML page, or the OBv3 credential for JSON-LD "
                                  "clients")
def shared(token: str, request: Request, svc: Services = Depends(services)) -> Response:
    found = _shared_now(svc, token)
    if _json_ld_client(request):
        return Response(found.primary.document, media_type="application/vc+ld+json",
                        headers={"Vary": "Accept"})
    return _share_page(request, svc, found)


@router.post("/c/{token}", summary="Share page, with the holder's e-mail checked against it")
def shared_email(token: str, request: Request, email: str = Form("", max_length=320),
                 svc: Services = Depends(services)) -> Response:
    return _share_page(request, svc, _shared_now(svc, token), email=email)


def _share_page(request: Request, svc: Services, found: sharing.Shared,
                email: str | None = None) -> Response:
    record = found.primary
    document = json.loads(record.document)
    report = verify_credential(document, build_context(svc))
    # Render only what the verification read from the signed document.
    elements = elements_of(report, document)
    t, locale = _reader(request)
    base = svc.settings.public_base_url
    link = sharing.share_url(base, found.link.token)
    with svc.db.session(read_only=True) as session:  # after verifying: one connection at a time
        changed = None if report.verified else _status_changed(session, record)
        badge, logo = _artwork(session, base, record, document)
    # A person's credential stays out of search engines unless the learner let them in; a
    # revoked or failing one stays out regardless.
    indexable = found.link.search_engines and report.verified
    response = page(request, "credential.html", report=report.to_json(),
                badge_src=images.image_url(base, badge) if badge else f"{link}/badge.svg",
                logo_src=images.image_url(base, logo) if logo else None,
                e=summary(elements, t, locale), rows=rows(elements, t, locale, document),
                link=link, linkedin=linkedin_url(elements, link, record.id),
                checked=moment(datetime.now(UTC), locale), holder=_holder(document, email),
                status_changed={"action": changed[0], "date": day(changed[1], locale),
                                "reason": changed[2]}
                if changed else None, elm="elm" in found.credentials,
                sealed_by=sealing.sealer_of(found.credentials["elm-sealed"].document)
                if "elm-sealed" in found.credentials else None, indexable=indexable,
                search_engines=found.link.search_engines,
                # the learner's own wallet copy, behind their e-mail sign-in (app/learners)
                wallet_path=f"/me/awards/{found.link.award_id}/wallet"
                if found.link.award_id else None)
    if not indexable:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def elements_of(report: Report, document: Any) -> dict[str, Any]:
    """The elements the verification read (read here only if it stopped at the format)."""
    return report.elements if report.elements is not None else read_elements(document)[1]


def _holder(document: Any, email: str | None) -> dict[str, Any] | None:
    """The e-mail check's answer for the page: the address as typed and whether it matched
    (None: the credential names no address); None when nothing was asked."""
    if not email or not email.strip():
        return None
    return {"email": email.strip(), "match": email_match(document, email)}


def _status_changed(session: Session, record: Any) -> tuple[str, str, str | None] | None:
    """("revoke" | "suspend", ISO date, the issuer's reason) of the change that revoked or
    suspended one of our credentials: from its status entry, or (a change made before entries
    kept them) the date from the audit log: a status list has no dates."""
    standing = status_service.standing_of(session, record.award_id or record.id)
    action = {"revoked": "revoke", "suspended": "suspend"}.get(standing.state)
    if action and standing.changed_at is not None:
        return action, standing.changed_at.date().isoformat(), standing.reason
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
    return (event.action.removeprefix("credential."), event.at.date().isoformat(),
            event.detail.get("reason"))


def _reader(request: Request) -> tuple[Reader, str]:
    """Who reads the page (its language) and the reader's locale for dates."""
    who = reader(request.headers.get("accept-language"), request.query_params.get("lang"))
    return who, who.locale


def download(body: bytes | str, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/c/{token}/credential.json",
            summary="The shared credential as a download (Open Badges 3.0 for an award)")
def shared_json(token: str, session: Session = DB_READ_SESSION) -> Response:
    return download(_shared(session, token).primary.document, "application/vc+ld+json",
                     "credential.json")


@router.get("/c/{token}/elm.json",
            summary="The award's European Learning Model (Europass) rendering as a download")
def shared_elm(token: str, session: Session = DB_READ_SESSION) -> Response:
    record = _shared(session, token).rendering("elm")
    return download(record.document, "application/ld+json", "credential-elm.json")


@router.get("/c/{token}/elm-sealed.json",
            summary="The award's Europass rendering sealed with the issuer's e-seal (JAdES)")
def shared_elm_sealed(token: str, session: Session = DB_READ_SESSION) -> Response:
    record = _shared(session, token).rendering("elm-sealed")
    return download(record.document, "application/jose+json", "credential-elm-sealed.json")


def _badge_source(session: Session, token: str) -> tuple[CredentialRecord, dict[str, Any]]:
    """The credential a badge image shows and carries: the OBv3 rendering (baking is an
    Open Badges convention), or the only credential of a link without an award."""
    record = _shared(session, token).primary
    return record, json.loads(record.document)


def _badge_texts(record: Any, document: dict[str, Any]) -> tuple[str, str]:
    """Title and issuer name for a badge image, read by meaning from the credential's own
    JSON: anything but text is left out (the record id stands in for a title), never a 500."""
    _, found = read_elements(document)
    title = found["title"].value if "title" in found else document.get("name")
    issuer = found["awardingBody"].value.get("name") if "awardingBody" in found else ""
    return (title if isinstance(title, str) and title else str(record.id),
            issuer if isinstance(issuer, str) else "")


def _image_refs(document: dict[str, Any]) -> tuple[Any, Any]:
    """The ``image`` of the (first) subject's achievement and of the issuer, as signed."""
    subject = document.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    issuer = document.get("issuer")
    return (achievement.get("image") if isinstance(achievement, dict) else None,
            issuer.get("image") if isinstance(issuer, dict) else None)


def _artwork(session: Session, base_url: str, record: Any,
             document: dict[str, Any]) -> tuple[ImageRecord | None, ImageRecord | None]:
    """(badge image, issuer logo) that the signed credential names, when they are images
    stored here; an award's ELM rendering, which has no place for them, shows its OBv3
    sibling's."""
    badge_ref, logo_ref = _image_refs(document)
    if badge_ref is None and logo_ref is None and record.award_id and record.profile != "ob3":
        sibling = session.scalar(select(CredentialRecord.document).where(
            CredentialRecord.award_id == record.award_id, CredentialRecord.profile == "ob3"))
        if sibling is not None:
            badge_ref, logo_ref = _image_refs(json.loads(sibling))
    return (images.from_url(session, base_url, badge_ref),
            images.from_url(session, base_url, logo_ref))


def _generated_png(record: Any, document: dict[str, Any], logo: ImageRecord | None) -> bytes:
    # An SVG logo cannot go into a PNG here (no SVG rasteriser); the SVG badge and the page
    # show it.
    return baking.badge_png(*_badge_texts(record, document),
                            logo=logo.data if logo and logo.media_type == "image/png" else None)


@router.get("/c/{token}/badge.png", summary="Badge image with the credential baked in (PNG)")
def shared_png(token: str, session: Session = DB_READ_SESSION,
               svc: Services = Depends(services)) -> Response:
    """The issuer's own PNG badge image when the credential names one, else a generated
    badge (an SVG badge image cannot be rasterised here: use badge.svg)."""
    record, _ = _badge_source(session, token)
    return download(baked_png(session, svc.settings.public_base_url, record), "image/png",
                     "badge.png")


def baked_png(session: Session, base_url: str, record: CredentialRecord) -> bytes:
    """The badge PNG with ``record`` baked in (also the learner home's download)."""
    document = json.loads(record.document)
    badge, logo = _artwork(session, base_url, record, document)
    image = badge.data if badge and badge.media_type == "image/png" \
        else _generated_png(record, document, logo)
    return baking.bake_png(image, record.document.decode("utf-8"))


@router.get("/c/{token}/badge.svg", summary="Badge with the credential baked in (SVG)")
def shared_svg(token: str, session: Session = DB_READ_SESSION,
               svc: Services = Depends(services)) -> Response:
    """The issuer's own badge image (a PNG one inside an SVG) when the credential names one,
    else a generated badge with the issuer's logo."""
    record, document = _badge_source(session, token)
    badge, logo = _artwork(session, svc.settings.public_base_url, record, document)
    title, issuer = _badge_texts(record, document)
    if badge is not None and badge.media_type == "image/svg+xml":
        svg = badge.data.decode("utf-8")
    elif badge is not None:
        svg = baking.picture_svg(badge.data, badge.width or 256, badge.height or 256, title)
    else:
        svg = baking.badge_svg(title, issuer, (logo.media_type, logo.data) if logo else None)
    return download(baking.bake_svg(svg, record.document.decode("utf-8")), "image/svg+xml",
                     "badge.svg")


@router.get("/c/{token}/image.png", summary="Badge image for link previews (inline, not baked)")
def shared_image(token: str, session: Session = DB_READ_SESSION,
                 svc: Services = Depends(services)) -> Response:
    record, document = _badge_source(session, token)
    badge, logo = _artwork(session, svc.settings.public_base_url, record, document)
    image = badge.data if badge and badge.media_type == "image/png" \
        else _generated_png(record, document, logo)
    return Response(image, media_type="image/png",
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


MANAGE_KEY = {"min_length": 8, "max_length": 100}


class SharingChange(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    enabled: bool | None = None
    search_engines: bool | None = Field(None, alias="searchEngines")
    manage_key: str = Field(..., alias="manageKey", **MANAGE_KEY)  # type: ignore[call-overload]

    @model_validator(mode="after")
    def _something_to_change(self) -> SharingChange:
        if self.enabled is None and self.search_engines is None:
            raise ValueError("give enabled and/or searchEngines")
        return self


@router.post("/c/{token}/sharing",
             summary="The learner turns their share link off or on, or lets search engines in")
def set_sharing(token: str, body: SharingChange, session: Session = DB_SESSION,
                svc: Services = Depends(services)) -> dict[str, Any]:
    link = sharing.change(session, svc.settings.key_secret.get_secret_value(), token,
                          body.manage_key, enabled=body.enabled,
                          search_engines=body.search_engines)
    return {"shareLink": sharing.share_url(svc.settings.public_base_url, link.token),
            "enabled": link.enabled, "searchEngines": link.search_engines}


@router.post("/c/{token}/search-engines",
             summary="The share page's form: the learner lets search engines in or out")
def set_search_engines(token: str, manage_key: str = Form(..., alias="manageKey", **MANAGE_KEY),
                       allow: bool = Form(...), session: Session = DB_SESSION,
                       svc: Services = Depends(services)) -> Response:
    link = sharing.change(session, svc.settings.key_secret.get_secret_value(), token,
                          manage_key, search_engines=allow)
    # Post/redirect/get: the page shows the choice now in force.
    return RedirectResponse(f"/c/{link.token}", status_code=303)


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
        found = elements_of(report, document)  # summary() and rows() make them displayable
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
    try:
        document = credential_at(svc, url)
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
