"""HTTP load benchmark against the real service (`mcred serve` in a subprocess): POST
/credentials/verify of an mcred micro-credential (full pipeline: proof, registry, status,
validity, completeness, score), the live-verifying share page GET /c/{token}, and POST
/credentials/issue, each at 1, 8 and 32 concurrent clients with wrk (Debian package `wrk`), and
the in-process proof rate on the same credential in the same run, so the ratio is visible.
Also the server's RSS before and after the verify loads. Progress to stderr, table to stdout;
not a test.

    .venv/bin/python bench/bench_http.py [--workers 1,2] [--clients 1,8,32] [--seconds 10]
        [--postgres URL | --sqlite-only] [--soak SECONDS]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_issue import (
    ADMIN_TOKEN,
    DEFAULT_POSTGRES,
    ISSUER,
    note,
    running_service,
    scratch_postgres,
    set_up_issuer,
    settled,
)

from app.dids.didweb import did_web_url

# wrk's Lua: POST the body file; for issuing, a fresh learner per request (thread id, counter).
VERIFY_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("{body}", "rb"); wrk.body = f:read("*a"); f:close()
"""
ISSUE_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "{auth}"
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
function request()
  n = n + 1
  local id = "{prefix}" .. tid .. "-" .. n
  local body = '{{"achievementId":"{achievement}","awardedOn":"2026-06-30","grade":"B",' ..
    '"learner":{{"name":"Load Learner ' .. id .. '","email":"' .. id .. '@example.eu",' ..
    '"studentId":"' .. id .. '"}}}}'
  return wrk.format(nil, nil, nil, body)
