"""Completeness of the EU standard elements: present and well formed, element by element."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.elements import vocabularies as vocab
from app.elements.extract import Found
from app.elements.model import MANDATORY_ELEMENTS, OPTIONAL_ELEMENTS
from app.messages import msg

_URI = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class ElementCheck:
    element: str
    mandatory: bool
    status: str  # "present" | "missing" | "malformed"
    path: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _problem(element: str, value: Any) -> str | None:
    """Why a present element is malformed, or None when it is well formed."""
    if element == "learner":
        if not (value.get("name") or value.get("id") or value.get("identifiers")):
            return msg("no name, id or identifier for the learner")
    elif element in ("title",) and not str(value).strip():
        return msg("empty")
    elif element == "country":
        try:
            vocab.country(value)
        except ValueError:
            return msg("'%(value)s' is not an ISO 3166-1 country code", value=value)
    elif element == "learningOutcomes" and not [s for s in value if str(s).strip()]:
        return msg("no learning outcome statement")
    elif element == "workload":
        amounts = [value.get(k) for k in ("ects", "credits", "hours")]
        if all(a is None for a in amounts):
            return msg("no ECTS credits, credits or hours")
        if any(a is not None and a <= 0 for a in amounts):
            return msg("the workload must be a positive number")
    elif element == "level":
        eqf = value.get("eqf")
        if eqf is not None and (not isinstance(eqf, int | float) or not 1 <= eqf <= 8):
            return msg("EQF level %(eqf)s is outside 1-8", eqf=eqf)
        if eqf is None and not value.get("qfEhea"):
            return msg("neither an EQF level nor a QF-EHEA cycle")
    elif element in ("assessmentType", "supervisionAndIdentityVerification"):
        if not _URI.match(str(value)):
            return msg("not a concept URI")
    elif element == "participationForm" and not value:
        return msg("empty")
    elif element == "qualityAssurance" and not [
            q for q in value if q.get("type") or q.get("name") or q.get("report")]:
        return msg("no quality assurance type, name or report")
    return None


def check(found: dict[str, Found], unread: str | None = None) -> list[ElementCheck]:
    """One check per Annex I element (mandatory first), in the Recommendation's order.
    ``unread``: why the credential could not be read at all (every element says so)."""
    checks = []
    for element in MANDATORY_ELEMENTS + OPTIONAL_ELEMENTS:
        mandatory = element in MANDATORY_ELEMENTS
        item = found.get(element)
        if item is None:
            checks.append(ElementCheck(element, mandatory, "missing",
                                       reason=msg("could not be read: %(why)s", why=unread)
                                       if unread else msg("not found in the credential")))
            continue
        reason = item.problem or _problem(element, item.value)
        checks.append(ElementCheck(element, mandatory, "malformed" if reason else "present",
                                   item.path, reason))
    return checks


def mandatory_failures(found: dict[str, Found]) -> list[ElementCheck]:
    return [c for c in check(found) if c.mandatory and c.status != "present"]
