"""HTTP: achievements, issuing (VC-API and award shapes), stored credentials."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.credentials import service, sharing, vcapi
from app.credentials.models import ShareLink
from app.deps import (
    DB_READ_SESSION,
    DB_SESSION,
    Services,
    optional_issuer_key_read,
    require_issuer_key,
    require_issuer_key_read,
    services,
)
from app.elements.model import AwardRequest, element_errors
from app.errors import not_found
from app.images import service as images
from app.issuers.models import Issuer
from app.issuers.service import issuer_did

router = APIRouter(tags=["credentials"])
VC_MEDIA_TYPE = "application/vc"


def issuing(svc: Services) -> service.Issuing:
    return service.Issuing(keystore=svc.keystore, base_url=svc.settings.public_base_url,
                           elm_status=svc.settings.elm_credential_status)


@router.post("/achievements", status_code=201, summary="Define a micro-credential (EU elements)")
def create_achievement(body: dict[str, Any] = Body(...),
                       issuer: Issuer = Depends(require_issuer_key),
                       session: Session = DB_SESSION,
                       svc: Services = Depends(services)) -> dict[str, Any]:
    spec = service.validate_spec(body)
    record = service.create_achievement(session, issuer, spec, f"issuer:{issuer.slug}")
    return {"id": record.id, "url": service.achievement_url(svc.settings.public_base_url,
                                                            record.id),
            "issuer": issuer_did(svc.settings.public_base_url, issuer.slug), "spec": record.spec}


@router.get("/achievements", summary="The issuer's micro-credentials (current versions)")
def list_achievements(q: str = Query("", max_length=200, description="text in the title"),
                      state: str = Query("", pattern="^(|active|retired)$"),
                      page: int = Query(1, ge=1, le=100_000),
                      issuer: Issuer = Depends(require_issuer_key_read),
                      session: Session = DB_READ_SESSION,
                      svc: Services = Depends(services)) -> dict[str, Any]:
    """The current version of each definition of the key's issuer, newest first, 20 a page;
    the same list as the console's."""
    found = service.list_achievements(session, issuer, q, state, page)
    base = svc.settings.public_base_url
    return {"total": found.total, "page": found.page, "pages": found.pages,
            "achievements": [{"id": row.record.id,
                              "url": service.achievement_url(base, row.record.id),
                              "title": row.record.title, "version": row.record.version,
                              "status": row.state, "awards": row.awards}
                             for row in found.rows]}


@router.get("/achievements/{achievement_id}", summary="A micro-credential definition")
def get_achievement(achievement_id: str, session: Session = DB_READ_SESSION,
                    svc: Services = Depends(services)) -> dict[str, Any]:
    record = service.get_achievement(session, None, achievement_id)
    base = svc.settings.public_base_url
    image = images.current(session, record.issuer_id, record.id)
    current = service.latest_version(session, record)
    return {"id": record.id, "url": service.achievement_url(base, record.id),
            "spec": record.spec, "image": images.image_url(base, image) if image else None,
            "version": record.version, "status": service.achievement_state(record),
            "familyId": record.family_id, "supersedes": record.supersedes_id,
            "supersededBy": record.superseded_by_id, "currentVersion": current.id,
            "retiredAt": record.retired_at.isoformat() if record.retired_at else None}


@router.post("/credentials/issue", status_code=201,
             summary="Issue: VC-API {credential, options} or an award {achievementId, learner…}")
def issue(body: dict[str, Any] = Body(...), issuer: Issuer = Depends(require_issuer_key),
          session: Session = DB_SESSION,
          svc: Services = Depends(services)) -> JSONResponse:
    actor = f"issuer:{issuer.slug}"
    if "credential" in body:
        unknown = set(body) - {"credential", "options"}
        if unknown:
            return _bad_request(f"unknown member(s) {sorted(unknown)}")
        options = body.get("options")
        if options is not None and not isinstance(options, dict):
            return _bad_request("options must be an object")
        record, signed = vcapi.issue(session, issuing(svc), issuer, body["credential"],
                                     options, actor)
        # The learner's link and the key to turn it off, as for awards: a VC-API credential is
        # public only through this link (its id may be guessable), or to its issuer by id.
        link = sharing.link_of(session, record)
        return JSONResponse({"verifiableCredential": signed,
                             "shareLink": _link_answer(svc, link)}, status_code=201)
    try:
        request = AwardRequest.model_validate(body)
    except ValidationError as exc:
        raise service.incomplete(element_errors(exc.errors())) from None
    award, created = service.award(session, issuing(svc), issuer, request, actor)
    records = service.award_credentials(session, award.id)
    parsed = {profile: json.loads(record.document) for profile, record in records.items()}
    link = _link_answer(svc, sharing.award_link(session, award.id))
    # One link per award. `shareLinks` (one link per rendering before migration 0010) names
    # that same link under both keys for clients written against it; deprecated.
    return JSONResponse({"awardId": award.id, "created": created, "credentials": parsed,
                         "shareLink": link,
                         "shareLinks": {profile: link for profile in records} if link else {},
                         "verifiableCredential": parsed["ob3"]},
                        status_code=201 if created else 200)


def _link_answer(svc: Services, link: ShareLink | None) -> dict[str, str] | None:
    if link is None:
        return None
    return sharing.answer(svc.settings.public_base_url,
                          svc.settings.key_secret.get_secret_value(), link)


def _bad_request(detail: str) -> JSONResponse:
    from app.errors import ProblemError, problem_response

    return problem_response(ProblemError(400, "bad-request", "Bad request", detail))


@router.get("/credentials/{credential_id}", summary="A stored credential, exactly as signed")
def get_credential(credential_id: str, session: Session = DB_READ_SESSION,
                   issuer: Issuer | None = Depends(optional_issuer_key_read)) -> Response:
    """An award's credential (an id mcred minted, not guessable) is public while the learner
    shares it; a VC-API credential, whose id the caller chose and may be guessable
    (urn:example:student:1001), only through its share link. The issuing institution (its
    API key) always gets its own credentials."""
    record = service.get_credential(session, credential_id)
    own = issuer is not None and issuer.id == record.issuer_id
    link = sharing.link_of(session, record) if record.award_id is not None else None
    public = link is not None and link.enabled
    if not (own or public):
        # The same answer as for no such credential: no oracle for which ids exist.
        raise not_found(f"credential '{credential_id}'")
    return Response(record.document, media_type=VC_MEDIA_TYPE)
