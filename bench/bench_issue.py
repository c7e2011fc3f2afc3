"""Issuing throughput benchmark against the real service (a subprocess), on SQLite and on a scratch
PostgreSQL database: sequential POST /credentials/issue awards (median latency, awards/s) and bulk
CSV jobs drained by `mcred worker` processes. Each award is two signed credentials (OBv3 + ELM).
Progress goes to stderr, the result table to stdout; not a test.

    .venv/bin/python bench/bench_issue.py [--requests N] [--rows M] [--quick]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app import migrate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ADMIN_TOKEN = "bench-admin-token-0123456789"
KEY_SECRET = "bench-key-secret-0123456789"
ISSUER = {"slug": "bench-uni", "legal_name": "Bench University", "country": "EE",
          "url": "https://bench-uni.example", "email": "registrar@bench-uni.example",
          "org_type": "hei"}
CREDENTIALS_PER_AWARD = 2  # OBv3 + ELM

# The sample micro-credential of the README walk-through (tests use it too).
FULL_SPEC: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "docs" / "examples" / "achievement.json").read_text())


@dataclass
class Service:
    client: httpx.Client
    env: dict[str, str]  # for the worker processes too
    workdir: Path
    pid: int  # of `mcred serve` (the supervisor, with several workers)


@dataclass
class Result:
    database: str
    phase: str
    awards: int
    seconds: float
    median_ms: float | None = None
    retried: int = 0  # 5xx answers / dropped connections retried (in seconds, not median)

    def row(self) -> str:
        median = f"{self.median_ms:.1f}" if self.median_ms is not None else "-"
        rate = self.awards / self.seconds
        return (f"{self.database:<10} {self.phase:<18} {self.awards:>6} {self.seconds:>8.2f}"
                f" {median:>9} {rate:>8.1f} {rate * CREDENTIALS_PER_AWARD:>8.1f}"
                f" {self.retried:>7}")


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(database_url: str, keys_dir: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCRED_")}
    env.update({"MCRED_DATABASE_URL": database_url, "MCRED_KEYS_DIR": str(keys_dir),
                "MCRED_KEY_SECRET": KEY_SECRET, "MCRED_ADMIN_TOKEN": ADMIN_TOKEN,
                "MCRED_PUBLIC_BASE_URL": base_url, "MCRED_INPROCESS_WORKER": "false",
                "MCRED_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)})
    return env


def cohort_csv(rows: int, prefix: str) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["name", "email", "student_id", "awarded_on", "grade"])
    writer.writeheader()
    for n in range(rows):
        writer.writerow({"name": f"Learner {prefix}{n}", "email": f"{prefix}{n}@example.eu",
                         "student_id": f"{prefix}{n:06d}", "awarded_on": "2026-06-30",
                         "grade": "B"})
    return out.getvalue().encode()


@contextmanager
def running_service(database_url: str, workdir: Path,
                    serve_args: tuple[str, ...] = ()) -> Iterator[Service]:
    """Migrate, start `mcred serve` on a free port and wait for /health; stop it afterwards."""
    migrate.upgrade(database_url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(database_url, workdir / "keys", base_url)
    log_path = workdir / "service.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *serve_args],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"service exited with code {proc.returncode}")
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("service did not become healthy within 60 s")
                time.sleep(0.1)
            yield Service(client, env, workdir, proc.pid)
    except Exception:
        note(f"service log (tail):\n{log_path.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def settled(send: Callable[[], httpx.Response], expected: int) -> httpx.Response:
    """The service commits a request's session only after sending its response, so what one
    answer created may not be visible to the next request for a moment: retry until it is."""
    deadline = time.monotonic() + 10
    while True:
        response = send()
        if response.status_code == expected or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if response.status_code != expected:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return response


def set_up_issuer(client: httpx.Client) -> str:
    """Issuer, API key (installed on the client) and achievement; returns the achievement id."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    settled(lambda: client.post("/admin/issuers", json=ISSUER, headers=admin), 201)
    response = settled(lambda: client.post(f"/admin/issuers/{ISSUER['slug']}/api-keys",
                                           headers=admin), 201)
    client.headers["Authorization"] = f"Bearer {response.json()['apiKey']}"
    response = settled(lambda: client.post("/achievements", json=FULL_SPEC), 201)
    achievement_id = str(response.json()["id"])
    settled(lambda: client.get(f"/achievements/{achievement_id}"), 200)
    return achievement_id


