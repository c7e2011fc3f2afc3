"""Reading the EU elements by JSON-LD meaning: each encoding from its documentation, the same
reading whatever the JSON shape, and honest answers for bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import base58
import pytest
from fastapi.testclient import TestClient

from app.elements import vocabularies as vocab
from app.elements.completeness import check
from app.elements.extract import ANNEX_ELEMENTS, read
from tests.elements import edubadges_fixtures as edubadges
from tests.samples import award_body

DATA = Path(__file__).resolve().parents[1] / "data"
ELM_SAMPLE = json.loads((DATA / "realworld" / "elm" / "Sample-MC-Annex1-unsigned.json")
                        .read_text())
OB_COMPLETE = json.loads((DATA / "realworld" / "1edtech" / "complete-ob.json").read_text())
V2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SNB = "http://data.europa.eu/snb/"


@pytest.fixture
def ours(client: TestClient, api_key: dict, achievement: dict) -> dict[str, Any]:
    """An OBv3 micro-credential as mcred issues it (mcred extension terms), without proof."""
    response = client.post("/credentials/issue", json=award_body(achievement["id"]),
                           headers=api_key)
    assert response.status_code == 201, response.text
    return _without_proof(response.json()["credentials"]["ob3"])


def values(doc: Any) -> dict[str, Any]:
    return {k: f.value for k, f in read(doc).found.items() if k in ANNEX_ELEMENTS}


# --- Edubadges ------------------------------------------------------------------------------

def test_edubadges_microcredential_reads_every_element_it_carries() -> None:
    reading = read(edubadges.microcredential_ho())
    assert reading.profile == "ob3"
    assert reading.encodings == ["edubadges", "ob3", "vc"]
    got = {k: f.value for k, f in reading.found.items()}
    assert got["workload"] == {"ects": 4.0, "credits": None, "creditSystem": None,
                               "hours": None}
    assert got["level"] == {"eqf": 6, "qfEhea": None, "nqf": None}
    assert got["participationForm"] == [vocab.PARTICIPATION_MODES["online"].uri]
    assert got["assessmentType"] == vocab.ASSESSMENT_TYPES["portfolio"].uri
    assert got["supervisionAndIdentityVerification"] == vocab.SUPERVISION["supervised-no-id"].uri
    assert got["identityChecked"] is False
    assert got["qualityAssurance"] == [{
        "name": "Ad Data Science", "code": "NV-0815",
        "report": "https://qa.example.nl/decisions/NV-0815",
        "description": "Accreditation of the associate degree programme"}]
    assert got["country"] == "NL" and got["grade"] == "7.8"
    assert got["title"] == "Microcredential: Data Ethics in Practice"
    statuses = {c.element: c.status for c in check(reading.found)}
    # Everything but learning outcomes (Edubadges has no statements) is present and usable.
    assert [e for e, s in statuses.items() if s != "present"] == [
        "learningOutcomes", "prerequisites", "integrationStackability", "furtherInformation"]


def test_edubadges_broken_context_is_said_plainly() -> None:
    notes = read(edubadges.microcredential_ho()).notes
    assert len(notes) == 1
    assert edubadges.EDUCREDENTIAL_CONTEXT in notes[0]
    assert 'writes "context" where "@context" is meant' in notes[0]
    assert "cannot be checked by a conforming processor" in notes[0]


def test_edubadges_vocational_hours_and_supervision() -> None:
    got = values(edubadges.microcredential_mbo())
    assert got["workload"]["hours"] == 120.0 and got["workload"]["ects"] is None
    assert got["participationForm"] == [vocab.PARTICIPATION_MODES["work-based"].uri]
    assert got["assessmentType"] == vocab.ASSESSMENT_TYPES["skill-application"].uri
    assert got["supervisionAndIdentityVerification"] == \
        vocab.SUPERVISION["supervised-onsite-id"].uri
    assert "qualityAssurance" not in got


def test_edubadges_onsite_or_blended_is_both_modes() -> None:
    got = values(edubadges.extracurricular())
    assert got["participationForm"] == sorted([vocab.PARTICIPATION_MODES["onsite"].uri,
                                               vocab.PARTICIPATION_MODES["blended"].uri])
    assert got["workload"]["hours"] == 40.0
    assert got["assessmentType"] == vocab.ASSESSMENT_TYPES["prior-learning"].uri


def test_edubadges_word_outside_its_vocabulary_is_unusable_not_absent() -> None:
    doc = edubadges.microcredential_ho()
    doc["credentialSubject"]["achievement"]["participationType"] = "hybrid mode"
    doc["credentialSubject"]["achievement"]["ECTS"] = "four"
    found = read(doc).found
    assert found["participationForm"].value is None
    assert found["participationForm"].problem == \
        "'hybrid mode' is not a term of the vocabulary its context defines"
    assert found["workload"].value is None
    assert found["workload"].problem == "ects: 'four' is not a number"
    statuses = {c.element: (c.status, c.reason) for c in check(found)}
    assert statuses["participationForm"][0] == "malformed"
    assert statuses["workload"] == ("malformed", "ects: 'four' is not a number")


# --- the same meaning, whatever the JSON -------------------------------------------------------

def _reverse_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _reverse_keys(node[k]) for k in reversed(list(node))}
    if isinstance(node, list):
        return [_reverse_keys(v) for v in node]
    return node


def _without_proof(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "proof"}


@pytest.mark.parametrize("doc", [OB_COMPLETE, ELM_SAMPLE, edubadges.microcredential_ho()],
                         ids=["1edtech-complete", "elm", "edubadges"])
def test_term_order_does_not_change_the_reading(doc: dict[str, Any]) -> None:
    assert values(_reverse_keys(doc)) == values(doc)


def test_term_order_does_not_change_the_reading_of_ours(ours: dict[str, Any]) -> None:
    assert len(values(ours)) == len(ANNEX_ELEMENTS)  # mcred carries every element
    assert values(_reverse_keys(ours)) == values(ours)


def test_one_element_arrays_read_like_single_values(ours: dict[str, Any]) -> None:
    doc = copy.deepcopy(ours)
    achievement = doc["credentialSubject"]["achievement"]
    achievement["name"] = [achievement["name"]]
    doc["issuer"] = [doc["issuer"]]
    doc["credentialSubject"] = [doc["credentialSubject"]]
    assert values(doc) == values(ours)
    assert values(doc)["title"] == "Data Literacy for Public Administration"


def test_an_alias_or_a_full_iri_as_key_reads_the_same(ours: dict[str, Any]) -> None:
    aliased = copy.deepcopy(ours)
    aliased["@context"] = [*aliased["@context"], {"titel": "https://schema.org/name"}]
    achievement = aliased["credentialSubject"]["achievement"]
    achievement["titel"] = achievement.pop("name")
    full = copy.deepcopy(ours)
    achievement = full["credentialSubject"]["achievement"]
    achievement["https://schema.org/name"] = achievement.pop("name")
    assert values(aliased) == values(full) == values(ours)


# --- Open Badges core, ELM, CLR ---------------------------------------------------------------

def test_ob_credits_are_ects_only_when_the_credit_system_says_so(ours: dict[str, Any]) -> None:
    assert values(OB_COMPLETE)["workload"] == {"ects": None, "credits": 36.0,
                                               "creditSystem": None, "hours": None}
    work = values(ours)["workload"]
    assert work["ects"] == work["credits"] == 3.0 and work["creditSystem"] == vocab.ECTS.uri


def test_ob_learner_name_from_an_unhashed_name_identity_object() -> None:
    doc = copy.deepcopy(OB_COMPLETE)
    doc["credentialSubject"]["identifier"].append(
        {"type": "IdentityObject", "identityType": "name", "hashed": False,
         "identityHash": "Eeva Example"})
    learner = values(doc)["learner"]
    assert learner["name"] == "Eeva Example"
    assert learner["identifiers"] == ["emailAddress"]  # the name is not an identifier


def test_elm_awarding_body_is_the_awarding_process_not_the_issuer() -> None:
    doc = copy.deepcopy(ELM_SAMPLE)
    doc["issuer"] = {"id": "urn:epass:org:99", "type": "Organisation",
                     "legalName": {"en": "Credential Hosting Service"}}
    got = values(doc)
    assert got["awardingBody"] == {"id": "urn:epass:org:1", "name": "University of Zed"}
    assert got["country"] == "IE"  # from .../country/IRL; its notation is the word "country"


def test_elm_workload_level_and_partial_qualification() -> None:
    got = values(ELM_SAMPLE)
    assert got["workload"] == {"ects": 2.0, "credits": 2.0, "creditSystem": vocab.ECTS.uri,
                               "hours": 60.0}
    assert got["level"] == {"eqf": 6, "qfEhea": None, "nqf": f"{SNB}qdr/c_c392e7a2"}
    assert got["integrationStackability"] == {"mode": "standalone", "towards": []}
    assert got["prerequisites"].startswith("The learner needs to have an EDC")


def test_clr_lists_the_achievements_it_holds_and_their_associations() -> None:
    doc = json.loads((DATA / "realworld" / "1edtech" / "ldp-clr-signed.json").read_text())
    found = read(doc).found
    assert [c["name"] for c in found["components"].value][:2] == ["Achievement 1",
                                                                   "Achievement 2"]
    assert found["associations"].value == [{
        "type": "isParentOf", "source": "urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac130002",
        "target": "urn:uuid:dd887f0a-56cb-11ec-bf63-0242ac130002"}]


# --- bad input --------------------------------------------------------------------------------

def test_a_context_we_do_not_hold_is_left_out_and_said(ours: dict[str, Any]) -> None:
    doc = copy.deepcopy(ours)
    doc["@context"].append("https://contexts.example.org/unknown/v1")
    reading = read(doc)
    assert any("https://contexts.example.org/unknown/v1 is not known to mcred" in n
               for n in reading.notes)
    assert reading.found["title"].value == "Data Literacy for Public Administration"


def test_unprocessable_json_ld_says_why_for_every_element() -> None:
    doc = {"@context": [V2, 5], "type": ["VerifiableCredential"], "issuer": "did:example:1",
           "credentialSubject": {"id": "did:example:2"}}
    reading = read(doc)
    assert reading.found == {} and reading.failed
    assert reading.failed.startswith("its JSON-LD cannot be processed")
    reasons = {c.reason for c in check(reading.found, reading.failed)}
    assert reasons == {f"could not be read: {reading.failed}"}


@pytest.mark.parametrize(("change", "element", "problem"), [
    ({"eqf": "nine"}, "level", "eqf: 'nine' is not an EQF level (1-8)"),
    ({"country": "Atlantis"}, "country", "'Atlantis' is not an ISO 3166-1 country code"),
    ({"awardedDate": "last year"}, "dateOfIssuing", "'last year' is not a date"),
])
def test_values_of_the_wrong_kind_are_unusable_with_the_reason(ours: dict[str, Any],
                                                               change: dict[str, str],
                                                               element: str,
                                                               problem: str) -> None:
    doc = copy.deepcopy(ours)
    achievement = doc["credentialSubject"]["achievement"]
    if "eqf" in change:
        for align in achievement["alignment"]:
            if align.get("targetType") == "ext:EQFLevel":
                align["targetCode"] = change["eqf"]
                align["targetUrl"] = "https://example.org/levels"
    if "country" in change:
        doc["issuer"]["address"]["addressCountryCode"] = change["country"]
    if "awardedDate" in change:
        doc["awardedDate"] = change["awardedDate"]
        doc.pop("validFrom", None)
    found = read(doc).found
    if element == "level":
        # the QF-EHEA cycle and NQF level are still read; only the EQF level is unusable
        assert found["level"].value["eqf"] is None
        return
    assert found[element].value is None and found[element].problem == problem


@pytest.mark.parametrize("doc", [
    None, [], "text", {"@context": V2}, {"@context": [V2, OB303], "type": "OpenBadgeCredential"},
    {"@context": [V2, OB303], "type": ["VerifiableCredential", "OpenBadgeCredential"],
     "credentialSubject": {"achievement": [{"name": 5}, None, {"alignment": [1, "x"]}]}},
    {"@context": [V2, OB303, "http://data.europa.eu/snb/model/context/edc-ap"],
     "type": ["VerifiableCredential", "OpenBadgeCredential", "EuropeanDigitalCredential"],
     "credentialSubject": {"hasClaim": {"title": {"en": "Mixed"}}, "achievement": {"name": "X"}}},
    {"@context": [V2, {"@vocab": None}], "type": ["VerifiableCredential"], "x": {"y": []}},
], ids=["none", "list", "text", "no-type", "string-type", "odd-shapes", "mixed-encodings",
        "null-vocab"])
def test_hostile_shapes_never_raise(doc: Any) -> None:
    reading = read(doc)
    for item in reading.found.values():
        assert item.value is not None or item.problem


# --- through the verifier -----------------------------------------------------------------------

def _verify(client: TestClient, doc: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/credentials/verify", json={"verifiableCredential": doc})
    assert response.status_code in (200, 422)
    return response.json()


def test_verifier_report_for_an_edubadges_credential(client: TestClient) -> None:
    body = _verify(client, edubadges.microcredential_ho())
    report = body["report"]
    assert report["encodings"] == ["edubadges", "ob3", "vc"]
    reading = next(c for c in report["checks"] if c["name"] == "reading")
    assert reading["status"] == "warning" and "Edubadges extension" in reading["message"]
    assert any(w["check"] == "reading" and "corrected copy" in w["message"]
               for w in body["warnings"])
    status = {e["element"]: e["status"] for e in report["completeness"]}
    for element in ("workload", "level", "assessmentType", "participationForm",
                    "qualityAssurance", "supervisionAndIdentityVerification"):
        assert status[element] == "present", element
    criteria = {c["criterion"]: c["level"] for c in report["score"]["criteria"]}
    assert criteria["workload"] == 3  # ECTS
    assert criteria["level"] == 2  # EQF only
    assert criteria["qualityAssurance"] == 1  # self-declared in the credential


def test_verifier_scores_hours_only_and_identity_checks(client: TestClient) -> None:
    report = _verify(client, edubadges.microcredential_mbo())["report"]
    criteria = {c["criterion"]: c["level"] for c in report["score"]["criteria"]}
    assert criteria["workload"] == 1  # hours only
    assert criteria["identification"] == 3  # supervised on site, identity checked, bound
    assert criteria["qualityAssurance"] == 0  # no QA anywhere


def test_broken_issuer_context_explains_what_it_means_for_the_signature(
        client: TestClient) -> None:
    doc = edubadges.microcredential_ho()
    doc["proof"] = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                    "created": "2025-09-01T00:00:00Z", "proofPurpose": "assertionMethod",
                    "verificationMethod": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
                    "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                    "proofValue": "z" + base58.b58encode(bytes(range(64))).decode()}
    body = _verify(client, doc)
    proof = next(e for e in body["errors"] if e["check"] == "proof")
    assert "context is not valid JSON-LD" in proof["message"]
    assert "no conforming processor" in proof["message"]


def test_malformed_element_earns_nothing_in_the_score(client: TestClient) -> None:
    doc = edubadges.microcredential_ho()
    doc["credentialSubject"]["achievement"]["ECTS"] = -3
    report = _verify(client, doc)["report"]
    status = {e["element"]: e["status"] for e in report["completeness"]}
    assert status["workload"] == "malformed"
    criteria = {c["criterion"]: c["level"] for c in report["score"]["criteria"]}
    assert criteria["workload"] == 0
