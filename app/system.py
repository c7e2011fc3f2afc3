"""HTTP: service health, and the JSON-LD contexts mcred authors (served byte-exact)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.deps import Services, services
from app.errors import PROBLEM_JSON, ProblemError
from app.issuers.models import SigningKeyRecord
from app.proofs.contexts import context_bytes

# Our contexts' canonical URLs (w3id.org redirects there) and the paths we serve them at.
OWN_CONTEXTS = {"/contexts/mcred/v1": "https://w3id.org/mcred/v1",
                "/contexts/mcred/elm/v1": "https://w3id.org/mcred/elm/v1"}

router = APIRouter(tags=["system"])
log = logging.getLogger("mcred")


@router.get("/health", summary="Database reachable and signing keys readable")
def health(svc: Services = Depends(services)) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with svc.db.session() as session:
            key_files = list(session.scalars(
                select(SigningKeyRecord.key_file).where(SigningKeyRecord.retired_at.is_(None))))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        log.warning("health: database unreachable: %s", type(exc).__name__)
        checks["database"] = "unreachable"
        key_files = []
    unreadable = [f for f in key_files if not svc.keystore.readable(f)]
    checks["keys"] = "ok" if not unreadable else f"{len(unreadable)} key file(s) unreadable"
    if all(v == "ok" for v in checks.values()):
        return JSONResponse({"status": "ok", "checks": checks})
    problem = ProblemError(503, "unhealthy", "Service unhealthy",
                           "; ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok"),
                           checks=checks)
    return JSONResponse(problem.body("/health"), status_code=503, media_type=PROBLEM_JSON)


def _context_route(path: str, url: str) -> None:
    @router.get(path, summary=f"JSON-LD context {url}", response_class=Response)
    def serve() -> Response:
        return Response(context_bytes(url), media_type="application/ld+json",
                        headers={"Cache-Control": "public, max-age=86400",
                                 "Access-Control-Allow-Origin": "*"})


for _path, _url in OWN_CONTEXTS.items():
    _context_route(_path, _url)
