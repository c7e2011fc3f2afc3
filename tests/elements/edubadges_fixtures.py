"""Credentials of our own in the Edubadges (SURF) "educredential" encoding of Open Badges 3.0.

The Edubadges example files carry no licence, so they are not copied: these are written from
the encoding's documentation (its context's terms, the glossary IRIs and the ext:EQF /
ext:QualityAssurance alignment pattern), with our own content. Each builder returns a fresh
dict that tests may alter.
"""

from __future__ import annotations

import copy
from typing import Any

EDUCREDENTIAL_CONTEXT = ("https://raw.githubusercontent.com/educredentials/obv3-examples/refs/"
                         "heads/main/contexts/educredential.json")
CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", EDUCREDENTIAL_CONTEXT]

_ISSUER = {
    "id": "https://badges.example.nl/issuers/oost-data",
    "type": ["Profile"],
    "name": "Hogeschool Oost",
    "otherIdentifier": [{"type": "IdentifierEntry", "identifier": "99XX",
                         "identifierType": "ext:BRIN"}],
    "address": {"type": ["Address"], "addressCountry": "Nederland", "addressCountryCode": "NL",
                "addressLocality": "Enschede"},
}


def _credential(achievement: dict[str, Any], valid_from: str = "2025-09-01T00:00:00Z"
                ) -> dict[str, Any]:
    return {
        "@context": list(CONTEXTS),
        "id": "https://badges.example.nl/credentials/7f3c",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": copy.deepcopy(_ISSUER),
        "validFrom": valid_from,
        "credentialSubject": {
            "id": "https://badges.example.nl/learners/l-204",
            "type": ["AchievementSubject"],
            "achievement": achievement,
            "result": [{"type": ["Result"], "value": "7.8",
                        "resultDescription": "https://badges.example.nl/results/grade"}],
        },
    }


def microcredential_ho() -> dict[str, Any]:
    """A higher-education micro-credential: ECTS, EQF, QA decision, online, portfolio."""
    return _credential({
        "id": "https://badges.example.nl/achievements/data-ethics",
        "type": ["Achievement", "EducredentialAchievement"],
        "name": "Microcredential: Data Ethics in Practice",
        "description": "Weighing the ethics of data projects in public organisations.",
        "criteria": {"narrative": "Submit a portfolio of three ethical assessments."},
        "inLanguage": "nl-NL",
        "alignment": [
            {"type": ["Alignment"], "targetType": "ext:QualityAssurance",
             "targetName": "Ad Data Science", "targetCode": "NV-0815",
             "targetDescription": "Accreditation of the associate degree programme",
             "targetUrl": "https://qa.example.nl/decisions/NV-0815"},
            {"type": ["Alignment"], "targetType": "ext:EQF", "targetName": "EQF level 6",
             "targetCode": "6", "targetUrl": "https://qa.example.nl/eqf-levels"},
        ],
        "participationType": "online",
        "assessmentType": "portfolio",
        "supervisionType": "supervised with no identity verification",
        "identityChecked": False,
        "ECTS": 4,
    })


def microcredential_mbo() -> dict[str, Any]:
    """A vocational (MBO) micro-credential: study load in SBU hours, no QA alignment."""
    return _credential({
        "id": "https://badges.example.nl/achievements/solar-install",
        "type": ["Achievement", "EducredentialAchievement"],
        "name": "Solar Panel Installation",
        "criteria": {"narrative": "Install and commission a rooftop system under supervision."},
        "alignment": [{"type": ["Alignment"], "targetType": "ext:EQF", "targetCode": "4",
                       "targetName": "EQF level 4", "targetUrl": "https://qa.example.nl/eqf"}],
        "participationType": "work experience",
        "assessmentType": "application of a skill",
        "supervisionType": "onsite with identity verification",
        "identityChecked": True,
        "SBU": 120,
    })


def extracurricular() -> dict[str, Any]:
    """An extracurricular badge: hours only (timeInvestment), onsite or blended, RPL."""
    return _credential({
        "id": "https://badges.example.nl/achievements/mentor",
        "type": ["Achievement", "EducredentialAchievement"],
        "name": "Peer Mentor",
        "criteria": {"narrative": "Mentor first-year students for a semester."},
        "participationType": "onsite or blended",
        "assessmentType": "recognition of prior learning",
        "supervisionType": "unsupervised with no identity verification",
        "identityChecked": False,
        "timeInvestment": 40,
    }, valid_from="2025-02-01T00:00:00Z")