end
"""


@dataclass
class Load:
    workers: int
    database: str
    what: str
    clients: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int

    def row(self) -> str:
        return (f"{self.database:<10} {self.workers:>7} {self.what:<14} {self.clients:>7}"
                f" {self.rps:>9.1f} {self.p50_ms:>8.1f} {self.p99_ms:>8.1f}"
                f" {self.non_2xx:>7} {self.errors:>6}")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, clients: int, seconds: int, script: Path | None,
        headers: dict[str, str] | None = None) -> tuple[float, float, float, int, int]:
    """(requests/s, p50 ms, p99 ms, non-2xx/3xx answers, socket errors) of one wrk run."""
    threads = min(clients, 2)
    cmd = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if os.environ.get("BENCH_DEBUG"):
        note(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    return (rps, p50, p99, int(non_2xx.group(1)) if non_2xx else 0,
            sum(int(g) for g in errors.groups()) if errors else 0)


def rss_mb(pid: int) -> float:
    """Resident set of the server: the process and its children (uvicorn's workers)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def proof_rate(credential: dict[str, Any], rounds: int = 300) -> float:
    """In-process verifications/s of the credential's proofs in this process, keys resolved
    from the issuer's published DID document held in memory (no database, no HTTP)."""
    from app.dids.resolver import DidResolver
    from app.proofs.dataintegrity import verify_document

    document = json.loads(Path(os.environ["BENCH_DID_DOC"]).read_text())
    resolver = DidResolver(local=lambda did: document if did == document["id"] else None)
    for _ in range(20):
        assert verify_document(credential, resolver.resolve_key).verified
    start = time.perf_counter()
    for _ in range(rounds):
        verify_document(credential, resolver.resolve_key)
    return rounds / (time.perf_counter() - start)


def bench(database: str, url: str, workers: int, args: argparse.Namespace,
          workdir: Path) -> tuple[list[Load], dict[str, float]]:
    note(f"[{database}, {workers} worker(s)] starting the service")
    with running_service(url, workdir, ("--workers", str(workers))) as service:
        client = service.client
        achievement_id = set_up_issuer(client)
        body = settled(lambda: client.post("/credentials/issue", json={
            "achievementId": achievement_id, "awardedOn": "2026-06-30", "grade": "B",
            "learner": {"name": "Bench Learner", "email": "bench@example.eu",
                        "studentId": "B000001"}}), 201).json()
        credential = body["credentials"]["ob3"]
        issuer_did = credential["issuer"]["id"]
        settled(lambda: client.post("/admin/registry", headers={
            "Authorization": f"Bearer {ADMIN_TOKEN}"}, json={
            "dids": [issuer_did], "legalName": ISSUER["legal_name"], "country": "EE",
            "orgType": "hei", "qualityAssurance": [{
                "agency": "Bench QA agency", "esgAligned": True, "validFrom": "2020-01-01"}]}),
            201)
        share_path = urlsplit(body["shareLinks"]["ob3"]["url"]).path
        check = settled(lambda: client.post("/credentials/verify",
                                            json={"verifiableCredential": credential}), 200)
        failed = [c["name"] for c in check.json()["report"]["checks"]
                  if c["status"] not in ("passed", "skipped")]
        if failed:
            raise RuntimeError(f"the bench credential does not pass every check: {failed}")
        did_doc = workdir / "did.json"
        did_doc.write_text(client.get(urlsplit(did_web_url(issuer_did, "http")).path).text)
        os.environ["BENCH_DID_DOC"] = str(did_doc)
        request_file = workdir / "verify.json"
        request_file.write_text(json.dumps({"verifiableCredential": credential}))
        verify_lua = workdir / "verify.lua"
        verify_lua.write_text(VERIFY_LUA.format(body=request_file))
        base = str(client.base_url).rstrip("/")
        pid = service.pid
        loads, memory = [], {"rss_before_mb": rss_mb(pid)}
        for clients in args.clients:
            note(f"  verify, {clients} clients")
            loads.append(Load(workers, database, "verify", clients,
                              *wrk(f"{base}/credentials/verify", clients, args.seconds,
                                   verify_lua)))
        memory["rss_after_verify_mb"] = rss_mb(pid)
        if args.soak:
            # Memory over many verifications: RSS after the loads above (warm) against RSS
            # after `--soak` more seconds of verification at 8 clients.
            note(f"  soak: verify for {args.soak} s at 8 clients")
            rps = wrk(f"{base}/credentials/verify", 8, args.soak, verify_lua)[0]
            memory["soak_requests"] = rps * args.soak
            memory["rss_after_soak_mb"] = rss_mb(pid)
        for clients in args.clients:
            note(f"  share page, {clients} clients")
            loads.append(Load(workers, database, "share page", clients,
                              *wrk(f"{base}{share_path}", clients, args.seconds, None,
                                   {"Accept": "text/html"})))
        for clients in args.clients:
            note(f"  issue, {clients} clients")
            issue_lua = workdir / f"issue-{clients}.lua"
            issue_lua.write_text(ISSUE_LUA.format(
                auth=client.headers["Authorization"], achievement=achievement_id,
                prefix=f"w{workers}c{clients}-"))
            loads.append(Load(workers, database, "issue", clients,
                              *wrk(f"{base}/credentials/issue", clients, args.seconds,
                                   issue_lua)))
        memory["proof_rate"] = proof_rate(credential)
    return loads, memory


def soak_line(memory: dict[str, float]) -> str:
    growth = memory["rss_after_soak_mb"] / memory["rss_after_verify_mb"] - 1
    return (f"; after {memory['soak_requests']:.0f} more verifications"
            f" {memory['rss_after_soak_mb']:.0f} MB ({growth:+.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="server worker counts, comma-separated")
    parser.add_argument("--clients", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--soak", type=int, default=0,
                        help="then verify for this many seconds more and report RSS growth")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    if shutil.which("wrk") is None:
        sys.exit("bench_http: wrk is not installed (apt-get install wrk)")
    load_before = os.getloadavg()
    rows: list[Load] = []
    extras: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mcred-bench-http-") as tmp:
        databases: list[tuple[str, Any]] = [("SQLite", None)]
        if not args.sqlite_only:
            databases.append(("PostgreSQL", args.postgres))
        for database, server in databases:
            for workers in [int(w) for w in args.workers.split(",")]:
                workdir = Path(tmp, f"{database}-{workers}")
                workdir.mkdir()
                if server is None:
                    loads, memory = bench(database, f"sqlite:///{workdir / 'mcred.db'}",
                                          workers, args, workdir)
                else:
                    with scratch_postgres(server) as url:
                        if url is None:
                            continue
                        loads, memory = bench(database, url, workers, args, workdir)
                rows += loads
                best = max(r.rps for r in loads if r.what == "verify")
                extras.append(
                    f"{database}, {workers} worker(s): in-process proof verification"
                    f" {memory['proof_rate']:.0f}/s (one core); best HTTP verify {best:.0f}/s ="
                    f" {best / memory['proof_rate']:.2f} of it; server RSS"
                    f" {memory['rss_before_mb']:.0f} MB before the verify loads,"
                    f" {memory['rss_after_verify_mb']:.0f} MB after"
                    + (soak_line(memory) if args.soak else ""))
    load_after = os.getloadavg()
    print(f"{os.cpu_count()} CPUs; load average (1/5/15 min) before"
          f" {'/'.join(f'{x:.1f}' for x in load_before)}, after"
          f" {'/'.join(f'{x:.1f}' for x in load_after)}; {args.seconds} s per load; wrk")
    print(f"{'database':<10} {'workers':>7} {'load':<14} {'clients':>7} {'req/s':>9}"
          f" {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>7} {'errors':>6}")
    for row in rows:
        print(row.row())
    for line in extras:
        print(line)


if __name__ == "__main__":
    main()
