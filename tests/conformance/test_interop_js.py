"""Interoperability with another implementation: Digital Bazaar's Data Integrity stack
(jsonld-signatures + eddsa-rdfc-2022 / eddsa-jcs-2022 cryptosuites, the libraries behind the
W3C vc-di-eddsa interop reports), run offline in Node.js through tests/interop/interop.mjs.
mcred's proofs must verify there, and theirs here."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import Services
from tests.credentials.test_award import verify as mcred_verify
from tests.samples import award_body

INTEROP = Path(__file__).resolve().parents[1] / "interop"
SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
V2 = "https://www.w3.org/ns/credentials/v2"
UNSIGNED = {"@context": [V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:6a4a3c0e-7f0b-4a8e-9d6e-2f9f3a1b2c3d",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": "Data Literacy", "validFrom": "2026-06-30T00:00:00Z",
            "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
                "id": "https://uni.example/achievements/1", "type": ["Achievement"],
                "name": "Data Literacy", "description": "Analyse public datasets.",
                "criteria": {"narrative": "Pass the project."}}}}
# mcred issues Open Badges only with the EU elements (tests/credentials); a plain VC here
PLAIN = {"@context": [V2], "type": ["VerifiableCredential"],
         "credentialSubject": {"id": "did:example:learner", "name": "Jane Doe"}}


@pytest.fixture(scope="session")
def node() -> str:
    executable = shutil.which("node")
    npm = shutil.which("npm")
    assert executable and npm, "Node.js and npm are needed (.ci/run installs them)"
    if not (INTEROP / "node_modules" / "jsonld-signatures").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=INTEROP, check=True,
                       capture_output=True, timeout=600)
    return executable


def js(node: str, payload: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run([node, str(INTEROP / "interop.mjs")], input=json.dumps(payload),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_mcred_award_verifies_in_digital_bazaar(node: str, client: TestClient, api_key: dict,
                                                achievement: dict) -> None:
    body = client.post("/credentials/issue", json=award_body(achievement["id"]),
                       headers=api_key).json()
    did_document = client.get("/issuers/uni-tartu/did.json").json()
    for profile in ("ob3", "elm"):
        credential = body["credentials"][profile]
        outcome = js(node, {"action": "verify", "document": credential,
                            "didDocuments": {did_document["id"]: did_document}})
        assert outcome == {"verified": True}, (profile, outcome)
        tampered = copy.deepcopy(credential)
        tampered["validFrom"] = "2020-01-01T00:00:00Z"
        outcome = js(node, {"action": "verify", "document": tampered,
                            "didDocuments": {did_document["id"]: did_document}})
        assert outcome["verified"] is False, profile


@pytest.mark.parametrize("suite", SUITES)
def test_mcred_vcapi_credential_as_did_key_verifies_in_digital_bazaar(
        node: str, client: TestClient, api_key: dict, admin: dict, suite: str) -> None:
    did_key = client.get("/admin/issuers/uni-tartu", headers=admin).json()["keys"][-1]["didKey"]
    response = client.post("/credentials/issue", headers=api_key, json={
        "credential": {**copy.deepcopy(PLAIN), "issuer": did_key},
        "options": {"cryptosuite": suite}})
    assert response.status_code == 201, response.text
    credential = response.json()["verifiableCredential"]
    assert js(node, {"action": "verify", "document": credential}) == {"verified": True}
    tampered = {**credential, "credentialSubject": {**PLAIN["credentialSubject"], "name": "Eve"}}
    assert js(node, {"action": "verify", "document": tampered})["verified"] is False


@pytest.mark.parametrize("suite", SUITES)
def test_digital_bazaar_credential_verifies_in_mcred(node: str, client: TestClient,
                                                     svc: Services, suite: str) -> None:
    signed = js(node, {"action": "sign", "cryptosuite": suite, "seed": "2a" * 32,
                       "document": copy.deepcopy(UNSIGNED)})
    credential = signed["signed"]
    assert credential["issuer"] == signed["did"]
    assert mcred_verify(svc, credential).verified
    response = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    assert response.json()["report"]["headline"] == "untrusted"  # genuine; not in the registry
    tampered = {**credential, "name": "Quantum Physics PhD"}
    assert not mcred_verify(svc, tampered).verified
    assert client.post("/credentials/verify",
                       json={"verifiableCredential": tampered}).status_code == 422
