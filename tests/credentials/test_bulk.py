"""Bulk issuing: good and bad rows, per-row report, idempotent re-upload, a worker killed
mid-job and resumed with no duplicate, several workers on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.credentials import batch
from app.credentials.models import AwardRecord, BulkRow, CredentialRecord
from app.credentials.service import Issuing
from app.deps import Services
from tests.conftest import mcred_env
from tests.samples import award_body
from tests.test_workers import _children, _until, alive

ROOT = Path(__file__).resolve().parents[2]


def cohort_csv(good: int, extra_rows: list[dict[str, str]] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["name", "email", "student_id", "awarded_on", "grade"])
    writer.writeheader()
    for n in range(good):
        writer.writerow({"name": f"Learner {n}", "email": f"learner{n}@example.eu",
                         "student_id": f"S{n:05d}", "awarded_on": "2026-06-30", "grade": "B"})
    for row in extra_rows or []:
        writer.writerow(row)
    return out.getvalue().encode()


BAD_ROWS = [
    {"name": "", "email": "no-name@example.eu", "awarded_on": "2026-06-30"},
    {"name": "Bad Date", "email": "bad-date@example.eu", "awarded_on": "30/06/2026"},
    {"name": "Bad Mail", "email": "not-an-email", "awarded_on": "2026-06-30"},
]


def upload(client: TestClient, api_key: dict, achievement_id: str, data: bytes,
           content_type: str = "text/csv") -> dict:
    response = client.post(f"/credentials/bulk?achievementId={achievement_id}", content=data,
                           headers={**api_key, "Content-Type": content_type})
    assert response.status_code == 202, response.text
    return response.json()


def drain(svc: Services) -> int:
    return batch.run_worker(svc.db, Issuing(svc.keystore, svc.settings.public_base_url),
                            exit_when_idle=True)


def totals(svc: Services) -> tuple[int, int]:
    with svc.db.session() as session:
        return (session.scalar(select(func.count()).select_from(AwardRecord)),
                session.scalar(select(func.count()).select_from(CredentialRecord)))


def test_good_and_bad_rows_with_report(client: TestClient, api_key: dict, achievement: dict,
                                       svc: Services) -> None:
    job = upload(client, api_key, achievement["id"], cohort_csv(5, BAD_ROWS))
    assert job["total"] == 8
    before = client.get(f"/credentials/bulk/{job['jobId']}", headers=api_key).json()
    assert (before["pending"], before["done"]) == (8, False)

    assert drain(svc) == 8
    report = client.get(f"/credentials/bulk/{job['jobId']}/report", headers=api_key).json()
    assert (report["issued"], report["rejected"], report["pending"], report["done"]) == \
        (5, 3, 0, True)
    rows = {r["row"]: r for r in report["rows"]}
    assert all(rows[n]["state"] == "issued" and set(rows[n]["credentialIds"]) == {"ob3", "elm"}
               for n in range(1, 6))
    assert rows[6]["errors"][0]["element"] == "learner"
    assert rows[7]["errors"][0]["element"] == "dateOfIssuing"
    assert rows[8]["errors"][0]["field"] == "learner.email"
    assert totals(svc) == (5, 10)
    issued = client.get(f"/credentials/{rows[1]['credentialIds']['ob3']}").json()
    assert issued["credentialSubject"]["identifier"][0]["identityHash"] == "Learner 0"


def test_reupload_issues_nothing_twice(client: TestClient, api_key: dict, achievement: dict,
                                       svc: Services) -> None:
    upload(client, api_key, achievement["id"], cohort_csv(4))
    drain(svc)
    again = upload(client, api_key, achievement["id"], cohort_csv(4))
    drain(svc)
    report = client.get(f"/credentials/bulk/{again['jobId']}/report", headers=api_key).json()
    assert (report["issued"], report["duplicate"]) == (0, 4)
    assert totals(svc) == (4, 8)


def test_json_lines_upload_with_unreadable_line(client: TestClient, api_key: dict,
                                                achievement: dict, svc: Services) -> None:
    lines = [json.dumps({"learner": {"name": "Ana Horvat", "email": "ana@example.hr"},
                         "awardedOn": "2026-07-01", "idempotencyKey": "ana-1"}),
             "{not json",
             json.dumps(["an", "array"])]
    job = upload(client, api_key, achievement["id"], "\n".join(lines).encode(),
                 "application/x-ndjson")
    drain(svc)
    rows = client.get(f"/credentials/bulk/{job['jobId']}/report", headers=api_key).json()["rows"]
    assert [r["state"] for r in rows] == ["issued", "rejected", "rejected"]
    assert "invalid JSON" in rows[1]["errors"][0]["message"]


def test_deeply_nested_json_line_is_a_rejected_row_not_a_crash() -> None:
    """`mcred issue --jsonl` parses files without the HTTP guard in front."""
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    rows = batch.parse_rows(f'{{"name": "x"}}\n{deep}\n'.encode(), "jsonl")
    assert rows[0] == {"name": "x"}
    assert "nests deeper than 64 levels" in rows[1]["_error"]


@pytest.mark.parametrize(("data", "content_type", "status", "slug"), [
    (b"name,colour\nA,blue\n", "text/csv", 400, "bad-csv-header"),
    (b"", "text/csv", 400, "empty-file"),
    (b"name,awarded_on\n", "text/csv", 400, "empty-file"),
    # FF FE is a UTF-16 BOM (Excel's "Unicode text"), read as such: a lone surrogate after
    # it is what cannot be read.
    (b"\xff\xfe\x00\xd8a\x00", "text/csv", 400, "unreadable-file"),
    (b"a,b", "application/pdf", 415, "unsupported-media-type"),
    (b'{"a":' * 100 + b"1" + b"}" * 100, "application/x-ndjson", 400, "json-too-deep"),
])
def test_bad_files_are_refused_whole(client: TestClient, api_key: dict, achievement: dict,
                                     svc: Services, data: bytes, content_type: str, status: int,
                                     slug: str) -> None:
    response = client.post(f"/credentials/bulk?achievementId={achievement['id']}", content=data,
                           headers={**api_key, "Content-Type": content_type})
    assert response.status_code == status
    assert response.json()["type"] == f"urn:mcred:problem:{slug}"
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(BulkRow)) == 0


def test_other_issuer_cannot_see_the_job(client: TestClient, api_key: dict, achievement: dict,
                                         admin: dict) -> None:
    job = upload(client, api_key, achievement["id"], cohort_csv(1))
    other = {"slug": "uni-x", "legal_name": "Uni X", "country": "FR", "url": "https://x.fr",
             "email": "a@x.fr"}
    client.post("/admin/issuers", json=other, headers=admin)
    token = client.post("/admin/issuers/uni-x/api-keys", headers=admin).json()["apiKey"]
    response = client.get(f"/credentials/bulk/{job['jobId']}",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


def _worker_env(svc: Services) -> dict[str, str]:
    return mcred_env(svc.settings)


def _states(svc: Services) -> dict[str, int]:
    with svc.db.session(read_only=True) as session:
        return dict(session.execute(select(BulkRow.state, func.count())
                                    .group_by(BulkRow.state)).all())


def test_worker_killed_mid_job_resumes_without_duplicates(client: TestClient, api_key: dict,
                                                          achievement: dict,
                                                          svc: Services) -> None:
    total = 300
    upload(client, api_key, achievement["id"], cohort_csv(total))
    worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT,
                              env=_worker_env(svc), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _states(svc).get("issued", 0) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    signers = _children(worker.pid)  # its signing processes (a batch of 32 rows uses them)
    worker.send_signal(signal.SIGKILL)  # a real crash: no cleanup, mid-transaction
    worker.wait(timeout=10)
    assert signers
    _until(lambda: not alive(signers), 10)  # they end with it, leaving nothing orphaned
    assert not alive(signers)
    states = _states(svc)
    assert 5 <= states.get("issued", 0) < total, states
    awards, credentials = totals(svc)
    assert awards == states["issued"] and credentials == 2 * awards  # no half-issued row

    resumed = subprocess.run([sys.executable, "-m", "app.cli", "worker", "--exit-when-idle"],
                             cwd=ROOT, env=_worker_env(svc), capture_output=True, text=True,
                             timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert _states(svc) == {"issued": total}
    assert totals(svc) == (total, 2 * total)


def test_requests_are_served_while_a_worker_runs_a_job(client: TestClient, api_key: dict,
                                                      achievement: dict,
                                                      svc: Services) -> None:
    """A cohort must not block the service: progress reads and a single award go through
    while a worker process issues the rows (on SQLite too, where writers take turns)."""
    total = 300
    job = upload(client, api_key, achievement["id"], cohort_csv(total))
    worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT,
                              env=_worker_env(svc), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        seen: list[int] = []
        deadline = time.monotonic() + 60
        while (not seen or seen[-1] < 3) and time.monotonic() < deadline:
            progress = client.get(f"/credentials/bulk/{job['jobId']}", headers=api_key)
            assert progress.status_code == 200
            seen.append(progress.json()["issued"])
        single = client.post("/credentials/issue", headers=api_key,
                             json=award_body(achievement["id"], learner={
                                 "name": "Walk-in Learner", "email": "walkin@example.eu"}))
        assert single.status_code == 201, single.text
        after = client.get(f"/credentials/bulk/{job['jobId']}", headers=api_key).json()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert 3 <= seen[-1] < total and after["pending"] > 0, (seen[-5:], after)


def test_several_workers_share_a_job_on_postgresql(client: TestClient, api_key: dict,
                                                   achievement: dict, svc: Services) -> None:
    if not svc.settings.database_url.startswith("postgresql"):
        pytest.skip("several worker processes need PostgreSQL (SQLite runs one worker)")
    total = 90
    upload(client, api_key, achievement["id"], cohort_csv(total))
    workers = [subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--exit-when-idle"],
                                cwd=ROOT, env=_worker_env(svc), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [w.communicate(timeout=300)[1] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    processed = [int(out.strip().split()[2]) for out in outputs]
    assert sum(processed) == total and sum(1 for p in processed if p > 0) >= 2
    assert _states(svc) == {"issued": total}
    assert totals(svc) == (total, 2 * total)
    with svc.db.session() as session:
        issues = session.scalar(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action == "credential.issue"))
    assert issues == total


def test_cli_issue_csv_reports_progress(svc: Services, tmp_path: Path, client: TestClient,
                                        api_key: dict, achievement: dict) -> None:
    source = tmp_path / "cohort.csv"
    source.write_bytes(cohort_csv(3, BAD_ROWS[:1]))
    report = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "app.cli", "issue", "--issuer", "uni-tartu",
                             "--achievement", achievement["id"], "--csv", str(source),
                             "--report", str(report)], cwd=ROOT, env=_worker_env(svc),
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "4/4 rows processed" in result.stderr
    summary = json.loads(result.stdout)
    assert (summary["issued"], summary["rejected"], summary["done"]) == (3, 1, True)
    rows = json.loads(report.read_text())["rows"]
    assert [r["state"] for r in rows] == ["issued", "issued", "issued", "rejected"]


def test_service_worker_thread_processes_uploads(svc: Services, api_key: dict,
                                                 achievement: dict) -> None:
    from app.main import create_app

    svc.settings = svc.settings.model_copy(update={"inprocess_worker": True})
    with TestClient(create_app(svc=svc)) as running:
        job = upload(running, api_key, achievement["id"], cohort_csv(3))
        deadline = time.monotonic() + 60
        status = {}
        while time.monotonic() < deadline:
            status = running.get(f"/credentials/bulk/{job['jobId']}", headers=api_key).json()
            if status["done"]:
                break
            time.sleep(0.1)
    assert (status["done"], status["issued"], status["progress"]) == (True, 3, 1.0)
