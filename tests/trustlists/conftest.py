"""Fixtures: a test PKI, its lists signed and written to files, settings pinning the test
LOTL operator and naming those files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.config import Settings
from tests.conftest import make_settings
from tests.trustlists.pki import NOW, Pki, lotl_xml, national_xml, sign

GRANTED_FROM = NOW - dt.timedelta(days=100)
WITHDRAWN_AT = NOW - dt.timedelta(days=10)


@pytest.fixture(scope="session")
def pki() -> Pki:
    return Pki()


@pytest.fixture(scope="session")
def lotl(pki: Pki) -> bytes:
    return sign(lotl_xml(pki), pki.lotl_operator)


@pytest.fixture(scope="session")
def national(pki: Pki) -> bytes:
    """ES list: the test CA granted for e-seals since GRANTED_FROM."""
    return sign(national_xml(pki, GRANTED_FROM), pki.national_operator)


@pytest.fixture(scope="session")
def national_withdrawn(pki: Pki) -> bytes:
    """The next ES list: the same service withdrawn at WITHDRAWN_AT (grant in the history)."""
    return sign(national_xml(pki, GRANTED_FROM, WITHDRAWN_AT, sequence=2),
                pki.national_operator)


@pytest.fixture
def list_files(tmp_path: Path, lotl: bytes, national: bytes) -> list[Path]:
    files = [tmp_path / "eu-lotl.xml", tmp_path / "es-tl.xml"]
    files[0].write_bytes(lotl)
    files[1].write_bytes(national)
    return files


@pytest.fixture
def settings(database_url: str, tmp_path: Path, pki: Pki, list_files: list[Path]) -> Settings:
    pinned = tmp_path / "lotl-signers.pem"
    pinned.write_bytes(pki.lotl_operator.pem)
    return make_settings(database_url, tmp_path / "keys", trust_lotl_certs=pinned,
                         trust_list_files=list_files)
