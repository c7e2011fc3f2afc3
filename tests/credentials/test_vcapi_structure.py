"""Issuing refuses what the VC Data Model forbids (one case per rule, see structure_cases):
422 `invalid-credential` naming the field, and the same objects well formed are issued."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.credentials.structure_cases import CASES, well_formed
from tests.credentials.test_vcapi import issue


@pytest.mark.parametrize("case", list(CASES))
def test_issue_refuses_a_structure_rule_broken(client: TestClient, api_key: dict,
                                                case: str) -> None:
    rule = CASES[case]
    response = issue(client, api_key, rule.credential())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:mcred:problem:invalid-credential"
    assert {"field": rule.field, "code": rule.code} in [
        {"field": e["field"], "code": e.get("code")} for e in body["errors"]]
    assert rule.field in body["detail"]


@pytest.mark.parametrize("version", ["2.0", "1.1"])
def test_the_same_objects_well_formed_are_issued_and_verify(client: TestClient, api_key: dict,
                                                            version: str) -> None:
    response = issue(client, api_key, well_formed(version))
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    for key in ("credentialSchema", "termsOfUse", "evidence", "refreshService"):
        assert vc[key] == well_formed(version)[key]
    verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert verified.status_code == 200, verified.text
    assert verified.json()["report"]["checks"][0] == {
        "name": "format", "status": "passed",
        "message": f"a VC Data Model {version} credential", "details": {"dataModel": version}}


def test_every_broken_rule_is_named_at_once(client: TestClient, api_key: dict) -> None:
    credential = {**CASES["termsOfUse without type"].credential(),
                  "credentialSchema": {"type": "JsonSchema"},
                  "credentialSubject": [{"id": "did:example:subject"}, {}]}
    errors = issue(client, api_key, credential).json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("credentialSubject[1]", "no-claims"), ("credentialSchema.id", "id-required"),
        ("termsOfUse[0].type", "type-required")]


def test_a_subject_with_only_an_id_is_issued(client: TestClient, api_key: dict) -> None:
    """The suite issues `credentialSubject: {"id": …}` (credential-subject-single-id-ok)."""
    credential = {**well_formed("2.0"), "credentialSubject": {"id": "did:example:subject"}}
    assert issue(client, api_key, credential).status_code == 201


def test_issuer_of_another_did_is_still_forbidden_not_malformed(client: TestClient,
                                                               api_key: dict) -> None:
    response = issue(client, api_key, {**well_formed("2.0"),
                                       "issuer": {"id": "did:example:someone-else"}})
    assert response.status_code == 403
    assert response.json()["type"] == "urn:mcred:problem:wrong-issuer"
