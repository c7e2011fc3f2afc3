"""Offline JSON-LD contexts: only the files listed in contexts/manifest.json are ever loaded."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

CONTEXTS_DIR = Path(__file__).resolve().parents[2] / "contexts"


class UnknownContextError(Exception):
    """A context URL that is not in the local manifest (never fetched from the network)."""

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context {url!r} is not available offline (not in"
                         " contexts/manifest.json)")
        self.url = url


@lru_cache(maxsize=1)
def manifest() -> dict[str, Path]:
    """URL → local file of every allowed context."""
    data = json.loads((CONTEXTS_DIR / "manifest.json").read_text("utf-8"))
    return {entry["url"]: CONTEXTS_DIR / entry["file"] for entry in data["contexts"]}


@cache
def context_bytes(url: str) -> bytes:
    """The exact published bytes of the context at ``url``."""
    path = manifest().get(url)
    if path is None:
        raise UnknownContextError(url)
    return path.read_bytes()


@cache
def _parsed(url: str) -> str:
    # Cached as text (immutable), parsed freshly per request so callers cannot mutate the cache.
    return context_bytes(url).decode("utf-8")


def context_document(url: str) -> dict[str, Any]:
    """The parsed context document at ``url``."""
    return json.loads(_parsed(url))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader that serves only manifest contexts (never the network)."""
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url)}
