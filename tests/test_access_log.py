"""The access log names the route, never the share token (a bearer secret in the path): method,
route template, status and duration, one line per request; `mcred serve` logs nothing else."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app import migrate
from tests.conftest import ADMIN_TOKEN, CHEAP_COSTS, KEY_SECRET, ROOT

TOKEN = "sEcReTsHaReToKeN_0123456789abcdef"
LINE = re.compile(r"^(GET|POST) (\S+) (\d{3}) \d+\.\d ms$")


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "mcred.access"]


def test_share_link_is_logged_by_its_route(client: TestClient,
                                           caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="mcred.access"):
        client.get(f"/c/{TOKEN}", headers={"Accept": "text/html"})
        client.get(f"/c/{TOKEN}/badge.svg")
        client.post(f"/c/{TOKEN}/sharing", json={"enabled": False, "manageKey": "0" * 32})
        client.get(f"/verify?url={TOKEN * 70}")  # too long: 422, never fetched
        client.get(f"/static/{TOKEN}.css")
        client.get(f"/no/such/{TOKEN}")
    assert TOKEN not in caplog.text
    assert _access_lines(caplog) == [
        line for line in _access_lines(caplog) if LINE.match(line)]
    routes = [LINE.match(line).groups()[:3] for line in _access_lines(caplog)]  # type: ignore
    assert routes == [("GET", "/c/{token}", "404"), ("GET", "/c/{token}/badge.svg", "404"),
                      ("POST", "/c/{token}/sharing", "404"), ("GET", "/verify", "422"),
                      ("GET", "/static/{path}", "404"), ("GET", "-", "404")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mcred_serve_logs_routes_not_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mcred.db'}"
    migrate.upgrade(url)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCRED_")}
    env.update({"MCRED_DATABASE_URL": url, "MCRED_KEYS_DIR": str(tmp_path / "keys"),
                "MCRED_KEY_SECRET": KEY_SECRET, "MCRED_ADMIN_TOKEN": ADMIN_TOKEN,
                "MCRED_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "MCRED_LOG_LEVEL": "INFO",
                "MCRED_INPROCESS_WORKER": "false", "MCRED_REGISTRY_REFRESH_SECONDS": "0",
                "PYTHONPATH": str(ROOT), **CHEAP_COSTS})
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for _ in range(100):
                try:
                    http.get("/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert http.get(f"/c/{TOKEN}").status_code == 404
            assert http.get(f"/c/{TOKEN}/qr.svg").status_code == 404
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert TOKEN not in output
    assert re.search(r"mcred\.access: GET /c/\{token\} 404 \d+\.\d ms", output), output
    assert re.search(r"mcred\.access: GET /c/\{token\}/qr\.svg 404", output), output
    assert '"GET /' not in output  # uvicorn's own access log is off
