"""An award's ELM rendering is a European Digital Credential as EDC defines it: VC 1.1 envelope,
the published edc-ap context, EDC's credential schema and profile, concepts in their schemes;
every award's ELM passes the EDC-generic-full SHACL shapes (pyshacl) with its status (the
xsd:anyURI of its status resource), and without it (MCRED_ELM_CREDENTIAL_STATUS=false). Its
Data Integrity proof verifies here and in Digital Bazaar's implementation."""

from __future__ import annotations

import base64
import copy
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.config import Settings
from app.deps import Services
from app.elements.extract import read
from app.elements.shacl import shacl_check, shacl_report
from app.proofs.jsonld import canonize, canonize_reference
from tests.conformance.test_interop_js import js, node  # noqa: F401 (pytest fixture)
from tests.conftest import make_settings
from tests.credentials.test_award import issue, verify
from tests.samples import FULL_SPEC, LEARNER, award_body

V1 = "https://www.w3.org/2018/credentials/v1"
EDC = "http://data.europa.eu/snb/model/context/edc-ap"
DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v2"
CRED = "https://www.w3.org/2018/credentials#"
NO_STATUS = {"elm_credential_status": False}


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return make_settings(database_url, tmp_path / "keys", **getattr(request, "param", {}))


def elm_of(client: TestClient, api_key: dict, body: dict[str, Any]) -> dict[str, Any]:
    response = issue(client, api_key, body)
    assert response.status_code == 201, response.text[:2000]
    return response.json()["credentials"]["elm"]


@pytest.fixture
def elm(client: TestClient, api_key: dict, achievement: dict) -> dict[str, Any]:
    return elm_of(client, api_key, award_body(achievement["id"]))


