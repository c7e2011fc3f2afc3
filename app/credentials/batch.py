"""Bulk issuing: a CSV or JSON Lines file of awards becomes a job of rows, which workers issue
one row per transaction. A crash leaves each row fully issued or still pending; re-running
finishes the rest, and the award's natural key / idempotency key prevents double issuing.
On PostgreSQL any number of worker processes share the work (row locks, SKIP LOCKED)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app import audit
from app.credentials import csv_reader, service, sharing
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
               "evidence_name", "evidence_narrative", "notify", "language")
FINAL_STATES = ("issued", "duplicate", "rejected")


def _csv_payload(record: dict[str, str]) -> dict[str, Any]:
    """A flat CSV row → the award request shape (empty cells are absent)."""
    cell = {k: (v or "").strip() for k, v in record.items() if k}
    learner = {key: cell[column] for key, column in (
        ("name", "name"), ("email", "email"), ("studentId", "student_id"),
        ("nationalId", "national_id"), ("did", "did"), ("language", "language"))
        if cell.get(column)}
    if cell.get("include_email"):
        learner["includeEmail"] = cell["include_email"].lower() in ("1", "true", "yes")
    payload: dict[str, Any] = {"learner": learner}
    if cell.get("notify"):
        payload["notifyLearner"] = cell["notify"].lower() in ("1", "true", "yes")
    for key, column in (("awardedOn", "awarded_on"), ("grade", "grade"),
                        ("validUntil", "valid_until"), ("idempotencyKey", "idempotency_key")):
        if cell.get(column):
            payload[key] = cell[column]
    if cell.get("evidence_url") or cell.get("evidence_name") or cell.get("evidence_narrative"):
        payload["evidence"] = [{key: cell[column] for key, column in (
            ("id", "evidence_url"), ("name", "evidence_name"),
            ("narrative", "evidence_narrative")) if cell.get(column)}]
    return payload


@dataclass
class Upload:
    """An upload's rows (award request shapes, or ``{"_error": reason}``) and how it was read."""

    rows: list[dict[str, Any]]
    encoding: str = "UTF-8"
    separator: str = ","
    unknown: list[str] = field(default_factory=list)  # CSV columns ignored


def parse_upload(data: bytes, kind: str, max_rows: int = MAX_ROWS) -> Upload:
    """Read an upload (``csv`` or ``jsonl``) of at most ``max_rows`` rows; a row that cannot be
    read becomes ``{"_error": reason}`` so that it is reported, not silently lost. CSV is read
    as people export it (csv_reader: encodings, separators, header aliases)."""
    if kind == "csv":
        table = csv_reader.read_table(data, max_rows)
        missing = [c for c in ("name", "awarded_on") if c not in table.columns.values()]
        if missing:
            raise ProblemError(400, "bad-csv-header", "Bad CSV header",
                               f"no {' and no '.join(missing)} column; columns must be among"
                               f" {', '.join(CSV_COLUMNS)} and include name and awarded_on")
        ragged = set(table.ragged)
        rows = [{"_error": "more cells than columns"} if n in ragged else _csv_payload(record)
                for n, record in enumerate(table.records)]
        upload = Upload(rows, table.encoding, table.separator, table.unknown)
    elif kind == "jsonl":
        try:
            # JSON text is UTF-8 (RFC 8259): no code-page guessing here.
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProblemError(400, "unreadable-file", "Unreadable file",
                               f"the file is not UTF-8: {exc.reason} at byte {exc.start}"
                               ) from None
        upload = Upload(_jsonl_rows(text))
    else:
        raise ProblemError(415, "unsupported-media-type", "Unsupported file type",
                           "upload text/csv or application/x-ndjson (JSON Lines)")
    if not upload.rows:
        raise ProblemError(400, "empty-file", "Empty file", "the file has no rows")
    if len(upload.rows) > max_rows:
        raise ProblemError(413, "too-many-rows", "Too many rows",
                           f"{len(upload.rows)} rows; at most {max_rows} per job")
    return upload


def _jsonl_rows(text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
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
    return rows


def parse_rows(data: bytes, kind: str) -> list[dict[str, Any]]:
    """Rows of an API upload: as parse_upload, but a CSV column we do not know is an error (a
    program that sends one has a bug worth hearing about; the console ignores and shows it)."""
    upload = parse_upload(data, kind)
    if upload.unknown:
        raise ProblemError(400, "bad-csv-header", "Bad CSV header",
                           f"unknown column(s) {sorted(upload.unknown)}; columns must be among"
                           f" {', '.join(CSV_COLUMNS)} and include name and awarded_on")
    return upload.rows


def create_job(session: Session, issuer: Issuer, achievement_id: str,
               rows: list[dict[str, Any]], source: str, actor: str,
               problems: list[list[dict[str, str]] | None] | None = None) -> BulkJob:
    """A job of ``rows``, pending for the workers; with ``problems`` (one entry per row) a
    draft instead: rows ``draft`` (no problem) or ``held`` (with them), which no worker claims
    until confirm_draft."""
    service.get_achievement(session, issuer, achievement_id)
    job = BulkJob(id=uuid.uuid4().hex, issuer_id=issuer.id, achievement_id=achievement_id,
                  source=source[:300], total=len(rows))
    session.add(job)
    session.flush()
    if problems is None:
        mappings = [{"job_id": job.id, "row_number": n, "payload": payload, "state": "pending"}
                    for n, payload in enumerate(rows, 1)]
    else:
        mappings = [{"job_id": job.id, "row_number": n, "payload": payload, "state": "draft"}
                    if not found else
                    {"job_id": job.id, "row_number": n, "payload": payload, "state": "held",
                     "errors": found}
                    for n, (payload, found) in enumerate(zip(rows, problems, strict=True), 1)]
    session.bulk_insert_mappings(BulkRow, mappings)  # type: ignore[arg-type]
    audit.record(session, actor, "bulk.create", job.id, rows=len(rows),
                 achievement=achievement_id, issuer_id=issuer.id)
    return job


def confirm_draft(session: Session, job: BulkJob) -> int:
    """A draft's ``draft`` rows become pending (the workers take them from here), its
    ``held`` rows rejected with the problems found; returns the number of rows to issue."""
    queued = session.execute(update(BulkRow).where(
        BulkRow.job_id == job.id, BulkRow.state == "draft").values(state="pending")).rowcount
    session.execute(update(BulkRow).where(BulkRow.job_id == job.id, BulkRow.state == "held")
                    .values(state="rejected", processed_at=utcnow()))
    return int(queued or 0)


def delete_draft(session: Session, job: BulkJob) -> None:
    """Drop a draft that was never confirmed (nothing of it was issued)."""
    if session.scalar(select(func.count()).where(
            BulkRow.job_id == job.id, BulkRow.state.not_in(("draft", "held")))):
        raise ProblemError(409, "not-a-draft", "Already confirmed",
                           "this job was confirmed; its rows are issued or being issued")
    session.execute(delete(BulkRow).where(BulkRow.job_id == job.id))
    session.delete(job)


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
           secret: str, learners: bool = False) -> list[dict[str, Any]]:
    """One entry per row: its state, the credentials issued and the award's share link (to
    hand to the learner, with its manage key), or why it was rejected; with ``learners``, the
    row's learner as uploaded too (the console's report names whom each link is for)."""
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
        if learners:
            learner = row.payload.get("learner")
            entry["learner"] = learner if isinstance(learner, dict) else {}
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
