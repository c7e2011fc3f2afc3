"""Tests for app.elements.vocabularies: real URIs, labels, lookups and errors."""

from urllib.parse import urlparse

import pytest

from app.elements import vocabularies as v

SNB = "http://data.europa.eu/snb/"
MCRED = "https://w3id.org/mcred/vocab#"

TABLES = {
    "QF_EHEA_CYCLES": v.QF_EHEA_CYCLES,
    "PARTICIPATION_MODES": v.PARTICIPATION_MODES,
    "ASSESSMENT_TYPES": v.ASSESSMENT_TYPES,
    "SUPERVISION": v.SUPERVISION,
    "QA_TYPES": v.QA_TYPES,
    "ISCED_F": v.ISCED_F,
}


def all_concepts() -> list[v.Concept]:
    concepts = [v.eqf_level(n) for n in range(1, 9)] + [v.ECTS]
    for table in TABLES.values():
        concepts.extend(table.values())
    return concepts


# --- EQF --------------------------------------------------------------------------------------

def test_eqf_levels():
    level = v.eqf_level(6)
    assert level.uri == "http://data.europa.eu/snb/eqf/6"
    assert level.label == "EQF level 6"
    assert level.key == "6"
    assert level.scheme == v.EQF_SCHEME == "http://data.europa.eu/snb/eqf/25831c2"
    assert [v.eqf_level(n).uri for n in (1, 8)] == [f"{SNB}eqf/1", f"{SNB}eqf/8"]


@pytest.mark.parametrize("bad", [0, 9, -1, True, "6", 6.0, None])
def test_eqf_level_rejects(bad):
    with pytest.raises(ValueError):
        v.eqf_level(bad)


# --- fixed key sets ---------------------------------------------------------------------------

def test_key_sets():
    assert list(v.QF_EHEA_CYCLES) == ["short", "first", "second", "third"]
    assert list(v.PARTICIPATION_MODES) == [
        "online", "onsite", "blended", "hybrid", "work-based", "volunteering"]
    assert list(v.ASSESSMENT_TYPES) == [
        "exam", "skill-application", "portfolio", "prior-learning", "project", "other"]
    assert list(v.SUPERVISION) == [
        "unsupervised-no-id", "supervised-no-id", "supervised-online-id", "supervised-onsite-id"]
    assert list(v.QA_TYPES) == [
        "internal", "external-institutional", "external-programme", "alternative"]


@pytest.mark.parametrize("name", list(TABLES))
def test_table_keys_match_concept_keys(name):
    for key, concept in TABLES[name].items():
        assert concept.key == key


# --- published ELM concepts -------------------------------------------------------------------

def test_participation_modes():
    modes = v.PARTICIPATION_MODES
    scheme = f"{SNB}learning-assessment/25831c2"
    assert (modes["online"].uri, modes["online"].label) == (
        f"{SNB}learning-assessment/920fbb3cbe", "Online")
    assert (modes["onsite"].uri, modes["onsite"].label) == (
        f"{SNB}learning-assessment/9191af2ed9", "Presential")
    assert modes["blended"].uri == f"{SNB}learning-assessment/e92d221e4d"
    assert modes["hybrid"].uri == f"{SNB}learning-assessment/c_3a90b26d"
    assert modes["work-based"].uri == f"{SNB}learning-assessment/729f3bed4b"
    for key in ("online", "onsite", "blended", "hybrid", "work-based"):
        assert modes[key].scheme == scheme
    assert modes["volunteering"].uri == f"{SNB}learning-activity/59eaf34fab"
    assert modes["volunteering"].scheme == f"{SNB}learning-activity/25831c2"


def test_assessment_types():
    types = v.ASSESSMENT_TYPES
    assert types["portfolio"].uri == f"{SNB}assessment/4f03b91c0e"
    assert types["project"].uri == f"{SNB}assessment/795dac4096"
    assert types["skill-application"].uri == f"{SNB}assessment/6a4db9f11d"
    assert types["portfolio"].scheme == f"{SNB}assessment/25831c2"
    for key in ("exam", "prior-learning", "other"):
        assert types[key].uri == f"{MCRED}assessment-{key}"


def test_supervision():
    sup = v.SUPERVISION["unsupervised-no-id"]
    assert sup.uri == f"{SNB}supervision-verification/c598449d64"
    assert sup.label == "Unsupervised without ID Verification"
    assert sup.scheme == f"{SNB}supervision-verification/25831c2"
    for key in ("supervised-no-id", "supervised-online-id", "supervised-onsite-id"):
        assert v.SUPERVISION[key].uri == f"{MCRED}supervision-{key}"


