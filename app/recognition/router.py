"""HTTP: an issuer's recognition targets (its API key; another issuer's targets are 404)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy.orm import Session

from app.deps import (
    DB_READ_SESSION,
    DB_SESSION,
    Services,
    require_issuer_key,
    require_issuer_key_brief,
    require_issuer_key_read,
    services,
)
from app.issuers.models import Issuer
from app.recognition import cases, targets
from app.recognition.schemas import validate_case, validate_decision, validate_target

router = APIRouter(prefix="/recognition/targets", tags=["recognition"])


@router.post("", status_code=201, summary="Define a course or programme to recognise against")
def create(body: dict[str, Any] = Body(...), issuer: Issuer = Depends(require_issuer_key),
           session: Session = DB_SESSION) -> dict[str, Any]:
    spec = validate_target(body)
    return targets.to_json(targets.create_target(session, issuer, spec, f"issuer:{issuer.slug}"))


@router.get("", summary="The issuer's targets, by code")
def list_(status: Literal["active", "retired"] | None = Query(None),
          kind: Literal["course", "programme"] | None = Query(None),
          issuer: Issuer = Depends(require_issuer_key_read),
          session: Session = DB_READ_SESSION) -> dict[str, Any]:
    found = targets.list_targets(session, issuer, status=status, kind=kind)
    return {"targets": [targets.to_json(t) for t in found], "total": len(found)}


@router.post("/import", status_code=201,
             summary="Import targets (application/json list or text/csv); all or nothing")
async def import_(request: Request, issuer: Issuer = Depends(require_issuer_key),
                  session: Session = DB_SESSION) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = {"application/json": "json", "text/csv": "csv"}.get(media_type, "")
    created = targets.import_targets(session, issuer, await request.body(), kind,
                                     f"issuer:{issuer.slug}")
    return {"imported": len(created), "targets": [targets.to_json(t) for t in created]}


@router.get("/{target_id}", summary="One target (retired ones too)")
def get(target_id: str, issuer: Issuer = Depends(require_issuer_key_read),
        session: Session = DB_READ_SESSION) -> dict[str, Any]:
    return targets.to_json(targets.get_target(session, issuer, target_id))


@router.put("/{target_id}", summary="Replace a target's fields (version + 1)")
def put(target_id: str, body: dict[str, Any] = Body(...),
        issuer: Issuer = Depends(require_issuer_key),
        session: Session = DB_SESSION) -> dict[str, Any]:
    spec = validate_target(body)
    return targets.to_json(targets.update_target(session, issuer, target_id, spec,
                                                 f"issuer:{issuer.slug}"))


@router.delete("/{target_id}", summary="Retire a target (it stays readable)")
def retire(target_id: str, issuer: Issuer = Depends(require_issuer_key),
           session: Session = DB_SESSION) -> dict[str, Any]:
    return targets.to_json(targets.retire_target(session, issuer, target_id,
                                                 f"issuer:{issuer.slug}"))


cases_router = APIRouter(prefix="/recognition/cases", tags=["recognition"])


@cases_router.post("", status_code=201,
                   summary="Weigh credentials (documents or links) against a target")
def open_case(body: dict[str, Any] = Body(...),
              issuer: Issuer = Depends(require_issuer_key_brief),
              svc: Services = Depends(services)) -> dict[str, Any]:
    # No request-long session: the credentials are fetched and verified first.
    spec = validate_case(body)
    return cases.to_json(cases.open_case(svc, issuer.id, spec, f"issuer:{issuer.slug}"))


@cases_router.get("", summary="The institution's cases, newest first")
def list_cases(target: str | None = Query(None, max_length=32),
               undecided: bool = Query(False),
               issuer: Issuer = Depends(require_issuer_key_read),
               session: Session = DB_READ_SESSION) -> dict[str, Any]:
    found = cases.list_cases(session, issuer, target_id=target, undecided=undecided)
    return {"cases": [cases.to_json(c) for c in found], "total": len(found)}


@cases_router.get("/{case_id}", summary="One case: criteria, coverage, recommendation, decision")
def get_case(case_id: str, issuer: Issuer = Depends(require_issuer_key_read),
             session: Session = DB_READ_SESSION) -> dict[str, Any]:
    return cases.to_json(cases.get_case(session, issuer, case_id))


@cases_router.post("/{case_id}/decision", summary="Record the officer's decision")
def decide(case_id: str, body: dict[str, Any] = Body(...),
           issuer: Issuer = Depends(require_issuer_key),
           session: Session = DB_SESSION) -> dict[str, Any]:
    spec = validate_decision(body)
    return cases.to_json(cases.record_decision(session, issuer, case_id, spec,
                                               f"issuer:{issuer.slug}"))
