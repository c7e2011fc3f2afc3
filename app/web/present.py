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
from babel.numbers import format_decimal

from app.elements import vocabularies as vocab
from app.elements.extract import Found
from app.elements.text import Tagged, displayable
from app.messages import N_
from app.web.i18n import Reader, translator

# Our own plain wording where a vocabulary's label is jargon ("Presential" is said "On site").
PLAIN_CONCEPTS = {"onsite": N_("On site"), "online": N_("Online"), "blended": N_("Blended"),
                  "hybrid": N_("Hybrid"), "work-based": N_("Work-based"),
                  "volunteering": N_("Volunteering")}
# How a micro-credential relates to others (Annex I "integration / stackability" options).
STACK_MODES = {"standalone": N_("standalone"), "integrated": N_("integrated"),
               "stackable": N_("stackable")}


def _label(uri: Any, who: Reader | None = None) -> str:
    """A concept's label in the reader's language (English without a reader); our plain
    wording where the vocabulary's is jargon; the URI itself for an unknown concept."""
    who = who or translator("en")
    concept = vocab.concept_by_uri(str(uri))
    if concept is None:
        return str(uri)
    if concept.key in PLAIN_CONCEPTS and concept in vocab.PARTICIPATION_MODES.values():
        return who(PLAIN_CONCEPTS[concept.key])
    return who.say(concept.label)


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
    unverifiable, malformed, open-badges-2, seal-revoked, seal-expired, seal-certificate,
    bad-timestamp, revoked, suspended, status-unknown, expired, not-yet-valid, bad-dates,
    failed) and ``date`` when there is one; None when every deciding
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
    if certificate := failed("certificate"):  # a JAdES seal's certificate (app.seals)
        code = (certificate.get("details") or {}).get("code")
        return {"reason": {"CERTIFICATE_REVOKED": "seal-revoked",
                           "CERTIFICATE_EXPIRED": "seal-expired",
                           "CERTIFICATE_NOT_YET_VALID": "seal-expired"}.get(code,
                                                                            "seal-certificate")}
    if failed("timestamps"):
        return {"reason": "bad-timestamp"}
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


def _bcp47(code: Any) -> str | None:
    """A language tag for HTML ``lang`` from a credential's language: a tag ("de", "pt-BR") or
    an EU authority IRI (…/authority/language/DEU); None when it is neither."""
    text = str(code or "").strip().rstrip("/")
    tag = text.rsplit("/", 1)[-1] if "://" in text else text
    primary = tag.split("-")[0].lower()
    found = pycountry.languages.get(alpha_2=primary) if len(primary) == 2 else \
        pycountry.languages.get(alpha_3=primary) if len(primary) == 3 else None
    if found is None or not getattr(found, "alpha_2", None):
        return None
    return found.alpha_2 if "://" in text or "-" not in tag else f"{found.alpha_2}-{tag[3:]}"


def content_language(found: dict[str, Found]) -> str | None:
    """The language the credential says its texts are in (OB 3.0 ``inLanguage``, ELM
    ``dc:language``) when it names exactly one; None otherwise."""
    value = found["language"].value if "language" in found else None
    languages = {_bcp47(v) for v in (value if isinstance(value, list) else [value]) if v}
    return languages.pop() if len(languages) == 1 and None not in languages else None


def _lang_of(value: Any, default: str | None) -> str | None:
    """The language a credential's text is in: its own tag, else the credential's language."""
    if isinstance(value, Tagged):
        return _bcp47(value.lang) or default
    if isinstance(value, list) and value and all(isinstance(v, Tagged) for v in value):
        tags = {_bcp47(v.lang) for v in value}
        return tags.pop() if len(tags) == 1 and None not in tags else default
    return default


def country_name(code: Any, locale: str) -> str | None:
    """An ISO 3166-1 alpha-2 country in the reader's language (Babel's CLDR names)."""
    if not isinstance(code, str) or not code.strip():
        return None
    alpha2 = code.strip().upper()
    try:
        names = Locale.parse(locale).territories
    except (ValueError, UnknownLocaleError):
        names = {}
    known = pycountry.countries.get(alpha_2=alpha2) if len(alpha2) == 2 else None
    return names.get(alpha2) or (known.name if known else code)


def summary(found: dict[str, Found], t: Any = None, locale: str = "en") -> dict[str, str | None]:
    """Title, learner, awarding body, its country and the date awarded, as shown on top;
    ``titleLang``: the title's language when the credential says it."""
    value = {k: v.value for k, v in found.items()}
    return {"title": _shown(value.get("title")),
            "titleLang": _lang_of(value.get("title"), content_language(found)),
            "learner": _shown((value.get("learner") or {}).get("name") or
                              (value.get("learner") or {}).get("id")),
            "awardingBody": _shown((value.get("awardingBody") or {}).get("name") or
                                   (value.get("awardingBody") or {}).get("id")),
            "country": country_name(value.get("country"), locale),
            "dateOfIssuing": day(value["dateOfIssuing"], locale)
            if value.get("dateOfIssuing") else None}


