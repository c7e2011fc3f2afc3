"""Registry files: JSON (our export format, or a list of entries) and a DEQAR-export-like CSV
(one row per QA result; rows of the same DID merge into one entry, their ``seal_id``s too)."""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError

from app.errors import ProblemError
from app.limits import loads_json
from app.registry.schemas import RegistryEntryIn

CSV_COLUMNS = ("did", "legal_name", "country", "org_type", "status", "qa_agency",
               "qa_agency_id", "qa_agency_country", "deqar_id", "esg_aligned", "qa_valid_from",
               "qa_valid_until", "qa_report_url", "seal_id")


def _entries(raw: list[Any], where: str) -> list[RegistryEntryIn]:
    out, problems = [], []
    for number, item in enumerate(raw, 1):
        try:
            out.append(RegistryEntryIn.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            problems.append({"entry": number, "field": field, "message": first["msg"]})
    if problems:
        raise ProblemError(422, "invalid-registry-file", "Invalid registry file",
                           f"{len(problems)} {where} invalid; nothing imported",
                           errors=problems)
    return out


def parse_json(data: bytes) -> list[RegistryEntryIn]:
    try:
        document = loads_json(data)
    except ValueError as exc:
        raise ProblemError(400, "malformed-json", "Malformed JSON", str(exc)) from None
    if isinstance(document, dict) and isinstance(document.get("credentialSubject"), dict):
        # a signed registry export (app/registry/publish.py)
        document = document["credentialSubject"].get("registryEntries")
    elif isinstance(document, dict):
        document = document.get("entries")
    if not isinstance(document, list):
        raise ProblemError(400, "bad-registry-file", "Bad registry file",
                           "expected a JSON array of entries or an object with 'entries'")
    return _entries(document, "entries")


def parse_csv(data: bytes) -> list[RegistryEntryIn]:
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ProblemError(400, "bad-csv", "Malformed CSV", str(exc)) from None
    missing = {"did", "legal_name", "country"} - set(reader.fieldnames or [])
    unknown = set(reader.fieldnames or []) - set(CSV_COLUMNS)
    if missing or unknown:
        raise ProblemError(400, "bad-csv-header", "Bad CSV header",
                           f"missing {sorted(missing)}, unknown {sorted(unknown)}; columns:"
                           f" {', '.join(CSV_COLUMNS)}")
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        cell = {k: (v or "").strip() for k, v in row.items() if k}
        entry = merged.setdefault(cell["did"], {
            "dids": [cell["did"]], "legalName": cell["legal_name"], "country": cell["country"],
            "orgType": cell.get("org_type") or "hei", "status": cell.get("status") or "active",
            "qualityAssurance": [], "sealIds": []})
        if cell.get("seal_id") and cell["seal_id"] not in entry["sealIds"]:
            entry["sealIds"].append(cell["seal_id"])
        if cell.get("qa_agency"):
            entry["qualityAssurance"].append({k: v for k, v in {
                "agency": cell["qa_agency"], "agencyId": cell.get("qa_agency_id") or None,
                "agencyCountry": cell.get("qa_agency_country") or None,
                "deqarId": cell.get("deqar_id") or None,
                "esgAligned": cell.get("esg_aligned", "").lower() in ("1", "true", "yes"),
                "validFrom": cell.get("qa_valid_from") or None,
                "validUntil": cell.get("qa_valid_until") or None,
                "reportUrl": cell.get("qa_report_url") or None}.items() if v is not None})
    return _entries(list(merged.values()), "rows")


def parse(data: bytes, kind: str) -> list[RegistryEntryIn]:
    if kind == "csv":
        return parse_csv(data)
    if kind == "json":
        return parse_json(data)
    raise ProblemError(415, "unsupported-media-type", "Unsupported file type",
                       "upload application/json or text/csv")
