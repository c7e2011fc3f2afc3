"""Render a credential record as a European Digital Credential (ELM v3, Europass EDC).

The envelope and vocabulary are EDC's own: VC Data Model 1.1 with the published ``edc-ap``
context (http://data.europa.eu/snb/model/context/edc-ap), type EuropeanDigitalCredential,
``credentialSchema`` edc-generic-full (ShaclValidator2017), the "Generic" credential profile,
a display parameter with a rendered page, every controlled-vocabulary concept with its
``inScheme`` as EDC's SHACL shapes require — as in EDC's sample
Sample-MC-Annex1-unsigned.jsonld. It passes the EDC-generic-full shapes
(tests/credentials/test_elm_edc.py), its status too: ``credentialStatus`` is the xsd:anyURI
of the credential's status resource (GET /credentials/{id}/status), as EDC's shapes ask.
Unsealed, it keeps a Data Integrity proof (eddsa-rdfc-2022; the data-integrity/v2 context
defines the proof's terms).

When the issuer's external accreditation on the award date is known (the registry's QA record,
app/credentials/accreditation.py), the credential is EDC-accredited: ``evidence`` with one
elm:Accreditation (type, accrediting agency with its country, validity, report),
``credentialSchema`` edc-accredited and the "Accredited" credential profile; it passes the
EDC-accredited shapes (tests/credentials/test_elm_accredited.py). Otherwise generic-full.

What EDC has no term for is written with full IRIs of the mcred vocabulary (no context of
ours, so anyone can process the document with the two published contexts): the QF-EHEA
cycle, the stackability mode, hashed learner identifiers' salt, and the achievement's own QA
statements (internal and alternative QA too, agencies known by name). See docs/edc-elm.md.
"""

from __future__ import annotations

from typing import Any

from app.credentials.accreditation import Accreditation
from app.credentials.content import CredentialContent, hashed_identity, timestamp
from app.credentials.elm_display import display_png_base64
from app.elements import vocabularies as vocab

VC_V1 = "https://www.w3.org/2018/credentials/v1"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
EDC_SCHEMA = "http://data.europa.eu/snb/model/ap/edc-generic-full"
ACCREDITED_SCHEMA = "http://data.europa.eu/snb/model/ap/edc-accredited"
CREDENTIAL_TYPES = "http://data.europa.eu/snb/credential/25831c2"
GENERIC_PROFILE = vocab.Concept("generic", "http://data.europa.eu/snb/credential/e34929035b",
                                "Generic", CREDENTIAL_TYPES)
# The credential types and evidence types of EDCI's own code (eu.europa.ec.empl.edci.constants
# ControlledListConcept: CREDENTIAL_TYPE_ACCREDITATION, EVIDENCE_TYPE_ACCREDITATION).
ACCREDITED_PROFILE = vocab.Concept("accredited", "http://data.europa.eu/snb/credential/c_ae121a00",
                                   "Accredited", CREDENTIAL_TYPES)
ACCREDITATION_EVIDENCE = vocab.Concept(
    "accreditation", "http://data.europa.eu/snb/evidence-type/c_991b06c6", "Accreditation",
    "http://data.europa.eu/snb/evidence-type/25831c2")
MCRED = "https://w3id.org/mcred/vocab#"
LANGUAGE_SCHEME = "http://publications.europa.eu/resource/authority/language"
COUNTRY_SCHEME = "http://publications.europa.eu/resource/authority/country"
NQF_SCHEME = "http://data.europa.eu/snb/qdr/25831c2"
ESCO_SKILLS = "http://data.europa.eu/esco/concept-scheme/skills"
PNG = vocab.Concept("png", "http://publications.europa.eu/resource/authority/file-type/PNG",
                    "PNG", "http://publications.europa.eu/resource/authority/file-type")
BASE64 = vocab.Concept("base64", "http://data.europa.eu/snb/encoding/6146cde7dd", "base64",
                       "http://data.europa.eu/snb/encoding/25831c2")
# EDC's shapes want cred:credentialStatus as one xsd:anyURI literal; the VC 1.1 context makes
# a plain string an IRI node (``@type: @id``), so the literal is spelled as a value object.
XSD_ANY_URI = "http://www.w3.org/2001/XMLSchema#anyURI"


