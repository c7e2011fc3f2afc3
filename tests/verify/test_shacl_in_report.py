"""EDC SHACL conformance in the verification report (issue #20): a credential the reader takes
for ELM (and a JAdES seal's payload) is validated with EDC's shapes, reported as details of the
completeness check, with a warning (never a failure) when it does not conform. Other
credentials' reports are unchanged. The verify page shows it, in English and German."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.elements import shacl
from tests import realworld
from tests.credentials.test_award import issue
from tests.samples import award_body

SAMPLE = "elm/Sample-MC-Annex1-signed-jades.json"
HTML = {"Accept": "text/html"}
CRED = "https://www.w3.org/2018/credentials#"
ELM = "http://data.europa.eu/snb/model/elm/"
EDC_WARNING = "Europass EDC shapes"


@pytest.fixture
def credentials(client: TestClient, api_key: dict, achievement: dict) -> dict[str, Any]:
    """An award's two renderings, as issued: {"ob3": …, "elm": …}."""
    response = issue(client, api_key, award_body(achievement["id"]))
    assert response.status_code == 201, response.text[:2000]
    return response.json()["credentials"]  # type: ignore[no-any-return]


@pytest.fixture
def plain_uri_elm(credentials: dict[str, Any]) -> dict[str, Any]:
    """mcred's ELM with its status resource as a plain string, as a tool might write it: the
    VC 1.1 context makes that an IRI, not the xsd:anyURI literal EDC's shapes want (one
    violation; the proof no longer matches)."""
    elm = copy.deepcopy(credentials["elm"])
    elm["credentialStatus"] = elm["credentialStatus"]["@value"]
    return elm


