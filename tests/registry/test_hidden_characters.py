"""No control, invisible or bidirectional formatting characters in registry entries or
subscriptions (security review, issue 14, item C): 422 naming the field, nothing stored."""

from __future__ import annotations

import copy
import json

import pytest
from fastapi.testclient import TestClient

from tests.issuers.cli_helpers import mcred
from tests.registry.test_registry import ENTRY

HIDDEN = ["\x00", "\x1f", "\x7f", "\r", "\u202e", "\u200f", "\u2066", "\ufeff", "\u2029"]


def with_char(path: tuple, char: str) -> dict:  # type: ignore[type-arg]
    entry = copy.deepcopy(ENTRY)
    target = entry
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = f"{target[path[-1]]}{char}x" if path[-1] != "dids" else [
        f"did:web:ut{char}.ee"]
    return entry


FIELDS = {("legalName",): "legalName", ("dids",): "dids", ("country",): "country",
          ("qualityAssurance", 0, "agency"): "qualityAssurance.0.agency",
          ("qualityAssurance", 0, "deqarId"): "qualityAssurance.0.deqarId"}


def registry(client: TestClient, admin: dict) -> list:  # type: ignore[type-arg]
    return client.get("/admin/registry", headers=admin).json()


@pytest.mark.parametrize("char", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("path", list(FIELDS), ids=lambda p: ".".join(map(str, p)))
def test_entry_field_is_refused(client: TestClient, admin: dict, path: tuple,
                                char: str) -> None:  # type: ignore[type-arg]
    response = client.post("/admin/registry", json=with_char(path, char), headers=admin)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "urn:mcred:problem:validation-error"
    assert [e["field"] for e in body["errors"]] == [FIELDS[path]]
    assert "must not contain" in body["errors"][0]["message"]
    assert registry(client, admin) == []


def test_update_is_refused_too(client: TestClient, admin: dict) -> None:
    entry_id = client.post("/admin/registry", json=ENTRY, headers=admin).json()["id"]
    response = client.put(f"/admin/registry/{entry_id}", headers=admin,
                          json=with_char(("legalName",), "\x00"))
    assert response.status_code == 422
    assert registry(client, admin)[0]["legalName"] == ENTRY["legalName"]


def test_imports_name_the_entry_and_field(client: TestClient, admin: dict) -> None:
    as_json = client.post("/admin/registry/import", headers=admin,
                          json=[ENTRY, with_char(("legalName",), "\u202e")])
    assert as_json.status_code == 422
    assert as_json.json()["errors"] == [{"entry": 2, "field": "legalName", "message":
                                         "Value error, must not contain invisible or"
                                         " bidirectional formatting characters (U+202E)"}]
    csv = b"did,legal_name,country\ndid:web:a.example,Academy\x00 A,DE\n"
    as_csv = client.post("/admin/registry/import", content=csv,
                         headers={**admin, "Content-Type": "text/csv"})
    assert as_csv.status_code == 422
    assert as_csv.json()["errors"][0]["field"] == "legalName"
    assert registry(client, admin) == []


@pytest.mark.parametrize(("field", "body"), [
    ("url", {"url": "https://registry.example/\x00list.json", "signer": "did:web:r.example"}),
    ("url", {"url": "https://registry.example/\u202elist.json", "signer": "did:web:r.example"}),
    ("signer", {"url": "https://registry.example/list.json", "signer": "did:web:r\u200b.example"}),
])
def test_subscription_is_refused(client: TestClient, admin: dict, field: str,
                                 body: dict) -> None:  # type: ignore[type-arg]
    response = client.post("/admin/registry/subscriptions", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    refreshed = client.post("/admin/registry/subscriptions/refresh", headers=admin)
    assert refreshed.json() == []  # nothing followed


def test_status_reason_is_refused(client: TestClient, admin: dict) -> None:
    entry_id = client.post("/admin/registry", json=ENTRY, headers=admin).json()["id"]
    response = client.post(f"/admin/registry/{entry_id}/status", headers=admin,
                           json={"status": "suspended", "reason": "fraud\x00"})
    assert response.status_code == 422
    assert registry(client, admin)[0]["status"] == "active"


def test_command_line_names_the_field(client: TestClient, admin: dict, tmp_path,
                                      svc) -> None:  # type: ignore[no-untyped-def]
    subscribed = mcred(svc, "registry", "subscribe", "https://registry.example/\u202elist",
                       "--signer", "did:web:registry.example")
    assert subscribed.returncode == 1
    assert subscribed.stderr == ("mcred: error: url must not contain invisible or"
                                 " bidirectional formatting characters (U+202E)\n")
    path = tmp_path / "entries.json"
    path.write_text(json.dumps([with_char(("legalName",), "\u2066")]))
    imported = mcred(svc, "registry", "import", str(path))
    assert imported.returncode != 0 and imported.stderr.count("\n") == 1
    assert "entry 1, legalName: " in imported.stderr
    assert registry(client, admin) == []


def test_entries_stored_before_the_rule_are_still_read(client: TestClient, admin: dict,
                                                       svc) -> None:  # type: ignore[no-untyped-def]
    from app.registry.models import RegistryDid, RegistryEntry

    with svc.db.session() as session:  # as an older version could store it
        session.add(RegistryEntry(legal_name="Academy \u202eA", country="DE", org_type="hei",
                                  quality_assurance=[], status="active",
                                  dids=[RegistryDid(did="did:web:academy.example")]))
    listed = client.get("/admin/registry", headers=admin)
    assert listed.status_code == 200
    assert listed.json()[0]["legalName"] == "Academy \u202eA"
    assert client.get("/registry.json").status_code == 200
