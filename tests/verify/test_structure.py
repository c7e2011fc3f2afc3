"""The verifier reports what the VC Data Model forbids (one case per rule, the same cases the
issuer refuses: tests/credentials/structure_cases.py) as a failed `format` check naming the
field, even on a credential whose signature holds; and the verifier's date-order rule."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey

from app.dids.didkey import did_key_for, did_key_verification_method
from app.proofs.dataintegrity import JCS, RDFC, add_proof
from app.proofs.multikey import encode_public_key
from tests.credentials.structure_cases import CASES, V1, V2, well_formed

KEY = SigningKey(b"\x5a" * 32)
PUBLIC = encode_public_key(bytes(KEY.verify_key))
ISSUER = did_key_for(PUBLIC)
DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v2"


def signed(doc: dict[str, Any], suite: str = JCS) -> dict[str, Any]:
    if doc["@context"][0] == V1:
        doc["@context"] = [*doc["@context"], DATA_INTEGRITY]
    return add_proof(doc, KEY, did_key_verification_method(PUBLIC), cryptosuite=suite)


def verify(client: TestClient, vc: dict[str, Any]) -> Any:
    return client.post("/credentials/verify", json={"verifiableCredential": vc})


# credentialStatus entries are read by the status check (test below), not by `format`.
FORMAT_CASES = [name for name, case in CASES.items()
                if not case.field.startswith("credentialStatus")]
STATUS_CASES = [name for name in CASES if name not in FORMAT_CASES]


@pytest.mark.parametrize("case", FORMAT_CASES)
def test_verify_reports_a_structure_rule_broken_as_format(client: TestClient,
                                                         case: str) -> None:
    rule = CASES[case]
    response = verify(client, signed(rule.credential(issuer=ISSUER)))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["verified"] is False
    [error] = body["errors"]
    assert error["check"] == "format"
    assert rule.field in error["message"]
    assert {"field": rule.field, "code": rule.code} in [
        {"field": e["field"], "code": e["code"]} for e in error["errors"]]
    assert [c["name"] for c in body["report"]["checks"]] == ["format"]


@pytest.mark.parametrize("case", STATUS_CASES)
def test_a_malformed_status_entry_fails_the_status_check(client: TestClient,
                                                         case: str) -> None:
    """The status check reads every entry and never fails open: an entry without a type (or,
    in 1.1, without an id, here of a type we do not read) is "could not be checked"."""
    response = verify(client, signed(CASES[case].credential(issuer=ISSUER)))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["verified"] is False
    [error] = body["errors"]
    assert error["check"] == "status"
    assert error["message"].startswith("status could not be checked: status method")
    assert {c["name"]: c["status"] for c in body["report"]["checks"]}["format"] == "passed"


@pytest.mark.parametrize("version", ["2.0", "1.1"])
@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_the_same_objects_well_formed_verify(client: TestClient, version: str,
                                             suite: str) -> None:
    response = verify(client, signed(well_formed(version, issuer=ISSUER), suite))
    assert response.status_code == 200, response.text
    assert response.json()["report"]["checks"][0] == {
        "name": "format", "status": "passed",
        "message": f"a VC Data Model {version} credential", "details": {"dataModel": version}}


def test_a_subject_with_only_an_id_verifies(client: TestClient) -> None:
    doc = {"@context": [V2], "type": ["VerifiableCredential"], "issuer": ISSUER,
           "credentialSubject": {"id": "did:example:subject"}}
    assert verify(client, signed(doc)).status_code == 200


def test_null_status_or_evidence_is_no_value_not_a_malformed_one(client: TestClient) -> None:
    doc = {"@context": [V2], "type": ["VerifiableCredential"], "issuer": ISSUER,
           "credentialSubject": {"id": "did:example:subject"}, "credentialStatus": None,
           "evidence": []}
    assert verify(client, signed(doc)).status_code == 200


@pytest.mark.parametrize(("version", "start", "end"), [("2.0", "validFrom", "validUntil"),
                                                        ("1.1", "issuanceDate",
                                                         "expirationDate")])
def test_end_before_start_fails_validity(client: TestClient, version: str, start: str,
                                         end: str) -> None:
    doc = well_formed(version, issuer=ISSUER)
    doc |= {start: "2024-06-01T00:00:00Z", end: "2024-05-01T00:00:00Z"}
    response = verify(client, signed(doc))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error == {"check": "validity", "message": f"{end} 2024-05-01T00:00:00Z is before"
                     f" {start} 2024-06-01T00:00:00Z"}
