"""Where a credential to verify comes from: a link (ours, read without a request to
ourselves, or anyone's, fetched through the guarded outbound client)."""

from __future__ import annotations

from typing import Any

from app.credentials import sharing
from app.deps import Services
from app.limits import loads_json
from app.outbound import fetch, outbound_policy

ACCEPT = "application/vc, application/ld+json, application/json"


def own_share_link(base_url: str, url: str) -> tuple[str, str] | None:
    """(token, download) of one of this service's share links: the page ("") or one of its
    JSON downloads, so that verifying it needs no outbound fetch; None for any other
    address."""
    prefix = f"{base_url.rstrip('/')}/c/"
    if not url.startswith(prefix):
        return None
    token, _, download = url[len(prefix):].split("?", 1)[0].split("#", 1)[0].partition("/")
    download = download.rstrip("/")
    if not token or download not in ("", "credential.json", "elm.json", "elm-sealed.json"):
        return None
    return token, download


def credential_at(svc: Services, url: str) -> Any:
    """The JSON document at ``url``. No database connection is held while fetching (a slow
    host must not drain the pool). Raises OutboundError (refused or failed fetch),
    ValueError (not JSON) or ProblemError 404 (one of our links that shares nothing)."""
    own = own_share_link(svc.settings.public_base_url, url)
    if own is not None:  # our own share link: read it here, no request to ourselves
        token, download = own
        with svc.db.session(read_only=True) as session:
            found = sharing.find(session, token)
            # What a client fetching the address would get (an old ELM link: ELM).
            profile = {"elm.json": "elm", "elm-sealed.json": "elm-sealed"}.get(
                download, found.via)
            body = (found.rendering(profile) if profile else found.primary).document
    else:
        body, _ = fetch(url, outbound_policy(svc.settings), accept=ACCEPT)
    return loads_json(body)
