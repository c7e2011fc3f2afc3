"""Bulk issuing: a CSV or JSON Lines file of awards becomes a job of rows, which workers issue
one row per transaction. A crash leaves each row fully issued or still pending; re-running
finishes the rest, and the award's natural key / idempotency key prevents double issuing.
On PostgreSQL any number of worker processes share the work (row locks, SKIP LOCKED)."""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app import audit
from app.credentials import service, sharing
from app.credentials.models import (
    AchievementRecord,
    BulkJob,
    BulkRow,
    CredentialRecord,
    ShareLink,
)
from app.credentials.signing import SignFailure, SigningPool, sign
from app.db import Database, utcnow
from app.elements.model import AwardRequest, element_errors
from app.errors import ProblemError, not_found
from app.issuers.models import Issuer
from app.limits import loads_json

log = logging.getLogger("mcred.batch")
MAX_ROWS = 100_000
CSV_COLUMNS = ("name", "email", "student_id", "national_id", "did", "include_email",
               "awarded_on", "grade", "valid_until", "idempotency_key", "evidence_url",
               "evidence_name", "evidence_narrative")
FINAL_STATES = ("issued", "duplicate", "rejected")


def _csv_payload(record: dict[str, str]) -> dict[str, Any]:
    """A flat CSV row → the award request shape (empty cells are absent)."""
    cell = {k: (v or "").strip() for k, v in record.items() if k}
    learner = {key: cell[column] for key, column in (
        ("name", "name"), ("email", "email"), ("studentId", "student_id"),
        ("nationalId", "national_id"), ("did", "did")) if cell.get(column)}
    if cell.get("include_email"):
        learner["includeEmail"] = cell["include_email"].lower() in ("1", "true", "yes")
    payload: dict[str, Any] = {"learner": learner}
    for key, column in (("awardedOn", "awarded_on"), ("grade", "grade"),
                        ("validUntil", "valid_until"), ("idempotencyKey", "idempotency_key")):
        if cell.get(column):
            payload[key] = cell[column]
    if cell.get("evidence_url") or cell.get("evidence_name") or cell.get("evidence_narrative"):
        payload["evidence"] = [{key: cell[column] for key, column in (
            ("id", "evidence_url"), ("name", "evidence_name"),
            ("narrative", "evidence_narrative")) if cell.get(column)}]
    return payload


