"""The recognition targets API: CRUD, retire, scoping by issuer, validation, audit."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services

PROBLEM = "application/problem+json"


def test_create_get_list_and_fixture_round_trip(client: TestClient, api_key: dict[str, str],
                                               hank: dict[str, Any], betty: dict[str, Any]) -> None:
    created = client.post("/recognition/targets", json=hank, headers=api_key)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "active" and body["version"] == 1
    assert body["code"] == "BHS-NUT-201" and body["ects"] == 5 and body["eqfLevel"] == 6
    assert body["requiredAssessment"] == ["exam"]
    assert body["requiredIdentification"] == "supervised-onsite-id"
    # each outcome carries its language: the target's unless it names its own
    assert {o["language"] for o in body["learningOutcomes"]} == {"en"}
    assert body["learningOutcomes"][0]["text"] == hank["learningOutcomes"][0]["text"]

    programme = client.post("/recognition/targets", json=betty, headers=api_key).json()
    languages = [o["language"] for o in programme["learningOutcomes"]]
    assert languages.count("en") == 5 and languages.count("nl") == 5
    assert programme["ects"] == 120 and programme["qfEheaCycle"] == "second"

    got = client.get(f"/recognition/targets/{body['id']}", headers=api_key)
    assert got.status_code == 200 and got.json() == body
    listed = client.get("/recognition/targets", headers=api_key).json()
    assert [t["code"] for t in listed["targets"]] == ["BHS-NUT-201", "MSC-SFS"]
    only = client.get("/recognition/targets?kind=programme", headers=api_key).json()
    assert [t["code"] for t in only["targets"]] == ["MSC-SFS"]


def test_decimal_ects_and_outcome_uris_are_kept(client: TestClient, api_key: dict[str, str],
                                               hank: dict[str, Any]) -> None:
    uri = "http://data.europa.eu/esco/skill/example-nutrition"
    hank["ects"] = "7.5"
    hank["learningOutcomes"][0]["uris"] = [uri]
    hank["learningOutcomes"][1]["language"] = "de-DE"
    body = client.post("/recognition/targets", json=hank, headers=api_key).json()
    assert body["ects"] == 7.5
    assert body["learningOutcomes"][0]["uris"] == [uri]
    assert body["learningOutcomes"][1]["language"] == "de-DE"


def test_put_replaces_and_counts_versions_in_the_audit_log(
        client: TestClient, api_key: dict[str, str], hank: dict[str, Any], svc: Services) -> None:
    target = client.post("/recognition/targets", json=hank, headers=api_key).json()
    hank["ects"] = 6
    hank["title"] = "Nutrition and public health"
    updated = client.put(f"/recognition/targets/{target['id']}", json=hank, headers=api_key)
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2 and updated.json()["ects"] == 6
    assert updated.json()["title"] == "Nutrition and public health"
    assert updated.json()["created"] == target["created"]
    with svc.db.session() as session:
        events = list(session.scalars(select(AuditEvent).where(
            AuditEvent.subject == target["id"]).order_by(AuditEvent.id)))
        assert [e.action for e in events] == ["target.create", "target.update"]
        assert events[1].detail["changed"] == ["ects", "title"]
        assert events[1].issuer_id is not None and events[1].actor == "issuer:uni-tartu"


def test_retire_keeps_it_readable(client: TestClient, api_key: dict[str, str],
                                  hank: dict[str, Any]) -> None:
    target = client.post("/recognition/targets", json=hank, headers=api_key).json()
    retired = client.delete(f"/recognition/targets/{target['id']}", headers=api_key)
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    again = client.get(f"/recognition/targets/{target['id']}", headers=api_key)
    assert again.status_code == 200 and again.json()["status"] == "retired"
    active = client.get("/recognition/targets?status=active", headers=api_key).json()
    assert active["total"] == 0
    retired_list = client.get("/recognition/targets?status=retired", headers=api_key).json()
    assert [t["id"] for t in retired_list["targets"]] == [target["id"]]


def test_other_issuer_cannot_see_or_change(client: TestClient, api_key: dict[str, str],
                                           other_key: dict[str, str],
                                           hank: dict[str, Any]) -> None:
    target = client.post("/recognition/targets", json=hank, headers=api_key).json()
    url = f"/recognition/targets/{target['id']}"
    for response in (client.get(url, headers=other_key),
                     client.put(url, json=hank, headers=other_key),
                     client.delete(url, headers=other_key)):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["type"] == "urn:mcred:problem:not-found"
    assert client.get("/recognition/targets", headers=other_key).json()["targets"] == []
    # the same code is free at another institution
    assert client.post("/recognition/targets", json=hank, headers=other_key).status_code == 201
    assert client.get(url, headers=api_key).json()["version"] == 1


def test_needs_an_issuer_key(client: TestClient, admin: dict[str, str], api_key: dict[str, str],
                             hank: dict[str, Any]) -> None:
    assert client.get("/recognition/targets").status_code == 401
    assert client.post("/recognition/targets", json=hank, headers=admin).status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/recognition/targets", headers=wrong).status_code == 403


def test_validation_errors_name_each_field(client: TestClient, api_key: dict[str, str],
                                           hank: dict[str, Any]) -> None:
    bad = {**hank, "kind": "module", "language": "xx", "ects": 0, "eqfLevel": 9,
           "requiredAssessment": ["oral-exam"], "requiredIdentification": "trust-me",
           "learningOutcomes": [{"text": "ok text", "uris": ["not a uri"]},
                                {"text": "no", "language": "en"}],
           "title": "x" * 301, "colour": "blue"}
    response = client.post("/recognition/targets", json=bad, headers=api_key)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"] == "urn:mcred:problem:invalid-target"
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"kind", "language", "ects", "eqfLevel", "requiredAssessment.0",
                      "requiredIdentification", "learningOutcomes.0.uris.0",
                      "learningOutcomes.1.text", "title", "colour"}
    assert "'xx' is not a BCP 47 tag" in next(e["message"] for e in problem["errors"]
                                              if e["field"] == "language")


def test_level_outcomes_and_code_rules(client: TestClient, api_key: dict[str, str],
                                       hank: dict[str, Any]) -> None:
    no_level = {k: v for k, v in hank.items() if k not in ("eqfLevel", "qfEheaCycle")}
    problem = client.post("/recognition/targets", json=no_level, headers=api_key).json()
    assert problem["errors"] == [{"field": "eqfLevel",
                                  "message": "level: give eqfLevel (1-8) and/or qfEheaCycle"}]
    for body, field in (({**hank, "learningOutcomes": []}, "learningOutcomes"),
                        ({**hank, "code": "has space"}, "code"),
                        ({**hank, "description": "a\u202eb"}, "description"),
                        ({**hank, "ects": "5.555"}, "ects")):
        response = client.post("/recognition/targets", json=body, headers=api_key)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert client.post("/recognition/targets", json=hank, headers=api_key).status_code == 201
    duplicate = client.post("/recognition/targets", json=hank, headers=api_key)
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["message"] == "code 'BHS-NUT-201' is already in use"


def test_unknown_and_oversized_ids_are_404(client: TestClient, api_key: dict[str, str],
                                           hank: dict[str, Any]) -> None:
    assert client.get("/recognition/targets/" + "a" * 32, headers=api_key).status_code == 404
    assert client.get("/recognition/targets/" + "a" * 500, headers=api_key).status_code == 404
    assert client.put("/recognition/targets/nope", json=hank, headers=api_key).status_code == 404
    assert client.get("/recognition/targets/a%00b", headers=api_key).status_code == 404
