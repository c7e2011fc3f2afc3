"""The registry entry form of the console: posted fields to a ``RegistryEntryIn`` (the API's
own schema and rules) and back, with one translatable message per field."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from app.messages import Message, msg
from app.registry.schemas import RegistryEntryIn, RegistryEntryOut

MAX_QA_ROWS = 20  # QA results an entry's form carries (a DEQAR institution has a handful)
QA_FIELDS = ("agency", "agency_id", "agency_country", "deqar_id", "valid_from", "valid_until",
             "report_url")
_QA_NAME = re.compile(r"qa-(\d{1,2})-(\w+)")
_LINES = ("dids", "seal_ids")  # one value per line

PROBLEMS: dict[str, Message] = {
    "dids": msg("One DID (did:…) or https issuer address per line; at most 20."),
    "seal_ids": msg("One organisation identifier per line, such as VATES-G63287510; at most"
                    " 20."),
    "legal_name": msg("Give the legal name: 2 to 300 characters on one line."),
    "country": msg("Give the country as its two-letter ISO 3166 code, e.g. EE or FR."),
    "org_type": msg("Choose the kind of organisation."),
    "status": msg("Choose active or suspended."),
    "agency": msg("Name the quality assurance agency (at most 300 characters)."),
    "agency_id": msg("At most 100 characters on one line."),
    "agency_country": msg("Give the agency's country as its two-letter ISO 3166 code, e.g. EE."),
    "deqar_id": msg("At most 100 characters on one line."),
    "esg_aligned": msg("Say whether the quality assurance follows the ESG."),
    "valid_from": msg("Give the day the result is valid from, as YYYY-MM-DD."),
    "valid_until": msg("Give a day as YYYY-MM-DD, not before the valid-from day."),
    "report_url": msg("Give the report's web address, starting with https://."),
}


def qa_rows(fields: dict[str, str]) -> list[int]:
    """The QA row numbers a posted form carries, in order."""
    found = {int(m.group(1)) for name in fields if (m := _QA_NAME.fullmatch(name))}
    return sorted(n for n in found if n < MAX_QA_ROWS)


def typed_of(fields: dict[str, str]) -> dict[str, str]:
    """What was typed, to show it again (every field the form has, nothing else)."""
    names = ["dids", "seal_ids", "legal_name", "country", "org_type", "status"]
    for n in qa_rows(fields):
        names += [f"qa-{n}-{f}" for f in (*QA_FIELDS, "esg_aligned")]
    return {k: fields.get(k, "") if k in _LINES else fields.get(k, "").strip() for k in names}


def typed_from_entry(entry: RegistryEntryOut) -> dict[str, str]:
    typed = {"dids": "\n".join(entry.dids), "seal_ids": "\n".join(entry.seal_ids),
             "legal_name": entry.legal_name,
             "country": entry.country, "org_type": entry.org_type, "status": entry.status}
    # DEQAR-sourced records are not edited here (the registry keeps them on save)
    manual = [qa for qa in entry.quality_assurance if qa.source != "deqar"]
    for n, qa in enumerate(manual):
        values = qa.model_dump(mode="json")
        for name in QA_FIELDS:
            typed[f"qa-{n}-{name}"] = str(values.get(name) or "")
        typed[f"qa-{n}-esg_aligned"] = "yes" if qa.esg_aligned else ""
    return typed


def blank_row(typed: dict[str, str]) -> int:
    """The number of the empty QA row the form offers for one more result."""
    used = qa_rows(typed)
    return (used[-1] + 1) if used else 0


def parse(typed: dict[str, str]) -> tuple[RegistryEntryIn | None, dict[str, object]]:
    """The entry the form describes, validated by the API's schema, or a message per field
    (a QA row's fields are named ``qa-<row>-<field>``). A QA row left empty is no result."""
    rows, kept = [], []
    for n in qa_rows(typed):
        values = {f: typed.get(f"qa-{n}-{f}", "") for f in QA_FIELDS}
        if not any(values.values()):
            continue
        kept.append(n)
        rows.append({**{k: v or None for k, v in values.items()},
                     "agency": values["agency"],
                     "esg_aligned": typed.get(f"qa-{n}-esg_aligned") == "yes"})
    body: dict[str, Any] = {
        **{name: [line.strip() for line in typed.get(name, "").splitlines() if line.strip()]
           for name in _LINES},
        "legal_name": typed.get("legal_name", ""), "country": typed.get("country", ""),
        "org_type": typed.get("org_type") or "hei", "status": typed.get("status") or "active",
        "quality_assurance": rows}
    try:
        return RegistryEntryIn.model_validate(body), {}
    except ValidationError as exc:
        errors: dict[str, object] = {}
        for error in exc.errors():
            loc = error.get("loc") or ("legal_name",)
            if loc[0] == "quality_assurance" and len(loc) >= 2 and isinstance(loc[1], int) \
                    and loc[1] < len(kept):
                name = str(loc[2]) if len(loc) > 2 else "valid_until"  # the dates' own rule
                errors.setdefault(f"qa-{kept[loc[1]]}-{name}",
                                  PROBLEMS.get(name, PROBLEMS["agency"]))
            else:
                field = str(loc[0]) if str(loc[0]) in PROBLEMS else "dids"
                errors.setdefault(field, PROBLEMS[field])
        return None, errors
