"""SHACL validation against the Europass EDC shapes (app/elements/shacl.py, pyshacl), on EDC's
own sample credentials: the sealed one conforms to EDC-generic-full, the unsealed draft lacks
exactly what sealing adds, and a credential missing a mandatory property fails by name."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from app.elements.extract import read
from app.elements.shacl import PROFILES, SHAPES_DIR, shacl_check, shacl_report
from app.proofs.jsonld import canonize, canonize_reference
from tests.conformance.test_vendored_files import REPOSITORY_KEYS, SHA256

REALWORLD = Path(__file__).resolve().parents[1] / "data" / "realworld"
CRED = "https://www.w3.org/2018/credentials#"
ELM = "http://data.europa.eu/snb/model/elm/"


def unsigned_sample() -> dict[str, Any]:
    return json.loads((REALWORLD / "elm" / "Sample-MC-Annex1-unsigned.json").read_bytes())


def sealed_sample() -> dict[str, Any]:
    """The payload of EDC's JAdES-sealed sample: what EDC's own issuer produced."""
    jades = json.loads((REALWORLD / "elm" / "Sample-MC-Annex1-signed-jades.json").read_bytes())
    return json.loads(jades["payload"])


def paths(violations: list[dict[str, Any]]) -> list[str | None]:
    return [v["path"] for v in violations]


def test_shapes_manifest_names_source_and_digest() -> None:
    manifest = json.loads((SHAPES_DIR / "manifest.json").read_text("utf-8"))
    listed = {entry["file"] for entry in manifest["files"]}
    present = {p.name for p in SHAPES_DIR.iterdir()} - {"manifest.json", "LICENSE-EUPL-1.2.txt"}
    assert listed == present == {name for files in PROFILES.values() for name in files}
    for entry in manifest["files"]:
        assert set(entry) == REPOSITORY_KEYS
        assert entry["repository"] == "european-commission-empl/European-Learning-Model"
        assert entry["commit"] == "9d7c5d22002237c3afeb1750b7038e6fe2cdd371"
        assert entry["path"] == f"rdf/ap/edc/{entry['file']}"
        assert entry["licence"] == "EUPL-1.2" and SHA256.match(entry["sha256"])
        assert hashlib.sha256((SHAPES_DIR / entry["file"]).read_bytes()).hexdigest() == \
            entry["sha256"]
    assert (SHAPES_DIR / "LICENSE-EUPL-1.2.txt").read_text("utf-8").startswith(
        "European Union Public Licence\nV. 1.2")


def test_sealed_edc_sample_conforms_to_generic_full() -> None:
    result = shacl_report(sealed_sample(), "EDC-generic-full")
    assert result.violations == []
    assert result.conforms is True and result.profile == "EDC-generic-full"


def test_unsealed_edc_sample_lacks_what_sealing_adds() -> None:
    # EDC's issuer adds `issued` and the issuer's eIDAS identifier (from the seal's
    # certificate) when it seals; the draft has neither.
    result = shacl_report(unsigned_sample())
    assert result.conforms is False
    assert paths(result.violations) == [f"{CRED}issued", f"{CRED}issuer"]
    [issued, issuer] = result.violations
    assert issued["name"] == "issued" and issued["severity"] == "violation"
    assert issued["message"].startswith("Less than 1 values")
    [detail] = issuer["details"]
    assert (detail["path"], detail["name"]) == (f"{ELM}eidasLegalIdentifier",
                                               "mandatory legal identifier")


def test_accredited_profile_also_needs_an_accreditation_in_the_evidence() -> None:
    # EDC-accredited imports generic-full and asks the evidence for one accreditation, which
    # the generic sample's evidence has not.
    result = shacl_report(sealed_sample(), "EDC-accredited")
    assert result.conforms is False
    assert [(v["path"], v["name"]) for v in result.violations] == [
        (f"{ELM}accreditation", "evidence accreditation")]


@pytest.mark.parametrize(("remove", "path", "name"), [
    (("credentialSchema",), f"{CRED}credentialSchema", "credential schema"),
    (("credentialSubject", "hasClaim", "title"), "http://purl.org/dc/terms/title", "title"),
    (("issuer", "location"), f"{ELM}location", "location"),
])
def test_missing_mandatory_property_is_a_named_violation(remove: tuple[str, ...], path: str,
                                                         name: str) -> None:
    document = sealed_sample()
    node = document
    for key in remove[:-1]:
        node = node[key]
    del node[remove[-1]]
    result = shacl_report(document)
    assert result.conforms is False
    [violation] = result.violations
    assert (violation["path"], violation["name"], violation["severity"]) == \
        (path, name, "violation")


def test_a_wrong_concept_scheme_is_a_violation() -> None:
    document = sealed_sample()
    document["credentialProfiles"]["inScheme"]["id"] = "http://data.europa.eu/snb/eqf/25831c2"
    [violation] = shacl_report(document).violations
    assert violation["path"] == f"{ELM}credentialProfiles"
    assert violation["name"] == "credential profile"


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown SHACL profile"):
        shacl_report(sealed_sample(), "EDC-diploma")


def test_validation_is_fast_once_the_shapes_are_parsed() -> None:
    shacl_report(sealed_sample())  # parses and caches the shapes
    start = time.perf_counter()
    result = shacl_report(sealed_sample())
    elapsed = time.perf_counter() - start
    # ~0.15 s on a 2-core machine for this 600-triple credential; generous for a busy one.
    assert result.conforms and elapsed < 3, elapsed


def test_check_for_verification_reports() -> None:
    check = shacl_check(sealed_sample())
    assert (check["check"], check["status"], check["profile"], check["violations"]) == \
        ("edc-shacl", "passed", "EDC-generic-full", [])
    failed = shacl_check(unsigned_sample())
    assert failed["status"] == "failed" and len(failed["violations"]) == 2


def test_check_of_other_credentials() -> None:
    open_badge = json.loads((REALWORLD / "1edtech" / "basic-ob.json").read_bytes())
    assert shacl_check(open_badge) == {"check": "edc-shacl", "status": "not-applicable"}
    broken = shacl_check({"@context": {"a": {"@id": 5}}, "a": 1})
    assert broken["status"] == "error" and "JSON-LD" in broken["message"]


@pytest.mark.parametrize("sample", [unsigned_sample, sealed_sample])
def test_edc_context_canonicalises_alike_on_both_paths(sample: Any) -> None:
    # The project's rule for every context: pyoxigraph's fast path and pyld agree.
    document = sample()
    assert canonize(copy.deepcopy(document)) == canonize_reference(copy.deepcopy(document))


def test_sealed_edc_credential_reads_complete_and_validates() -> None:
    # The completeness inputs for a sealed ELM credential: its elements and its SHACL result.
    payload = sealed_sample()
    reading = read(payload)
    assert reading.profile == "elm" and reading.notes == []
    assert {"title", "learner", "awardingBody", "workload", "level"} <= set(reading.found)
    assert reading.found["fieldOfStudy"].value == "http://data.europa.eu/snb/isced-f/003"
    assert shacl_check(payload)["status"] == "passed"
