"""Cohorts: a CSV of one achievement's learners uploaded in the console, checked row by row
and shown before anything is signed (a draft), then issued by the bulk workers once confirmed,
or dropped. The checks are the issuing ones (AwardRequest, the grade scale, the award's natural
key), so the preview says what the workers would say."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.credentials import batch, service
from app.credentials.cohort_models import Cohort
from app.credentials.csv_reader import formula_like, spreadsheet_safe
from app.credentials.models import BulkJob, BulkRow
from app.db import utcnow
from app.elements.model import AwardRequest, MicroCredentialSpec, element_errors, grade_errors
from app.errors import not_found
from app.issuers.models import Issuer

# A cohort is a class or a graduating year, not a whole university's register: 50,000 rows
# keep a draft's preview and its one confirm transaction quick (the API takes batch.MAX_ROWS).
MAX_COHORT_ROWS = 50_000
PREVIEW_ROWS = 100
REPORT_ROWS_SHOWN = 1000  # on the page; the CSV report has every row


def check_rows(spec: MicroCredentialSpec, achievement_id: str,
               rows: list[dict[str, Any]]) -> list[list[dict[str, str]] | None]:
    """Each row's problems (None: ready to issue), found as issuing would find them; a row
    that is the same award as an earlier row of the file (same idempotency key, or the same
    learner on the same date) is a problem too."""
    seen: dict[tuple[str, str], int] = {}
    out: list[list[dict[str, str]] | None] = []
    for number, payload in enumerate(rows, 1):
        if "_error" in payload:
            out.append([{"element": "row", "field": "row", "message": str(payload["_error"])}])
            continue
        try:
            request = AwardRequest.model_validate({**payload, "achievementId": achievement_id})
        except ValidationError as exc:
            out.append(element_errors(exc.errors()))
            continue
        found = grade_errors(request.grade, spec.grade_scale)
        key = ("key", request.idempotency_key) if request.idempotency_key else \
            ("award", f"{service.learner_key(request)}|{request.awarded_on.isoformat()}")
        if key in seen:
            found.append({"element": "learner", "field": "row",
                          "message": f"the same award as row {seen[key]}"})
        else:
            seen[key] = number
        out.append(found or None)
    return out


def create_draft(session: Session, issuer: Issuer, achievement_id: str, data: bytes,
                 filename: str, actor: str, notify: bool = False) -> Cohort:
    """Read and check an upload and keep it as a draft; raises ProblemError for a file that
    cannot be read at all (nothing is stored then). ``notify``: each learner with an e-mail
    address is sent their link, unless the file's own ``notify`` column says otherwise."""
    achievement = service.get_achievement(session, issuer, achievement_id)
    spec = MicroCredentialSpec.model_validate(achievement.spec)
    upload = batch.parse_upload(data, "csv", MAX_COHORT_ROWS)
    if notify:
        for row in upload.rows:
            if "_error" not in row:
                row.setdefault("notifyLearner", True)
    problems = check_rows(spec, achievement.id, upload.rows)
    job = batch.create_job(session, issuer, achievement.id, upload.rows,
                           filename or "upload.csv", actor, problems)
    bad = sum(1 for p in problems if p)
    cohort = Cohort(job_id=job.id, issuer_id=issuer.id, state="draft", created_by=actor[:320],
                    encoding=upload.encoding, separator=upload.separator,
                    unknown_columns=upload.unknown, ready=len(problems) - bad, problems=bad,
                    formula_rows=sum(1 for row in upload.rows if _formula_cells(row)))
    session.add(cohort)
    audit.record(session, actor, "cohort.draft", job.id, rows=len(problems), problems=bad,
                 issuer_id=issuer.id)
    session.flush()
    return cohort


def get_cohort(session: Session, issuer: Issuer, job_id: str) -> tuple[Cohort, BulkJob]:
    """The issuer's cohort (404 for another issuer's, or a job uploaded through the API)."""
    cohort = session.get(Cohort, job_id) if len(job_id) <= 64 else None
    if cohort is None or cohort.issuer_id != issuer.id:
        raise not_found(f"cohort '{job_id}'")
    return cohort, batch.get_job(session, issuer, job_id)


