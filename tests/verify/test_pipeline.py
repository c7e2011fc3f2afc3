"""Verification fixtures built with mcred itself: each fails exactly the expected check and
passes the others; and one credential per traffic-light outcome."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.samples import FULL_SPEC, award_body

DECIDING_AND_INFORMING = ("format", "proof", "registry", "status", "validity", "completeness")
UT = "did:web:mcred.test:issuers:uni-tartu"
QA_VALID = [{"agency": "EKKA", "agencyId": "EQAR-27", "deqarId": "DEQARINST0282",
             "esgAligned": True, "validFrom": "2020-01-01",
             "reportUrl": "https://www.eqar.eu/qa-results/report/12345"}]


def trust(client: TestClient, admin: dict, did: str, name: str, country: str,
          qa: list[dict[str, Any]] | None = None) -> int:
    response = client.post("/admin/registry", headers=admin, json={
        "dids": [did], "legalName": name, "country": country, "orgType": "hei",
        "qualityAssurance": QA_VALID if qa is None else qa})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def award(client: TestClient, key: dict, achievement_id: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/credentials/issue", json=award_body(achievement_id, **extra),
                           headers=key)
    assert response.status_code == 201, response.text
    return response.json()["credentials"]["ob3"]


def verify(client: TestClient, vc: Any, **options: Any) -> tuple[int, dict[str, Any]]:
    response = client.post("/credentials/verify",
                           json={"verifiableCredential": vc, "options": options})
    return response.status_code, response.json()


def outcome(body: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in body["report"]["checks"]
            if c["name"] in DECIDING_AND_INFORMING}


ALL_PASS = {"format": "passed", "proof": "passed", "registry": "passed", "status": "passed",
            "validity": "passed", "completeness": "passed"}


def only_failing(name: str) -> dict[str, str]:
    return {**ALL_PASS, name: "failed"}


@pytest.fixture
def trusted(client: TestClient, admin: dict, issuer: dict) -> int:
    return trust(client, admin, UT, "University of Tartu", "EE")


@pytest.fixture
def valid(client: TestClient, api_key: dict, achievement: dict, trusted: int) -> dict:
    return award(client, api_key, achievement["id"], validUntil="2030-06-30")


def test_valid_passes_everything_and_scores_green(client: TestClient, valid: dict) -> None:
    status, body = verify(client, valid)
    assert status == 200
    assert body["verified"] is True
    assert outcome(body) == ALL_PASS
    assert body["report"]["score"]["trafficLight"] == "green"
    assert body["report"]["score"]["outcome"] == "recognisable"
    assert [c["level"] for c in body["report"]["score"]["criteria"]] == [3] * 7
    assert body["report"]["registry"]["entry"]["legalName"] == "University of Tartu"
    assert (body["report"]["trusted"], body["report"]["headline"]) == (True, "verified")
    assert body["errors"] == []


@pytest.mark.parametrize("tamper", ["claims", "issuer", "dates", "proofValue"])
def test_tampered_fails_only_the_proof(client: TestClient, admin: dict, valid: dict,
                                       tamper: str) -> None:
    forged = copy.deepcopy(valid)
    if tamper == "claims":
        forged["credentialSubject"]["achievement"]["name"] = "Quantum Physics PhD"
    elif tamper == "issuer":
        trust(client, admin, "did:web:mcred.test:issuers:uni-forged", "Forged U", "EE")
        forged["issuer"]["id"] = "did:web:mcred.test:issuers:uni-forged"
    elif tamper == "dates":
        forged["validFrom"] = "2026-01-01T00:00:00Z"
    else:
        value = forged["proof"][0]["proofValue"]
        forged["proof"][0]["proofValue"] = value[:-2] + ("11" if value[-2:] != "11" else "22")
    status, body = verify(client, forged)
    assert status == 422 and body["verified"] is False
    assert outcome(body) == only_failing("proof")
    assert body["errors"][0]["check"] == "proof"
    assert body["report"]["score"]["trafficLight"] == "red"  # verification is a gatekeeper


def test_expired_and_not_yet_valid_fail_only_validity(client: TestClient, valid: dict) -> None:
    status, body = verify(client, valid, at="2031-01-01T00:00:00Z")
    assert status == 422 and outcome(body) == only_failing("validity")
    assert "expired at 2030-06-30T00:00:00Z" in body["errors"][0]["message"]
    status, body = verify(client, valid, at="2020-01-01T00:00:00Z")
    assert status == 422 and outcome(body) == only_failing("validity")
    assert body["errors"][0]["message"].startswith("not yet valid")


def test_revoked_fails_only_status(client: TestClient, api_key: dict, valid: dict) -> None:
    client.post("/credentials/status", headers=api_key,
                json={"credentialId": valid["id"], "action": "revoke", "reason": "error"})
    status, body = verify(client, valid)
    assert status == 422 and outcome(body) == only_failing("status")
    assert body["errors"][0]["message"] == "revoked"


def test_suspended_fails_only_status(client: TestClient, admin: dict, achievement: dict) -> None:
    body = {"slug": "uni-ghent", "legal_name": "Ghent University", "country": "BE",
            "url": "https://ugent.be", "email": "info@ugent.be", "suspension": True}
    client.post("/admin/issuers", json=body, headers=admin)
    key = {"Authorization": "Bearer " + client.post("/admin/issuers/uni-ghent/api-keys",
                                                    headers=admin).json()["apiKey"]}
    trust(client, admin, "did:web:mcred.test:issuers:uni-ghent", "Ghent University", "BE")
    ghent = client.post("/achievements", json=FULL_SPEC, headers=key).json()
    vc = award(client, key, ghent["id"])
    client.post("/credentials/status", headers=key,
                json={"credentialId": vc["id"], "action": "suspend", "reason": "inquiry"})
    status, result = verify(client, vc)
    assert status == 422 and outcome(result) == only_failing("status")
    assert result["errors"][0]["message"] == "suspended"


def test_unknown_issuer_fails_only_registry_and_is_a_warning(client: TestClient, api_key: dict,
                                                             achievement: dict) -> None:
    vc = award(client, api_key, achievement["id"])
    status, body = verify(client, vc)
    assert status == 200 and body["verified"] is True  # untrusted is not unverified (VC-API)
    assert outcome(body) == only_failing("registry")
    assert any(w["check"] == "registry" for w in body["warnings"])
    assert body["report"]["registry"] == {"found": False}
    assert (body["report"]["trusted"], body["report"]["headline"]) == (False, "untrusted")


def test_issuer_whose_qa_expired_fails_only_registry(client: TestClient, admin: dict,
                                                     api_key: dict, achievement: dict) -> None:
    expired = [{**QA_VALID[0], "validFrom": "2015-01-01", "validUntil": "2021-12-31"}]
    trust(client, admin, UT, "University of Tartu", "EE", expired)
    vc = award(client, api_key, achievement["id"])
    _, body = verify(client, vc)
    assert outcome(body) == only_failing("registry")
    assert "no quality assurance valid on the issuance date 2026-06-30" in next(
        c["message"] for c in body["report"]["checks"] if c["name"] == "registry")


def test_suspended_registry_entry_fails_registry(client: TestClient, admin: dict,
                                                 trusted: int, valid: dict) -> None:
    client.post(f"/admin/registry/{trusted}/status", headers=admin,
                json={"status": "suspended", "reason": "accreditation withdrawn"})
    _, body = verify(client, valid)
    assert outcome(body) == only_failing("registry")


def test_missing_elements_fail_only_completeness(client: TestClient, api_key: dict,
                                                 trusted: int) -> None:
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                  "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:x"}}
    vc = client.post("/credentials/issue", json={"credential": credential},
                     headers=api_key).json()["verifiableCredential"]
    status, body = verify(client, vc)
    assert status == 200
    assert outcome(body) == only_failing("completeness")
    missing = {e["element"] for e in body["report"]["completeness"]
               if e["mandatory"] and e["status"] == "missing"}
    assert {"title", "learningOutcomes", "workload", "level", "qualityAssurance"} <= missing
    present = {e["element"]: e["path"] for e in body["report"]["completeness"]
               if e["status"] == "present"}
    # Paths name what was read by meaning (VC data model IRIs), whatever the JSON keys were.
    assert present == {"awardingBody": "cred:issuer", "dateOfIssuing": "cred:validFrom",
                       "learner": "cred:credentialSubject"}
    assert body["report"]["profile"] == "vc"


def test_orange_outcome(client: TestClient, api_key: dict, trusted: int) -> None:
    spec = {k: v for k, v in FULL_SPEC.items() if k not in (
        "qfEheaCycle", "nqfLevel", "workloadHours", "gradeScale")}
    spec.update({"learningOutcomes": [{"statement": "Explain open data licences."}],
                 "supervision": "unsupervised-no-id",
                 "qualityAssurance": [{"type": "internal"}], "stackability": None})
    spec = {k: v for k, v in spec.items() if v is not None}
    achievement = client.post("/achievements", json=spec, headers=api_key).json()
    body = award_body(achievement["id"])
    del body["grade"]
    vc = client.post("/credentials/issue", json=body, headers=api_key).json()[
        "credentials"]["ob3"]
    _, result = verify(client, vc)
    score = result["report"]["score"]
    levels = {c["criterion"]: c["level"] for c in score["criteria"]}
    assert levels == {"qualityAssurance": 2, "verification": 3, "level": 2,
                      "learningOutcomes": 2, "workload": 3, "assessment": 1,
                      "identification": 1}
    assert (score["trafficLight"], score["outcome"]) == ("orange", "context-dependent")


def test_red_outcome(client: TestClient, api_key: dict) -> None:
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                  "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:x"}}
    vc = client.post("/credentials/issue", json={"credential": credential},
                     headers=api_key).json()["verifiableCredential"]
    _, body = verify(client, vc)
    score = body["report"]["score"]
    assert (score["trafficLight"], score["outcome"]) == ("red", "not-recognisable")
    assert "gatekeeping" in score["because"]


def test_rubric_changes_weights_without_code(client: TestClient, valid: dict) -> None:
    _, body = verify(client, valid, rubric="admissions")
    weights = {c["criterion"]: c["weight"] for c in body["report"]["score"]["criteria"]}
    assert weights["level"] == 2 and weights["qualityAssurance"] == 2 and weights["workload"] == 1
    assert body["report"]["score"]["rubric"] == "admissions"
    assert client.post("/credentials/verify", json={"verifiableCredential": valid,
                                                    "options": {"rubric": "nope"}}
                       ).status_code == 400
