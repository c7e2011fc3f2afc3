"""The recognition target form: its fields to the API's body (what ``validate_target``
reads) and back, the shared vocabularies as picker options, and field errors onto fields."""

from __future__ import annotations

import re
from typing import Any

from app.console.achievement_form import options as achievement_options
from app.elements import vocabularies as vocab
from app.messages import Message, msg

TEXTS = ("kind", "code", "title", "language", "description", "learningOutcomes", "eqfLevel",
         "qfEheaCycle", "ects", "requiredIdentification", "entryRequirements",
         "entryLearningOutcomes", "entryEqfLevel", "entryEcts")
# The admission entry requirement's fields (TargetSpec.entry), by their key in ``entry``
ENTRY_FIELDS = {"learningOutcomes": "entryLearningOutcomes", "eqfLevel": "entryEqfLevel",
                "ects": "entryEcts"}
URI_MARK = " | "  # "outcome text | URI URI" on one line of the outcomes
# "[nl] text": an outcome in another language than the target's
_LANGUAGE_PREFIX = re.compile(r"^\[([A-Za-z0-9-]{2,35})\]\s*")


def options() -> dict[str, list[tuple[str, Message | str]]]:
    """(value, label) pairs of each picker: the achievement form's vocabularies, and kinds."""
    shared = achievement_options()
    return {"kind": [("course", msg("Course")), ("programme", msg("Programme"))],
            "eqfLevel": shared["eqfLevel"], "entryEqfLevel": shared["eqfLevel"],
            "qfEheaCycle": shared["qfEheaCycle"],
            "requiredAssessment": [(c.key, c.label) for c in vocab.ASSESSMENT_TYPES.values()],
            "requiredIdentification": shared["supervision"]}


def typed_values(fields: dict[str, str], assessment: list[str]) -> dict[str, Any]:
    """What the form re-shows: every field as typed, the ticked assessment keys."""
    typed: dict[str, Any] = {name: fields.get(name, "") for name in TEXTS}
    typed["requiredAssessment"] = assessment
    return typed


def _outcome(line: str) -> dict[str, Any]:
    text, _, uris = line.partition(URI_MARK.strip())
    outcome: dict[str, Any] = {}
    found = _LANGUAGE_PREFIX.match(text.strip())
    if found:
        outcome["language"] = found.group(1)
        text = text.strip()[found.end():]
    outcome["text"] = text.strip()
    if uris.split():
        outcome["uris"] = uris.split()
    return outcome


def _outcomes(text: str) -> list[dict[str, Any]]:
    return [_outcome(line) for line in text.splitlines() if line.strip()]


def _entry(typed: dict[str, Any]) -> dict[str, Any] | None:
    """The entry requirement as typed; None when its three fields are all empty."""
    if not any(typed[name].strip() for name in ENTRY_FIELDS.values()):
        return None
    entry: dict[str, Any] = {"learningOutcomes": _outcomes(typed["entryLearningOutcomes"])}
    if typed["entryEqfLevel"].strip():
        entry["eqfLevel"] = typed["entryEqfLevel"].strip()
    if typed["entryEcts"].strip():
        entry["ects"] = typed["entryEcts"].strip().replace(",", ".")
    return entry


def body_of(typed: dict[str, Any]) -> dict[str, Any]:
    """The API's body made of the typed form: empty fields left out, numbers as typed (a
    decimal comma accepted) so validation names a bad one."""
    data: dict[str, Any] = {}
    for name in ("kind", "code", "title", "language", "description", "qfEheaCycle",
                 "requiredIdentification", "entryRequirements", "eqfLevel"):
        if typed[name].strip():
            data[name] = typed[name].strip()
    if typed["ects"].strip():
        data["ects"] = typed["ects"].strip().replace(",", ".")
    data["learningOutcomes"] = _outcomes(typed["learningOutcomes"])
    data["requiredAssessment"] = list(typed["requiredAssessment"])
    entry = _entry(typed)
    if entry is not None:
        data["entry"] = entry
    return data


def _lines(outcomes: list[dict[str, Any]], language: str | None) -> str:
    """Outcomes as the form's lines: "[tag] " for another language, " | URIs" at the end."""
    lines = []
    for outcome in outcomes:
        prefix = (f"[{outcome['language']}] " if outcome.get("language")
                  and outcome["language"] != language else "")
        uris = f"{URI_MARK}{' '.join(outcome['uris'])}" if outcome.get("uris") else ""
        lines.append(prefix + outcome["text"] + uris)
    return "\n".join(lines)


def typed_from_target(spec: dict[str, Any]) -> dict[str, Any]:
    """The form filled with a stored target (``targets.spec_of``)."""
    typed: dict[str, Any] = {name: "" if spec.get(name) is None else str(spec[name])
                             for name in TEXTS}
    typed["learningOutcomes"] = _lines(spec.get("learningOutcomes", []), spec.get("language"))
    entry = spec.get("entry") or {}
    typed["entryLearningOutcomes"] = _lines(entry.get("learningOutcomes", []),
                                            spec.get("language"))
    for key in ("eqfLevel", "ects"):
        typed[ENTRY_FIELDS[key]] = "" if entry.get(key) is None else str(entry[key])
    typed["requiredAssessment"] = list(spec.get("requiredAssessment", []))
    return typed


def field_errors(errors: list[dict[str, object]]) -> dict[str, str]:
    """The API's field errors as one message per form field (the first one wins)."""
    out: dict[str, str] = {}
    for error in errors:
        path = str(error.get("field", "")).split(".")
        top = path[0]
        if top == "entry":  # entry.eqfLevel, entry.learningOutcomes.0.text, or entry itself
            field = ENTRY_FIELDS.get(path[1] if len(path) > 1 else "", "entryLearningOutcomes")
        else:
            field = top if top in TEXTS or top == "requiredAssessment" else "title"
        out.setdefault(field, str(error["message"]))
    return out
