"""The micro-credential form: its fields to the API's definition (camelCase, what
``validate_spec`` reads) and back, the EU vocabularies as picker options, and the API's
element errors onto the fields that caused them."""

from __future__ import annotations

from typing import Any

import pycountry

from app.elements import vocabularies as vocab
from app.messages import Message, msg

QA_ROWS = 3  # quality-assurance rows on the form (most definitions name one or two) …
MAX_QA_ROWS = 20  # … and as many as a definition (made through the API) has, up to this
# Plain text fields named as the API names them; empty means "not given".
TEXTS = ("title", "description", "ects", "workloadHours", "eqfLevel", "qfEheaCycle",
         "nqfLevel", "fieldOfStudy", "assessmentType", "assessmentDescription", "country",
         "prerequisites", "supervision", "furtherInformation", "language", "criteria",
         "stackabilityMode")
LISTS = ("learningOutcomes", "gradeScale", "components", "stackabilityTowards")
QA_PARTS = ("type", "agency", "deqarReport", "description")
ESCO_MARK = " | "  # "statement | ESCO skill URI" on one line of the outcomes


def options() -> dict[str, list[tuple[str, Message | str]]]:
    """(value, label) pairs of each picker, from the vocabularies in app/elements."""
    languages = sorted(((lang.alpha_2, lang.name) for lang in pycountry.languages
                        if hasattr(lang, "alpha_2")), key=lambda pair: pair[1])
    return {
        "eqfLevel": [(c.key, c.label) for c in (vocab.eqf_level(n) for n in range(1, 9))],
        "qfEheaCycle": [(c.key, c.label) for c in vocab.QF_EHEA_CYCLES.values()],
        "fieldOfStudy": [(c.key, c.label)
                         for c in sorted(vocab.ISCED_F.values(), key=lambda c: c.key)],
        "assessmentType": [(c.key, c.label) for c in vocab.ASSESSMENT_TYPES.values()],
        "participation": [(c.key, c.label) for c in vocab.PARTICIPATION_MODES.values()],
        "qaType": [(c.key, c.label) for c in vocab.QA_TYPES.values()],
        "supervision": [(c.key, c.label) for c in vocab.SUPERVISION.values()],
        "stackabilityMode": [("standalone", msg("Stands alone")),
                             ("integrated", msg("Integrated into a programme")),
                             ("stackable", msg("Stackable towards a larger credential"))],
        "language": languages,
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def qa_count(values: dict[str, Any]) -> int:
    """How many quality-assurance rows the form has: QA_ROWS, or as many as were posted or
    stored (so an edit never drops a definition's fourth entry)."""
    rows = QA_ROWS
    while rows < MAX_QA_ROWS and any(f"qa-{rows}-{part}" in values for part in QA_PARTS):
        rows += 1
    return rows


def typed_values(fields: dict[str, str], participation: list[str]) -> dict[str, Any]:
    """What the form re-shows: every field as typed (text), the ticked participation keys."""
    typed: dict[str, Any] = {name: fields.get(name, "") for name in TEXTS + LISTS}
    for row in range(qa_count(fields)):
        for part in QA_PARTS:
            typed[f"qa-{row}-{part}"] = fields.get(f"qa-{row}-{part}", "")
    typed["participation"] = participation
    return typed


def _number(text: str) -> float | int | str:
    """A typed number as a number (a decimal comma accepted); anything else as typed, so
    validation names it."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in cleaned else value


def spec_data(typed: dict[str, Any]) -> dict[str, Any]:
    """The API's definition made of the typed form: empty fields left out."""
    data: dict[str, Any] = {}
    for name in ("title", "description", "nqfLevel", "fieldOfStudy", "assessmentType",
                 "assessmentDescription", "country", "prerequisites", "supervision",
                 "furtherInformation", "language", "criteria", "qfEheaCycle"):
        if typed[name].strip():
            data[name] = typed[name].strip()
    for name in ("ects", "workloadHours", "eqfLevel"):
        if typed[name].strip():
            data[name] = _number(typed[name])
    outcomes = []
    for line in _lines(typed["learningOutcomes"]):
        statement, _, skill = line.partition(ESCO_MARK.strip())
        outcome = {"statement": statement.strip()}
        if skill.strip():
            outcome["escoSkill"] = skill.strip()
        outcomes.append(outcome)
    data["learningOutcomes"] = outcomes
    data["participation"] = list(typed["participation"])
    data["qualityAssurance"] = [
        {part: typed[f"qa-{row}-{part}"].strip() for part in QA_PARTS
         if typed[f"qa-{row}-{part}"].strip()}
        for row in range(qa_count(typed))
        if any(typed[f"qa-{row}-{p}"].strip() for p in QA_PARTS)]
    if typed["gradeScale"].strip():
        data["gradeScale"] = _lines(typed["gradeScale"])
    if typed["components"].strip():
        data["components"] = _lines(typed["components"])
    if typed["stackabilityMode"].strip() or typed["stackabilityTowards"].strip():
        data["stackability"] = {"mode": typed["stackabilityMode"].strip(),
                                "towards": _lines(typed["stackabilityTowards"])}
    return data


def typed_from_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The form filled with a stored definition (to edit it into its next version)."""
    typed: dict[str, Any] = {name: "" for name in TEXTS + LISTS}
    for name in TEXTS:
        if spec.get(name) is not None:
            value = spec[name]
            typed[name] = f"{value:g}" if isinstance(value, float) else str(value)
    typed["learningOutcomes"] = "\n".join(
        o["statement"] + (f"{ESCO_MARK}{o['escoSkill']}" if o.get("escoSkill") else "")
        for o in spec.get("learningOutcomes", []))
    typed["gradeScale"] = "\n".join(spec.get("gradeScale") or [])
    typed["components"] = "\n".join(spec.get("components") or [])
    stack = spec.get("stackability") or {}
    typed["stackabilityMode"] = stack.get("mode", "")
    typed["stackabilityTowards"] = "\n".join(stack.get("towards") or [])
    typed["participation"] = list(spec.get("participation", []))
    qa = spec.get("qualityAssurance", [])[:MAX_QA_ROWS]
    for row in range(max(QA_ROWS, len(qa) + 1)):
        entry = qa[row] if row < len(qa) else {}
        for part in QA_PARTS:
            typed[f"qa-{row}-{part}"] = str(entry.get(part, "") or "")
    return typed


_FIELD_OF_PATH = {"stackability.mode": "stackabilityMode",
                  "stackability.towards": "stackabilityTowards", "stackability": "stackabilityMode"}
# An error about the whole definition, by the element it names.
_FIELD_OF_ELEMENT = {"level": "eqfLevel", "workload": "ects", "title": "title",
                     "learningOutcomes": "learningOutcomes",
                     "integrationStackability": "components"}


def field_errors(errors: list[dict[str, str]]) -> dict[str, str]:
    """The API's element errors as one message per form field (the first one wins)."""
    out: dict[str, str] = {}
    for error in errors:
        path = error.get("field", "").split(".")
        top = path[0]
        if top == "qualityAssurance":
            row = path[1] if len(path) > 1 and path[1].isdigit() else "0"
            part = path[2] if len(path) > 2 and path[2] in QA_PARTS else "type"
            field = f"qa-{row}-{part}"
        elif ".".join(path[:2]) in _FIELD_OF_PATH:
            field = _FIELD_OF_PATH[".".join(path[:2])]
        elif top in TEXTS or top in LISTS or top == "participation":
            field = top
        else:
            field = _FIELD_OF_ELEMENT.get(error.get("element", ""), "title")
        out.setdefault(field, error["message"])
    return out
