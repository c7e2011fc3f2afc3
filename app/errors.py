"""RFC 9457 problem+json: one exception type, stable ``type`` URIs, and the FastAPI handlers.

Every error is content-negotiated in one place (``negotiated``): problem+json for API clients,
the site's HTML error page for browsers; both carry the same problem ``type``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_JSON = "application/problem+json"
# Stable, deployment-independent problem types; docs/errors.md lists them all.
PROBLEM_BASE = "urn:mcred:problem:"
# Seconds a client should wait before retrying while the database is unavailable.
DATABASE_RETRY_AFTER = "10"
# The database cannot be reached or used right now (network, server down, locked file):
# the request may succeed later, so 503, not 500.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError,
                        sa_exc.DisconnectionError, sa_exc.TimeoutError)

log = logging.getLogger("mcred")

ProblemPage = Callable[[Request, "ProblemError"], Response]


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
    """The problem as problem+json, whoever asked (for API-only endpoints)."""
    return JSONResponse(problem.body(instance), status_code=problem.status,
                        media_type=PROBLEM_JSON, headers=problem.headers)


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"{what} does not exist")


_HTML_TYPES = ("text/html", "application/xhtml+xml")


def accept_ranks(accept: str | None, kind_of: Callable[[str], str | None],
                 limit: int = 20) -> dict[str, tuple[float, int]]:
    """The best (quality, -position) the Accept header gives each kind of media type that
    ``kind_of`` names (None: not counted); at most ``limit`` entries are read."""
    best: dict[str, tuple[float, int]] = {}
    for position, part in enumerate((accept or "").split(",")[:limit]):
        media, _, params = part.partition(";")
        kind = kind_of(media.strip().lower())
        if kind is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        rank = (quality, -position)
        best[kind] = max(best.get(kind, rank), rank)
    return best


def _html_or_json(media: str) -> str | None:
    if media in _HTML_TYPES:
        return "html"
    return "json" if media.endswith("json") or media.startswith("application/vc") else None


def prefers_html(accept: str | None) -> bool:
    """True when the Accept header ranks an HTML type above every JSON type (a browser).
    API clients (JSON or problem+json, ``*/*`` alone, no Accept) get False; on a tie the type
    listed first wins; ``q=0`` refuses a type."""
    best = accept_ranks(accept, _html_or_json)
    html = best.get("html")
    if html is None or html[0] <= 0:
        return False
    json = best.get("json")
    return json is None or html > json


def route_template(scope: Scope) -> str:
    """The route a request matched, as its template (``/c/{token}``): safe to log, unlike the
    path, which may carry share tokens or credential ids."""
    route = scope.get("route")
    if getattr(route, "path", None):
        return route.path  # type: ignore[union-attr]
    # Not routed (yet), or a mount (static files): match again, against the original root.
    probe = {"type": "http", "path": scope.get("path", ""), "method": scope.get("method", "GET"),
             "root_path": scope.get("app_root_path", scope.get("root_path", ""))}
    for candidate in getattr(scope.get("app"), "routes", ()):
        match, _ = candidate.matches(probe)
        if match is Match.FULL:
            return f"{candidate.path}/{{path}}" if isinstance(candidate, Mount) else candidate.path
    return "-"  # no route: the path itself is not logged


# Protocol endpoints that wallets call, never people: their errors stay JSON whatever Accept
# says (their own protocol errors are OAuth bodies, app/wallets/oid4vci/errors.py).
JSON_ONLY_PREFIXES = ("/oid4vci/", "/.well-known/openid-credential-issuer",
                      "/.well-known/oauth-authorization-server")


def negotiated(request: Request, problem: ProblemError) -> Response:
    """The problem for this client: the HTML error page for a browser, problem+json otherwise."""
    page: ProblemPage | None = getattr(request.app.state, "problem_page", None)
    if page is not None and not request.url.path.startswith(JSON_ONLY_PREFIXES) \
            and prefers_html(request.headers.get("accept")):
        response = page(request, problem)
    else:
        response = problem_response(problem, request.url.path)
    vary = response.headers.get("vary")
    if not vary or "accept" not in [v.strip().lower() for v in vary.split(",")]:
        response.headers["Vary"] = f"{vary}, Accept" if vary else "Accept"
    return response


_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def http_problem(status: int, detail: str | None = None,
                 headers: dict[str, str] | None = None) -> ProblemError:
    """A problem for a bare HTTP status (the slug the status maps to)."""
    slug, title = _HTTP_SLUGS.get(status, ("http-error", "HTTP error"))
    return ProblemError(status, slug, title, detail, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        if err.get("type") == "json_invalid":
            loc = []  # pydantic puts the byte offset here, not a field name
        fields.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid"),
                       "code": err.get("type", "invalid")})
    return fields


def is_database_unavailable(exc: BaseException) -> bool:
    """A failure to reach or use the database, as opposed to a fault in a query."""
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated


def _short(exc: BaseException) -> str:
    """Driver error class and the first line of its message: never the SQL or parameters that
    SQLAlchemy appends to its own message."""
    cause = getattr(exc, "orig", None) or exc
    message = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    message = message.split(" (Background on this error at:")[0]
    return f"{type(cause).__name__}: {message[:200]}"


def database_unavailable(request: Request, exc: BaseException) -> Response:
    """503 with Retry-After; one log line (no traceback, no SQL, no parameters)."""
    log.warning("database unavailable on %s %s: %s", request.method,
                route_template(request.scope), _short(exc))
    return negotiated(request, ProblemError(
        503, "database-unavailable", "Database unavailable",
        "the service cannot reach its database right now; try again shortly",
        headers={"Retry-After": DATABASE_RETRY_AFTER}))


def unexpected(request: Request, exc: BaseException) -> Response:
    """500 for a fault of ours (logged with its traceback), 503 for a database outage."""
    if is_database_unavailable(exc):
        return database_unavailable(request, exc)
    log.error("unhandled error on %s %s", request.method, route_template(request.scope),
              exc_info=exc)
    return negotiated(request, ProblemError(500, "internal-error", "Internal server error",
                                            "the error was logged"))


class ErrorBoundary:
    """ASGI middleware answering any exception a handler lets through (500, or 503 for a
    database outage) inside the middleware stack, so the answer still gets the security
    headers and the access-log line, and the server does not log a second traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # too late for an error response; let the server close it
                raise
            response = unexpected(Request(scope, receive), exc)
            await response(scope, receive, send)


def install_handlers(app: FastAPI, page: ProblemPage | None = None) -> None:
    """Make every error path answer problem+json (or ``page``, the HTML error page, for
    browsers); never leak a stack trace."""
    app.state.problem_page = page

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return negotiated(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = _field_errors(exc)
        if any(e["code"] == "json_invalid" for e in errors):
            problem = ProblemError(400, "malformed-json", "Malformed JSON",
                                   "the request body is not valid JSON", errors=errors)
        else:
            problem = ProblemError(422, "validation-error", "Invalid request",
                                   f"{len(errors)} field(s) failed validation", errors=errors)
        return negotiated(request, problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return negotiated(request, http_problem(exc.status_code, detail, exc.headers))

    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _database)

    # Last resort for a fault outside the middleware stack (ErrorBoundary catches the rest).
    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return unexpected(request, exc)

    app.add_middleware(ErrorBoundary)


async def _database(request: Request, exc: Exception) -> Response:
    return database_unavailable(request, exc)