def test_qa_types():
    qa = v.QA_TYPES
    assert qa["external-institutional"].uri == f"{SNB}accreditation/bb4618238e"
    assert qa["external-programme"].uri == f"{SNB}accreditation/820101cba6"
    assert qa["external-programme"].scheme == f"{SNB}accreditation/25831c2"
    assert qa["internal"].uri == f"{MCRED}qa-internal"
    assert qa["alternative"].uri == f"{MCRED}qa-alternative"


def test_qf_ehea_fallback_uris():
    for key, concept in v.QF_EHEA_CYCLES.items():
        assert concept.uri == f"{MCRED}qf-ehea-{key}"
    assert v.QF_EHEA_CYCLES["first"].label == "QF-EHEA first cycle"


def test_ects():
    assert v.ECTS.uri == f"{SNB}education-credit/6fcec5c5af"
    assert v.ECTS.label == "European Credit Transfer System"
    assert v.ECTS.scheme == f"{SNB}education-credit/25831c2"


# --- ISCED-F ----------------------------------------------------------------------------------

def test_isced_f_known_codes():
    field = v.isced_f("0688")
    assert field.uri == f"{SNB}isced-f/0688"
    assert field.label == ("Inter-disciplinary programmes and qualifications involving "
                           "Information and Communication Technologies (ICTs)")
    assert field.scheme == f"{SNB}isced-f/25831c2"
    assert v.isced_f("06").label == "Information and Communication Technologies (ICTs)"
    assert v.isced_f("003").label == "Personal skills and development"
    assert v.isced_f("0613").label == "Software and applications development and analysis"
    assert v.isced_f("0311").label == "Economics"
    assert v.isced_f("1014").label == "Sports"
    assert v.isced_f(" 0912 ").label == "Medicine"


def test_isced_f_coverage():
    broad = sorted(c for c in v.ISCED_F if len(c) == 2)
    assert broad == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "99"]
    narrow = {c for c in v.ISCED_F if len(c) == 3}
    detailed = {c for c in v.ISCED_F if len(c) == 4}
    # the 29 narrow fields of ISCED-F 2013 (without the nfd/nec/inter-disciplinary codes)
    assert {"001", "002", "003", "011", "021", "022", "023", "031", "032", "041", "042", "051",
            "052", "053", "054", "061", "071", "072", "073", "081", "082", "083", "084", "091",
            "092", "101", "102", "103", "104"} <= narrow
    assert len(narrow) == 58 and len(detailed) == 150
    for code in v.ISCED_F:
        assert code.isdigit() and 2 <= len(code) <= 4
        if len(code) > 2 and code[:2] != "99":
            assert code[:2] in v.ISCED_F  # every narrower field has its broad field
    assert all(v.ISCED_F[c].label for c in v.ISCED_F)


@pytest.mark.parametrize("bad", ["", "0", "11", "069", "0689", "06888", "abcd", "isced-f/0688"])
def test_isced_f_rejects(bad):
    with pytest.raises(ValueError):
        v.isced_f(bad)


# --- countries --------------------------------------------------------------------------------

def test_country():
    authority = "http://publications.europa.eu/resource/authority/country"
    assert v.country("ee") == ("EE", "EST", f"{authority}/EST")
    assert v.country("IE") == ("IE", "IRL", f"{authority}/IRL")
    assert v.country("De") == ("DE", "DEU", f"{authority}/DEU")
    assert v.country("gr")[1] == "GRC"


@pytest.mark.parametrize("bad", ["", "X", "XX", "EST", "e1", "EL", "UK"])
def test_country_rejects(bad):
    with pytest.raises(ValueError):
        v.country(bad)


# --- whole-vocabulary properties --------------------------------------------------------------

def test_every_uri_is_absolute_http():
    for concept in all_concepts():
        for uri in (concept.uri, concept.scheme):
            parsed = urlparse(uri)
            assert parsed.scheme in ("http", "https") and parsed.netloc, uri
        assert concept.key and concept.label


def test_uris_unique_and_round_trip():
    concepts = all_concepts()
    assert len({c.uri for c in concepts}) == len(concepts)
    for concept in concepts:
        assert v.concept_by_uri(concept.uri) is concept


def test_concept_by_uri_unknown():
    assert v.concept_by_uri("http://data.europa.eu/snb/eqf/9") is None
    assert v.concept_by_uri(v.EQF_SCHEME) is None
    assert v.concept_by_uri("") is None


def test_concept_is_frozen():
    with pytest.raises(AttributeError):
        v.ECTS.label = "x"  # type: ignore[misc]
