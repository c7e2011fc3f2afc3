"""Plain-language rows of a (verified) credential's EU elements, and the verdict a failed
deciding check gives, for the share and verification pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import pycountry
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime

from app.elements import vocabularies as vocab
from app.elements.extract import Found
from app.elements.text import displayable


def _label(uri: Any, t: Any = None) -> str:
    """A concept's label; our own plain wording (``concept.<key>``) where the vocabulary's is
    jargon, e.g. "Presential" is said "On site"."""
    concept = vocab.concept_by_uri(str(uri))
    if concept is None:
        return str(uri)
    if t is not None and t(f"concept.{concept.key}") != f"concept.{concept.key}":
        return t(f"concept.{concept.key}")
    return concept.label


def day(value: Any, locale: str) -> str:
    """A date or date-time (ISO 8601 text) as the reader writes dates, e.g. "30 June 2026"; the
    text as given when it is not a date."""
    text = str(value or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text \
            else date.fromisoformat(text[:10])
    except ValueError:
        return text
    return format_date(moment.date() if isinstance(moment, datetime) else moment, "long",
                       locale=locale)


# Which deciding check failed, and how: the first of these that applies is what the page says.
_EXPIRED = re.compile(r"expired at (\S+)")
_NOT_YET = re.compile(r"not yet valid: valid from (\S+)")


def moment(value: datetime, locale: str) -> str:
    """A point in time as the reader writes it, in UTC (the page says so): a check time."""
    return format_datetime(value.astimezone(UTC), "medium", tzinfo=UTC, locale=locale) + " UTC"


def verdict(report: dict[str, Any], locale: str) -> dict[str, str] | None:
    """Why a credential is not verified, in plain words for the banner — ``reason`` (altered,
    unverifiable, malformed, open-badges-2, revoked, suspended, status-unknown, expired,
    not-yet-valid, bad-dates, failed) and ``date`` when there is one; None when every deciding
    check passed."""
    if report.get("verified", False):
        return None
    checks = {c["name"]: c for c in (report.get("report") or {}).get("checks") or []}

    def failed(name: str) -> dict[str, Any] | None:
        check = checks.get(name)
        return check if check and check.get("status") == "failed" else None

    if proof := failed("proof"):
        code = (proof.get("details") or {}).get("code")
        return {"reason": "altered" if code == "INVALID_SIGNATURE" else "unverifiable"}
    if form := failed("format"):
        ob2 = (form.get("details") or {}).get("code") == "open-badges-2"
        return {"reason": "open-badges-2" if ob2 else "malformed"}
    if status := failed("status"):
        message = str(status.get("message", ""))
        if message.startswith("revoked") or " revoked" in message:
            return {"reason": "revoked"}
        if "suspended" in message:
            return {"reason": "suspended"}
        return {"reason": "status-unknown"}
    if validity := failed("validity"):
        message = str(validity.get("message", ""))
        for reason, pattern in (("expired", _EXPIRED), ("not-yet-valid", _NOT_YET)):
            if match := pattern.search(message):
                return {"reason": reason, "date": day(match.group(1), locale)}
        return {"reason": "bad-dates"}
    return {"reason": "failed"}


def _shown(text: Any) -> str | None:
    """A text from a (possibly foreign) credential, safe to show: no invisible or bidi tricks."""
    return displayable(str(text)) if text is not None else None


def summary(found: dict[str, Found], t: Any, locale: str = "en") -> dict[str, str | None]:
    """Title, learner, awarding body, its country and the date awarded, as shown on top."""
    value = {k: v.value for k, v in found.items()}
    country = value.get("country")
    name = pycountry.countries.get(alpha_2=country).name if country else None
    return {"title": _shown(value.get("title")),
            "learner": _shown((value.get("learner") or {}).get("name") or
                              (value.get("learner") or {}).get("id")),
            "awardingBody": _shown((value.get("awardingBody") or {}).get("name") or
                                   (value.get("awardingBody") or {}).get("id")),
            "country": name,
            "dateOfIssuing": day(value["dateOfIssuing"], locale)
            if value.get("dateOfIssuing") else None}


def _field_of_study(value: Any) -> str:
    """An ISCED-F 2013 code or concept IRI as "0688 Inter-disciplinary … (ISCED-F 2013)"; any
    other text as given."""
    text = str(value).strip()
    code = text.rstrip("/").rsplit("/", 1)[-1] if "://" in text else text
    try:
        concept = vocab.isced_f(code)
    except ValueError:
        return text
    return f"{code} {concept.label} (ISCED-F 2013)"


def _language(code: Any, locale: str) -> str:
    try:
        return Locale.parse(str(code).replace("-", "_")).get_language_name(locale) or str(code)
    except (ValueError, UnknownLocaleError):
        return str(code)


def rows(found: dict[str, Found], t: Any, locale: str = "en_GB",
         document: Any = None) -> list[tuple[str, str | list[str]]]:
    """(element, text or list) of everything certified, in the Recommendation's order (what
    it is about first), only elements present."""
    v = {k: f.value for k, f in found.items() if f.value not in (None, "", [])}
    out: list[tuple[str, str | list[str]]] = []
    if "description" in v:
        out.append(("description", str(v["description"])))
    if "learningOutcomes" in v:
        out.append(("learningOutcomes", list(v["learningOutcomes"])))
    if "learningOutcomeAlignments" in v:
        out.append(("learningOutcomeAlignments", [str(x) for x in v["learningOutcomeAlignments"]]))
    if "criteria" in v:
        out.append(("criteria", str(v["criteria"])))
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
            out.append((key, _label(v[key], t)))
        if key == "assessmentType" and "assessmentDescription" in v:
            out.append(("assessmentDescription", str(v["assessmentDescription"])))
    if "fieldOfStudy" in v:
        out.append(("fieldOfStudy", _field_of_study(v["fieldOfStudy"])))
    if "language" in v:
        languages = v["language"] if isinstance(v["language"], list) else [v["language"]]
        out.append(("language", ", ".join(_language(code, locale) for code in languages)))
    if "participationForm" in v:
        out.append(("participationForm",
                    ", ".join(_label(m, t) for m in v["participationForm"])))
    if "qualityAssurance" in v:
        out.append(("qualityAssurance", [
            " — ".join(str(x) for x in (_label(q["type"]) if q.get("type") else None,
                                        q.get("name"), q.get("agency"), q.get("code"),
                                        q.get("description"), q.get("report")) if x)
            for q in v["qualityAssurance"]]))
    for key in ("grade", "prerequisites", "furtherInformation"):
        if key in v:
            out.append((key, str(v[key])))
    if "integrationStackability" in v:
        stack = v["integrationStackability"]
        out.append(("integrationStackability",
                    " → ".join([str(stack.get("mode")), *(stack.get("towards") or [])])))
    if "components" in v:
        out.append(("components", [str(c.get("name") or c.get("id")) if isinstance(c, dict)
                                   else str(c) for c in v["components"]]))
    until = (document.get("validUntil") or document.get("expirationDate")) \
        if isinstance(document, dict) else None
    if until:
        out.append(("validUntil", day(until, locale)))
    # Texts from (possibly another issuer's) credential: no invisible or bidi tricks.
    return [(key, displayable(value) if isinstance(value, str)
             else [displayable(str(item)) for item in value]) for key, value in out]


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
