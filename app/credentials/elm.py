"""Render a credential record in the shape of the European Learning Model (ELM v3 / EDC).

A VC DM 2.0 document whose subject is an ELM Person with a LearningAchievement claim, using
ELM property IRIs through our profile context (contexts/mcred-elm-v1.jsonld,
https://w3id.org/mcred/elm/v1) and signed with Data Integrity like the OBv3 rendering. The
official EDC form is JAdES-signed with the EDC context; see docs/elements-mapping.md.
"""

from __future__ import annotations

from typing import Any

from app.credentials.content import CredentialContent, hashed_identity, timestamp
from app.credentials.ob3 import VC_V2
from app.elements import vocabularies as vocab

ELM_CONTEXT = "https://w3id.org/mcred/elm/v1"
GENERIC_PROFILE = "http://data.europa.eu/snb/credential/e34929035b"  # "Generic" EDC profile


def concept(c: vocab.Concept) -> dict[str, Any]:
    return {"id": c.uri, "type": "Concept", "prefLabel": {"en": c.label},
            "inScheme": c.scheme}


def _text(value: str) -> dict[str, str]:
    return {"en": value}


def _identifiers(content: CredentialContent) -> list[dict[str, Any]]:
    learner, salt = content.learner, content.salt
    out = []
    for scheme, value in (("emailAddress", learner.email), ("sisSourcedId", learner.student_id),
                          ("nationalIdentityNumber", learner.national_id)):
        if not value:
            continue
        normalised = str(value).lower() if scheme == "emailAddress" else str(value)
        if scheme == "emailAddress" and learner.include_email:
            out.append({"type": "Identifier", "identifierSchemeName": scheme,
                        "notation": normalised})
        else:
            out.append({"type": "Identifier", "identifierSchemeName": scheme,
                        "hashedValue": hashed_identity(normalised, salt), "salt": salt})
    return out


def _specification(content: CredentialContent) -> dict[str, Any]:
    spec = content.spec
    out: dict[str, Any] = {
        "id": content.achievement_id,
        "type": "LearningAchievementSpecification",
        "title": _text(spec.title),
        "learningOutcomeSummary": {"type": "Note", "noteLiteral": _text(spec.description)},
        "learningOutcome": [
            {"type": "LearningOutcome", "title": _text(o.statement),
             **({"relatedESCOSkill": [str(o.esco_skill)]} if o.esco_skill else {})}
            for o in spec.learning_outcomes],
        "creditPoint": [{"type": "CreditPoint", "framework": concept(vocab.ECTS),
                         "point": f"{spec.ects:g}"}],
        "mode": [concept(vocab.PARTICIPATION_MODES[m]) for m in spec.participation],
        "accreditation": [
            {"type": "Accreditation", "dcType": concept(vocab.QA_TYPES[qa.type]),
             **({"accreditingAgent": {"type": "Organisation",
                                      "legalName": _text(qa.agency)}} if qa.agency else {}),
             **({"report": str(qa.deqar_report)} if qa.deqar_report else {}),
             **({"additionalNote": [{"type": "Note", "noteLiteral": _text(qa.description)}]}
                if qa.description else {})}
            for qa in spec.quality_assurance],
    }
    if spec.workload_hours:
        out["volumeOfLearning"] = f"PT{spec.workload_hours:g}H"
    if spec.eqf_level is not None:
        out["eqfLevel"] = concept(vocab.eqf_level(spec.eqf_level))
    if spec.qf_ehea_cycle is not None:
        out["qfEheaLevel"] = concept(vocab.QF_EHEA_CYCLES[spec.qf_ehea_cycle])
    if spec.nqf_level is not None:
        out["nqfLevel"] = {"id": str(spec.nqf_level), "type": "Concept"}
    if spec.field_of_study:
        out["thematicArea"] = [concept(vocab.isced_f(spec.field_of_study))]
    if spec.language:
        out["language"] = [{"id": f"http://publications.europa.eu/resource/authority/language/"
                                  f"{_language3(spec.language)}", "type": "Concept"}]
    if spec.prerequisites:
        out["entryRequirement"] = {"type": "Note", "noteLiteral": _text(spec.prerequisites)}
    if spec.stackability:
        out["isPartialQualification"] = spec.stackability.mode != "standalone"
        out["stackabilityMode"] = spec.stackability.mode
        if spec.stackability.towards:
            out["isPartOf"] = [str(u) for u in spec.stackability.towards]
    if spec.further_information:
        out["additionalNote"] = [{"type": "Note", "noteLiteral": _text(spec.further_information)}]
    return out


def _language3(alpha2: str) -> str:
    import pycountry

    # The EU language authority table uses ISO 639-2/T codes (DEU, FRA, ENG), pycountry's alpha_3.
    return pycountry.languages.get(alpha_2=alpha2).alpha_3.upper()


def _assessment(content: CredentialContent) -> dict[str, Any]:
    spec = content.spec
    kind = vocab.ASSESSMENT_TYPES[spec.assessment_type]
    specification: dict[str, Any] = {
        "type": "LearningAssessmentSpecification",
        "title": _text(spec.assessment_description or kind.label),
        "dcType": concept(kind),
    }
    if spec.grade_scale:
        specification["gradingScheme"] = {"type": "Note",
                                          "noteLiteral": _text(", ".join(spec.grade_scale))}
    assessment: dict[str, Any] = {"type": "LearningAssessment",
                                  "title": _text(spec.title), "specifiedBy": specification}
    if content.grade is not None:
        assessment["grade"] = {"type": "Note", "noteLiteral": _text(content.grade)}
    if spec.supervision:
        assessment["idVerification"] = concept(vocab.SUPERVISION[spec.supervision])
    return assessment


def render_elm(content: CredentialContent) -> dict[str, Any]:
    """The unsigned ELM-shaped credential for ``content``."""
    alpha2, _, eu_country = vocab.country(content.country)
    issuer = {"id": content.issuer.did, "type": "Organisation",
              "legalName": _text(content.issuer.name), "homepage": content.issuer.url,
              "email": f"mailto:{content.issuer.email}",
              "location": {"type": "Location", "address": {
                  "type": "Address", "countryCode": {"id": eu_country, "type": "Concept",
                                                     "notation": alpha2}}}}
    claim: dict[str, Any] = {
        "id": f"{content.id}#achievement",
        "type": "LearningAchievement",
        "title": _text(content.spec.title),
        "awardedBy": {"type": "AwardingProcess", "awardingBody": [content.issuer.did],
                      "awardingDate": timestamp(content.awarded_on)},
        "provenBy": [_assessment(content)],
        "specifiedBy": _specification(content),
    }
    if content.composed_of:
        claim["hasPart"] = list(content.composed_of)
    subject: dict[str, Any] = {"type": "Person", "fullName": _text(content.learner.name)}
    if content.learner.did:
        subject["id"] = content.learner.did
    identifiers = _identifiers(content)
    if identifiers:
        subject["identifier"] = identifiers
    subject["hasClaim"] = [claim]
    credential: dict[str, Any] = {
        "@context": [VC_V2, ELM_CONTEXT],
        "id": content.id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": [{"id": GENERIC_PROFILE, "type": "Concept"}],
        "issuer": issuer,
        "issued": timestamp(content.issued_at),
        "validFrom": timestamp(content.issued_at),
        "credentialSubject": subject,
    }
    credential.update(content.validity_and_status())
    return credential
