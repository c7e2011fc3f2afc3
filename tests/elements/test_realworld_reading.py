"""What a careful person reads in each credential of tests/data/realworld (see its
PROVENANCE.json), element by element: present with this value, present but unusable (and
why), or absent (every Annex I element not listed). The verifier must read the same.

Reviewed by hand against each file. Choices a reader might question:
- 1EdTech complete-ob: its only alignment (a CASE CFItem) names the degree itself in a
  programme catalogue, so it is not a learning outcome; its 36 creditsAvailable state no
  credit system, so they are credits, not ECTS.
- 1EdTech alignment-case / skill-assertion-ctdl: the CASE CFItem and CTDL ceasn:Competency
  alignments are the learning outcomes.
- ELM sample: the awarding body is hasClaim.awardedBy.awardingBody (here the same org as the
  issuer); the country comes from the countryCode concept IRI (.../country/IRL), whose
  notation is only the word "country"; workload 2 ECTS with 60 hours from the specification.
- The JAdES-sealed ELM sample is a JWS envelope, not a credential: nothing is read from it
  here (reading and checking the seal is issue #20's work).
- Endorsements, W3C vectors and the employment document are not micro-credentials: only what
  any VC says (subject, issuer, date, name) is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.elements.extract import ANNEX_ELEMENTS, read

REALWORLD = Path(__file__).resolve().parents[1] / "data" / "realworld"


@dataclass(frozen=True)
class Unusable:
    """Present in the credential, but its value cannot be used (the reason must say why)."""

    reason: str


EXPECTED: dict[str, dict[str, Any]] = {
    "1edtech/alignment-case.json": {
        "profile": 'ob3',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': []},
        'title': 'Text analysis',
        'awardingBody': {'id': 'https://example.edu/issuers/565049', 'name': 'Example University'},
        'dateOfIssuing': '2010-01-01',
        'learningOutcomes': ['Cite strong and thorough textual evidence to support analysis of what the text says explicitly as well as inferences drawn from the text, including determining where the text leaves matters uncertain'],
    },
    "1edtech/basic-ob.json": {
        "profile": 'ob3',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': []},
        'title': 'Teamwork',
        'awardingBody': {'id': 'https://example.com/issuers/876543', 'name': 'Example Corp'},
        'dateOfIssuing': '2010-01-01',
    },
    "1edtech/complete-ob.json": {
        "profile": 'ob3',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': ['emailAddress']},
        'title': '1EdTech University Degree',
        'country': 'US',
        'awardingBody': {'id': 'https://1edtech.edu/issuers/565049', 'name': '1EdTech University'},
        'dateOfIssuing': '2010-01-01',
        'workload': {'ects': None, 'credits': 36.0, 'creditSystem': None, 'hours': None},
        'grade': 'A',
    },
    "1edtech/endorsement.json": {
        "profile": 'vc',
        'learner': {'name': None, 'id': 'https://1edtech.edu/issuers/565049', 'identifiers': []},
        'title': 'SDE endorsement',
        'awardingBody': {'id': 'https://state.gov/issuers/565049', 'name': 'State Department of Education'},
        'dateOfIssuing': '2010-01-01',
    },
    "1edtech/ldp-clr-signed.json": {
        "profile": 'clr',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': []},
        'title': 'Sample Transcript',
        'awardingBody': {'id': 'https://example.edu/issuers/565049', 'name': 'Example University'},
        'dateOfIssuing': '2010-01-01',
    },
    "1edtech/ldp-ob-signed.json": {
        "profile": 'ob3',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': []},
        'title': 'Teamwork',
        'awardingBody': {'id': 'https://example.edu/issuers/565049', 'name': 'Example Corp'},
        'dateOfIssuing': '2010-01-01',
    },
    "1edtech/skill-assertion-ctdl.json": {
        "profile": 'ob3',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': []},
        'title': 'Linear equations and inequalities',
        'awardingBody': {'id': 'https://1edtech.edu/issuers/565049', 'name': '1EdTech University'},
        'dateOfIssuing': '2022-07-01',
        'learningOutcomes': ['Solve and graph linear equations and inequalities'],
    },
    "1edtech/upgraded-ob2.json": {
        "profile": 'ob3',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': []},
        'title': 'Example Competency Badge Issued under OB 2.0',
        'awardingBody': {'id': 'did:web:example.com:issuers:540e388e-2735-4c3e-9709-80142801c774', 'name': None},
        'dateOfIssuing': '2010-01-01',
    },
    "dcc/v1__ed25519__didKey__legacy-noStatus-noExpiry-stringIssuerId.json": {
        "profile": 'ob3',
        'learner': {'name': 'Jane Doe', 'id': None, 'identifiers': []},
        'title': 'Badge',
        'awardingBody': {'id': 'did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q', 'name': None},
        'dateOfIssuing': '2025-01-09',
    },
    "dcc/v2__bothSignatureTypes__didweb__oidf-noStatus-notExpired.json": {
        "profile": 'ob3',
        'learner': {'name': 'Sam Salmon', 'id': None, 'identifiers': []},
        'title': 'Bachelors - v2 - revoked',
        'awardingBody': {'id': 'did:web:digitalcredentials.github.io:vc-test-fixtures:dids:oidf', 'name': 'Example Corp'},
        'dateOfIssuing': '2010-01-01',
    },
    "dcc/v2__dataIntegrityProof__didKey__legacyRegistry-noStatus-noExpiry-achievementTypeExample.json": {
        "profile": 'ob3',
        'learner': {'name': 'Sam Salmon', 'id': None, 'identifiers': []},
        'title': 'OBv3 achievementType example',
        'awardingBody': {'id': 'did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q', 'name': 'Example Corp'},
        'dateOfIssuing': '2010-01-01',
    },
    "dcc/v2__dataIntegrityProof__didKey__legacyRegistry-noStatus-noExpiry-basicOBv3.json": {
        "profile": 'ob3',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': []},
        'title': 'Teamwork',
        'awardingBody': {'id': 'did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q', 'name': 'Example Corp'},
        'dateOfIssuing': '2025-01-09',
    },
    "dcc/v2__dataIntegrityProof__didKey__legacyRegistry-noStatus-notExpired-withSchema.json": {
        "profile": 'ob3',
        'learner': {'name': 'Sam Salmon', 'id': None, 'identifiers': []},
        'title': 'Bachelors - v2 - revoked',
        'awardingBody': {'id': 'did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q', 'name': 'Example Corp'},
        'dateOfIssuing': '2010-01-01',
    },
    "dcc/v2__dataIntegrityProof__didKey__oidf-noStatus-notExpired-complexIssuer.json": {
        "profile": 'ob3',
        'learner': {'name': 'Sam Salmon', 'id': None, 'identifiers': []},
        'title': 'Bachelors - v2 - complex issuer',
        'country': 'CA',
        'awardingBody': {'id': 'did:key:z6MkjoriXdbyWD25YXTed114F8hdJrLXQ567xxPHAUKxpKkS', 'name': 'Bestest Ever University'},
        'dateOfIssuing': '2010-01-01',
    },
    "dcc/v2__dataIntegrityProof__didKey__twoOIDF-validStatus-expired.json": {
        "profile": 'ob3',
        'learner': {'name': 'Sam Salmon', 'id': None, 'identifiers': []},
        'title': 'Bachelors - v2 - revoked',
        'awardingBody': {'id': 'did:key:z6MkjoriXdbyWD25YXTed114F8hdJrLXQ567xxPHAUKxpKkS', 'name': 'Example Corp'},
        'dateOfIssuing': '2010-01-01',
    },
    "dcc/v2__ed25519__didKey__legacy-noStatus-noExpiry-lcwExperience.json": {
        "profile": 'ob3',
        'learner': {'name': 'Zoey Zebrafish', 'id': None, 'identifiers': []},
        'title': 'LCW Experience Badge',
        'awardingBody': {'id': 'did:key:z6MktL8XGbuYv5f7hwf6hVyJkJWynNtNhcsXFYe9NJzjKHkW', 'name': 'Digital Credentials Consortium'},
        'dateOfIssuing': '2026-01-23',
    },
    "dcc/v2__ed25519__didKey__legacy-noStatus-noExpiry.json": {
        "profile": 'ob3',
        'learner': {'name': None, 'id': 'did:example:ebfeb1f712ebc6f1c276e12ec21', 'identifiers': []},
        'title': 'Teamwork',
        'awardingBody': {'id': 'did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q', 'name': 'Example Corp'},
        'dateOfIssuing': '2010-01-01',
    },
    "dcc/v2__ed25519__didWeb__legacy-revokedStatus-noExpiry.json": {
        "profile": 'ob3',
        'learner': {'name': 'Sam Salmon', 'id': None, 'identifiers': []},
        'title': 'Bachelors - v2 - revoked',
        'awardingBody': {'id': 'did:web:digitalcredentials.github.io:vc-test-fixtures:dids:legacy', 'name': 'Example Corp'},
        'dateOfIssuing': '2010-01-01',
    },
    "elm/Sample-MC-Annex1-signed-jades.json": {
        "profile": 'unknown',
    },
    "elm/Sample-MC-Annex1-unsigned.json": {
        "profile": 'elm',
        'learner': {'name': 'Ana Andromeda', 'id': 'urn:epass:person:1', 'identifiers': ['nationalID']},
        'title': 'Digital micro-credential creation',
        'country': 'IE',
        'awardingBody': {'id': 'urn:epass:org:1', 'name': 'University of Zed'},
        'dateOfIssuing': '2022-12-31',
        'learningOutcomes': ['Communication, collaboration and creativity', 'Developing digital content'],
        'workload': {'ects': 2.0, 'credits': 2.0, 'creditSystem': 'http://data.europa.eu/snb/education-credit/6fcec5c5af', 'hours': 60.0},
        'level': {'eqf': 6, 'qfEhea': None, 'nqf': 'http://data.europa.eu/snb/qdr/c_c392e7a2'},
        'assessmentType': 'urn:epass:concept:d1ebf223-3c68-449a-9023-90bc245a0079',
        'participationForm': ['http://data.europa.eu/snb/learning-assessment/e92d221e4d'],
        'prerequisites': 'The learner needs to have an EDC Online Credential Builder account, that requires an EU Login ID.',
        'supervisionAndIdentityVerification': 'http://data.europa.eu/snb/supervision-verification/c598449d64',
        'grade': 'Pass',
        'integrationStackability': {'mode': 'standalone', 'towards': []},
    },
    "w3c/ed25519-2020-alumni.json": {
        "profile": 'vc',
        'learner': {'name': None, 'id': 'did:example:abcdefgh', 'identifiers': []},
        'title': 'Alumni Credential',
        'awardingBody': {'id': 'https://vc.example/issuers/5678', 'name': None},
        'dateOfIssuing': '2023-01-01',
    },
    "w3c/eddsa-jcs-2022-alumni.json": {
        "profile": 'vc',
        'learner': {'name': None, 'id': 'did:example:abcdefgh', 'identifiers': []},
        'title': 'Alumni Credential',
        'awardingBody': {'id': 'https://vc.example/issuers/5678', 'name': None},
        'dateOfIssuing': '2023-01-01',
    },
    "w3c/eddsa-rdfc-2022-alumni.json": {
        "profile": 'vc',
        'learner': {'name': None, 'id': 'did:example:abcdefgh', 'identifiers': []},
        'title': 'Alumni Credential',
        'awardingBody': {'id': 'https://vc.example/issuers/5678', 'name': None},
        'dateOfIssuing': '2023-01-01',
    },
    "w3c/eddsa-rdfc-2022-employment.json": {
        "profile": 'vc',
        'learner': {'name': 'JOHN JACOB SMITH', 'id': None, 'identifiers': []},
        'title': 'Employment Authorization Document',
        'awardingBody': {'id': 'did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76', 'name': None},
        'dateOfIssuing': '2019-12-03',
    },
    "w3c/proof-chain.json": {
        "profile": 'vc',
        'learner': {'name': None, 'id': 'did:example:abcdefgh', 'identifiers': []},
        'title': 'Alumni Credential',
        'awardingBody': {'id': 'https://vc.example/issuers/5678', 'name': None},
        'dateOfIssuing': '2023-01-01',
    },
    "w3c/proof-set.json": {
        "profile": 'vc',
        'learner': {'name': None, 'id': 'did:example:abcdefgh', 'identifiers': []},
        'title': 'Alumni Credential',
        'awardingBody': {'id': 'https://vc.example/issuers/5678', 'name': None},
        'dateOfIssuing': '2023-01-01',
    },
    "w3c/vcdm2-credential-ok.json": {
        "profile": 'vc',
        'learner': {'name': None, 'id': 'did:example:subject', 'identifiers': []},
    },
}


def test_every_corpus_credential_has_a_reading() -> None:
    files = {str(p.relative_to(REALWORLD)) for p in REALWORLD.glob("*/*.json")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reads_what_a_careful_person_reads(name: str) -> None:
    expected = EXPECTED[name]
    reading = read(json.loads((REALWORLD / name).read_text("utf-8")))
    assert reading.profile == expected["profile"]
    for element in ANNEX_ELEMENTS:
        want = expected.get(element)
        got = reading.found.get(element)
        if want is None:
            assert got is None, f"{element} read as {got} but the credential has none"
        elif isinstance(want, Unusable):
            assert got is not None and got.value is None, f"{element}: {got}"
            assert got.problem == want.reason
        else:
            assert got is not None and got.value == want, f"{element}: {got}"
