"""A real mcred server for the browser tests: a fresh SQLite database and key folder, the
service as a subprocess (`mcred serve`) on a free 127.0.0.1 port, ended when done."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from app import migrate
from tests.conftest import ADMIN_TOKEN, CHEAP_COSTS, KEY_SECRET
from tests.samples import FULL_SPEC, award_body

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def mcred_server(folder: Path, env: dict[str, str] | None = None,
                 args: tuple[str, ...] = ()) -> Iterator[str]:
    """Serve mcred from ``folder`` (with extra settings ``env``); yields its base URL once
    /health answers from this very process. Another test run on the machine may take the
    free port first (the SQLite and PostgreSQL suites run side by side): then this server
    exits, and it is started again on another port."""
    url = f"sqlite:///{folder / 'mcred.db'}"
    migrate.upgrade(url)
    for _attempt in range(5):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("MCRED_")}
        environment.update({"MCRED_DATABASE_URL": url, "MCRED_KEYS_DIR": str(folder / "keys"),
                            "MCRED_KEY_SECRET": KEY_SECRET, "MCRED_ADMIN_TOKEN": ADMIN_TOKEN,
                            "MCRED_PUBLIC_BASE_URL": base, "MCRED_LOG_LEVEL": "WARNING",
                            "PYTHONPATH": str(ROOT), **CHEAP_COSTS, **(env or {})})
        log = folder / f"server-{port}.log"
        with log.open("w") as stderr:
            process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port",
                                        str(port), *args], cwd=folder, env=environment,
                                       stderr=stderr, text=True)
        try:
            if _healthy(base, process):
                yield base
                return
        finally:
            process.terminate()
            process.wait(timeout=20)
    raise RuntimeError(f"mcred did not start; last log: {log.read_text()[-2000:]}")


def _healthy(base: str, process: subprocess.Popen[str], seconds: float = 90) -> bool:
    """True once /health answers while ``process`` runs (a loaded machine starts it
    slowly); False when the process ended first (its port was taken)."""
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=30) as api:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                if api.get("/health").status_code == 200 and process.poll() is None:
                    # Ours, not another run's server on the same port: a fresh database
                    # has no issuer yet (every fixture registers one straight away).
                    listed = api.get("/admin/issuers",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
                    return listed.status_code == 200 and listed.json() == []
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"mcred at {base} did not answer /health within {seconds} s")


def server_env(base_env: dict[str, str], folder: Path) -> dict[str, str]:
    """The environment a CLI command needs to act on the server's database and keys."""
    return {**base_env, "MCRED_DATABASE_URL": f"sqlite:///{folder / 'mcred.db'}",
            "MCRED_KEYS_DIR": str(folder / "keys"), "MCRED_KEY_SECRET": KEY_SECRET,
            "MCRED_ADMIN_TOKEN": ADMIN_TOKEN, "PYTHONPATH": str(ROOT), **CHEAP_COSTS}


@contextmanager
def served_award(folder: Path) -> Iterator[dict[str, Any]]:
    """``mcred_server`` with one issuer, in the registry with its quality assurance, and one
    award issued: its base URL, share link, manage key and the OBv3 and ELM credentials."""
    with mcred_server(folder) as base, httpx.Client(base_url=base, timeout=30) as api:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        api.post("/admin/issuers", headers=admin, json={
            "slug": "uni-tartu", "legal_name": "University of Tartu", "country": "EE",
            "url": "https://ut.ee", "email": "registrar@ut.ee"}).raise_for_status()
        did = f"did:web:{base.removeprefix('http://').replace(':', '%3A')}:issuers:uni-tartu"
        api.post("/admin/registry", headers=admin, json={
            "dids": [did], "legalName": "University of Tartu", "country": "EE",
            "qualityAssurance": [{"agency": "EKKA", "esgAligned": True,
                                  "validFrom": "2020-01-01"}]}).raise_for_status()
        key = {"Authorization": "Bearer " + api.post(
            "/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]}
        achievement = api.post("/achievements", json=FULL_SPEC, headers=key).json()
        issued = api.post("/credentials/issue", json=award_body(achievement["id"]),
                          headers=key).json()
        yield {"base": base, "link": issued["shareLink"]["url"],
               "manageKey": issued["shareLink"]["manageKey"],
               "credential": issued["credentials"]["ob3"], "elm": issued["credentials"]["elm"]}