def concept(c: vocab.Concept, label: str | None = None) -> dict[str, Any]:
    """A SKOS concept with its scheme, as EDC's vocabulary restrictions require."""
    return {"id": c.uri, "type": "Concept", "inScheme": {"id": c.scheme, "type": "ConceptScheme"},
            "prefLabel": {"en": label or c.label}}


def _text(value: str) -> dict[str, str]:
    return {"en": value}


def _note(value: str) -> dict[str, Any]:
    return {"type": "Note", "noteLiteral": _text(value)}


def _country(code: str) -> dict[str, Any]:
    alpha2, _, uri = vocab.country(code)
    return {"id": uri, "type": "Concept", "notation": alpha2,
            "inScheme": {"id": COUNTRY_SCHEME, "type": "ConceptScheme"}}


def _language(alpha2: str) -> dict[str, Any]:
    import pycountry

    # The EU language authority table uses ISO 639-2/T codes (DEU, FRA, ENG), pycountry's alpha_3.
    language = pycountry.languages.get(alpha_2=alpha2)
    return {"id": f"{LANGUAGE_SCHEME}/{language.alpha_3.upper()}", "type": "Concept",
            "notation": alpha2, "inScheme": {"id": LANGUAGE_SCHEME, "type": "ConceptScheme"},
            "prefLabel": {"en": language.name}}


def _identifiers(content: CredentialContent) -> list[dict[str, Any]]:
    learner, salt = content.learner, content.salt
    out = []
    for scheme, value in (("emailAddress", learner.email), ("sisSourcedId", learner.student_id),
                          ("nationalIdentityNumber", learner.national_id)):
        if not value:
            continue
        normalised = str(value).lower() if scheme == "emailAddress" else str(value)
        if scheme == "emailAddress" and learner.include_email:
            out.append({"type": "Identifier", "schemeName": scheme, "notation": normalised})
        else:
            # Hashed as OBv3 IdentityObjects are (sha256$ of value ‖ salt); the salt is public.
            out.append({"type": "Identifier", "schemeName": scheme,
                        "notation": hashed_identity(normalised, salt), f"{MCRED}salt": salt})
    return out


def _quality_assurance(content: CredentialContent) -> list[dict[str, Any]]:
    """The achievement's QA statements, under mcred:qualityAssurance with ELM's properties:
    EDC's Accreditation needs an accrediting agent with a location (the definition names the
    agency only) and a type from EDC's list (ours also has internal and alternative QA). The
    registry's accreditation, when known, is the credential's evidence (``_evidence``)."""
    out = []
    for qa in content.spec.quality_assurance:
        kind = vocab.QA_TYPES[qa.type]
        node: dict[str, Any] = {"title": _text(kind.label), "dcType": concept(kind)}
        if qa.agency:
            node[f"{MCRED}agency"] = qa.agency
        if qa.deqar_report:
            node["report"] = str(qa.deqar_report)
        if qa.description:
            node["additionalNote"] = [_note(qa.description)]
        out.append({"type": f"{MCRED}QualityAssurance", **node})
    return out


def _specification(content: CredentialContent) -> dict[str, Any]:
    spec = content.spec
    out: dict[str, Any] = {
        "id": content.achievement_id,
        "type": "LearningAchievementSpecification",
        "title": _text(spec.title),
        "learningOutcomeSummary": _note(spec.description),
        "learningOutcome": [
            {"type": "LearningOutcome", "title": _text(o.statement),
             **({"relatedESCOSkill": [{"id": str(o.esco_skill), "type": "Concept",
                                       "inScheme": {"id": ESCO_SKILLS,
                                                    "type": "ConceptScheme"}}]}
                if o.esco_skill else {})}
            for o in spec.learning_outcomes],
        "creditPoint": [{"type": "CreditPoint", "framework": concept(vocab.ECTS),
                         "point": f"{spec.ects:g}"}],
        "mode": [concept(vocab.PARTICIPATION_MODES[m]) for m in spec.participation],
    }
    quality = _quality_assurance(content)
    if quality:
        out[f"{MCRED}qualityAssurance"] = quality
    if spec.workload_hours:
        out["volumeOfLearning"] = f"PT{spec.workload_hours:g}H"
    if spec.eqf_level is not None:
        out["eqfLevel"] = concept(vocab.eqf_level(spec.eqf_level))
    if spec.qf_ehea_cycle is not None:
        out[f"{MCRED}qfEheaCycle"] = concept(vocab.QF_EHEA_CYCLES[spec.qf_ehea_cycle])
    if spec.nqf_level is not None:
        out["nqfLevel"] = {"id": str(spec.nqf_level), "type": "Concept",
                           "inScheme": {"id": NQF_SCHEME, "type": "ConceptScheme"}}
    if spec.field_of_study:
        out["thematicArea"] = [concept(vocab.isced_f(spec.field_of_study))]
    if spec.language:
        out["language"] = [_language(spec.language)]
    if spec.prerequisites:
        out["entryRequirement"] = _note(spec.prerequisites)
    if spec.stackability:
        out["isPartialQualification"] = spec.stackability.mode != "standalone"
        out[f"{MCRED}stackabilityMode"] = spec.stackability.mode
        if spec.stackability.towards:
            # Not elm:isPartOf: EDC wants a titled Qualification there; we know only its URL.
            out[f"{MCRED}stackableTowards"] = [{"id": str(u)} for u in spec.stackability.towards]
    if spec.further_information:
        out["additionalNote"] = [_note(spec.further_information)]
    return out


