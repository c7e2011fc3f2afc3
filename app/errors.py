"""RFC 9457 problem+json: one exception type, stable ``type`` URIs, and the FastAPI handlers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
# Stable, deployment-independent problem types; docs/errors.md lists them all.
PROBLEM_BASE = "urn:mcred:problem:"

log = logging.getLogger("mcred")


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


class ProblemError(Exception):
    """An error meant for the client; rendered as problem+json by the handler."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": problem_type(self.slug), "title": self.title,
                                "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def problem_response(problem: ProblemError, instance: str | None = None) -> JSONResponse:
    return JSONResponse(problem.body(instance), status_code=problem.status,
                        media_type=PROBLEM_JSON, headers=problem.headers)


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"{what} does not exist")


_HTTP_SLUGS = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        if err.get("type") == "json_invalid":
            loc = []  # pydantic puts the byte offset here, not a field name
        fields.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid"),
                       "code": err.get("type", "invalid")})
    return fields


def install_handlers(app: FastAPI) -> None:
    """Make every error path answer problem+json; never leak a stack trace."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        if any(e["code"] == "json_invalid" for e in errors):
            problem = ProblemError(400, "malformed-json", "Malformed JSON",
                                   "the request body is not valid JSON", errors=errors)
        else:
            problem = ProblemError(422, "validation-error", "Invalid request",
                                   f"{len(errors)} field(s) failed validation", errors=errors)
        return problem_response(problem, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(ProblemError(exc.status_code, slug, title, detail,
                                             headers=exc.headers), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(ProblemError(500, "internal-error", "Internal server error",
                                             "the error was logged"), request.url.path)
