"""Recognition targets: create, read, list, edit, retire, import (JSON list or CSV).

Everything runs in the caller's transaction. Imports are all-or-nothing: one bad row and
nothing is stored, every bad row named (line for CSV, item for JSON) so the office fixes the
file and sends it again — a half-imported catalogue is worse than none."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.errors import ProblemError, not_found
from app.issuers.models import Issuer
from app.limits import loads_json
from app.recognition.models import RecognitionTarget
from app.recognition.schemas import TargetSpec, field_errors, invalid

MAX_IMPORT_ROWS = 1000
# CSV columns (camelCase as in JSON). Lists: learningOutcomes one outcome per line of the
# cell; requiredAssessment separated by ';'. Outcome URIs need the JSON format.
CSV_COLUMNS = ("kind", "code", "title", "language", "description", "learningOutcomes",
               "eqfLevel", "qfEheaCycle", "ects", "requiredAssessment",
               "requiredIdentification", "entryRequirements")
_CSV_REQUIRED = {"kind", "code", "title", "language", "learningOutcomes"}


def _now() -> datetime:
    # to the microsecond, so lists order edits made within one second
    return datetime.now(UTC)


def _apply(target: RecognitionTarget, spec: TargetSpec) -> None:
    data = spec.model_dump(mode="json", by_alias=True)
    target.kind, target.code, target.title = spec.kind, spec.code, spec.title
    target.language, target.description = spec.language, spec.description
    target.outcomes = [{**o, "language": o["language"] or spec.language}
                       for o in data["learningOutcomes"]]
    target.eqf_level, target.qf_ehea_cycle, target.ects = (spec.eqf_level, spec.qf_ehea_cycle,
                                                          spec.ects)
    target.assessment = list(spec.required_assessment)
    target.identification = spec.required_identification
    target.entry_requirements = spec.entry_requirements
    entry = data.get("entry")
    if entry is not None:
        entry = {**entry, "learningOutcomes": [{**o, "language": o["language"] or spec.language}
                                               for o in entry["learningOutcomes"]]}
    target.entry = entry


def _code_taken(session: Session, issuer: Issuer, code: str, but: str | None = None) -> bool:
    found = session.scalar(select(RecognitionTarget.id).where(
        RecognitionTarget.issuer_id == issuer.id, RecognitionTarget.code == code))
    return found is not None and found != but


def _duplicate(code: str) -> ProblemError:
    return invalid([{"field": "code", "message": f"code '{code}' is already in use"}])


def create_target(session: Session, issuer: Issuer, spec: TargetSpec, actor: str,
                  ) -> RecognitionTarget:
    if _code_taken(session, issuer, spec.code):
        raise _duplicate(spec.code)
    now = _now()
    target = RecognitionTarget(id=uuid.uuid4().hex, issuer_id=issuer.id, status="active",
                               version=1, created_at=now, updated_at=now)
    _apply(target, spec)
    session.add(target)
    audit.record(session, actor, "target.create", target.id, code=spec.code, issuer_id=issuer.id)
    session.flush()
    return target


def get_target(session: Session, issuer: Issuer, target_id: str) -> RecognitionTarget:
    """The issuer's target; another issuer's is 'not found' (its existence is not told)."""
    # An id is 32 hex digits; PostgreSQL refuses a NUL in a query parameter.
    usable = len(target_id) <= 32 and "\x00" not in target_id
    target = session.get(RecognitionTarget, target_id) if usable else None
    if target is None or target.issuer_id != issuer.id:
        raise not_found(f"target '{target_id}'")
    return target


def list_targets(session: Session, issuer: Issuer, *, status: str | None = None,
                 kind: str | None = None) -> list[RecognitionTarget]:
    query = select(RecognitionTarget).where(RecognitionTarget.issuer_id == issuer.id)
    if status:
        query = query.where(RecognitionTarget.status == status)
    if kind:
        query = query.where(RecognitionTarget.kind == kind)
    return list(session.scalars(query.order_by(RecognitionTarget.code)))


def update_target(session: Session, issuer: Issuer, target_id: str, spec: TargetSpec,
                  actor: str) -> RecognitionTarget:
    """Replace a target's fields (a retired one too: it stays retired); version + 1."""
    target = get_target(session, issuer, target_id)
    if _code_taken(session, issuer, spec.code, but=target.id):
        raise _duplicate(spec.code)
    before = to_json(target)
    _apply(target, spec)
    target.version += 1
    target.updated_at = _now()
    changed = sorted(k for k, v in to_json(target).items()
                     if before.get(k) != v and k not in ("version", "updated"))
    audit.record(session, actor, "target.update", target.id, code=spec.code,
                 version=target.version, changed=changed, issuer_id=issuer.id)
    session.flush()
    return target


def retire_target(session: Session, issuer: Issuer, target_id: str, actor: str,
                  ) -> RecognitionTarget:
    """Retire: no new recognition against it, but it stays readable (past decisions cite it)."""
    target = get_target(session, issuer, target_id)
    if target.status != "retired":
        target.status = "retired"
        target.updated_at = _now()
        audit.record(session, actor, "target.retire", target.id, code=target.code,
                     issuer_id=issuer.id)
    return target


