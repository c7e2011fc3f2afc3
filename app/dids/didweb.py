"""did:web identifiers derived from PUBLIC_BASE_URL, and the URL each one resolves at."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

_SEGMENT = re.compile(r"^[A-Za-z0-9._~%-]+$")


def did_web_for(base_url: str, *path: str) -> str:
    """The did:web for a path under ``base_url``.

    ``https://host:8000/pre`` + (``issuers``, ``x``) → ``did:web:host%3A8000:pre:issuers:x``.
    """
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise ValueError(f"base URL without a host: {base_url}")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    segments = [s for s in parts.path.split("/") if s] + list(path)
    for segment in segments:
        if not _SEGMENT.match(segment):
            raise ValueError(f"path segment {segment!r} cannot appear in a did:web")
    return ":".join(["did:web", quote(host, safe=""), *segments])


def did_web_url(did: str, scheme: str = "https") -> str:
    """The DID document URL for a did:web (``/.well-known/did.json`` when there is no path)."""
    if not did.startswith("did:web:"):
        raise ValueError(f"not a did:web: {did}")
    body = did.removeprefix("did:web:").split("#", 1)[0]
    host, *segments = body.split(":")
    host = unquote(host)
    if not host or "/" in host or "@" in host:
        raise ValueError(f"did:web with an invalid host: {did}")
    path = "/".join(unquote(s) for s in segments)
    return f"{scheme}://{host}/{path}/did.json" if path else f"{scheme}://{host}/.well-known/did.json"