def parse_rows(data: bytes, kind: str) -> list[dict[str, Any]]:
    """Rows of an upload (``csv`` or ``jsonl``); a row that cannot be read becomes
    ``{"_error": reason}`` so that it is reported, not silently lost."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "unreadable-file", "Unreadable file",
                           f"the file is not UTF-8: {exc.reason} at byte {exc.start}") from None
    if kind and not text.strip():
        raise ProblemError(400, "empty-file", "Empty file", "the file has no rows")
    rows: list[dict[str, Any]] = []
    if kind == "csv":
        reader = csv.DictReader(io.StringIO(text))
        columns = [c.strip() for c in reader.fieldnames or []]
        unknown = sorted(set(columns) - set(CSV_COLUMNS))
        if unknown or "name" not in columns or "awarded_on" not in columns:
            raise ProblemError(400, "bad-csv-header", "Bad CSV header",
                               f"unknown column(s) {unknown}; columns must be among"
                               f" {', '.join(CSV_COLUMNS)} and include name and awarded_on")
        reader.fieldnames = columns
        try:
            for record in reader:
                if None in record:
                    rows.append({"_error": "more cells than columns"})
                else:
                    rows.append(_csv_payload(record))
        except csv.Error as exc:
            raise ProblemError(400, "bad-csv", "Malformed CSV",
                               f"line {reader.line_num}: {exc}") from None
    elif kind == "jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                value = loads_json(line)
            except ValueError as exc:
                reason = getattr(exc, "msg", None) or str(exc)
                rows.append({"_error": f"line {number}: invalid JSON ({reason})"})
                continue
            rows.append(value if isinstance(value, dict)
                        else {"_error": f"line {number}: not a JSON object"})
    else:
        raise ProblemError(415, "unsupported-media-type", "Unsupported file type",
                           "upload text/csv or application/x-ndjson (JSON Lines)")
    if not rows:
        raise ProblemError(400, "empty-file", "Empty file", "the file has no rows")
    if len(rows) > MAX_ROWS:
        raise ProblemError(413, "too-many-rows", "Too many rows",
                           f"{len(rows)} rows; at most {MAX_ROWS} per job")
    return rows


def create_job(session: Session, issuer: Issuer, achievement_id: str,
               rows: list[dict[str, Any]], source: str, actor: str) -> BulkJob:
    service.get_achievement(session, issuer, achievement_id)
    job = BulkJob(id=uuid.uuid4().hex, issuer_id=issuer.id, achievement_id=achievement_id,
                  source=source[:300], total=len(rows))
    session.add(job)
    session.flush()
    session.bulk_insert_mappings(BulkRow, [  # type: ignore[arg-type]
        {"job_id": job.id, "row_number": n, "payload": payload, "state": "pending"}
        for n, payload in enumerate(rows, 1)])
    audit.record(session, actor, "bulk.create", job.id, rows=len(rows),
                 achievement=achievement_id, issuer_id=issuer.id)
    return job


@dataclass
class JobProgress:
    id: str
    achievement_id: str
    total: int
    counts: dict[str, int]

    @property
    def done(self) -> bool:
        return self.counts.get("pending", 0) == 0

    def to_json(self) -> dict[str, Any]:
        processed = self.total - self.counts.get("pending", 0)
        return {"id": self.id, "achievementId": self.achievement_id, "total": self.total,
                **{state: self.counts.get(state, 0) for state in ("pending", *FINAL_STATES)},
                "processed": processed, "done": self.done,
                "progress": round(processed / self.total, 4) if self.total else 1.0}


def get_job(session: Session, issuer: Issuer | None, job_id: str) -> BulkJob:
    job = session.get(BulkJob, job_id)
    if job is None or (issuer is not None and job.issuer_id != issuer.id):
        raise not_found(f"bulk job '{job_id}'")
    return job


def progress(session: Session, job: BulkJob) -> JobProgress:
    counts = dict(session.execute(select(BulkRow.state, func.count()).where(
        BulkRow.job_id == job.id).group_by(BulkRow.state)).all())
    return JobProgress(job.id, job.achievement_id, job.total, counts)


def report(session: Session, job: BulkJob, base_url: str,
           secret: str) -> list[dict[str, Any]]:
    """One entry per row: its state, the credentials issued and the award's share link (to
    hand to the learner, with its manage key), or why it was rejected."""
    rows = list(session.scalars(select(BulkRow).where(BulkRow.job_id == job.id)
                                .order_by(BulkRow.row_number)))
    award_ids = [r.award_id for r in rows if r.award_id]
    credentials: dict[str, dict[str, str]] = {}
    links: dict[str, ShareLink] = {}
    for chunk in range(0, len(award_ids), 500):
        for cred in session.execute(select(CredentialRecord.award_id, CredentialRecord.profile,
                                           CredentialRecord.id).where(
                CredentialRecord.award_id.in_(award_ids[chunk:chunk + 500]))):
            credentials.setdefault(cred.award_id, {})[cred.profile] = cred.id
        for link in session.scalars(select(ShareLink).where(
                ShareLink.award_id.in_(award_ids[chunk:chunk + 500]))):
            links[link.award_id] = link  # type: ignore[index]
    out = []
    for row in rows:
        entry: dict[str, Any] = {"row": row.row_number, "state": row.state}
        if row.award_id:
            entry["awardId"] = row.award_id
            entry["credentialIds"] = credentials.get(row.award_id, {})
            if row.award_id in links:
                entry["shareLink"] = sharing.answer(base_url, secret, links[row.award_id])
        if row.errors:
            entry["errors"] = row.errors
        out.append(entry)
    return out


def _claim(session: Session, job_id: str | None, size: int) -> list[BulkRow]:
    query = select(BulkRow).where(BulkRow.state == "pending")
    if job_id:
        query = query.where(BulkRow.job_id == job_id)
    # SKIP LOCKED: concurrent PostgreSQL workers each take different rows. SQLite ignores it;
    # there a single worker runs (SQLite serialises writers anyway).
    query = query.order_by(BulkRow.job_id, BulkRow.row_number).limit(size)
    return list(session.scalars(query.with_for_update(skip_locked=True)))


def _issue_row(session: Session, issuing: service.Issuing, row: BulkRow,
               unsigned: list[service.Unsigned] | None = None) -> None:
    job = session.get(BulkJob, row.job_id)
    assert job is not None
    issuer = session.get(Issuer, job.issuer_id)
    assert issuer is not None
    payload = row.payload
    try:
        if "_error" in payload:
            raise ProblemError(422, "unreadable-row", "Unreadable row", payload["_error"],
                               errors=[{"element": "row", "field": "row",
                                        "message": payload["_error"]}])
        request = AwardRequest.model_validate({**payload, "achievementId": job.achievement_id})
        mine: list[service.Unsigned] | None = None if unsigned is None else []
        with session.begin_nested():  # a refused award leaves nothing behind but the verdict
            award, created = service.award(session, issuing, issuer, request, f"job:{job.id}",
                                           mine)
        if unsigned is not None and mine:
            unsigned.extend(mine)  # only once its savepoint stands
        row.state, row.award_id = ("issued" if created else "duplicate"), award.id
    except ValidationError as exc:
        row.state, row.errors = "rejected", element_errors(exc.errors())
    except ProblemError as exc:
        row.state = "rejected"
        row.errors = exc.extra.get("errors") or [{"element": "row", "field": "row",
                                                  "message": exc.detail or exc.title}]
    row.processed_at = utcnow()


def process_one(db: Database, issuing: service.Issuing, job_id: str | None = None) -> bool:
    """Issue one pending row in one transaction; False when none is left."""
    try:
        with db.session() as session:
            claimed = _claim(session, job_id, 1)
            if not claimed:
                return False
            row = claimed[0]
            _issue_row(session, issuing, row)
    except (IntegrityError, OperationalError) as exc:
        # Another worker issued the same learner's award at the same moment (or the database
        # is busy): this transaction is void and the row is still pending; try it again.
        log.info("row retried after %s", type(exc).__name__)
    return True


class _SignLater(Exception):
    """A credential of the batch could not be signed: the batch is void, its rows go one
    per transaction, where that row is rejected with the reason."""


# Rows per transaction, and the fewest signatures worth sending to the process pool (a pool
# costs a second or so to start; a small batch is signed in this process).
BATCH_ROWS = 32
POOL_MIN_SIGNATURES = 16


def process_batch(db: Database, issuing: service.Issuing, pool: SigningPool | None,
                  job_id: str | None = None, size: int = BATCH_ROWS) -> int:
    """Issue up to ``size`` pending rows in one transaction, their credentials signed in
    parallel by ``pool``; returns the number of rows processed (0: none was pending).

    All or nothing, as one row per transaction was: a crash (kill -9 included) leaves every
    row of the batch pending, to be issued again by the next worker; nothing is half stored
    and nothing twice. A batch that fails as a whole is redone one row per transaction."""
    try:
        with db.session() as session:
            rows = _claim(session, job_id, size)
            if not rows:
                return 0
            # Held for the batch: the identity map keeps objects only while referenced, and
            # each row would otherwise load its job, issuer and achievement again.
            jobs = [session.get(BulkJob, job) for job in {r.job_id for r in rows}]
            held = [*jobs, *(session.get(Issuer, j.issuer_id) for j in jobs if j),
                    *(session.get(AchievementRecord, j.achievement_id) for j in jobs if j)]
            in_pool = pool is not None and len(rows) * 2 >= POOL_MIN_SIGNATURES
            unsigned: list[service.Unsigned] = []
            pending: list[Future[dict[str, Any] | SignFailure]] = []
            for row in rows:
                _issue_row(session, issuing, row, unsigned)
                if in_pool:  # signed while the next rows are prepared
                    pending += [pool.submit(u.job) for u in unsigned[len(pending):]]
            signed = [f.result() for f in pending] if in_pool else \
                [sign(u.job, issuing.keystore) for u in unsigned]
            if any(isinstance(s, SignFailure) for s in signed):
                raise _SignLater
            for item, document in zip(unsigned, signed, strict=True):
                item.record.document = service.credential_bytes(document)  # type: ignore[arg-type]
            del held
            return len(rows)
    except (_SignLater, IntegrityError, OperationalError) as exc:
        log.info("batch of %d rows redone one by one after %s", len(rows), type(exc).__name__)
    for _ in rows:
        process_one(db, issuing, job_id)
    return len(rows)


def run_worker(db: Database, issuing: service.Issuing, *, stop: threading.Event | None = None,
               job_id: str | None = None, exit_when_idle: bool = False,
               idle_seconds: float = 0.5,
               on_row: Callable[[], None] | None = None, batch_rows: int = BATCH_ROWS,
               processes: int | None = None) -> int:
    """Process rows until stopped (or, with ``exit_when_idle``, until none is pending), in
    batches of ``batch_rows`` signed by ``processes`` signing processes (default: one per
    core; the pool stops whenever no row is pending)."""
    pool = SigningPool(issuing.keystore, processes)
    try:
        return _run(db, issuing, pool, stop, job_id, exit_when_idle, idle_seconds, on_row,
                    batch_rows)
    finally:
        pool.close()


def _run(db: Database, issuing: service.Issuing, pool: SigningPool,
         stop: threading.Event | None, job_id: str | None, exit_when_idle: bool,
         idle_seconds: float, on_row: Callable[[], None] | None, batch_rows: int) -> int:
    done = 0
    # SQLite has one write lock and its busy handler polls (up to every 100 ms) instead of
    # queueing: a worker that re-takes the lock straight after each commit would starve every
    # request that wants to write. So on SQLite the worker leaves the lock free for a third of
    # the time it held it (at most 50 ms); PostgreSQL locks rows, so it runs flat out there.
    share = 1 / 3 if db.engine.dialect.name == "sqlite" else 0.0
    while stop is None or not stop.is_set():
        started = time.monotonic()
        processed = process_batch(db, issuing, pool, job_id, batch_rows)
        if processed:
            done += processed
            if on_row:
                for _ in range(processed):
                    on_row()
            if share:
                pause = min(0.05, (time.monotonic() - started) * share)
                if stop is not None:
                    stop.wait(pause)
                else:
                    time.sleep(pause)
            continue
        if exit_when_idle:
            break
        pool.close()  # idle: give the signing processes' memory back
        if stop is not None:
            stop.wait(idle_seconds)
        else:
            time.sleep(idle_seconds)
    return done


class BackgroundWorker:
    """The in-process worker thread the service runs (enough for SQLite and small sites)."""

    def __init__(self, db: Database, issuing: service.Issuing) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(db, issuing), daemon=True,
                                        name="mcred-bulk-worker")

    def _run(self, db: Database, issuing: service.Issuing) -> None:
        while not self._stop.is_set():
            try:
                run_worker(db, issuing, stop=self._stop)
            except Exception:  # keep serving; the row stays pending and is retried
                log.exception("bulk worker error; retrying")
                self._stop.wait(2.0)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