def bench_single(client: httpx.Client, database: str, achievement_id: str,
                 requests: int) -> Result:
    retried = 0

    def award(n: int) -> float:
        """Seconds the successful request took. A 5xx answer or dropped connection is counted
        and retried; the retry may find the award already issued (200)."""
        nonlocal retried
        body = {"achievementId": achievement_id, "awardedOn": "2026-06-30", "grade": "B",
                "learner": {"name": f"Single Learner {n}", "email": f"single{n}@example.eu",
                            "studentId": f"R{n:06d}"}}
        problem = ""
        for attempt in range(5):
            t0 = time.perf_counter()
            try:
                response = client.post("/credentials/issue", json=body)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 201 or (attempt and response.status_code == 200):
                    return time.perf_counter() - t0
                problem = f"{response.status_code} {response.text[:300]}"
                if response.status_code < 500:
                    break
            retried += 1
        raise RuntimeError(f"award {n}: {problem}")

    award(-1)  # warm-up (caches, connection), not counted
    retried = 0
    samples = []
    start = time.perf_counter()
    for n in range(requests):
        samples.append(award(n))
        if (n + 1) % max(1, requests // 5) == 0:
            note(f"  [{database}] single: {n + 1}/{requests} awards, {retried} retried")
    elapsed = time.perf_counter() - start
    return Result(database, "single request", requests, elapsed,
                  statistics.median(samples) * 1000, retried)


def bench_bulk(service: Service, database: str, achievement_id: str, rows: int,
               workers: int) -> Result:
    client = service.client
    response = client.post("/credentials/bulk", params={"achievementId": achievement_id},
                           content=cohort_csv(rows, f"k{workers}-"),
                           headers={"Content-Type": "text/csv"})
    if response.status_code != 202:
        raise RuntimeError(f"bulk upload: {response.status_code} {response.text[:300]}")
    job_id = response.json()["jobId"]
    settled(lambda: client.get(f"/credentials/bulk/{job_id}"), 200)  # rows committed
    note(f"  [{database}] bulk: {rows} rows queued, {workers} worker(s) running")
    start = time.perf_counter()
    procs = [subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker", "--exit-when-idle"],
        cwd=service.workdir, env=service.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    outputs = [proc.communicate(timeout=3600)[1] for proc in procs]
    elapsed = time.perf_counter() - start
    if any(proc.returncode != 0 for proc in procs):
        raise RuntimeError("worker failed:\n" + "\n".join(o[-1000:] for o in outputs))
    status = client.get(f"/credentials/bulk/{job_id}").json()
    if not status["done"] or status["issued"] != rows:
        raise RuntimeError(f"bulk job incomplete: {status}")
    note(f"  [{database}] bulk: {rows} rows issued in {elapsed:.1f} s"
         f" ({'; '.join(o.strip() for o in outputs)})")
    return Result(database, f"bulk, {workers} worker{'s' if workers > 1 else ''}", rows,
                  elapsed)


def bench_database(database: str, url: str, workers: list[int], args: argparse.Namespace,
                   workdir: Path) -> list[Result]:
    note(f"[{database}] migrating and starting the service")
    with running_service(url, workdir) as service:
        achievement_id = set_up_issuer(service.client)
        results = [bench_single(service.client, database, achievement_id, args.requests)]
        for k in workers:
            results.append(bench_bulk(service, database, achievement_id, args.rows, k))
    return results


@contextmanager
def scratch_postgres(server_url: str) -> Iterator[str | None]:
    """A fresh database on the server (None if unreachable); dropped afterwards."""
    name = f"mcred_bench_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        note(f"PostgreSQL at {make_url(server_url).render_as_string()} unreachable,"
             f" skipped: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        yield None
        return
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="sequential awards (N)")
    parser.add_argument("--rows", type=int, default=1000, help="rows per bulk job (M)")
    parser.add_argument("--quick", action="store_true", help="N=30, M=100")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rows = 30, 100
    postgres = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)

    load_before = os.getloadavg()[0]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="mcred-bench-") as tmp:
        sqlite_dir = Path(tmp, "sqlite")
        sqlite_dir.mkdir()
        results += bench_database("SQLite", f"sqlite:///{sqlite_dir / 'mcred.db'}", [1], args,
                                  sqlite_dir)
        with scratch_postgres(postgres) as url:
            if url is not None:
                pg_dir = Path(tmp, "postgres")
                pg_dir.mkdir()
                results += bench_database("PostgreSQL", url, [1, 2], args, pg_dir)

    print(f"N={args.requests} sequential awards, M={args.rows} bulk rows; 1 award ="
          f" {CREDENTIALS_PER_AWARD} signed credentials; {os.cpu_count()} CPUs, load average"
          f" {load_before:.1f} before / {os.getloadavg()[0]:.1f} after; errors = 5xx answers or"
          " dropped connections, retried")
    print(f"{'database':<10} {'phase':<18} {'awards':>6} {'seconds':>8} {'median ms':>9}"
          f" {'awards/s':>8} {'creds/s':>8} {'errors':>7}")
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()
