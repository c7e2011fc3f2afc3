"""The published test data vendored under tests/vectors/ and tests/schemas/: every file is
listed in its folder's manifest.json with its upstream source, licence and sha256, and each copy
is byte for byte the one listed, so the suite runs from a bare clone with no files beside it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SCHEMAS_DIR, VECTORS_DIR

FOLDERS = (VECTORS_DIR, SCHEMAS_DIR)
MANIFEST = "manifest.json"

REPOSITORY_KEYS = {"file", "repository", "commit", "path", "licence", "sha256"}
URL_KEYS = {"file", "url", "commit", "commitNote", "licence", "sha256"}
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
COMMIT = re.compile(r"^[0-9a-f]{12,40}$")  # as stated upstream: abbreviated or full
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text("utf-8"))


ENTRIES = [(folder, entry) for folder in FOLDERS for entry in _manifest(folder)["files"]]


def _id(item: tuple[Path, dict[str, Any]]) -> str:
    folder, entry = item
    return f"{folder.name}/{entry['file']}"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_manifest_sorted_and_unique(folder: Path) -> None:
    files = [e["file"] for e in _manifest(folder)["files"]]
    assert files, f"{folder / MANIFEST} lists no files"
    assert files == sorted(files)
    assert len(files) == len(set(files))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_file_in_the_folder_is_listed(folder: Path) -> None:
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    present.discard(MANIFEST)
    listed = {e["file"] for e in _manifest(folder)["files"]}
    assert present - listed == set(), "files not in the manifest"
    assert listed - present == set(), "manifest entries without a file"


@pytest.mark.parametrize("item", ENTRIES, ids=_id)
def test_entry_names_its_source_and_licence(item: tuple[Path, dict[str, Any]]) -> None:
    _, entry = item
    if "repository" in entry:
        assert set(entry) == REPOSITORY_KEYS
        assert REPOSITORY.match(entry["repository"]), entry["repository"]
        assert COMMIT.match(entry["commit"]), entry["commit"]
        assert entry["path"] and not entry["path"].startswith("/")
    else:
        # Published at a URL with no commit stated: the manifest says so instead of guessing.
        assert set(entry) == URL_KEYS
        assert entry["url"].startswith("https://")
        assert entry["commit"] is None
        assert entry["commitNote"].startswith("not stated")
    assert entry["licence"].strip()
    assert SHA256.match(entry["sha256"])


@pytest.mark.parametrize("item", ENTRIES, ids=_id)
def test_file_sha256_matches(item: tuple[Path, dict[str, Any]]) -> None:
    folder, entry = item
    path = folder / entry["file"]
    assert path.is_file(), f"missing {path}"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]


def test_open_badges_schema_matches_its_published_digest() -> None:
    # The digest stated where the schema was taken from, independent of our manifest.
    data = (SCHEMAS_DIR / "ob_v3p0_achievementcredential_schema.json").read_bytes()
    assert hashlib.sha256(data).hexdigest() == (
        "859e405b592d93c3261fe899362f4128801140d4d20c01502a066b3540483d95"
    )
