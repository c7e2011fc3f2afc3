"""The issuer's accreditation on the award date, when mcred knows it: what turns an award's
ELM rendering into an EDC-accredited credential (app/credentials/elm.py, docs/edc-elm.md).

Known means: the issuer's registry entry (its DID's, trusted) has an external QA record that
covers the award date (``QualityAssuranceEntry.covers``), in line with the ESG, not a
voluntary one (EDC counts official external QA only: EQAR/deqar-docs europass.md), whose
agency's country is known — EDC's accrediting agent is an Organisation with a location. The
achievement's own external QA element picks the record (same agency, same level) and may add
the report; without one, an institutional record accredits every award of the issuer, a
programme record none (it covers programmes the registry names, not this achievement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.elements.model import MicroCredentialSpec
from app.elements.model import QualityAssurance as AchievementQa
from app.elements.vocabularies import EXTERNAL_QA_KEYS
from app.registry.schemas import QualityAssuranceEntry
from app.registry.service import Lookup

# DEQAR activity types (app/registry/deqar.py ACTIVITY_TYPES) each QA level covers; a record
# without one (entered by hand) is taken for either level.
_LEVELS = {"external-institutional": {None, "institutional", "institutional/programme"},
           "external-programme": {None, "programme", "joint programme",
                                  "institutional/programme"}}


@dataclass(frozen=True)
class Accreditation:
    """One external QA result, as EDC's Accreditation needs it."""

    kind: str  # "external-institutional" | "external-programme" (vocab.QA_TYPES key)
    agency: str  # name or acronym, as the registry has it
    agency_country: str  # ISO 3166-1 alpha-2
    valid_from: date
    valid_until: date | None = None
    agency_id: str | None = None  # EQAR agency id
    report: str | None = None  # URL of the QA report
    report_id: str | None = None  # DEQAR report id


def _agency_keys(qa: QualityAssuranceEntry) -> set[str]:
    return {k for k in (qa.agency_id and f"id:{qa.agency_id}", f"name:{qa.agency.casefold()}")
            if k}


def _agency_countries(records: list[QualityAssuranceEntry]) -> dict[str, str]:
    """Each agency's country as any record of the entry gives it: DEQAR's reports do not,
    so a hand-entered record of the same agency (id or name) lends its country."""
    known: dict[str, str] = {}
    for qa in records:
        if qa.agency_country:
            for key in _agency_keys(qa):
                known.setdefault(key, qa.agency_country)
    return known


def _matches(element: AchievementQa, qa: QualityAssuranceEntry) -> bool:
    if qa.activity_type not in _LEVELS[element.type]:
        return False
    if not element.agency:
        return True
    # The element names its agency as EQAR does: by acronym, name or agency id.
    return element.agency.casefold() in {qa.agency.casefold(), (qa.agency_id or "").casefold()}


def accreditation_for(spec: MicroCredentialSpec, registry: Lookup,
                      awarded_on: date) -> Accreditation | None:
    """The accreditation an award of ``spec`` on ``awarded_on`` carries, or None."""
    if not registry.trusted or registry.entry is None:
        return None
    records = registry.entry.quality_assurance
    countries = _agency_countries(records)
    usable = [(qa, next((countries[k] for k in _agency_keys(qa) if k in countries), None))
              for qa in records
              if qa.covers(awarded_on) and qa.esg_aligned and qa.status != "voluntary"]
    usable = [(qa, country) for qa, country in usable if country]
    # Latest-starting first: the result in force, when reports overlap.
    usable.sort(key=lambda pair: pair[0].valid_from, reverse=True)
    for element in spec.quality_assurance:
        if element.type not in EXTERNAL_QA_KEYS:
            continue
        for qa, country in usable:
            if _matches(element, qa):
                return _accreditation(element.type, qa, country,
                                      str(element.deqar_report) if element.deqar_report
                                      else None)
    for qa, country in usable:
        if qa.activity_type in _LEVELS["external-institutional"]:
            return _accreditation("external-institutional", qa, country, None)
    return None


def _accreditation(kind: str, qa: QualityAssuranceEntry, country: str,
                   element_report: str | None) -> Accreditation:
    return Accreditation(kind=kind, agency=qa.agency, agency_country=country,
                         valid_from=qa.valid_from, valid_until=qa.valid_until,
                         agency_id=qa.agency_id,
                         report=str(qa.report_url) if qa.report_url else element_report,
                         report_id=qa.report_id)