def _assessment(content: CredentialContent, awarding: dict[str, Any]) -> dict[str, Any]:
    spec = content.spec
    kind = vocab.ASSESSMENT_TYPES[spec.assessment_type]
    specification: dict[str, Any] = {
        "type": "LearningAssessmentSpecification",
        "title": _text(spec.assessment_description or kind.label),
        "dcType": concept(kind),
    }
    if spec.grade_scale:
        specification["gradingScheme"] = {"type": "GradingScheme",
                                          "title": _text(", ".join(spec.grade_scale))}
    # EDC's LearningAssessment must carry a grade: an award without one was passed, and the
    # note says it is no grade (readers skip it: elements/encodings/elm.json).
    grade = _note(content.grade) if content.grade is not None else \
        {**_note("Passed"), f"{MCRED}ungraded": True}
    assessment: dict[str, Any] = {"type": "LearningAssessment", "title": _text(spec.title),
                                  "awardedBy": awarding, "grade": grade,
                                  "specifiedBy": specification}
    if spec.supervision:
        assessment["idVerification"] = concept(vocab.SUPERVISION[spec.supervision])
    return assessment


def _issuer(content: CredentialContent) -> dict[str, Any]:
    info = content.issuer
    issuer: dict[str, Any] = {
        "id": info.did, "type": "Organisation", "legalName": _text(info.name),
        # EDC asks for one eIDAS legal identifier: the organizationIdentifier of the issuer's
        # e-seal certificate, which a seal is checked against; without an e-seal, the
        # identifier the proof is bound to, the issuer's DID.
        "eIDASIdentifier": {"id": f"{info.did}#legal-identifier", "type": "LegalIdentifier",
                            "notation": info.legal_identifier,
                            "schemeName": "organizationIdentifier",
                            "spatial": _country(info.country)}
        if info.legal_identifier else
        {"id": f"{info.did}#legal-identifier", "type": "LegalIdentifier",
         "notation": info.did, "schemeName": "did", "spatial": _country(info.country)},
        "location": {"type": "Location", "address": {"type": "Address",
                                                     "countryCode": _country(info.country)}},
        "homepage": [{"type": "WebResource", "contentURL": info.url}],
        "contactPoint": [{"type": "ContactPoint", "emailAddress": [
            {"id": f"mailto:{info.email}", "type": "Mailbox"}]}],
    }
    return issuer


