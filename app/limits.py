"""ASGI middleware at the edge of every request: the body-size and JSON-depth guard, the security
headers, and the access log (which names routes, never paths)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ProblemError, negotiated, route_template

MAX_JSON_DEPTH = 64


class JsonDepth:
    """Streaming nesting-depth counter for JSON bodies (strings and escapes understood), so a
    deeply nested document is refused before the parser recurses into it."""

    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        self.limit, self.depth, self.in_string, self.escaped = limit, 0, False, False

    def feed(self, chunk: bytes) -> bool:
        """False once the depth limit is exceeded."""
        for byte in chunk:
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif byte == 0x5C:  # backslash
                    self.escaped = True
                elif byte == 0x22:
                    self.in_string = False
            elif byte == 0x22:
                self.in_string = True
            elif byte in (0x5B, 0x7B):  # [ {
                self.depth += 1
                if self.depth > self.limit:
                    return False
            elif byte in (0x5D, 0x7D):
                self.depth -= 1
        return True


def loads_json(data: bytes | str, limit: int = MAX_JSON_DEPTH, **options: Any) -> Any:
    """``json.loads`` for untrusted text (fetched, uploaded, pasted): ValueError, not a
    RecursionError deep in the parser, when it nests deeper than ``limit``."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    # Most documents have fewer brackets than the limit in total: no need to scan them.
    if raw.count(b"[") + raw.count(b"{") > limit and not JsonDepth(limit).feed(raw):
        raise ValueError(f"JSON nests deeper than {limit} levels")
    return json.loads(raw, **options)


class BodySizeLimit:
    """413 problem+json when Content-Length, or the bytes actually streamed, exceed the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int,
                 larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_max = max_bytes
        # path → its own limit (file uploads); a "*" segment matches any one segment
        # ("/console/*/cohorts/new": the issuer's slug).
        self.larger = larger or {}
        self._patterns = [(key.split("/"), value) for key, value in self.larger.items()
                          if "*" in key]

    def _limit(self, path: str) -> int:
        if path in self.larger:
            return self.larger[path]
        parts = path.split("/")
        for pattern, value in self._patterns:
            if len(pattern) == len(parts) and all(
                    p == "*" or p == q for p, q in zip(pattern, parts, strict=True)):
                return value
        return self.default_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if "\x00" in path:
            # No address of ours holds a NUL, and PostgreSQL refuses one in a query: every
            # route would otherwise have to check its path parameters for it.
            await self._send(scope, receive, send,
                             ProblemError(404, "not-found", "Not found", "no such address"))
            return
        limit = self._limit(path)
        raw_headers = scope.get("headers") or []
        names = [name.lower() for name, _ in raw_headers]
        if names.count(b"content-type") > 1 or names.count(b"content-length") > 1:
            # The framework reads the first, a proxy or this guard might read the last: one
            # request must not be two different things to different layers.
            problem = ProblemError(400, "ambiguous-headers", "Ambiguous request headers",
                                   "send Content-Type and Content-Length at most once each")
            await self._send(scope, receive, send, problem)
            return
        headers = dict(raw_headers)
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(scope, receive, send, limit)
                return

        received = 0
        response_started = False
        content_type = headers.get(b"content-type", b"").lower()
        # FastAPI parses a body without Content-Type as JSON too.
        depth = JsonDepth() if not content_type or b"json" in content_type else None

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                received += len(body)
                if received > limit:
                    raise _TooLarge
                if depth is not None and not depth.feed(body):
                    raise _TooDeep
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await self._refuse(scope, receive, send, limit)
        except _TooDeep:
            if not response_started:
                problem = ProblemError(400, "json-too-deep", "JSON nested too deeply",
                                       f"JSON may nest at most {MAX_JSON_DEPTH} levels")
                await self._send(scope, receive, send, problem)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        problem = ProblemError(413, "payload-too-large", "Request body too large",
                               f"the limit is {limit} bytes")
        await self._send(scope, receive, send, problem)

    @staticmethod
    async def _send(scope: Scope, receive: Receive, send: Send, problem: ProblemError) -> None:
        # Negotiated like every other error: a browser's oversized upload gets the error page.
        await negotiated(Request(scope, receive), problem)(scope, receive, send)


class _TooLarge(BaseException):
    """Raised inside receive() to abort a request whose body is too large."""


class _TooDeep(BaseException):
    """Raised inside receive() to abort a JSON body nested too deeply."""


# What a response other than an HTML page may do when a browser opens it (an SVG badge, JSON):
# nothing. No scripts, styles from elsewhere, plug-ins or framing; a unique origin (sandbox).
NOTHING_RUNS = "default-src 'none'; frame-ancestors 'none'; sandbox"


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


def inline_scripts(html: str) -> list[str]:
    """The contents of the inline ``<script>`` elements of an HTML text (not ``src=`` ones)."""
    return _INLINE_SCRIPT.findall(html)


def script_hashes(scripts: Iterable[str]) -> list[str]:
    """CSP source expressions ('sha256-…') allowing exactly these inline scripts."""
    return sorted({"'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest())
                   .decode("ascii") + "'" for s in scripts})


class SecurityHeaders:
    """Security headers on every response: a Content-Security-Policy (``page_policy`` for HTML,
    ``NOTHING_RUNS`` for anything else, unless the route set its own), nosniff, no framing,
    no Referer (share links carry their token in the path); HSTS when served over https;
    ``no-store`` on the signed-in pages (the staff console, the learner home), which must not
    stay in any cache."""

    def __init__(self, app: ASGIApp, page_policy: str, other_policy: str = NOTHING_RUNS,
                 https: bool = False,
                 private_prefix: tuple[str, ...] = ("/console", "/me")) -> None:
        self.app = app
        self.page_policy = page_policy
        self.other_policy = other_policy
        self.https = https
        self.private_prefix = private_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path = scope.get("path", "")
        private = any(path == prefix or path.startswith(prefix + "/")
                      for prefix in self.private_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("Content-Security-Policy",
                                   self.page_policy if html else self.other_policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                # The signed-in pages' forms need their Origin: under "no-referrer" Chromium sends
                # `Origin: null` with a form post, which the CSRF check must refuse. Its
                # pages send a Referer to mcred itself only.
                headers.setdefault("Referrer-Policy", "same-origin" if private else "no-referrer")
                if self.https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


access_log = logging.getLogger("mcred.access")


class AccessLog:
    """One line per request on the ``mcred.access`` logger: method, route template (never the
    path or query: share tokens and credential ids stay out of logs), status, duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the response never starts

        async def capture_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture_status)
        finally:
            access_log.info("%s %s %d %.1f ms", scope.get("method", "-"), route_template(scope),
                            status, (time.perf_counter() - started) * 1000)
