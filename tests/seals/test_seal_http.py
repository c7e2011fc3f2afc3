"""Seals through the service: the VC-API verify endpoint, the /verify page (pasted JSON, in
English and German) and MCRED_SEAL_TRUST_ROOTS; bad input is 422 with named checks, never
a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.main import build_services, create_app
from tests import realworld
from tests.conftest import make_settings
from tests.seals import pki as test_pki
from tests.seals.pki import NOW, qc_statements, seal
from tests.seals.test_seals import issued_by

SAMPLE = "elm/Sample-MC-Annex1-signed-jades.json"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def pki() -> test_pki.Pki:
    return test_pki.Pki.make()


@pytest.fixture
def trusting_client(database_url: str, tmp_path: Path, pki: test_pki.Pki) -> Iterator[TestClient]:
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "root.pem").write_bytes(pki.root.pem)
    svc = build_services(make_settings(database_url, tmp_path / "keys", seal_trust_roots=roots))
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as client:
        yield client
    svc.db.dispose()


def _sealed(pki: test_pki.Pki) -> dict[str, Any]:
    cert = pki.issue("Seal of Universiteit Test", org="Universiteit Test",
                     org_id="VATES-A00000000", qc=qc_statements())
    return seal(pki, cert, issued_by("VATES-A00000000"), NOW - timedelta(hours=1))


def test_the_sample_verifies_through_the_api(client: TestClient) -> None:
    response = client.post("/credentials/verify",
                           json={"verifiableCredential": realworld.load(SAMPLE)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True and body["report"]["headline"] == "untrusted"
    assert {"proof", "timestamps", "certificate"} <= set(body["checks"])
    seal_info = body["report"]["credential"]["seal"]
    assert seal_info["sealer"]["organisationIdentifier"] == "VATES-A00000000"
    assert {w["check"] for w in body["warnings"]} >= {"seal", "registry"}


def test_a_tampered_seal_is_a_422_with_the_check_named(client: TestClient) -> None:
    doc = realworld.load(SAMPLE)
    doc["payload"] = doc["payload"].replace("Digital micro-credential creation", "Fake")
    response = client.post("/credentials/verify", json={"verifiableCredential": doc})
    assert response.status_code == 422
    # the archive and all-data-objects timestamps cover the payload too
    assert [(e["check"], e["code"]) for e in response.json()["errors"]] == [
        ("proof", "INVALID_SIGNATURE"), ("timestamps", "imprint-mismatch")]
    checks = {c["name"]: c for c in response.json()["report"]["checks"]}
    assert [t["kind"] for t in checks["timestamps"]["details"]["tokens"] if not t["valid"]] == [
        "adoTst", "arcTst"]
    assert checks["certificate"]["status"] == "passed"  # at the time the sigTst proves


@pytest.mark.parametrize("doc", [
    {"payload": "x", "signatures": [{}]},
    {"payload": "x", "signatures": [{"protected": "e30", "signature": ""}]},
    {"payload": 1, "protected": "e30", "signature": "AA"},
    {"payload": "{}", "signatures": [{"protected": "eyJ4NWMiOlsiQUFBQSJdfQ", "signature": "AA"}]},
])
def test_junk_envelopes_are_refused_cleanly(client: TestClient, doc: dict[str, Any]) -> None:
    response = client.post("/credentials/verify", json={"verifiableCredential": doc})
    assert response.status_code == 422
    assert response.json()["errors"][0]["check"] == "format"


def test_the_configured_root_makes_a_test_pki_seal_trusted(trusting_client: TestClient,
                                                           pki: test_pki.Pki) -> None:
    response = trusting_client.post("/credentials/verify",
                                    json={"verifiableCredential": _sealed(pki)})
    report = response.json()["report"]
    checks = {c["name"]: c["status"] for c in report["checks"]}
    assert checks["seal"] == "passed" and checks["certificate"] == "passed"
    assert report["credential"]["seal"]["level"] == "qualified"
    assert report["credential"]["seal"]["trustedRoot"] is True


def test_without_the_setting_the_same_seal_is_not_anchored(client: TestClient,
                                                           pki: test_pki.Pki) -> None:
    report = client.post("/credentials/verify",
                         json={"verifiableCredential": _sealed(pki)}).json()["report"]
    assert {c["name"]: c["status"] for c in report["checks"]}["seal"] == "failed"


def test_a_broken_roots_file_stops_the_start(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "roots.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ValidationError, match="seal_trust_roots"):
        make_settings(database_url, tmp_path / "keys", seal_trust_roots=bad)


def test_the_verify_page_names_the_sealer(client: TestClient) -> None:
    response = client.post("/verify", data={"credential": json.dumps(realworld.load(SAMPLE))},
                           headers=HTML)
    assert response.status_code == 200, response.text
    page = response.text
    assert 'data-testid="sealer">ORGANIZACION TEST (VATES-A00000000)' in page
    assert "Advanced electronic seal" in page and "27 September 2023" in page
    assert 'data-check="timestamps" data-status="passed"' in page
    assert 'data-check="seal" data-status="failed"' in page
    assert "ANF AC Qualified Certificates for eSeal → TEST SEAL" in page


def test_the_verify_page_says_why_a_revoked_seal_fails(client: TestClient) -> None:
    pki = test_pki.Pki.make()
    cert = pki.issue("Revoked seal", org="Revoked Org")
    pki.revoked[cert.cert.serial_number] = NOW - timedelta(days=2)
    doc = seal(pki, cert, realworld.load("elm/Sample-MC-Annex1-unsigned.json"),
               NOW - timedelta(hours=1))
    response = client.post("/verify?lang=de", data={"credential": json.dumps(doc)},
                           headers=HTML)
    assert response.status_code == 422
    assert 'data-reason="seal-revoked"' in response.text