def confirm(session: Session, cohort: Cohort, job: BulkJob, actor: str) -> int:
    """Hand a draft's ready rows to the bulk workers; a second confirm changes nothing."""
    if cohort.state != "draft":
        return 0
    queued = batch.confirm_draft(session, job)
    cohort.state, cohort.confirmed_at = "confirmed", utcnow()
    audit.record(session, actor, "cohort.confirm", job.id, rows=queued,
                 issuer_id=cohort.issuer_id)
    return queued


def cancel(session: Session, cohort: Cohort, job: BulkJob, actor: str) -> None:
    """Drop a draft: nothing of it was issued, nothing of it stays (but the audit entry)."""
    batch.delete_draft(session, job)
    session.delete(cohort)
    audit.record(session, actor, "cohort.cancel", job.id, issuer_id=cohort.issuer_id)


@dataclass
class PreviewRow:
    number: int
    learner: dict[str, Any]
    payload: dict[str, Any]
    problems: list[dict[str, str]]
    formula_cells: list[str]  # which values start like a spreadsheet formula


def _formula_cells(payload: dict[str, Any]) -> list[str]:
    learner = payload.get("learner") if isinstance(payload.get("learner"), dict) else {}
    found = [k for k, v in learner.items() if formula_like(v)]  # type: ignore[union-attr]
    found += [k for k, v in payload.items() if k != "learner" and formula_like(v)]
    for item in payload.get("evidence") or []:
        found += [f"evidence.{k}" for k, v in item.items() if formula_like(v)]
    return found


def preview(session: Session, job: BulkJob, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first ``limit`` rows of a draft with their problems and formula-like cells."""
    rows = session.scalars(select(BulkRow).where(BulkRow.job_id == job.id)
                           .order_by(BulkRow.row_number).limit(limit))
    out = []
    for row in rows:
        payload = row.payload
        learner = payload.get("learner")
        out.append(PreviewRow(row.row_number, learner if isinstance(learner, dict) else {},
                              payload, row.errors or [], _formula_cells(payload)))
    return out


def listing(session: Session, issuer: Issuer, limit: int = 200) -> list[dict[str, Any]]:
    """The issuer's cohorts, newest first, each with its job and row counts by state."""
    found = session.execute(select(Cohort, BulkJob).join(BulkJob, BulkJob.id == Cohort.job_id)
                            .where(Cohort.issuer_id == issuer.id)
                            .order_by(Cohort.created_at.desc()).limit(limit)).all()
    counts: dict[str, dict[str, int]] = {}
    if found:
        for job_id, state, n in session.execute(
                select(BulkRow.job_id, BulkRow.state, func.count())
                .where(BulkRow.job_id.in_([job.id for _, job in found]))
                .group_by(BulkRow.job_id, BulkRow.state)):
            counts.setdefault(job_id, {})[state] = n
    return [{"cohort": cohort, "job": job, "counts": counts.get(job.id, {})}
            for cohort, job in found]


REPORT_COLUMNS = ("row", "outcome", "name", "email", "student_id", "share_link", "manage_key",
                  "award_id", "reason")


def report_csv(entries: list[dict[str, Any]]) -> bytes:
    """batch.report (with learners) as a CSV for spreadsheets: UTF-8 with a BOM (Excel reads
    UTF-8 only with one) and every cell that could start a formula defused (OWASP)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for entry in entries:
        learner = entry.get("learner") or {}
        link = entry.get("shareLink") or {}
        reason = "; ".join(str(e.get("message", "")) for e in entry.get("errors") or [])
        writer.writerow([spreadsheet_safe(cell) for cell in (
            entry["row"], entry["state"], learner.get("name"), learner.get("email"),
            learner.get("studentId"), link.get("url"), link.get("manageKey"),
            entry.get("awardId"), reason)])
    return out.getvalue().encode("utf-8-sig")
