"""Issuing awards: a full OBv3 credential (schema-valid) and its ELM twin, both signed and
carrying every element; incomplete requests refused by element; idempotency; stacking."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.credentials.models import AwardRecord, CredentialRecord
from app.deps import Services
from app.dids.resolver import DidResolver
from app.elements.extract import ANNEX_ELEMENTS, read
from app.issuers.service import local_did_document
from app.proofs.dataintegrity import verify_document
from tests.conftest import SCHEMAS_DIR
from tests.samples import FULL_SPEC, award_body

SCHEMA = json.loads((SCHEMAS_DIR / "ob_v3p0_achievementcredential_schema.json").read_text())


def issue(client: TestClient, api_key: dict, body: dict[str, Any]) -> Any:
    return client.post("/credentials/issue", json=body, headers=api_key)


def verify(svc: Services, document: dict[str, Any]) -> Any:
    with svc.db.session() as session:
        resolver = DidResolver(local=lambda did: local_did_document(
            session, svc.settings.public_base_url, did))
        return verify_document(document, resolver.resolve_key)


def counts(svc: Services) -> tuple[int, int]:
    with svc.db.session() as session:
        return (session.scalar(select(func.count()).select_from(AwardRecord)),
                session.scalar(select(func.count()).select_from(CredentialRecord)))


@pytest.fixture
def issued(client: TestClient, api_key: dict, achievement: dict) -> dict[str, Any]:
    response = issue(client, api_key, award_body(achievement["id"]))
    assert response.status_code == 201, response.text
    return response.json()


def test_ob3_credential_is_schema_valid(issued: dict) -> None:
    ob3 = issued["credentials"]["ob3"]
    jsonschema.Draft201909Validator(SCHEMA).validate(ob3)
    assert ob3["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    [proof] = ob3["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"] == "did:web:mcred.test:issuers:uni-tartu#key-1"


def test_both_renderings_verify(issued: dict, svc: Services) -> None:
    for profile in ("ob3", "elm"):
        result = verify(svc, issued["credentials"][profile])
        assert result.verified, (profile, [e.to_json() for e in result.errors])


EXPECTED = {
    "title": "Data Literacy for Public Administration",
    "country": "EE",
    "awardingBody": {"id": "did:web:mcred.test:issuers:uni-tartu", "name": "University of Tartu"},
    "dateOfIssuing": "2026-06-30",
    "learningOutcomes": [o["statement"] for o in FULL_SPEC["learningOutcomes"]],
    "workload": {"ects": 3.0, "credits": 3.0, "hours": 75.0,
                 "creditSystem": "http://data.europa.eu/snb/education-credit/6fcec5c5af"},
    "level": {"eqf": 6, "qfEhea": "https://w3id.org/mcred/vocab#qf-ehea-first",
              "nqf": "http://data.europa.eu/snb/qdr/c_c392e7a2"},
    "assessmentType": "http://data.europa.eu/snb/assessment/795dac4096",
    "participationForm": ["http://data.europa.eu/snb/learning-assessment/920fbb3cbe",
                          "http://data.europa.eu/snb/learning-assessment/e92d221e4d"],
    "qualityAssurance": [{"type": "http://data.europa.eu/snb/accreditation/bb4618238e",
                          "agency": "EKKA",
                          "report": "https://www.eqar.eu/qa-results/report/12345",
                          "description": "Institutional accreditation, valid until 2029"}],
    "prerequisites": "Basic spreadsheet skills",
    "grade": "B",
    "integrationStackability": {"mode": "stackable",
                                "towards": ["https://ut.ee/programmes/msc-public-data"]},
    "furtherInformation": "https://ut.ee/micro/data-literacy",
    "learner": {"name": "Mari Maasikas", "id": None,
                "identifiers": ["emailAddress", "sisSourcedId"]},
}


@pytest.mark.parametrize("profile", ["ob3", "elm"])
def test_rendering_carries_every_element(issued: dict, profile: str) -> None:
    reading = read(issued["credentials"][profile])
    assert reading.profile == profile
    assert {"mcred", "ob3"} <= set(reading.encodings) if profile == "ob3" else \
        "elm" in reading.encodings
    assert reading.notes == []
    found = {k: v.value for k, v in reading.found.items() if k in ANNEX_ELEMENTS}
    supervision = found.pop("supervisionAndIdentityVerification")
    assert supervision.endswith("supervision-supervised-online-id")
    assert found == EXPECTED


def test_learner_email_is_hashed_not_in_clear(issued: dict) -> None:
    for document in issued["credentials"].values():
        assert "mari.maasikas@example.ee" not in json.dumps(document).lower()


def test_stored_bytes_are_served_exactly(client: TestClient, issued: dict, svc: Services) -> None:
    credential_id = issued["credentials"]["ob3"]["id"]
    response = client.get(f"/credentials/{credential_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vc"
    with svc.db.session() as session:
        stored = session.get(CredentialRecord, credential_id).document
    assert response.content == stored
    assert json.loads(response.content) == issued["credentials"]["ob3"]
    assert verify(svc, json.loads(response.content)).verified


MANDATORY_CASES = [
    ("title", {"title": None}),
    ("learningOutcomes", {"learningOutcomes": []}),
    ("workload", {"ects": -1}),
    ("workload", {"ects": "three"}),
    ("level", {"eqfLevel": 9}),
    ("level", {"eqfLevel": None, "qfEheaCycle": None}),
    ("country", {"country": "XX"}),
    ("assessmentType", {"assessmentType": None}),
    ("participationForm", {"participation": []}),
    ("qualityAssurance", {"qualityAssurance": []}),
]


@pytest.mark.parametrize(("element", "change"), MANDATORY_CASES,
                         ids=[f"{e}-{next(iter(c))}" for e, c in MANDATORY_CASES])
def test_incomplete_definition_rejected_by_element(client: TestClient, api_key: dict,
                                                   svc: Services, element: str,
                                                   change: dict) -> None:
    spec = {k: v for k, v in {**FULL_SPEC, **change}.items() if v is not None}
    response = client.post("/achievements", json=spec, headers=api_key)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:mcred:problem:incomplete-credential"
    assert problem["elements"] == [element]


def test_every_offending_element_is_listed(client: TestClient, api_key: dict) -> None:
    spec = {**FULL_SPEC, "ects": 0, "eqfLevel": 0, "learningOutcomes": [], "country": "QQ"}
    del spec["title"]
    response = client.post("/achievements", json=spec, headers=api_key)
    assert response.status_code == 422
    assert response.json()["elements"] == ["country", "learningOutcomes", "level", "title",
                                           "workload"]


@pytest.mark.parametrize(("element", "change"), [
    ("learner", {"learner": None}),
    ("learner", {"learner": {"email": "x@example.org"}}),
    ("dateOfIssuing", {"awardedOn": None}),
    ("dateOfIssuing", {"awardedOn": "30.06.2026"}),
])
def test_incomplete_award_rejected_and_nothing_stored(client: TestClient, api_key: dict,
                                                      achievement: dict, svc: Services,
                                                      element: str, change: dict) -> None:
    body = {k: v for k, v in {**award_body(achievement["id"]), **change}.items()
            if v is not None}
    response = issue(client, api_key, body)
    assert response.status_code == 422
    assert element in response.json()["elements"]
    assert counts(svc) == (0, 0)


def test_no_api_key_no_issuing(client: TestClient, achievement: dict, admin: dict,
                               svc: Services) -> None:
    body = award_body(achievement["id"])
    assert client.post("/credentials/issue", json=body).status_code == 401
    assert client.post("/credentials/issue", json=body,
                       headers={"Authorization": "Bearer mcred_x_y"}).status_code == 403
    assert client.post("/credentials/issue", json=body, headers=admin).status_code == 403
    assert counts(svc) == (0, 0)


def test_other_issuers_achievement_is_not_found(client: TestClient, admin: dict,
                                                achievement: dict) -> None:
    other = {"slug": "uni-bologna", "legal_name": "Università di Bologna", "country": "IT",
             "url": "https://unibo.it", "email": "info@unibo.it"}
    assert client.post("/admin/issuers", json=other, headers=admin).status_code == 201
    token = client.post("/admin/issuers/uni-bologna/api-keys", headers=admin).json()["apiKey"]
    response = issue(client, {"Authorization": f"Bearer {token}"}, award_body(achievement["id"]))
    assert response.status_code == 404


def test_repeat_with_idempotency_key_returns_the_same_award(client: TestClient, api_key: dict,
                                                            achievement: dict,
                                                            svc: Services) -> None:
    body = award_body(achievement["id"], idempotencyKey="cohort-2026/B123456")
    first = issue(client, api_key, body)
    second = issue(client, api_key, body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["awardId"] == first.json()["awardId"]
    assert second.json()["created"] is False
    assert counts(svc) == (1, 2)


def test_same_learner_same_day_is_not_issued_twice(client: TestClient, api_key: dict,
                                                   achievement: dict, svc: Services) -> None:
    first = issue(client, api_key, award_body(achievement["id"]))
    body = award_body(achievement["id"])
    body["learner"]["email"] = "MARI.maasikas@example.ee"  # same person, other spelling
    second = issue(client, api_key, body)
    assert second.status_code == 200
    assert second.json()["awardId"] == first.json()["awardId"]
    assert counts(svc) == (1, 2)


def test_stacked_credential_records_its_components(client: TestClient, api_key: dict,
                                                   achievement: dict) -> None:
    stacked_spec = {**FULL_SPEC, "title": "Public Data Specialist (stack)", "ects": 6,
                    "components": [achievement["id"]]}
    stacked = client.post("/achievements", json=stacked_spec, headers=api_key).json()
    early = issue(client, api_key, award_body(stacked["id"]))
    assert early.status_code == 422
    assert early.json()["elements"] == ["integrationStackability"]

    component = issue(client, api_key, award_body(achievement["id"])).json()
    response = issue(client, api_key, award_body(stacked["id"]))
    assert response.status_code == 201
    component_id = component["credentials"]["ob3"]["id"]
    assert response.json()["credentials"]["ob3"]["composedOf"] == [component_id]
    claim = response.json()["credentials"]["elm"]["credentialSubject"]["hasClaim"][0]
    assert claim["https://w3id.org/mcred/vocab#composedOf"] == [{"id": component_id}]


@pytest.mark.parametrize("change", [{"title": "Data\x07Literacy"},
                                    {"gradeScale": ["A", "B\x00"]}])
def test_control_characters_are_refused(client: TestClient, api_key: dict,
                                        change: dict) -> None:
    response = client.post("/achievements", json={**FULL_SPEC, **change}, headers=api_key)
    assert response.status_code == 422
    assert "control characters" in response.json()["errors"][0]["message"]
