"""The real-world credential corpus (tests/data/realworld) and what its signed credentials
reference, served locally from PROVENANCE.json: did:web DID documents, https controller
documents and status list credentials. Nothing here touches the network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.dids.resolver import DidResolver
from app.registry.service import Lookup
from app.status.check import StatusCheckError
from app.verify.pipeline import VerifyContext
from app.verify.scoring import load_rubric

FOLDER = Path(__file__).resolve().parent / "data" / "realworld"
PROVENANCE = json.loads((FOLDER / "PROVENANCE.json").read_text())


def load(name: str) -> dict[str, Any]:
    """A corpus file (path relative to tests/data/realworld), parsed afresh."""
    return json.loads((FOLDER / name).read_text())


def _table(section: str) -> dict[str, dict[str, Any]]:
    return {key: load(file) for key, file in PROVENANCE[section].items()}


def resolver() -> DidResolver:
    """A resolver answering the corpus's did:web DIDs and https controller URLs from support/
    (did:key needs nothing)."""
    dids, controllers = _table("dids"), _table("controllers")
    return DidResolver(local=dids.get, controllers=controllers.get)


def fetch_status_list(url: str) -> dict[str, Any]:
    """The status list credential the corpus names at ``url``, from support/."""
    file = PROVENANCE["statusLists"].get(url)
    if file is None:
        raise StatusCheckError(f"status list {url} is not in the local corpus")
    return load(file)


def fetch_status_resource(url: str) -> dict[str, Any]:
    """The corpus has no status resources (URI credentialStatus): none is fetched."""
    raise StatusCheckError(f"status resource {url} is not in the local corpus")


def context() -> VerifyContext:
    """A verification context over the local corpus: no registry entries, default rubric,
    nothing fetched from the network."""
    return VerifyContext(resolver=resolver(), fetch_status_list=fetch_status_list,
                         registry=lambda did, on: Lookup(None, False, []),
                         rubric=load_rubric("default"),
                         fetch_status_resource=fetch_status_resource)


def signed_files() -> list[str]:
    """Every corpus credential that carries a Data Integrity / Linked Data `proof`."""
    names = [entry["file"] for entry in PROVENANCE["files"]]
    return [n for n in names if isinstance(load(n), dict) and "proof" in load(n)]


__all__ = ["FOLDER", "PROVENANCE", "context", "fetch_status_list", "load", "resolver",
           "signed_files"]
