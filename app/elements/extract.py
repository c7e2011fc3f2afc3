"""Read the EU standard elements back out of a credential: OBv3 (with or without our extension
terms) or our ELM rendering. Tolerant of any issuer's document: never raises on odd shapes;
an element it cannot find is simply absent. Each element comes with the JSON path it was read
from, for completeness reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.elements import vocabularies as vocab

_EQF_URI = re.compile(r"^https?://data\.europa\.eu/snb/eqf/([1-8])$")


@dataclass(frozen=True)
class Found:
    """An element's normalised value and where in the document it was found."""

    value: Any
    path: str


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([] if value is None else [value])


def _types(node: Any) -> list[str]:
    return [t for t in _list(node.get("type")) if isinstance(t, str)] if isinstance(node, dict) \
        else []


def _text(value: Any) -> str | None:
    """A plain string, or the English (else first) entry of a language map."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "en" in value and isinstance(value["en"], str):
            return value["en"]
        for item in value.values():
            if isinstance(item, str):
                return item
    return None


def _id(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _hours(duration: Any) -> float | None:
    match = re.match(r"^PT(\d+(?:\.\d+)?)H$", duration) if isinstance(duration, str) else None
    return float(match.group(1)) if match else None


def _alpha2(country_uri_or_code: Any) -> str | None:
    if not isinstance(country_uri_or_code, str):
        return None
    code = country_uri_or_code.rsplit("/", 1)[-1].upper()
    try:
        if len(code) == 3:
            import pycountry

            found = pycountry.countries.get(alpha_3=code)
            code = found.alpha_2 if found else ""
        return vocab.country(code)[0]
    except (ValueError, LookupError):
        return None


def read_ob3(doc: dict[str, Any]) -> dict[str, Found]:
    """Elements of an Open Badges 3.0 credential."""
    found: dict[str, Found] = {}
    issuer = doc.get("issuer")
    subject = next((s for s in _list(doc.get("credentialSubject")) if isinstance(s, dict)), {})
    ach = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}

    identifiers = [i for i in _list(subject.get("identifier")) if isinstance(i, dict)]
    name = next((i.get("identityHash") for i in identifiers
                 if i.get("identityType") == "name" and i.get("hashed") is False), None)
    if identifiers or subject.get("id"):
        found["learner"] = Found({"name": name, "id": subject.get("id"),
                                  "identifiers": sorted(str(i.get("identityType"))
                                                        for i in identifiers
                                                        if i.get("identityType") != "name")},
                                 "credentialSubject.identifier")
    if isinstance(ach.get("name"), str):
        found["title"] = Found(ach["name"], "credentialSubject.achievement.name")
    if isinstance(issuer, dict):
        address = issuer.get("address") if isinstance(issuer.get("address"), dict) else {}
        code = _alpha2(address.get("addressCountryCode"))
        if code:
            found["country"] = Found(code, "issuer.address.addressCountryCode")
    issuer_id = _id(issuer)
    if issuer_id:
        found["awardingBody"] = Found(
            {"id": issuer_id, "name": issuer.get("name") if isinstance(issuer, dict) else None},
            "issuer")
    for key in ("awardedDate", "validFrom", "issuanceDate"):
        if _date(doc.get(key)):
            found["dateOfIssuing"] = Found(_date(doc[key]), key)
            break
    outcomes = [o.get("statement") for o in _list(ach.get("learningOutcome"))
                if isinstance(o, dict) and isinstance(o.get("statement"), str)]
    if outcomes:
        found["learningOutcomes"] = Found(outcomes, "credentialSubject.achievement.learningOutcome")
    ects = _number(ach.get("creditsAvailable"))
    if ects is not None:
        found["workload"] = Found({"ects": ects, "hours": _hours(ach.get("volumeOfLearning"))},
                                  "credentialSubject.achievement.creditsAvailable")
    level: dict[str, Any] = {}
    for align in _list(ach.get("alignment")):
        if not isinstance(align, dict):
            continue
        url, kind = align.get("targetUrl"), align.get("targetType")
        match = _EQF_URI.match(url) if isinstance(url, str) else None
        if match or kind == "ext:EQFLevel":
            level["eqf"] = int(match.group(1)) if match else _number(align.get("targetCode"))
        elif kind == "ext:QFEHEACycle":
            level["qfEhea"] = url
        elif kind == "ext:NQFLevel":
            level["nqf"] = url
    if level:
        found["level"] = Found({"eqf": level.get("eqf"), "qfEhea": level.get("qfEhea"),
                                "nqf": level.get("nqf")}, "credentialSubject.achievement.alignment")
    if isinstance(ach.get("assessmentType"), str):
        found["assessmentType"] = Found(ach["assessmentType"],
                                        "credentialSubject.achievement.assessmentType")
    modes = [m for m in _list(ach.get("participationMode")) if isinstance(m, str)]
    if modes:
        found["participationForm"] = Found(sorted(modes),
                                           "credentialSubject.achievement.participationMode")
    qa = [{"type": q.get("qaType"), "agency": q.get("qaAgency"), "report": q.get("deqarReport")}
          for q in _list(ach.get("qualityAssurance")) if isinstance(q, dict)]
    if qa:
        found["qualityAssurance"] = Found(qa, "credentialSubject.achievement.qualityAssurance")
    _optional(found, "prerequisites", ach.get("entryRequirement"),
              "credentialSubject.achievement.entryRequirement")
    _optional(found, "supervisionAndIdentityVerification", ach.get("supervisionVerification"),
              "credentialSubject.achievement.supervisionVerification")
    grade = next((r.get("value") for r in _list(subject.get("result"))
                  if isinstance(r, dict) and isinstance(r.get("value"), str)), None)
    _optional(found, "grade", grade, "credentialSubject.result")
    stack = ach.get("integrationStackability")
    if isinstance(stack, dict):
        found["integrationStackability"] = Found(
            {"mode": stack.get("stackabilityMode"),
             "towards": sorted(_list(stack.get("stackableTowards")))},
            "credentialSubject.achievement.integrationStackability")
    _optional(found, "furtherInformation", ach.get("furtherInformation"),
              "credentialSubject.achievement.furtherInformation")
    return found


def _optional(found: dict[str, Found], element: str, value: Any, path: str) -> None:
    if isinstance(value, str) and value:
        found[element] = Found(value, path)


def read_elm(doc: dict[str, Any]) -> dict[str, Found]:
    """Elements of an ELM-shaped credential (our rendering, or a compatible EDC document)."""
    found: dict[str, Found] = {}
    issuer = doc.get("issuer")
    subject = next((s for s in _list(doc.get("credentialSubject")) if isinstance(s, dict)), {})
    claim = next((c for c in _list(subject.get("hasClaim")) if isinstance(c, dict)), {})
    spec = claim.get("specifiedBy") if isinstance(claim.get("specifiedBy"), dict) else {}
    assessment = next((a for a in _list(claim.get("provenBy")) if isinstance(a, dict)), {})
    a_spec = assessment.get("specifiedBy") if isinstance(assessment.get("specifiedBy"), dict) \
        else {}
    base = "credentialSubject.hasClaim[0]"

    identifiers = [i for i in _list(subject.get("identifier")) if isinstance(i, dict)]
    name = _text(subject.get("fullName"))
    if name or identifiers or subject.get("id"):
        found["learner"] = Found({"name": name, "id": subject.get("id"),
                                  "identifiers": sorted(str(i.get("identifierSchemeName"))
                                                        for i in identifiers)},
                                 "credentialSubject")
    title = _text(claim.get("title")) or _text(spec.get("title"))
    if title:
        found["title"] = Found(title, f"{base}.title")
    if isinstance(issuer, dict):
        location = issuer.get("location") if isinstance(issuer.get("location"), dict) else {}
        address = location.get("address") if isinstance(location.get("address"), dict) else {}
        country = address.get("countryCode")
        code = _alpha2(country.get("notation") if isinstance(country, dict) and
                       country.get("notation") else _id(country))
        if code:
            found["country"] = Found(code, "issuer.location.address.countryCode")
    issuer_id = _id(issuer)
    if issuer_id:
        found["awardingBody"] = Found(
            {"id": issuer_id, "name": _text(issuer.get("legalName"))
             if isinstance(issuer, dict) else None}, "issuer")
    awarded = claim.get("awardedBy") if isinstance(claim.get("awardedBy"), dict) else {}
    for value, path in ((awarded.get("awardingDate"), f"{base}.awardedBy.awardingDate"),
                        (doc.get("issued"), "issued"), (doc.get("validFrom"), "validFrom")):
        if _date(value):
            found["dateOfIssuing"] = Found(_date(value), path)
            break
    outcomes = [_text(o.get("title")) for o in _list(spec.get("learningOutcome"))
                if isinstance(o, dict) and _text(o.get("title"))]
    if outcomes:
        found["learningOutcomes"] = Found(outcomes, f"{base}.specifiedBy.learningOutcome")
    credit = next((c for c in _list(spec.get("creditPoint")) if isinstance(c, dict)), None)
    if credit is not None and _number(credit.get("point")) is not None:
        found["workload"] = Found({"ects": _number(credit.get("point")),
                                   "hours": _hours(spec.get("volumeOfLearning"))},
                                  f"{base}.specifiedBy.creditPoint")
    eqf_uri = _id(spec.get("eqfLevel"))
    eqf_match = _EQF_URI.match(eqf_uri) if eqf_uri else None
    level = {"eqf": int(eqf_match.group(1)) if eqf_match else None,
             "qfEhea": _id(spec.get("qfEheaLevel")), "nqf": _id(spec.get("nqfLevel"))}
    if any(v is not None for v in level.values()):
        found["level"] = Found(level, f"{base}.specifiedBy.eqfLevel")
    assessment_type = _id(a_spec.get("dcType"))
    if assessment_type:
        found["assessmentType"] = Found(assessment_type,
                                        f"{base}.provenBy[0].specifiedBy.dcType")
    modes = [_id(m) for m in _list(spec.get("mode")) if _id(m)]
    if modes:
        found["participationForm"] = Found(sorted(modes), f"{base}.specifiedBy.mode")
    qa = [{"type": _id(a.get("dcType")),
           "agency": _text(a.get("accreditingAgent", {}).get("legalName"))
           if isinstance(a.get("accreditingAgent"), dict) else None,
           "report": a.get("report")}
          for a in _list(spec.get("accreditation")) if isinstance(a, dict)]
    if qa:
        found["qualityAssurance"] = Found(qa, f"{base}.specifiedBy.accreditation")
    entry = spec.get("entryRequirement")
    _optional(found, "prerequisites", _text(entry.get("noteLiteral"))
              if isinstance(entry, dict) else None, f"{base}.specifiedBy.entryRequirement")
    _optional(found, "supervisionAndIdentityVerification", _id(assessment.get("idVerification")),
              f"{base}.provenBy[0].idVerification")
    grade = assessment.get("grade")
    _optional(found, "grade", _text(grade.get("noteLiteral")) if isinstance(grade, dict) else None,
              f"{base}.provenBy[0].grade")
    if isinstance(spec.get("stackabilityMode"), str):
        found["integrationStackability"] = Found(
            {"mode": spec["stackabilityMode"], "towards": sorted(_list(spec.get("isPartOf")))},
            f"{base}.specifiedBy.stackabilityMode")
    notes = [n for n in _list(spec.get("additionalNote")) if isinstance(n, dict)]
    if notes and _text(notes[0].get("noteLiteral")):
        found["furtherInformation"] = Found(_text(notes[0].get("noteLiteral")),
                                            f"{base}.specifiedBy.additionalNote")
    return found


def read_generic(doc: dict[str, Any]) -> dict[str, Found]:
    """What any verifiable credential says of the elements: issuer, date, subject id."""
    found: dict[str, Found] = {}
    issuer = doc.get("issuer")
    if _id(issuer):
        found["awardingBody"] = Found({"id": _id(issuer), "name": issuer.get("name")
                                       if isinstance(issuer, dict) else None}, "issuer")
    for key in ("validFrom", "issuanceDate"):
        if _date(doc.get(key)):
            found["dateOfIssuing"] = Found(_date(doc[key]), key)
            break
    subject = next((s for s in _list(doc.get("credentialSubject")) if isinstance(s, dict)), {})
    if isinstance(subject.get("id"), str):
        found["learner"] = Found({"name": None, "id": subject["id"], "identifiers": []},
                                 "credentialSubject.id")
    return found


def read_elements(doc: Any) -> tuple[str, dict[str, Found]]:
    """(profile, elements) of any credential: ``ob3``, ``elm`` or ``vc`` (generic)."""
    if not isinstance(doc, dict):
        return "unknown", {}
    types = _types(doc)
    if "EuropeanDigitalCredential" in types:
        return "elm", read_elm(doc)
    if {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        return "ob3", read_ob3(doc)
    return "vc", read_generic(doc)