def _evidence(content: CredentialContent, accreditation: Accreditation) -> dict[str, Any]:
    """The credential's evidence carrying the issuer's accreditation, as EDC-accredited asks
    (one elm:Accreditation with a type from EDC's list and an accrediting Organisation with a
    legal name and a location)."""
    kind = vocab.QA_TYPES[accreditation.kind]
    agent: dict[str, Any] = {
        "id": f"{content.id}#accrediting-agent", "type": "Organisation",
        "legalName": _text(accreditation.agency),
        "location": {"type": "Location", "address": {
            "type": "Address", "countryCode": _country(accreditation.agency_country)}}}
    if accreditation.agency_id:
        agent["identifier"] = [{"type": "Identifier", "notation": accreditation.agency_id,
                                "schemeName": "EQAR agency id"}]
    node: dict[str, Any] = {
        "id": f"{content.id}#accreditation", "type": "Accreditation",
        "title": _text(kind.label), "dcType": concept(kind),
        "accreditingAgent": agent,
        "organisation": content.issuer.did,  # the issuer node: its activities are accredited
        "valid": timestamp(accreditation.valid_from)}
    if accreditation.valid_until:
        # Valid through its last day (registry dates are inclusive).
        node["expiryDate"] = f"{accreditation.valid_until.isoformat()}T23:59:59Z"
    if accreditation.report:
        node["report"] = {"type": "WebResource", "contentURL": accreditation.report}
    if accreditation.report_id:
        node["identifier"] = [{"type": "Identifier", "notation": accreditation.report_id,
                               "schemeName": "DEQAR report id"}]
    return {"id": f"{content.id}#evidence", "type": "Evidence",
            "dcType": concept(ACCREDITATION_EVIDENCE),
            "evidenceStatement": f"{content.issuer.name} is quality assured by"
                                 f" {accreditation.agency} ({kind.label}), valid on the award"
                                 f" date {content.awarded_on.isoformat()}.",
            "accreditation": node}


def _display(content: CredentialContent) -> dict[str, Any]:
    english = _language("en")
    return {
        "type": "DisplayParameter",
        "title": _text(content.spec.title),
        "primaryLanguage": english,
        "language": [english],
        "individualDisplay": [{
            "type": "IndividualDisplay", "language": english,
            "displayDetail": [{"type": "DisplayDetail", "page": 1, "image": {
                "type": "MediaObject", "content": display_png_base64(content),
                "contentType": concept(PNG), "contentEncoding": concept(BASE64)}}]}],
    }


def render_elm(content: CredentialContent, sealed: bool = False) -> dict[str, Any]:
    """The unsigned European Digital Credential for ``content``; ``sealed``: to be sealed
    with JAdES (no Data Integrity context, as in EDC's unsigned sample)."""
    awarding = {"id": f"{content.id}#awarding", "type": "AwardingProcess",
                "awardingBody": [content.issuer.did],
                "awardingDate": timestamp(content.awarded_on)}
    claim: dict[str, Any] = {
        "id": f"{content.id}#achievement",
        "type": "LearningAchievement",
        "title": _text(content.spec.title),
        "awardedBy": awarding,
        "provenBy": [_assessment(content, awarding)],
        "specifiedBy": _specification(content),
    }
    if content.composed_of:
        # Not elm:hasPart: EDC wants full LearningAchievements there; these are the ids of
        # the component credentials, as OBv3's mcred:composedOf has them.
        claim[f"{MCRED}composedOf"] = [{"id": c} for c in content.composed_of]
    subject: dict[str, Any] = {"type": "Person", "fullName": _text(content.learner.name)}
    if content.learner.did:
        subject["id"] = content.learner.did
    identifiers = _identifiers(content)
    if identifiers:
        subject["identifier"] = identifiers
    subject["hasClaim"] = [claim]
    issued = timestamp(content.issued_at)
    accredited = content.accreditation is not None
    credential: dict[str, Any] = {
        "@context": [VC_V1, EDC_CONTEXT] if sealed else [VC_V1, EDC_CONTEXT, DATA_INTEGRITY_V2],
        "id": content.id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialSchema": [{"id": ACCREDITED_SCHEMA if accredited else EDC_SCHEMA,
                              "type": "ShaclValidator2017"}],
        "credentialProfiles": [concept(ACCREDITED_PROFILE if accredited else GENERIC_PROFILE)],
        "displayParameter": _display(content),
        "issuer": _issuer(content),
        "issuanceDate": issued,
        "issued": issued,
        "validFrom": issued,
        "credentialSubject": subject,
    }
    if content.valid_until:
        credential["validUntil"] = timestamp(content.valid_until)
    if content.accreditation is not None:
        credential["evidence"] = [_evidence(content, content.accreditation)]
    if content.status_url:
        # The status resource (app.status.router) answers with the current standing and the
        # Bitstring entries behind it: revocation stays visible, and EDC-generic-full holds.
        credential["credentialStatus"] = {"@value": content.status_url, "@type": XSD_ANY_URI}
    return credential
