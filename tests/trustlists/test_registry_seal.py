"""The trusted issuer registry lists an issuer by its e-seal's organisation identifier
(X.520 organizationIdentifier, 2.5.4.97) besides its DIDs."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from app.deps import Services
from app.registry import service
from app.trustlists.service import organisation_identifier
from tests.trustlists.pki import ORG_ID, Pki

UB = {"dids": ["did:web:ub.edu"], "sealIds": ["VATES-Q0818001J"],
      "legalName": "Universitat de Barcelona", "country": "ES", "orgType": "hei",
      "qualityAssurance": [{"agency": "AQU Catalunya", "esgAligned": True,
                            "validFrom": "2020-01-01", "validUntil": "2030-12-31"}]}


def org_identifier(pki: Pki) -> str:
    value = organisation_identifier(pki.seal().cert)
    assert value == pki.seal().cert.subject.get_attributes_for_oid(ORG_ID)[0].value
    return value


def test_a_certificate_without_organisation_identifier(pki: Pki) -> None:
    assert organisation_identifier(pki.ca.cert) is None


def test_lookup_by_the_seal_certificates_organisation_identifier(
        client: TestClient, admin: dict, svc: Services, pki: Pki) -> None:
    created = client.post("/admin/registry", json=UB, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["sealIds"] == ["VATES-Q0818001J"]
    with svc.db.session(read_only=True) as session:
        found = service.registry_entry_for_seal(session, org_identifier(pki),
                                                dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
        later = service.registry_entry_for_seal(session, "VATES-Q0818001J",
                                                dt.date(2031, 6, 1))
        unknown = service.registry_entry_for_seal(session, "VATES-B00000000",
                                                  dt.date(2026, 6, 1))
    assert found.trusted and found.qa_valid
    assert found.to_json()["entry"]["legalName"] == "Universitat de Barcelona"
    assert (later.trusted, later.qa_valid) == (True, False)
    assert unknown.to_json() == {"found": False}


def test_suspended_entry_is_found_but_not_trusted(client: TestClient, admin: dict,
                                                  svc: Services) -> None:
    entry_id = client.post("/admin/registry", json=UB, headers=admin).json()["id"]
    client.post(f"/admin/registry/{entry_id}/status", headers=admin,
                json={"status": "suspended", "reason": "under review"})
    with svc.db.session(read_only=True) as session:
        found = service.registry_entry_for_seal(session, "VATES-Q0818001J", dt.date(2026, 6, 1))
    assert found.entry is not None and not found.trusted


def test_seal_identifier_belongs_to_one_entry(client: TestClient, admin: dict) -> None:
    assert client.post("/admin/registry", json=UB, headers=admin).status_code == 201
    other = {**UB, "dids": ["did:web:other.example"]}
    clash = client.post("/admin/registry", json=other, headers=admin)
    assert clash.status_code == 409
    assert clash.json()["type"] == "urn:mcred:problem:seal-id-registered"


def test_seal_identifier_shape_is_checked(client: TestClient, admin: dict) -> None:
    for bad in ("G63287510", "vates-G63287510", "VATES-", "VATES-" + "9" * 91, "VAT ES-1"):
        response = client.post("/admin/registry", json={**UB, "sealIds": [bad]}, headers=admin)
        assert response.status_code == 422, bad
    national = {**UB, "sealIds": ["ES:ES-G63287510"]}
    assert client.post("/admin/registry", json=national, headers=admin).status_code == 201


def test_entry_without_seal_identifiers_is_unchanged(client: TestClient, admin: dict) -> None:
    body = {k: v for k, v in UB.items() if k != "sealIds"}
    created = client.post("/admin/registry", json=body, headers=admin).json()
    assert created["sealIds"] == []
    entry_id = created["id"]
    updated = client.put(f"/admin/registry/{entry_id}", json=UB, headers=admin).json()
    assert updated["sealIds"] == ["VATES-Q0818001J"]
    cleared = client.put(f"/admin/registry/{entry_id}", json=body, headers=admin).json()
    assert cleared["sealIds"] == []


def test_csv_import_and_search_by_seal_identifier(client: TestClient, admin: dict,
                                                  svc: Services) -> None:
    csv = (b"did,legal_name,country,seal_id\n"
           b"did:web:ub.edu,Universitat de Barcelona,ES,VATES-Q0818001J\n"
           b"did:web:ub.edu,Universitat de Barcelona,ES,NTRES-Q0818001J\n")
    response = client.post("/admin/registry/import", content=csv,
                           headers={**admin, "Content-Type": "text/csv"})
    assert response.json() == {"added": 1, "updated": 0}
    with svc.db.session(read_only=True) as session:
        assert [e.legal_name for e in service.search(session, "ntres-q08")] == [
            "Universitat de Barcelona"]
        found = service.registry_entry_for_seal(session, "NTRES-Q0818001J", dt.date(2026, 1, 1))
    assert found.entry is not None
    assert found.entry.seal_ids == ["NTRES-Q0818001J", "VATES-Q0818001J"]