def _field_of_study(value: Any, who: Reader) -> str:
    """An ISCED-F 2013 code or concept IRI as "0688 Inter-disciplinary … (ISCED-F 2013)"; any
    other text as given."""
    text = str(value).strip()
    code = text.rstrip("/").rsplit("/", 1)[-1] if "://" in text else text
    try:
        concept = vocab.isced_f(code)
    except ValueError:
        return text
    return f"{code} {who.say(concept.label)} (ISCED-F 2013)"


def _language(code: Any, locale: str) -> str:
    try:
        return Locale.parse(str(code).replace("-", "_")).get_language_name(locale) or str(code)
    except (ValueError, UnknownLocaleError):
        return str(code)


# Rows whose text is the issuer's (shown in the credential's language, marked ``lang``); the
# other rows are said by mcred in the reader's language.
ISSUER_TEXTS = ("description", "learningOutcomes", "learningOutcomeAlignments", "criteria",
                "assessmentDescription", "grade", "prerequisites", "furtherInformation",
                "components")


def rows(found: dict[str, Found], t: Reader | None = None, locale: str = "en_GB",
         document: Any = None) -> list[tuple[str, str | list[str], str | None]]:
    """(element, text or list, language of the text when the credential says it) of
    everything certified, in the Recommendation's order (what it is about first), only
    elements present. ``t`` is the reader (English without one)."""
    who = t or translator("en")
    v = {k: f.value for k, f in found.items() if f.value not in (None, "", [])}
    number = lambda x: format_decimal(x, locale=locale)  # noqa: E731
    out: list[tuple[str, Any]] = []
    if "description" in v:
        out.append(("description", v["description"]))
    if "learningOutcomes" in v:
        out.append(("learningOutcomes", list(v["learningOutcomes"])))
    if "learningOutcomeAlignments" in v:
        out.append(("learningOutcomeAlignments", list(v["learningOutcomeAlignments"])))
    if "criteria" in v:
        out.append(("criteria", v["criteria"]))
    if "workload" in v:
        work = v["workload"]
        hours = who(N_("%(hours)s hours"), hours=number(work["hours"])) if work.get("hours") else ""
        if work.get("ects") is not None:
            text = who(N_("%(ects)s ECTS credits"), ects=number(work["ects"])) + \
                (f" ({hours})" if hours else "")
        elif work.get("credits") is not None:
            text = who(N_("%(credits)s credits (credit system not stated)"),
                       credits=number(work["credits"])) + (f" ({hours})" if hours else "")
        else:
            text = hours
        out.append(("workload", text))
    if "level" in v:
        level = v["level"]
        parts = [who(N_("EQF level %(n)s"), n=int(level["eqf"]))] if level.get("eqf") else []
        if level.get("qfEhea"):
            parts.append(_label(level["qfEhea"], who))
        if level.get("nqf"):
            # NQF levels are national QDR concepts with no label offline: name the framework
            # and keep the concept's id, so the reader can look it up.
            nqf = str(level["nqf"])
            known = vocab.concept_by_uri(nqf)
            parts.append(who.say(known.label) if known else
                         who(N_("national framework level (%(id)s)"),
                             id=nqf.rstrip("/").rsplit("/", 1)[-1]))
        out.append(("level", " · ".join(parts)))
    for key in ("assessmentType", "supervisionAndIdentityVerification"):
        if key in v:
            out.append((key, _label(v[key], who)))
        if key == "assessmentType" and "assessmentDescription" in v:
            out.append(("assessmentDescription", v["assessmentDescription"]))
    if "fieldOfStudy" in v:
        out.append(("fieldOfStudy", _field_of_study(v["fieldOfStudy"], who)))
    if "language" in v:
        languages = v["language"] if isinstance(v["language"], list) else [v["language"]]
        out.append(("language", ", ".join(_language(code, locale) for code in languages)))
    if "participationForm" in v:
        out.append(("participationForm",
                    ", ".join(_label(m, who) for m in v["participationForm"])))
    if "qualityAssurance" in v:
        out.append(("qualityAssurance", [
            " — ".join(str(x) for x in (_label(q["type"], who) if q.get("type") else None,
                                        q.get("name"), q.get("agency"), q.get("code"),
                                        q.get("description"), q.get("report")) if x)
            for q in v["qualityAssurance"]]))
    for key in ("grade", "prerequisites", "furtherInformation"):
        if key in v:
            out.append((key, v[key]))
    if "integrationStackability" in v:
        stack = v["integrationStackability"]
        out.append(("integrationStackability",
                    " → ".join([who(STACK_MODES[str(stack.get("mode"))])
                                if stack.get("mode") in STACK_MODES else str(stack.get("mode")),
                                *(stack.get("towards") or [])])))
    if "components" in v:
        out.append(("components", [c.get("name") or c.get("id") if isinstance(c, dict)
                                   else c for c in v["components"]]))
    until = (document.get("validUntil") or document.get("expirationDate")) \
        if isinstance(document, dict) else None
    if until:
        out.append(("validUntil", day(until, locale)))
    # Texts from (possibly another issuer's) credential: no invisible or bidi tricks.
    default = content_language(found)
    return [(key, displayable(str(value)) if not isinstance(value, list)
             else [displayable(str(item)) for item in value],
             _lang_of(value, default) if key in ISSUER_TEXTS else None)
            for key, value in out]


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