def to_json(target: RecognitionTarget) -> dict[str, Any]:
    """The API shape: the request's fields plus id, status, version and timestamps."""
    return {
        "id": target.id, "kind": target.kind, "code": target.code, "title": target.title,
        "language": target.language, "description": target.description,
        "learningOutcomes": target.outcomes, "eqfLevel": target.eqf_level,
        "qfEheaCycle": target.qf_ehea_cycle,
        "ects": _number(target.ects),
        "requiredAssessment": target.assessment,
        "requiredIdentification": target.identification,
        "entryRequirements": target.entry_requirements,
        "entry": _entry_json(target.entry), "status": target.status,
        "version": target.version, "created": target.created_at.isoformat(),
        "updated": target.updated_at.isoformat(),
    }


def _entry_json(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    ects = entry.get("ects")
    return {**entry, "ects": _number(Decimal(str(ects))) if ects is not None else None}


def _number(value: Decimal | None) -> int | float | None:
    """ECTS as a JSON number (stored exactly, as a decimal with two places)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def spec_of(target: RecognitionTarget) -> dict[str, Any]:
    """The target as a request body (what an edit form starts from)."""
    data = to_json(target)
    for key in ("id", "status", "version", "created", "updated"):
        data.pop(key)
    return data


# --- import ------------------------------------------------------------------------------

def _rows_json(data: bytes) -> list[tuple[dict[str, Any], Any]]:
    try:
        document = loads_json(data)
    except ValueError as exc:
        raise ProblemError(400, "malformed-json", "Malformed JSON", str(exc)) from None
    if isinstance(document, dict):
        document = document.get("targets")
    if not isinstance(document, list):
        raise ProblemError(400, "bad-target-file", "Bad target file",
                           "expected a JSON array of targets or an object with 'targets'")
    return [({"item": n}, item) for n, item in enumerate(document, 1)]


def _csv_value(column: str, value: str) -> Any:
    value = value.strip()
    if column == "learningOutcomes":
        return [{"text": line.strip()} for line in value.splitlines() if line.strip()]
    if column == "requiredAssessment":
        return [part.strip() for part in value.split(";") if part.strip()]
    return value or None


def _rows_csv(data: bytes) -> list[tuple[dict[str, Any], Any]]:
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        columns = list(reader.fieldnames or [])
        rows = []
        line = reader.line_num + 1
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ProblemError(400, "bad-csv", "Malformed CSV", str(exc)) from None
    missing = sorted(_CSV_REQUIRED - set(columns))
    unknown = sorted(set(columns) - set(CSV_COLUMNS))
    if missing or unknown:
        raise ProblemError(400, "bad-csv", "Malformed CSV",
                           f"missing column(s): {', '.join(missing) or '-'}; "
                           f"unknown column(s): {', '.join(unknown) or '-'}")
    out = []
    for line, row in rows:
        if None in row:  # more cells than columns
            out.append(({"line": line}, {"_extra": row.pop(None)}))
            continue
        out.append(({"line": line}, {k: v for k, v in
                                     ((c, _csv_value(c, row[c] or "")) for c in columns)
                                     if v not in (None, [])}))
    return out


def parse_import(data: bytes, kind: str) -> list[tuple[dict[str, Any], TargetSpec]]:
    """The file's targets, or a 422 naming every bad row (line or item) and field."""
    if kind == "json":
        rows = _rows_json(data)
    elif kind == "csv":
        rows = _rows_csv(data)
    else:
        raise ProblemError(415, "unsupported-media-type", "Unsupported media type",
                           "send application/json (a list of targets) or text/csv")
    if not rows:
        raise ProblemError(400, "bad-target-file", "Bad target file", "the file has no targets")
    if len(rows) > MAX_IMPORT_ROWS:
        raise ProblemError(413, "too-many-rows", "Too many rows",
                           f"at most {MAX_IMPORT_ROWS} targets per import")
    specs, errors, seen = [], [], {}
    for where, item in rows:
        if isinstance(item, dict) and "_extra" in item:
            errors.append({**where, "field": "row", "message": "more cells than columns"})
            continue
        try:
            spec = TargetSpec.model_validate(item)
        except ValidationError as exc:
            errors.extend(field_errors(exc, **where))
            continue
        if spec.code in seen:
            errors.append({**where, "field": "code",
                           "message": f"code '{spec.code}' repeats {seen[spec.code]}"})
            continue
        seen[spec.code] = " ".join(f"{k} {v}" for k, v in where.items())
        specs.append((where, spec))
    if errors:
        raise invalid(errors, f"{len({str(e) for e in errors})} error(s); nothing imported")
    return specs


def import_targets(session: Session, issuer: Issuer, data: bytes, kind: str, actor: str,
                   ) -> list[RecognitionTarget]:
    """All the file's targets, or none (a taken code is a row error too)."""
    specs = parse_import(data, kind)
    taken = set(session.scalars(select(RecognitionTarget.code).where(
        RecognitionTarget.issuer_id == issuer.id,
        RecognitionTarget.code.in_([spec.code for _, spec in specs]))))
    if taken:
        raise invalid([{**where, "field": "code",
                        "message": f"code '{spec.code}' is already in use"}
                       for where, spec in specs if spec.code in taken],
                      "code(s) already in use; nothing imported")
    return [create_target(session, issuer, spec, actor) for _, spec in specs]
