"""Trusted issuer registry: admin API, import/export, signed subscription, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services
from app.issuers import service as issuers
from app.proofs.dataintegrity import add_proof
from tests.conftest import mcred_env
from tests.credentials.test_award import verify as verify_signed

UT = "did:web:mcred.test:issuers:uni-tartu"
ENTRY = {"dids": [UT], "legalName": "University of Tartu", "country": "EE", "orgType": "hei",
         "qualityAssurance": [{"agency": "EKKA", "esgAligned": True,
                               "validFrom": "2020-01-01", "deqarId": "DEQARINST0282"}]}
CSV = (b"did,legal_name,country,org_type,qa_agency,deqar_id,esg_aligned,qa_valid_from,"
       b"qa_valid_until,qa_report_url\n"
       b"did:web:unibo.it,Universita di Bologna,IT,hei,ANVUR,DEQARINST0001,true,2019-01-01,"
       b"2024-12-31,https://www.eqar.eu/qa-results/report/1\n"
       b"did:web:unibo.it,Universita di Bologna,IT,hei,ANVUR,DEQARINST0001,true,2025-01-01,,\n"
       b"did:web:academy.example,Example Academy,DE,other,,,,,,\n")


def entries(client: TestClient, admin: dict) -> list[dict[str, Any]]:
    return client.get("/admin/registry", headers=admin).json()


def test_admin_token_required(client: TestClient) -> None:
    assert client.post("/admin/registry", json=ENTRY).status_code == 401
    assert client.get("/admin/registry",
                      headers={"Authorization": "Bearer nope"}).status_code == 403


def test_add_suspend_remove(client: TestClient, admin: dict) -> None:
    created = client.post("/admin/registry", json=ENTRY, headers=admin)
    assert created.status_code == 201
    entry_id = created.json()["id"]
    assert client.post("/admin/registry", json=ENTRY, headers=admin).status_code == 409
    suspended = client.post(f"/admin/registry/{entry_id}/status", headers=admin,
                            json={"status": "suspended", "reason": "under review"})
    assert suspended.json()["status"] == "suspended"
    assert client.delete(f"/admin/registry/{entry_id}", headers=admin).status_code == 204
    assert entries(client, admin) == []


def test_issuers_are_not_trusted_automatically(client: TestClient, issuer: dict,
                                               admin: dict) -> None:
    assert entries(client, admin) == []


def test_invalid_entry_names_the_field(client: TestClient, admin: dict) -> None:
    bad = {**ENTRY, "country": "XX", "qualityAssurance": [
        {"agency": "A", "esgAligned": True, "validFrom": "2024-01-01",
         "validUntil": "2020-01-01"}]}
    response = client.post("/admin/registry", json=bad, headers=admin)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"country",
                                                                "qualityAssurance.0"}


def test_csv_import_merges_qa_rows_and_reimport_updates(client: TestClient,
                                                        admin: dict) -> None:
    headers = {**admin, "Content-Type": "text/csv"}
    first = client.post("/admin/registry/import", content=CSV, headers=headers)
    assert first.json() == {"added": 2, "updated": 0}
    bologna = next(e for e in entries(client, admin) if e["dids"] == ["did:web:unibo.it"])
    assert [q["validFrom"] for q in bologna["qualityAssurance"]] == ["2019-01-01", "2025-01-01"]
    assert bologna["source"] == "import:upload.csv"
    again = client.post("/admin/registry/import", content=CSV, headers=headers)
    assert again.json() == {"added": 0, "updated": 2}
    assert len(entries(client, admin)) == 2


def test_invalid_import_imports_nothing(client: TestClient, admin: dict) -> None:
    bad = [ENTRY, {**ENTRY, "dids": ["not a did"]}]
    response = client.post("/admin/registry/import", json=bad, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["entry"] == 2
    assert entries(client, admin) == []


def test_signed_export_verifies(client: TestClient, admin: dict, svc: Services) -> None:
    client.post("/admin/registry", json=ENTRY, headers=admin)
    exported = client.get("/registry.json").json()
    assert exported["issuer"] == "did:web:mcred.test"
    assert exported["credentialSubject"]["registryEntries"][0]["dids"] == [UT]
    assert verify_signed(svc, exported).verified
    exported["credentialSubject"]["registryEntries"][0]["country"] = "FR"
    assert not verify_signed(svc, exported).verified


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def following(client: TestClient, admin: dict, svc: Services, https_server) -> Any:  # type: ignore[no-untyped-def]
    port, cert, routes = https_server
    svc.settings = svc.settings.model_copy(update={"outbound_allow_private": True,
                                                   "outbound_ca_file": cert})
    client.post("/admin/registry", json=ENTRY, headers=admin)
    routes["/registry.json"] = json.dumps(client.get("/registry.json").json()).encode()
    # start from an empty local registry, following the published one
    for entry in entries(client, admin):
        client.delete(f"/admin/registry/{entry['id']}", headers=admin)
    return f"https://localhost:{port}/registry.json", routes


def test_subscription_imports_a_verified_list(client: TestClient, admin: dict,
                                              following: Any) -> None:
    url, _ = following
    assert client.post("/admin/registry/subscriptions", headers=admin,
                       json={"url": url, "signer": "did:web:mcred.test"}).status_code == 201
    result = client.post("/admin/registry/subscriptions/refresh", headers=admin).json()
    assert result == [{"url": url, "added": 1, "updated": 0}]
    [entry] = entries(client, admin)
    assert (entry["dids"], entry["source"]) == ([UT], f"subscription:{url}")


def test_followed_registry_is_refreshed_on_a_schedule(client: TestClient, admin: dict,
                                                      svc: Services, following: Any) -> None:
    """A running service refreshes followed registries by itself (no admin call)."""
    from app.main import create_app

    url, _ = following
    client.post("/admin/registry/subscriptions", headers=admin,
                json={"url": url, "signer": "did:web:mcred.test"})
    svc.settings = svc.settings.model_copy(update={"registry_refresh_seconds": 1})
    with TestClient(create_app(svc=svc)) as running:
        deadline = time.monotonic() + 30
        while not entries(running, admin) and time.monotonic() < deadline:
            time.sleep(0.1)
        [entry] = entries(running, admin)
    assert (entry["dids"], entry["source"]) == ([UT], f"subscription:{url}")
    with svc.db.session(read_only=True) as session:
        events = session.scalars(select(AuditEvent.actor)
                                 .where(AuditEvent.action.like("registry.%"))).all()
    assert "scheduler" in events


def test_cli_refresh(client: TestClient, admin: dict, svc: Services, following: Any) -> None:
    url, routes = following
    client.post("/admin/registry/subscriptions", headers=admin,
                json={"url": url, "signer": "did:web:mcred.test"})
    env = {**mcred_env(svc.settings), "MCRED_OUTBOUND_ALLOW_PRIVATE": "true",
           "MCRED_OUTBOUND_CA_FILE": str(svc.settings.outbound_ca_file)}

    def refresh() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app.cli", "registry", "refresh"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    ok = refresh()
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == [{"url": url, "added": 1, "updated": 0}]
    routes["/registry.json"] = b"{}"
    failed = refresh()
    assert failed.returncode == 2
    assert failed.stderr.startswith(f"mcred: error: {url}: ") and failed.stderr.count("\n") == 1
    assert len(entries(client, admin)) == 1  # a bad fetch keeps the last good entries


def test_one_bad_registry_does_not_stop_the_others(client: TestClient, admin: dict,
                                                   svc: Services, following: Any) -> None:
    url, routes = following
    bad_url = url.replace("/registry.json", "/a-invalid.json")  # sorts first
    # properly signed by the expected signer, but with an entry no registry may hold
    unsigned = {k: v for k, v in client.get("/registry.json").json().items() if k != "proof"}
    unsigned["credentialSubject"]["registryEntries"] = [{"legalName": "X"}]
    with svc.db.session() as session:
        record = issuers.ensure_service_key(session, svc.keystore)
        key = svc.keystore.signing_key(record.key_file)
    signed = add_proof(unsigned, key, f"did:web:mcred.test#{record.fragment}")
    routes["/a-invalid.json"] = json.dumps(signed).encode()
    for followed in (bad_url, url):
        client.post("/admin/registry/subscriptions", headers=admin,
                    json={"url": followed, "signer": "did:web:mcred.test"})
    results = client.post("/admin/registry/subscriptions/refresh", headers=admin)
    assert results.status_code == 200
    bad, good = results.json()
    assert bad["url"] == bad_url
    assert bad["error"].startswith("the registry's entries are invalid"), bad
    assert good == {"url": url, "added": 1, "updated": 0}
    assert len(entries(client, admin)) == 1


def test_subscription_refuses_wrong_signer_and_tampering(client: TestClient, admin: dict,
                                                         following: Any) -> None:
    url, routes = following
    client.post("/admin/registry/subscriptions", headers=admin,
                json={"url": url, "signer": "did:web:other-registry.example"})
    result = client.post("/admin/registry/subscriptions/refresh", headers=admin).json()
    assert "not did:web:other-registry.example" in result[0]["error"]
    client.post("/admin/registry/subscriptions", headers=admin,
                json={"url": url, "signer": "did:web:mcred.test"})
    tampered = json.loads(routes["/registry.json"])
    tampered["credentialSubject"]["registryEntries"][0]["legalName"] = "Diploma Mill Ltd"
    routes["/registry.json"] = json.dumps(tampered).encode()
    result = client.post("/admin/registry/subscriptions/refresh", headers=admin).json()
    assert "proof fails" in result[0]["error"]
    assert entries(client, admin) == []
    plain = client.post("/admin/registry/subscriptions", headers=admin,
                        json={"url": "http://x.example/r.json", "signer": "did:web:x"})
    assert plain.status_code == 422


def test_agency_country_is_checked_imported_and_left_out_when_empty(client: TestClient,
                                                                    admin: dict) -> None:
    # The ELM rendering's accrediting agent needs it (docs/edc-elm.md, "Accredited").
    qa = ENTRY["qualityAssurance"][0]
    bad = {**ENTRY, "qualityAssurance": [{**qa, "agencyCountry": "XX"}]}
    response = client.post("/admin/registry", json=bad, headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "qualityAssurance.0.agencyCountry"]
    good = {**ENTRY, "qualityAssurance": [{**qa, "agencyCountry": "ee"}, qa]}
    created = client.post("/admin/registry", json=good, headers=admin).json()
    with_country, without = created["qualityAssurance"]
    assert with_country["agencyCountry"] == "EE" and "agencyCountry" not in without
    csv = (b"did,legal_name,country,qa_agency,qa_agency_id,qa_agency_country,esg_aligned,"
           b"qa_valid_from\ndid:web:unibo.it,Universita di Bologna,IT,ANVUR,12,IT,true,"
           b"2019-01-01\n")
    imported = client.post("/admin/registry/import", content=csv,
                           headers={**admin, "Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.text
    [unibo] = [e for e in entries(client, admin) if e["dids"] == ["did:web:unibo.it"]]
    assert unibo["qualityAssurance"][0]["agencyCountry"] == "IT"
