"""A sealed Europass credential verified with everything the service knows, end to end: the
EU trusted lists imported (LOTL and a national list naming the seal's CA as a qualified
service for e-seals) decide the seal's level, and the trusted issuer registry finds the
issuer by the seal's organisation identifier, as no DID names it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from tests.conftest import make_settings
from tests.seals import pki as seals
from tests.seals.test_seals import issued_by
from tests.trustlists import pki as lists

SEAL_ID = "VATES-A00000000"
ENTRY = {"dids": ["did:web:test.example"], "sealIds": [SEAL_ID],
         "legalName": "Universiteit Test", "country": "ES", "orgType": "hei",
         "qualityAssurance": [{"agency": "AQU Catalunya", "esgAligned": True,
                               "validFrom": "2000-01-01", "validUntil": "2099-12-31"}]}


@pytest.fixture(scope="module")
def seal_pki() -> seals.Pki:
    return seals.Pki.make()


@pytest.fixture(scope="module")
def list_pki(seal_pki: seals.Pki) -> lists.Pki:
    """Trusted lists whose national list names the seal PKI's CA (CA/QC, for e-seals)."""
    return lists.Pki(ca=lists.Identity(seal_pki.root.key, seal_pki.root.cert))


@pytest.fixture
def settings(database_url: str, tmp_path: Path, list_pki: lists.Pki) -> Settings:
    pinned = tmp_path / "lotl-signers.pem"
    pinned.write_bytes(list_pki.lotl_operator.pem)
    return make_settings(database_url, tmp_path / "keys", trust_lotl_certs=pinned)


def import_lists(client: TestClient, admin: dict, list_pki: lists.Pki) -> None:
    lotl = lists.sign(lists.lotl_xml(list_pki), list_pki.lotl_operator)
    national = lists.sign(lists.national_xml(list_pki, lists.NOW - dt.timedelta(days=100)),
                          list_pki.national_operator)
    response = client.post("/admin/trustlists", headers=admin, files=[
        ("file", ("eu-lotl.xml", lotl, "application/xml")),
        ("file", ("es-tl.xml", national, "application/xml"))])
    assert response.status_code == 200, response.text


def sealed(pki: seals.Pki) -> dict[str, Any]:
    cert = pki.issue("Seal of Universiteit Test", org="Universiteit Test", org_id=SEAL_ID,
                     qc=seals.qc_statements())
    return seals.seal(pki, cert, issued_by(SEAL_ID), seals.NOW - dt.timedelta(hours=1))


def verify(client: TestClient, doc: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/credentials/verify", json={"verifiableCredential": doc})
    assert response.status_code == 200, response.text
    return response.json()


def checks(body: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in body["report"]["checks"]}


def test_the_trusted_lists_and_the_registry_answer_for_a_seal(
        client: TestClient, admin: dict, seal_pki: seals.Pki, list_pki: lists.Pki) -> None:
    import_lists(client, admin, list_pki)
    assert client.post("/admin/registry", json=ENTRY, headers=admin).status_code == 201
    body = verify(client, sealed(seal_pki))
    seal = body["report"]["credential"]["seal"]
    assert seal["trustedList"]["qualified"] is True
    assert seal["level"] == "qualified"
    assert checks(body)["seal"] == "passed"  # anchored by the list, no root configured
    assert checks(body)["registry"] == "passed"
    assert body["report"]["registry"]["entry"]["legalName"] == "Universiteit Test"


def test_without_the_lists_or_the_entry_the_same_seal_is_not_trusted(
        client: TestClient, seal_pki: seals.Pki) -> None:
    body = verify(client, sealed(seal_pki))
    seal = body["report"]["credential"]["seal"]
    assert seal["trustedList"]["qualified"] is None  # no list knows the CA
    assert checks(body)["seal"] == "failed" and checks(body)["registry"] == "failed"


def test_a_ca_the_lists_do_not_name_gets_no_answer(
        client: TestClient, admin: dict, list_pki: lists.Pki) -> None:
    import_lists(client, admin, list_pki)
    assert client.post("/admin/registry", json=ENTRY, headers=admin).status_code == 201
    body = verify(client, sealed(seals.Pki.make()))  # another CA, same organisation
    assert body["report"]["credential"]["seal"]["trustedList"]["qualified"] is None
    assert checks(body)["seal"] == "failed"
    # A certificate anyone could make claims the organisation: the registry is not asked.
    assert checks(body)["registry"] == "failed"
    assert body["report"]["registry"] == {"found": False}