def verify(client: TestClient, document: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/credentials/verify", json={"verifiableCredential": document})
    assert response.status_code in (200, 422), response.text[:2000]
    return response.json()  # type: ignore[no-any-return]


def completeness(body: dict[str, Any]) -> dict[str, Any]:
    [check] = [c for c in body["report"]["checks"] if c["name"] == "completeness"]
    return check


def edc_warnings(body: dict[str, Any]) -> list[str]:
    return [w["message"] for w in body["warnings"]
            if w["check"] == "completeness" and EDC_WARNING in w["message"]]


def test_the_sealed_edc_sample_conforms_without_a_warning(client: TestClient) -> None:
    body = verify(client, realworld.load(SAMPLE))
    block = completeness(body)["details"]["shacl"]
    assert (block["status"], block["conforms"], block["shapes"], block["count"]) == \
        ("passed", True, "EDC-generic-full", 0)
    assert block["violations"] == [] and block["ms"] > 0
    assert edc_warnings(body) == []
    # a completeness input: the seal's payload still lacks the QA element, as before
    assert completeness(body)["status"] == "failed"


def test_mcred_s_own_elm_conforms_with_its_status_and_no_warning(
        client: TestClient, credentials: dict[str, Any]) -> None:
    elm = credentials["elm"]
    body = verify(client, elm)
    assert body["verified"] is True and body["report"]["profile"] == "elm"
    check = completeness(body)
    assert check["status"] == "passed" and "completeness" in body["checks"]
    block = check["details"]["shacl"]
    assert (block["status"], block["conforms"], block["count"], block["violations"]) == \
        ("passed", True, 0, [])
    assert edc_warnings(body) == []
    assert "status" in body["checks"]  # the status resource was read, and says active
    assert body["errors"] == []


def test_a_plain_string_status_uri_is_the_known_violation_as_a_warning(
        client: TestClient, plain_uri_elm: dict[str, Any]) -> None:
    body = verify(client, plain_uri_elm)
    assert [e["check"] for e in body["errors"]] == ["proof"]
    check = completeness(body)
    # the EU elements decide completeness: all present, so it passes despite the SHACL result
    assert check["status"] == "passed" and "completeness" in body["checks"]
    block = check["details"]["shacl"]
    assert (block["status"], block["conforms"], block["count"]) == ("failed", False, 1)
    [violation] = block["violations"]
    assert (violation["focus"], violation["path"], violation["severity"],
            violation["constraint"]) == (plain_uri_elm["id"], f"{CRED}credentialStatus",
                                         "violation", "Datatype")
    assert violation["message"] == "Value is not Literal with datatype xsd:anyURI"
    [warning] = edc_warnings(body)
    assert warning == ("not conformant with the Europass EDC shapes EDC-generic-full: 1 SHACL"
                       f" results, the first at {CRED}credentialStatus")
    # the verifier reads a plain string as the status resource all the same
    assert "status" in body["checks"]


def test_a_broken_elm_names_the_missing_property(client: TestClient,
                                                 credentials: dict[str, Any]) -> None:
    elm = copy.deepcopy(credentials["elm"])
    del elm["issuer"]["location"]  # mandatory for EDC's issuer
    body = verify(client, elm)
    # the signature no longer matches; the conformance is reported all the same
    assert body["verified"] is False
    assert [e["check"] for e in body["errors"]] == ["proof"]
    block = completeness(body)["details"]["shacl"]
    assert block["status"] == "failed" and block["count"] == 1
    [location] = block["violations"]
    assert location["path"] == f"{ELM}location"
    assert (location["name"], location["constraint"], location["focus"]) == \
        ("location", "MinCount", elm["issuer"]["id"])
    assert location["message"].startswith("Less than 1 values")
    assert len(edc_warnings(body)) == 1


def test_a_nested_violation_keeps_its_details(client: TestClient) -> None:
    # EDC's unsealed draft: the issuer lacks the eIDAS identifier sealing adds (a nested shape)
    body = verify(client, realworld.load("elm/Sample-MC-Annex1-unsigned.json"))
    block = completeness(body)["details"]["shacl"]
    assert [v["path"] for v in block["violations"]] == [f"{CRED}issued", f"{CRED}issuer"]
    [detail] = block["violations"][1]["details"]
    assert (detail["path"], detail["name"]) == (f"{ELM}eidasLegalIdentifier",
                                               "mandatory legal identifier")


def test_an_ob3_credential_s_report_has_no_shacl_block(client: TestClient,
                                                       credentials: dict[str, Any]) -> None:
    body = verify(client, credentials["ob3"])
    assert body["verified"] is True and body["report"]["profile"] == "ob3"
    assert "shacl" not in completeness(body).get("details", {})
    assert "Europass" not in json.dumps(body)
    assert body["checks"] == ["format", "reading", "proof", "status", "validity",
                              "completeness"]


def test_the_checks_list_of_an_elm_is_what_it_was(client: TestClient,
                                                  credentials: dict[str, Any]) -> None:
    # no check of its own: the VC-API `checks` list keeps its names
    names = [c["name"] for c in verify(client, credentials["elm"])["report"]["checks"]]
    assert names == ["format", "reading", "proof", "registry", "status", "validity",
                     "completeness", "score"]


def test_unreadable_json_ld_is_an_error_with_a_reason_not_a_500(client: TestClient) -> None:
    doc = json.loads(realworld.load(SAMPLE)["payload"])
    doc["@context"] = [*doc["@context"], {"broken": {"@id": 5}}]
    body = verify(client, doc)
    block = completeness(body)["details"]["shacl"]
    assert (block["status"], block["reason"], block["conforms"]) == \
        ("error", "unreadable-jsonld", None)
    assert "JSON-LD" in block["message"]
    assert {"check": "completeness",
            "message": "the Europass EDC shapes could not be checked (unreadable-jsonld)"} in \
        body["warnings"]


def test_a_second_verification_is_answered_from_the_cache(client: TestClient,
                                                          credentials: dict[str, Any]) -> None:
    shacl._CACHE.clear()
    first = completeness(verify(client, credentials["elm"]))["details"]["shacl"]
    second = completeness(verify(client, credentials["elm"]))["details"]["shacl"]
    assert (first["cached"], second["cached"]) == (False, True)
    assert {**first, "cached": True} == second
    changed = {**credentials["elm"], "name": "Another name"}
    assert completeness(verify(client, changed))["details"]["shacl"]["cached"] is False
    assert shacl.document_digest(credentials["elm"]) == shacl.document_digest(
        dict(reversed(list(credentials["elm"].items()))))


def _section(page: str) -> str:
    start = page.index('<h3 id="edc-h">')
    return page[start:page.index("</details>", start)]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_page_shows_the_violation(client: TestClient, plain_uri_elm: dict[str, Any],
                                      lang: str) -> None:
    response = client.post(f"/verify?lang={lang}",
                           data={"credential": json.dumps(plain_uri_elm)}, headers=HTML)
    assert response.status_code == 422, response.text[:2000]  # the proof no longer matches
    page = response.text
    assert f'<html lang="{lang}">' in page
    section = _section(page)
    assert 'data-testid="edc-shacl" data-status="failed"' in section
    assert 'data-testid="edc-violations" open' in section
    assert f'<li data-path="{CRED}credentialStatus" data-severity="violation">' in section
    assert f"<code>{plain_uri_elm['id']}</code>" in section
    assert '<span class="meta" lang="en">Value is not Literal with datatype xsd:anyURI' in section
    if lang == "en":  # German wording arrives with the catalogues (make i18n)
        assert "1 violation</span>" in section
        assert "<strong>Credential status has a value of the wrong kind</strong>" in section
        assert "Europass conformance (EDC SHACL shapes)" in section


def test_the_page_says_the_sealed_sample_conforms(client: TestClient) -> None:
    response = client.post("/verify?lang=de", data={
        "credential": json.dumps(realworld.load(SAMPLE))}, headers=HTML)
    assert response.status_code == 200
    page = response.text
    assert 'data-testid="edc-shacl" data-status="passed"' in page
    assert 'data-testid="edc-violations"' not in page
    assert "EDC-generic-full" in page


def test_an_ob3_page_has_no_conformance_section(client: TestClient,
                                                credentials: dict[str, Any]) -> None:
    page = client.post("/verify", data={"credential": json.dumps(credentials["ob3"])},
                       headers=HTML).text
    assert 'data-testid="verification"' in page and 'id="edc-h"' not in page


def test_the_page_says_when_the_shapes_could_not_be_checked(client: TestClient) -> None:
    doc = json.loads(realworld.load(SAMPLE)["payload"])
    doc["@context"] = [*doc["@context"], {"broken": {"@id": 5}}]
    response = client.post("/verify", data={"credential": json.dumps(doc)}, headers=HTML)
    assert response.status_code in (200, 422)
    assert 'data-testid="edc-shacl" data-status="error"' in response.text
    assert "The Europass shapes could not be checked: its JSON-LD could not be read." in \
        response.text
