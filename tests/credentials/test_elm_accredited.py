"""An award of an issuer whose external accreditation the registry knows (an ESG QA record
covering the award date, its agency's country known) has an EDC-accredited ELM rendering:
evidence with one elm:Accreditation, credentialSchema edc-accredited and the Accredited
credential profile, 0 violations under EDC-accredited and EDC-generic-full. Without a known
accreditation the rendering stays generic-full (0 violations), as before."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.credentials.accreditation import Accreditation, accreditation_for
from app.deps import Services
from app.elements.extract import read
from app.elements.model import MicroCredentialSpec
from app.elements.shacl import shacl_check, shacl_report
from app.registry.schemas import RegistryEntryOut
from app.registry.service import Lookup
from tests.credentials.test_award import issue, verify
from tests.samples import FULL_SPEC, award_body

DID = "did:web:mcred.test:issuers:uni-tartu"  # the issuer fixture's DID
AWARDED = date(2026, 6, 30)  # award_body's awardedOn
EKKA = {"agency": "EKKA", "agencyId": "27", "agencyCountry": "EE", "esgAligned": True,
        "validFrom": "2020-01-01", "validUntil": "2026-12-31",
        "reportUrl": "https://backend.deqar.eu/reports/EKKA/report-5001.pdf"}
ACCREDITED_SCHEMA = "http://data.europa.eu/snb/model/ap/edc-accredited"
GENERIC_SCHEMA = "http://data.europa.eu/snb/model/ap/edc-generic-full"
ACCREDITED_PROFILE = "http://data.europa.eu/snb/credential/c_ae121a00"
GENERIC_PROFILE = "http://data.europa.eu/snb/credential/e34929035b"


def lookup(*records: dict[str, Any], status: str = "active") -> Lookup:
    entry = RegistryEntryOut.model_validate(
        {"id": 1, "source": "manual", "dids": [DID], "legalName": "University of Tartu",
         "country": "EE", "status": status, "qualityAssurance": list(records)})
    return Lookup(entry, True, [])


def spec(*qa: dict[str, Any]) -> MicroCredentialSpec:
    return MicroCredentialSpec.model_validate({**FULL_SPEC, "qualityAssurance": list(qa)})


INSTITUTIONAL = {"type": "external-institutional", "agency": "EKKA"}


def test_an_institutional_record_covering_the_award_date_accredits() -> None:
    found = accreditation_for(spec(INSTITUTIONAL), lookup(EKKA), AWARDED)
    assert found == Accreditation(
        kind="external-institutional", agency="EKKA", agency_country="EE",
        valid_from=date(2020, 1, 1), valid_until=date(2026, 12, 31), agency_id="27",
        report="https://backend.deqar.eu/reports/EKKA/report-5001.pdf")
    # ... also for an achievement that claims internal QA only: it accredits the issuer
    assert accreditation_for(spec({"type": "internal"}), lookup(EKKA), AWARDED) == found


@pytest.mark.parametrize(("record", "status", "why"), [
    ({**EKKA, "validUntil": "2026-06-29"}, "active", "expired the day before the award"),
    ({**EKKA, "validFrom": "2026-07-01", "validUntil": None}, "active", "starts after it"),
    ({**EKKA, "agencyCountry": None}, "active", "agency's country unknown"),
    ({**EKKA, "esgAligned": False}, "active", "not in line with the ESG"),
    ({**EKKA, "source": "deqar", "status": "voluntary", "decision": "positive"}, "active",
     "voluntary, not official external QA"),
    ({**EKKA, "source": "deqar", "status": "part of obligatory EQA system",
      "decision": "negative"}, "active", "negative decision"),
    (EKKA, "suspended", "the registry entry is suspended"),
])
def test_no_accreditation(record: dict[str, Any], status: str, why: str) -> None:
    assert accreditation_for(spec(INSTITUTIONAL), lookup(record, status=status),
                             AWARDED) is None, why


def test_a_deqar_record_borrows_its_agency_s_country_from_another_record() -> None:
    # DEQAR's reports name the agency, not its country; a hand-entered record of the same
    # agency (by EQAR id) gives it.
    deqar = {**EKKA, "agency": "Estonian Quality Agency for Education", "agencyCountry": None,
             "source": "deqar", "reportId": "5001", "activityType": "institutional",
             "decision": "positive", "status": "part of obligatory EQA system"}
    older = {**EKKA, "validFrom": "2012-01-01", "validUntil": "2018-12-31"}
    found = accreditation_for(spec({"type": "external-institutional"}),
                              lookup(deqar, older), AWARDED)
    assert found is not None
    assert (found.agency, found.agency_country, found.report_id) == (
        "Estonian Quality Agency for Education", "EE", "5001")
    assert accreditation_for(spec(INSTITUTIONAL), lookup(deqar), AWARDED) is None


def test_a_programme_record_accredits_only_the_achievement_that_claims_it() -> None:
    programme = {**EKKA, "source": "deqar", "activityType": "programme", "reportId": "5002",
                 "decision": "positive", "status": "part of obligatory EQA system",
                 "programmes": ["Data Science (second cycle)"], "reportUrl": None}
    claimed = {"type": "external-programme", "agency": "ekka",
               "deqarReport": "https://www.eqar.eu/qa-results/report/5002"}
    found = accreditation_for(spec(claimed), lookup(programme), AWARDED)
    assert found is not None and found.kind == "external-programme"
    assert found.report == "https://www.eqar.eu/qa-results/report/5002"  # the element's
    assert accreditation_for(spec(INSTITUTIONAL), lookup(programme), AWARDED) is None
    other_agency = {**claimed, "agency": "ASIIN"}
    assert accreditation_for(spec(other_agency), lookup(programme), AWARDED) is None


def test_the_latest_starting_record_wins_and_an_element_without_agency_takes_any() -> None:
    earlier = {**EKKA, "agency": "AAQ", "agencyCountry": "CH", "validFrom": "2019-01-01"}
    later = {**EKKA, "validFrom": "2022-01-01"}
    found = accreditation_for(spec({"type": "external-institutional"}),
                              lookup(earlier, later), AWARDED)
    assert found is not None and (found.agency, found.valid_from) == ("EKKA", date(2022, 1, 1))
    # the element's agency picks its record over a later one
    named = accreditation_for(spec({"type": "external-institutional", "agency": "aaq"}),
                              lookup(earlier, later), AWARDED)
    assert named is not None and (named.agency, named.agency_country) == ("AAQ", "CH")


def register(client: TestClient, admin: dict, *records: dict[str, Any]) -> None:
    response = client.post("/admin/registry", headers=admin, json={
        "dids": [DID], "legalName": "University of Tartu", "country": "EE",
        "qualityAssurance": list(records)})
    assert response.status_code == 201, response.text


def elm_of(client: TestClient, api_key: dict, achievement: dict) -> dict[str, Any]:
    response = issue(client, api_key, award_body(achievement["id"]))
    assert response.status_code == 201, response.text[:2000]
    return response.json()["credentials"]["elm"]


def test_an_accredited_issuer_s_award_passes_edc_accredited(
        client: TestClient, admin: dict, api_key: dict, achievement: dict,
        svc: Services) -> None:
    register(client, admin, EKKA)
    elm = elm_of(client, api_key, achievement)
    assert elm["credentialSchema"] == [{"id": ACCREDITED_SCHEMA, "type": "ShaclValidator2017"}]
    assert [p["id"] for p in elm["credentialProfiles"]] == [ACCREDITED_PROFILE]
    [evidence] = elm["evidence"]
    accreditation = evidence["accreditation"]
    assert accreditation["dcType"]["id"] == "http://data.europa.eu/snb/accreditation/bb4618238e"
    agent = accreditation["accreditingAgent"]
    assert agent["legalName"] == {"en": "EKKA"}
    assert agent["location"]["address"]["countryCode"]["id"] == \
        "http://publications.europa.eu/resource/authority/country/EST"
    assert accreditation["organisation"] == elm["issuer"]["id"] == DID
    assert (accreditation["valid"], accreditation["expiryDate"]) == (
        "2020-01-01T00:00:00Z", "2026-12-31T23:59:59Z")
    assert accreditation["report"]["contentURL"] == EKKA["reportUrl"]
    for profile in ("EDC-accredited", "EDC-generic-full"):
        result = shacl_report(elm, profile)
        assert (result.conforms, result.violations) == (True, []), profile
    # the verifier validates the profile the credential names
    check = shacl_check(elm)
    assert (check["status"], check["profile"], check["violations"]) == (
        "passed", "EDC-accredited", [])
    assert verify(svc, elm).verified
    assert read(elm).notes == []
    # without its evidence, EDC-accredited names what is missing
    bare = {k: v for k, v in elm.items() if k not in ("evidence", "proof")}
    assert [v["path"] for v in shacl_report(bare, "EDC-accredited").violations] == [
        "https://www.w3.org/2018/credentials#evidence"]


@pytest.mark.parametrize("records", [
    [], [{**EKKA, "validUntil": "2025-12-31"}], [{**EKKA, "agencyCountry": None}]],
    ids=["no-qa", "expired-before-award", "agency-country-unknown"])
def test_without_a_known_accreditation_the_award_stays_generic(
        client: TestClient, admin: dict, api_key: dict, achievement: dict,
        records: list[dict[str, Any]]) -> None:
    register(client, admin, *records)
    elm = elm_of(client, api_key, achievement)
    assert elm["credentialSchema"] == [{"id": GENERIC_SCHEMA, "type": "ShaclValidator2017"}]
    assert [p["id"] for p in elm["credentialProfiles"]] == [GENERIC_PROFILE]
    assert "evidence" not in elm
    result = shacl_report(elm, "EDC-generic-full")
    assert (result.conforms, result.violations) == (True, [])
    assert shacl_check(elm)["profile"] == "EDC-generic-full"

