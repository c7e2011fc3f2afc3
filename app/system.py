"""HTTP: service health, the JSON-LD contexts mcred authors (served byte-exact), and the API
documentation pages."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.deps import Services, services
from app.errors import DATABASE_RETRY_AFTER, PROBLEM_JSON, ProblemError
from app.issuers.models import SigningKeyRecord
from app.limits import inline_scripts, script_hashes
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
    # A database outage usually passes; unreadable key files need the operator.
    retry = {"Retry-After": DATABASE_RETRY_AFTER} if checks["database"] != "ok" else None
    return JSONResponse(problem.body("/health"), status_code=503, media_type=PROBLEM_JSON,
                        headers=retry)


# The documentation page loads Swagger UI from our own static files (vendored from npm, see
# app/web/static/swagger-ui/manifest.json) so it works offline; its policy allows only us and
# its own inline script by hash. ReDoc is not offered: its bundle would be another megabyte
# to vendor and it needs inline styles.
SWAGGER = "/static/swagger-ui"


def _docs_page(page: HTMLResponse) -> HTMLResponse:
    html = bytes(page.body).decode("utf-8")
    directives = {
        "default-src": ["'none'"], "script-src": ["'self'", *script_hashes(inline_scripts(html))],
        "style-src": ["'self'"], "img-src": ["'self'", "data:"],
        "font-src": ["'none'"], "connect-src": ["'self'"], "worker-src": ["blob:"],
        "base-uri": ["'none'"], "form-action": ["'none'"], "frame-ancestors": ["'none'"]}
    policy = "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return _docs_page(get_swagger_ui_html(
        openapi_url=root + request.app.openapi_url, title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{root}/static/favicon.svg"))


def _context_route(path: str, url: str) -> None:
    @router.get(path, summary=f"JSON-LD context {url}", response_class=Response)
    def serve() -> Response:
        return Response(context_bytes(url), media_type="application/ld+json",
                        headers={"Cache-Control": "public, max-age=86400",
                                 "Access-Control-Allow-Origin": "*"})


for _path, _url in OWN_CONTEXTS.items():
    _context_route(_path, _url)
