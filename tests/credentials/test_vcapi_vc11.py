"""VC 1.1 credentials through the VC-API (the vc-di-eddsa and CCG issuer suites post them):
signed as given under the 1.1 context (plus the Data Integrity context the proof needs), with
issuanceDate defaulted and never a validFrom; verified, expired and tampered as VC 1.1."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import Services
from tests.credentials.test_award import verify
from tests.credentials.test_vcapi import issue

V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v2"
DID = "did:web:mcred.test:issuers:uni-tartu"
VC11 = {"@context": [V1], "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:learner"}}


def verify_api(client: TestClient, vc: dict[str, Any]) -> Any:
    return client.post("/credentials/verify", json={"verifiableCredential": vc})


def checks(response: Any) -> dict[str, str]:
    return {c["name"]: c["status"] for c in response.json()["report"]["checks"]}


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_vc11_credential_is_issued_and_verifies(client: TestClient, api_key: dict,
                                                svc: Services, suite: str) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    response = issue(client, api_key, copy.deepcopy(VC11), {"cryptosuite": suite})
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["@context"] == [V1, DATA_INTEGRITY]
    assert vc["issuer"] == DID
    assert vc["credentialSubject"] == VC11["credentialSubject"]
    issued = datetime.fromisoformat(vc["issuanceDate"].replace("Z", "+00:00"))
    assert before <= issued <= datetime.now(UTC)
    assert "validFrom" not in vc and "validUntil" not in vc
    # Our status entries are VC 2.0 terms: a 1.1 credential gets none.
    assert "credentialStatus" not in vc
    assert vc["proof"]["type"] == "DataIntegrityProof"
    assert vc["proof"]["cryptosuite"] == suite
    assert verify(svc, vc).verified
    verified = verify_api(client, vc)
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    assert verified.json()["report"]["checks"][0]["details"] == {"dataModel": "1.1"}
    assert checks(verified)["validity"] == "passed"
    assert client.get(f"/credentials/{vc['id']}", headers=api_key).json() == vc


def test_vc11_dates_given_are_kept(client: TestClient, api_key: dict) -> None:
    credential = {**VC11, "issuanceDate": "2024-01-01T00:00:00Z",
                  "expirationDate": "2099-01-01T00:00:00Z"}
    vc = issue(client, api_key, credential).json()["verifiableCredential"]
    assert (vc["issuanceDate"], vc["expirationDate"]) == ("2024-01-01T00:00:00Z",
                                                          "2099-01-01T00:00:00Z")


def test_vc11_data_integrity_context_given_is_not_repeated(client: TestClient,
                                                           api_key: dict) -> None:
    credential = {**VC11, "@context": [V1, DATA_INTEGRITY]}
    vc = issue(client, api_key, credential).json()["verifiableCredential"]
    assert vc["@context"] == [V1, DATA_INTEGRITY]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_expired_vc11_credential_fails_validity(client: TestClient, api_key: dict,
                                                suite: str) -> None:
    credential = {**VC11, "issuanceDate": "2020-01-01T00:00:00Z",
                  "expirationDate": "2021-01-01T00:00:00Z"}
    vc = issue(client, api_key, credential, {"cryptosuite": suite}).json()[
        "verifiableCredential"]
    response = verify_api(client, vc)
    assert response.status_code == 422
    body = response.json()
    assert body["verified"] is False
    assert checks(response)["proof"] == "passed"
    assert checks(response)["validity"] == "failed"
    [error] = body["errors"]
    assert error["check"] == "validity"
    assert error["message"].startswith("expired at 2021-01-01T00:00:00Z")


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_tampered_vc11_credential_fails_proof(client: TestClient, api_key: dict,
                                              suite: str) -> None:
    vc = issue(client, api_key, copy.deepcopy(VC11), {"cryptosuite": suite}).json()[
        "verifiableCredential"]
    vc["credentialSubject"]["id"] = "did:example:someone-else"
    response = verify_api(client, vc)
    assert response.status_code == 422
    assert response.json()["verified"] is False
    assert checks(response)["proof"] == "failed"
    assert checks(response)["format"] == "passed"


def test_vc11_expiration_before_issuance_is_refused(client: TestClient, api_key: dict) -> None:
    credential = {**VC11, "issuanceDate": "2024-06-01T00:00:00Z",
                  "expirationDate": "2024-05-31T23:59:59Z"}
    response = issue(client, api_key, credential)
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:mcred:problem:invalid-credential"
    assert body["errors"] == [{"field": "expirationDate",
                               "message": "expirationDate must not be before issuanceDate"}]


def test_vc11_expiration_at_issuance_is_issued(client: TestClient, api_key: dict) -> None:
    moment = "2024-06-01T00:00:00Z"
    credential = {**VC11, "issuanceDate": moment, "expirationDate": moment}
    assert issue(client, api_key, credential).status_code == 201


@pytest.mark.parametrize("dates", [{"issuanceDate": "yesterday"},
                                   {"issuanceDate": "2024-13-01T00:00:00Z"},
                                   {"expirationDate": "2024-01-01"}])
def test_vc11_malformed_dates_are_refused(client: TestClient, api_key: dict,
                                          dates: dict[str, str]) -> None:
    response = issue(client, api_key, {**VC11, **dates})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == next(iter(dates))


def test_vc11_zoneless_issuance_date_is_signed_and_read_as_utc(client: TestClient,
                                                              api_key: dict) -> None:
    """VC 1.1 dates are XML Schema dateTime, whose zone is optional."""
    vc = issue(client, api_key, {**VC11, "issuanceDate": "2024-01-01T00:00:00"}).json()[
        "verifiableCredential"]
    response = verify_api(client, vc)
    assert response.status_code == 200
    assert {"check": "validity", "message": "issuanceDate 2024-01-01T00:00:00 has no time zone;"
            " it was read as UTC"} in response.json()["warnings"]


def test_vc20_stays_the_default_shape(client: TestClient, api_key: dict) -> None:
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                  "type": ["VerifiableCredential"],
                  "credentialSubject": {"id": "did:example:learner", "name": "Jane Doe"}}
    vc = issue(client, api_key, credential).json()["verifiableCredential"]
    assert vc["@context"] == credential["@context"]
    assert "validFrom" in vc and "issuanceDate" not in vc
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"


def test_vc20_valid_until_equal_to_valid_from_is_issued(client: TestClient,
                                                        api_key: dict) -> None:
    """VCDM 2.0 §4.9: validUntil "the same or later than" validFrom."""
    moment = "2024-06-01T00:00:00Z"
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                  "type": ["VerifiableCredential"], "validFrom": moment, "validUntil": moment,
                  "credentialSubject": {"id": "did:example:learner", "name": "Jane Doe"}}
    assert issue(client, api_key, credential).status_code == 201