def test_envelope_is_edc_s(elm: dict) -> None:
    assert elm["@context"] == [V1, EDC, DATA_INTEGRITY]
    assert elm["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert elm["credentialSchema"] == [{"id": "http://data.europa.eu/snb/model/ap/edc-generic-full",
                                        "type": "ShaclValidator2017"}]
    [profile] = elm["credentialProfiles"]
    assert (profile["id"], profile["inScheme"]["id"]) == (
        "http://data.europa.eu/snb/credential/e34929035b",
        "http://data.europa.eu/snb/credential/25831c2")
    assert elm["issuanceDate"] == elm["issued"] == elm["validFrom"]
    assert elm["issuer"]["legalName"] == {"en": "University of Tartu"}
    assert elm["proof"]["type"] == "DataIntegrityProof"
    assert elm["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_concepts_carry_the_schemes_edc_requires(elm: dict) -> None:
    spec = elm["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    [skill] = spec["learningOutcome"][0]["relatedESCOSkill"]
    assert skill["inScheme"] == {"id": "http://data.europa.eu/esco/concept-scheme/skills",
                                 "type": "ConceptScheme"}
    assert spec["eqfLevel"]["inScheme"]["id"] == "http://data.europa.eu/snb/eqf/25831c2"
    assert spec["thematicArea"][0]["inScheme"]["id"] == "http://data.europa.eu/snb/isced-f/25831c2"
    assert spec["language"][0]["id"] == \
        "http://publications.europa.eu/resource/authority/language/ENG"


def test_full_spec_elm_conforms_to_generic_full_with_its_status(elm: dict) -> None:
    # EDC's shapes want cred:credentialStatus as one xsd:anyURI literal: the status resource's.
    assert elm["credentialStatus"]["@type"] == "http://www.w3.org/2001/XMLSchema#anyURI"
    result = shacl_report(elm, "EDC-generic-full")
    assert (result.conforms, result.violations) == (True, [])
    # No VC status entry (an object with id and type, VC 1.1 §4.9) could be that literal.
    entry = {"id": "https://mcred.test/status-lists/1#5", "type": "BitstringStatusListEntry"}
    assert [(v["path"], v["message"]) for v in shacl_report(
        {**elm, "credentialStatus": entry}).violations] == [
        (f"{CRED}credentialStatus", "Value is not Literal with datatype xsd:anyURI")]


@pytest.mark.parametrize("settings", [NO_STATUS], indirect=True)
def test_full_spec_elm_conforms_without_status(elm: dict, svc: Services) -> None:
    assert "credentialStatus" not in elm
    result = shacl_report(elm, "EDC-generic-full")
    assert (result.conforms, result.violations) == (True, [])
    assert result.seconds < 3  # ~0.1 s for a credential once the shapes are parsed
    assert shacl_check(elm)["status"] == "passed"
    outcome = verify(svc, elm)
    assert outcome.verified, [e.to_json() for e in outcome.errors]


MINIMAL = {k: v for k, v in FULL_SPEC.items() if k in (
    "title", "description", "learningOutcomes", "ects", "eqfLevel", "assessmentType",
    "participation", "qualityAssurance")}
VARIANTS = {
    "minimal": (MINIMAL, {"learner": {"name": "Jaan Tamm"}, "grade": None}),
    "other-vocabularies": ({**FULL_SPEC, "eqfLevel": None, "assessmentType": "exam",
                            "participation": ["onsite", "volunteering"],
                            "supervision": "unsupervised-no-id", "language": "et",
                            "qualityAssurance": [{"type": "internal"}],
                            "stackability": {"mode": "standalone"}},
                           {"learner": {**LEARNER, "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiG"
                                        "iC2QtKLGpbnnEGta2doK", "includeEmail": True,
                                        "nationalId": "38001010000"},
                            "validUntil": "2031-06-30"}),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_award_s_elm_conforms(client: TestClient, api_key: dict, svc: Services,
                                    variant: str) -> None:
    spec, extra = VARIANTS[variant]
    created = client.post("/achievements", json={k: v for k, v in spec.items() if v is not None},
                          headers=api_key)
    assert created.status_code == 201, created.text
    body = {**award_body(created.json()["id"]), **extra}
    elm = elm_of(client, api_key, {k: v for k, v in body.items() if v is not None})
    assert shacl_report(elm).violations == []
    assert verify(svc, elm).verified
    assert read(elm).notes == []


def test_stacked_award_s_elm_conforms(client: TestClient, api_key: dict,
                                      achievement: dict) -> None:
    stacked = client.post("/achievements", headers=api_key, json={
        **FULL_SPEC, "title": "Public Data Specialist (stack)", "ects": 6,
        "components": [achievement["id"]]}).json()
    component = elm_of(client, api_key, award_body(achievement["id"]))
    elm = elm_of(client, api_key, award_body(stacked["id"]))
    assert shacl_report(component).violations == []
    assert shacl_report(elm).violations == []
    [part] = read(elm).found["components"].value
    assert part["id"].startswith("urn:uuid:")


def test_an_ungraded_award_was_passed_without_a_grade(client: TestClient, api_key: dict,
                                      achievement: dict) -> None:
    # EDC's LearningAssessment must have a grade; the award says the assessment was passed.
    body = award_body(achievement["id"])
    del body["grade"]
    elm = elm_of(client, api_key, body)
    [assessment] = elm["credentialSubject"]["hasClaim"][0]["provenBy"]
    assert assessment["grade"]["noteLiteral"] == {"en": "Passed"}
    assert assessment["grade"]["https://w3id.org/mcred/vocab#ungraded"] is True
    # ... which is no grade: read back, the award has none, as its OBv3 credential says.
    assert "grade" not in read(elm).found
    graded = elm_of(client, api_key, award_body(achievement["id"], awardedOn="2026-07-01"))
    assert read(graded).found["grade"].value == "B"


def test_elements_read_back_from_the_edc_rendering(elm: dict) -> None:
    reading = read(elm)
    assert reading.profile == "elm" and reading.notes == []
    found = {k: v.value for k, v in reading.found.items()}
    assert found["qualityAssurance"][0]["agency"] == "EKKA"
    assert found["integrationStackability"]["towards"] == [
        "https://ut.ee/programmes/msc-public-data"]
    assert found["fieldOfStudy"] == "http://data.europa.eu/snb/isced-f/0688"
    assert found["level"]["qfEhea"] == "https://w3id.org/mcred/vocab#qf-ehea-first"


def test_both_canonicalisation_paths_agree(elm: dict) -> None:
    unsigned = {k: v for k, v in elm.items() if k != "proof"}
    assert canonize(copy.deepcopy(unsigned)) == canonize_reference(copy.deepcopy(unsigned))


def test_proof_verifies_here_and_tampering_is_caught(elm: dict, svc: Services) -> None:
    assert verify(svc, elm).verified
    tampered = copy.deepcopy(elm)
    tampered["displayParameter"]["title"] = {"en": "Something else"}
    assert not verify(svc, tampered).verified


def test_proof_verifies_in_digital_bazaar(node: str, client: TestClient,  # noqa: F811
                                          elm: dict) -> None:
    did_document = client.get("/issuers/uni-tartu/did.json").json()
    documents = {did_document["id"]: did_document}
    assert js(node, {"action": "verify", "document": elm, "didDocuments": documents}) == \
        {"verified": True}
    tampered = copy.deepcopy(elm)
    tampered["credentialSubject"]["hasClaim"][0]["title"] = {"en": "Something else"}
    outcome = js(node, {"action": "verify", "document": tampered, "didDocuments": documents})
    assert outcome["verified"] is False


def test_ob3_rendering_is_unchanged(client: TestClient, api_key: dict, achievement: dict) -> None:
    ob3 = issue(client, api_key, award_body(achievement["id"])).json()["credentials"]["ob3"]
    assert ob3["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert ob3["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert shacl_check(ob3) == {"check": "edc-shacl", "status": "not-applicable"}


def test_status_check_reads_the_elm_status_resource(client: TestClient, api_key: dict, admin: dict,
                                          elm: dict) -> None:
    client.post(f"/admin/credentials/{elm['id']}/status", headers=admin,
                json={"action": "revoke", "reason": "issued in error"})
    report = client.post("/credentials/verify", json={"verifiableCredential": elm}).json()
    [status] = [c for c in report["report"]["checks"] if c["name"] == "status"]
    assert status["status"] == "failed" and status["message"] == "revoked"
    assert status["details"]["resource"] == elm["credentialStatus"]["@value"]


def test_share_page_says_the_europass_file_has_no_seal(client: TestClient, api_key: dict,
                                                       achievement: dict) -> None:
    issued = issue(client, api_key, award_body(achievement["id"])).json()
    page = client.get(urlsplit(issued["shareLink"]["url"]).path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    note = page.text.split('data-testid="elm-proof">', 1)[1].split("</p>", 1)[0]
    assert "Data Integrity proof (eddsa-rdfc-2022), not with an electronic seal" in note
    elm = client.get(urlsplit(issued["shareLink"]["url"]).path + "/elm.json").json()
    assert "proof" in elm and elm["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_display_page_is_a_png_of_the_credential(client: TestClient, api_key: dict,
                                                 achievement: dict, elm: dict) -> None:
    [display] = elm["displayParameter"]["individualDisplay"]
    [detail] = display["displayDetail"]
    image = detail["image"]
    assert image["contentType"]["id"] == \
        "http://publications.europa.eu/resource/authority/file-type/PNG"
    page = Image.open(io.BytesIO(base64.b64decode(image["content"])))
    assert (page.format, page.size, page.mode) == ("PNG", (842, 595), "1")
    assert len(image["content"]) < 8000  # stored with every award
    other = elm_of(client, api_key, award_body(achievement["id"], learner={"name": "Jaan Tamm"}))
    [other_display] = other["displayParameter"]["individualDisplay"]
    assert other_display["displayDetail"][0]["image"]["content"] != image["content"]
