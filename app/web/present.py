"""Plain-language rows of a (verified) credential's EU elements, for the credential page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pycountry

from app.elements import vocabularies as vocab
from app.elements.extract import Found
from app.elements.text import displayable


def _label(uri: Any) -> str:
    concept = vocab.concept_by_uri(str(uri))
    return concept.label if concept else str(uri)


def _shown(text: Any) -> str | None:
    """A text from a (possibly foreign) credential, safe to show: no invisible or bidi tricks."""
    return displayable(str(text)) if text is not None else None


def summary(found: dict[str, Found], t: Any) -> dict[str, str | None]:
    value = {k: v.value for k, v in found.items()}
    country = value.get("country")
    name = pycountry.countries.get(alpha_2=country).name if country else None
    return {"title": _shown(value.get("title")),
            "learner": _shown((value.get("learner") or {}).get("name") or
                              (value.get("learner") or {}).get("id")),
            "awardingBody": _shown((value.get("awardingBody") or {}).get("name") or
                                   (value.get("awardingBody") or {}).get("id")),
            "country": name, "dateOfIssuing": value.get("dateOfIssuing")}


def rows(found: dict[str, Found], t: Any) -> list[tuple[str, str | list[str]]]:
    """(element, text or list) in the Recommendation's order, only elements present."""
    v = {k: f.value for k, f in found.items()}
    out: list[tuple[str, str | list[str]]] = []
    if "learningOutcomes" in v:
        out.append(("learningOutcomes", list(v["learningOutcomes"])))
    if "workload" in v:
        work = v["workload"]
        hours = f"{work['hours']:g} {t('hours')}" if work.get("hours") else ""
        if work.get("ects") is not None:
            text = f"{work['ects']:g} {t('ects')}" + (f" ({hours})" if hours else "")
        elif work.get("credits") is not None:
            text = f"{work['credits']:g} {t('credits')}" + (f" ({hours})" if hours else "")
        else:
            text = hours
        out.append(("workload", text))
    if "level" in v:
        level = v["level"]
        parts = [f"{t('eqf')} {int(level['eqf'])}"] if level.get("eqf") else []
        if level.get("qfEhea"):
            parts.append(_label(level["qfEhea"]))
        if level.get("nqf"):
            # NQF levels are national QDR concepts with no label offline: name the framework
            # and keep the concept's id, so the reader can look it up.
            nqf = str(level["nqf"])
            known = vocab.concept_by_uri(nqf)
            parts.append(known.label if known else
                         f"{t('nqf')} ({nqf.rstrip('/').rsplit('/', 1)[-1]})")
        out.append(("level", " · ".join(parts)))
    for key in ("assessmentType", "supervisionAndIdentityVerification"):
        if key in v:
            out.append((key, _label(v[key])))
    if "participationForm" in v:
        out.append(("participationForm", ", ".join(_label(m) for m in v["participationForm"])))
    if "qualityAssurance" in v:
        out.append(("qualityAssurance", [
            " — ".join(str(x) for x in (_label(q["type"]) if q.get("type") else None,
                                        q.get("name"), q.get("agency"), q.get("code"),
                                        q.get("report")) if x)
            for q in v["qualityAssurance"]]))
    for key in ("grade", "prerequisites", "furtherInformation"):
        if key in v:
            out.append((key, str(v[key])))
    if "integrationStackability" in v:
        stack = v["integrationStackability"]
        out.append(("integrationStackability",
                    " → ".join([str(stack.get("mode")), *(stack.get("towards") or [])])))
    return out


def linkedin_url(found: dict[str, Found], link: str, credential_id: str) -> str:
    """LinkedIn's public add-to-profile (certification) URL, fields filled."""
    params = {"startTask": "CERTIFICATION_NAME",
              "name": found["title"].value if "title" in found else "Micro-credential",
              "certUrl": link, "certId": credential_id}
    body = found.get("awardingBody")
    if body and body.value.get("name"):
        params["organizationName"] = body.value["name"]
    date = found.get("dateOfIssuing")
    if date:
        params["issueYear"], params["issueMonth"] = date.value[:4], str(int(date.value[5:7]))
    return "https://www.linkedin.com/profile/add?" + urlencode(params)
