"""Render a credential record as an Open Badges 3.0 OpenBadgeCredential (VC DM 2.0).

Elements OBv3 has natively go where elements-mapping.md §1 puts them; the rest use terms of our
extension context (contexts/mcred-v1.jsonld, https://w3id.org/mcred/v1).
"""

from __future__ import annotations

from typing import Any

import pycountry

from app.credentials.content import CredentialContent, hashed_identity, timestamp
from app.elements import vocabularies as vocab

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MCRED_CONTEXT = "https://w3id.org/mcred/v1"


def _identifiers(content: CredentialContent) -> list[dict[str, Any]]:
    learner, salt = content.learner, content.salt
    ids: list[dict[str, Any]] = [{"type": "IdentityObject", "identityType": "name",
                                  "hashed": False, "identityHash": learner.name}]
    if learner.email and learner.include_email:
        ids.append({"type": "IdentityObject", "identityType": "emailAddress", "hashed": False,
                    "identityHash": str(learner.email)})
    hashed = [("emailAddress", None if learner.include_email else learner.email),
              ("sisSourcedId", learner.student_id),
              ("nationalIdentityNumber", learner.national_id)]
    for identity_type, value in hashed:
        if value:
            ids.append({"type": "IdentityObject", "identityType": identity_type, "hashed": True,
                        "identityHash": hashed_identity(str(value).lower() if identity_type ==
                                                        "emailAddress" else str(value), salt),
                        "salt": salt})
    return ids


def _alignment(name: str, url: str, framework: str, code: str | None,
               target_type: str, description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ["Alignment"], "targetName": name, "targetUrl": url,
                           "targetFramework": framework, "targetType": target_type}
    if code is not None:
        out["targetCode"] = code
    if description:
        out["targetDescription"] = description
    return out


def _achievement(content: CredentialContent) -> dict[str, Any]:
    spec = content.spec
    alignment = []
    if spec.eqf_level is not None:
        level = vocab.eqf_level(spec.eqf_level)
        alignment.append(_alignment(level.label, level.uri, "European Qualifications Framework",
                                    str(spec.eqf_level), "ext:EQFLevel"))
    if spec.qf_ehea_cycle is not None:
        cycle = vocab.QF_EHEA_CYCLES[spec.qf_ehea_cycle]
        alignment.append(_alignment(cycle.label, cycle.uri, "QF-EHEA", spec.qf_ehea_cycle,
                                    "ext:QFEHEACycle"))
    if spec.nqf_level is not None:
        alignment.append(_alignment("National qualifications framework level",
                                    str(spec.nqf_level), "NQF", None, "ext:NQFLevel"))
    if spec.field_of_study:
        field = vocab.isced_f(spec.field_of_study)
        alignment.append(_alignment(field.label, field.uri, "ISCED-F 2013", spec.field_of_study,
                                    "ext:ISCEDF"))
    for outcome in spec.learning_outcomes:
        if outcome.esco_skill:
            alignment.append(_alignment(outcome.statement[:300], str(outcome.esco_skill), "ESCO",
                                        None, "ext:ESCOSkill", outcome.statement))

    achievement: dict[str, Any] = {
        "id": content.achievement_id,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": spec.title,
        "description": spec.description,
        "criteria": {"narrative": spec.criteria or spec.assessment_description
                     or vocab.ASSESSMENT_TYPES[spec.assessment_type].label},
        "creditsAvailable": spec.ects,
        "creditSystem": vocab.ECTS.uri,
        "learningOutcome": [
            {"type": "LearningOutcome", "statement": o.statement,
             **({"relatedESCOSkill": [str(o.esco_skill)]} if o.esco_skill else {})}
            for o in spec.learning_outcomes],
        "assessmentType": vocab.ASSESSMENT_TYPES[spec.assessment_type].uri,
        "participationMode": [vocab.PARTICIPATION_MODES[m].uri for m in spec.participation],
        "qualityAssurance": [
            {"type": "QualityAssurance", "qaType": vocab.QA_TYPES[qa.type].uri,
             **({"qaAgency": qa.agency} if qa.agency else {}),
             **({"deqarReport": str(qa.deqar_report)} if qa.deqar_report else {}),
             **({"qaDescription": qa.description} if qa.description else {})}
            for qa in spec.quality_assurance],
    }
    if content.achievement_image:
        achievement["image"] = _image(content.achievement_image, spec.title)
    if alignment:
        achievement["alignment"] = alignment
    if spec.workload_hours:
        achievement["volumeOfLearning"] = f"PT{spec.workload_hours:g}H"
    if spec.assessment_description:
        achievement["assessmentDescription"] = spec.assessment_description
    if spec.field_of_study:
        achievement["fieldOfStudy"] = vocab.isced_f(spec.field_of_study).label
    if spec.language:
        achievement["inLanguage"] = spec.language
    if spec.prerequisites:
        achievement["entryRequirement"] = spec.prerequisites
    if spec.supervision:
        achievement["supervisionVerification"] = vocab.SUPERVISION[spec.supervision].uri
    if spec.stackability:
        achievement["integrationStackability"] = {
            "type": "IntegrationStackability", "stackabilityMode": spec.stackability.mode,
            **({"stackableTowards": [str(u) for u in spec.stackability.towards]}
               if spec.stackability.towards else {})}
    if spec.further_information:
        achievement["furtherInformation"] = spec.further_information
    if spec.grade_scale:
        achievement["resultDescription"] = [{
            "id": f"{content.achievement_id}#grade", "type": ["ResultDescription"],
            "name": "Grade", "resultType": "LetterGrade", "allowedValue": spec.grade_scale}]
    return achievement


def _image(url: str, caption: str) -> dict[str, Any]:
    """An OBv3 ``Image``: the address of the picture and what it shows."""
    return {"id": url, "type": "Image", "caption": caption}


def issuer_profile(content: CredentialContent) -> dict[str, Any]:
    alpha2, _, eu_uri = vocab.country(content.country)
    country = pycountry.countries.get(alpha_2=alpha2)
    profile = {"id": content.issuer.did, "type": ["Profile"], "name": content.issuer.name,
               "url": content.issuer.url, "email": content.issuer.email,
               "address": {"type": ["Address"],
                           "addressCountry": country.name if country else alpha2,
                           "addressCountryCode": alpha2, "euCountry": eu_uri}}
    if content.issuer.image:
        profile["image"] = _image(content.issuer.image, content.issuer.name)
    return profile


def render_ob3(content: CredentialContent) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for ``content``."""
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if content.learner.did:
        subject["id"] = content.learner.did
    subject["identifier"] = _identifiers(content)
    subject["achievement"] = _achievement(content)
    if content.grade is not None:
        result: dict[str, Any] = {"type": ["Result"], "value": content.grade}
        if content.spec.grade_scale:
            result["resultDescription"] = f"{content.achievement_id}#grade"
        subject["result"] = [result]
    subject["creditsEarned"] = content.spec.ects

    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_CONTEXT, MCRED_CONTEXT],
        "id": content.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": content.spec.title,
        "issuer": issuer_profile(content),
        "validFrom": timestamp(content.issued_at),
        "awardedDate": timestamp(content.awarded_on),
        "credentialSubject": subject,
    }
    credential.update(content.validity_and_status())
    if content.evidence:
        credential["evidence"] = [
            {**({"id": str(e.id)} if e.id else {}), "type": ["Evidence"],
             **({"name": e.name} if e.name else {}),
             **({"narrative": e.narrative} if e.narrative else {})}
            for e in content.evidence]
    if content.composed_of:
        credential["composedOf"] = list(content.composed_of)
    return credential
