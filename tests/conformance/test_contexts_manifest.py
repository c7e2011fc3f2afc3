"""Conformance checks for the offline JSON-LD context store in ``contexts/``."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VC_DI_EDDSA

CONTEXTS_DIR = Path(__file__).resolve().parents[2] / "contexts"
MANIFEST = CONTEXTS_DIR / "manifest.json"

VC_V2_URL = "https://www.w3.org/ns/credentials/v2"
VC_EXAMPLES_V2_URL = "https://www.w3.org/ns/credentials/examples/v2"
OB_URLS = (
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)

REQUIRED_URLS = (
    VC_V2_URL,
    VC_EXAMPLES_V2_URL,
    "https://www.w3.org/2018/credentials/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "http://data.europa.eu/snb/model/context/edc-ap",  # the ELM rendering (docs/edc-elm.md)
    *OB_URLS,
)

# Verifiable Credentials Data Model v2.0, W3C Recommendation 15 May 2025,
# Appendix B.1 "Base Context": "the following value is the hexadecimal encoded
# SHA2-256 digest value of the base context file" for
# https://www.w3.org/ns/credentials/v2.
VC_V2_SPEC_SHA256 = "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"

NPM_KEYS = {"url", "file", "sha256", "source", "path_in_package"}
PINNED_KEYS = {"url", "file", "sha256", "source", "pinned"}
NPM_SOURCE = re.compile(r"^(@[a-z0-9._-]+/)?[a-z0-9._-]+@\d+\.\d+\.\d+$")
OWN_SOURCE = re.compile(r"^mcred:contexts/[a-z0-9.-]+ \(authored in this repository\)$")
GITHUB_SOURCE = re.compile(r"^github:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{40}:\S+$")

EXAMPLES_VOCAB = "https://www.w3.org/ns/credentials/examples#"
VC_DI_EDDSA_CANON = VC_DI_EDDSA / "eddsa-rdfc-2022" / "canonDocDataInt.txt"


def _entries() -> list[dict[str, Any]]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["contexts"]


def _by_url() -> dict[str, dict[str, Any]]:
    return {e["url"]: e for e in _entries()}


def _document(url: str) -> dict[str, Any]:
    return json.loads((CONTEXTS_DIR / _by_url()[url]["file"]).read_bytes())


ENTRIES = _entries()


def test_manifest_sorted_and_unique() -> None:
    urls = [e["url"] for e in ENTRIES]
    assert urls == sorted(urls)
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["url"])
def test_entry_names_its_source(entry: dict[str, Any]) -> None:
    if "pinned" in entry:
        assert set(entry) == PINNED_KEYS
        assert entry["pinned"] is True
        # Committed files: a pinned upstream commit, or a context authored in this repository.
        assert GITHUB_SOURCE.match(entry["source"]) or OWN_SOURCE.match(entry["source"]), (
            entry["source"]
        )
    elif "serialised" in entry:
        # A context an npm package ships as a JS module, written out as JSON.
        assert set(entry) == NPM_KEYS | {"serialised"}
        assert entry["serialised"] == "JSON.stringify(module.exports, null, 2) + LF"
        assert NPM_SOURCE.match(entry["source"]), entry["source"]
    else:
        assert set(entry) == NPM_KEYS
        assert NPM_SOURCE.match(entry["source"]), entry["source"]
        assert entry["path_in_package"].startswith("package/")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["url"])
def test_file_exists_and_sha256_matches(entry: dict[str, Any]) -> None:
    path = CONTEXTS_DIR / entry["file"]
    assert path.is_file(), f"missing {path}"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["url"])
def test_file_is_json_ld_context(entry: dict[str, Any]) -> None:
    doc = json.loads((CONTEXTS_DIR / entry["file"]).read_bytes())
    assert isinstance(doc, dict)
    assert "@context" in doc


@pytest.mark.parametrize("url", REQUIRED_URLS)
def test_required_url_covered(url: str) -> None:
    assert url in _by_url()


def test_vc_v2_matches_spec_digest() -> None:
    entry = _by_url()[VC_V2_URL]
    data = (CONTEXTS_DIR / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == VC_V2_SPEC_SHA256


def test_examples_v2_maps_vector_terms_to_examples_vocab() -> None:
    # The canonical N-Quads of the vc-di-eddsa vector use these IRIs; with the
    # examples/v2 context they come from its @vocab.
    vocab = _document(VC_EXAMPLES_V2_URL)["@context"]["@vocab"]
    assert vocab == EXAMPLES_VOCAB
    canon = VC_DI_EDDSA_CANON.read_text("utf-8")
    for term in ("alumniOf", "AlumniCredential"):
        assert f"<{vocab}{term}>" in canon


@pytest.mark.parametrize("url", OB_URLS)
def test_open_badges_context_defines_core_terms(url: str) -> None:
    ctx = _document(url)["@context"]
    for term in ("OpenBadgeCredential", "AchievementSubject", "Achievement", "Profile"):
        assert ctx[term]["@id"].startswith("https://purl.imsglobal.org/spec/vc/ob/vocab.html#")
    assert ctx["AchievementCredential"] == {"@id": "OpenBadgeCredential"}
