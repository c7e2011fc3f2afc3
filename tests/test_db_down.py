"""A database that goes away answers 503 problem+json (or the HTML error page) with
Retry-After on every endpoint, and logs one line per failure: no traceback, no SQL parameters.

On PostgreSQL the outage is real: the app talks to its own scratch database through a TCP proxy
on 127.0.0.1 that is then stopped, or its backends are terminated (one of them in the middle of
a query) while the database refuses new connections. On SQLite the database file is replaced by
something SQLite cannot open."""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import migrate
from app.main import build_services, create_app
from tests.conftest import (
    ADMIN_TOKEN,
    ISSUER_BODY,
    ScratchDatabases,
    _postgres_server_url,
    make_settings,
)
from tests.samples import FULL_SPEC, LEARNER, award_body

PROBLEM = "urn:mcred:problem:database-unavailable"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``stop`` cuts every connection and refuses new
    ones, like a database host that drops off the network."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


def _world(client: TestClient) -> dict[str, Any]:
    """An issuer, an API key, an achievement and one issued credential, while the DB is up."""
    assert client.post("/admin/issuers", json=ISSUER_BODY, headers=ADMIN).status_code == 201
    token = client.post("/admin/issuers/uni-tartu/api-keys", headers=ADMIN).json()["apiKey"]
    key = {"Authorization": f"Bearer {token}"}
    achievement = client.post("/achievements", json=FULL_SPEC, headers=key).json()
    issued = client.post("/credentials/issue", json=award_body(achievement["id"]), headers=key)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    credential = body["credentials"]["ob3"]
    status_list = urlsplit(credential["credentialStatus"][0]["statusListCredential"]
                           if isinstance(credential["credentialStatus"], list)
                           else credential["credentialStatus"]["statusListCredential"]).path
    return {"key": key, "achievement": achievement["id"], "credential": credential,
            "share": urlsplit(body["shareLink"]["url"]).path,
            "status_list": status_list}


# Each entry: a name, then the request made while the database is down.
Request = Callable[[TestClient, dict[str, Any]], Any]
ENDPOINTS: list[tuple[str, Request]] = [
    ("GET /health", lambda c, w: c.get("/health")),
    ("GET /credentials/{id}", lambda c, w: c.get(f"/credentials/{w['credential']['id']}")),
    ("POST /credentials/verify", lambda c, w: c.post(
        "/credentials/verify", json={"verifiableCredential": w["credential"]})),
    ("GET /issuers/{slug}/did.json", lambda c, w: c.get("/issuers/uni-tartu/did.json")),
    ("GET /.well-known/did.json", lambda c, w: c.get("/.well-known/did.json")),
    ("POST /credentials/issue", lambda c, w: c.post(
        "/credentials/issue", json=award_body(w["achievement"]), headers=w["key"])),
    ("GET /achievements/{id}", lambda c, w: c.get(f"/achievements/{w['achievement']}")),
    ("GET /status-lists/{id}", lambda c, w: c.get(w["status_list"])),
    ("GET /registry.json", lambda c, w: c.get("/registry.json")),
    ("POST /admin/issuers", lambda c, w: c.post(
        "/admin/issuers", json={**ISSUER_BODY, "slug": "uni-other"}, headers=ADMIN)),
    # (POST /challenges needs no database any more: challenges are stateless until used.)
    ("GET /c/{token} (JSON-LD)", lambda c, w: c.get(
        w["share"], headers={"Accept": "application/ld+json"})),
    ("POST /c/{token}/sharing", lambda c, w: c.post(
        f"{w['share']}/sharing", json={"enabled": False, "manageKey": "0" * 32})),
    ("GET /c/{token}/elm.json", lambda c, w: c.get(f"{w['share']}/elm.json")),
]
BROWSER_ENDPOINTS: list[tuple[str, Request]] = [
    ("GET /c/{token} (browser)", lambda c, w: c.get(w["share"], headers=BROWSER)),
    ("POST /c/{token}/search-engines (browser form)", lambda c, w: c.post(
        f"{w['share']}/search-engines", data={"manageKey": "0" * 32, "allow": "true"},
        headers=BROWSER)),
    ("POST /verify (browser form)", lambda c, w: c.post(
        "/verify", data={"credential": __import__("json").dumps(w["credential"])},
        headers=BROWSER)),
]


def _assert_all_unavailable(client: TestClient, world: dict[str, Any],
                            caplog: pytest.LogCaptureFixture) -> dict[str, int]:
    statuses: dict[str, int] = {}
    caplog.clear()
    with caplog.at_level(logging.INFO):
        for name, call in ENDPOINTS:
            response = call(client, world)
            statuses[name] = response.status_code
            assert response.status_code == 503, (name, response.status_code, response.text)
            assert response.headers["content-type"] == "application/problem+json", name
            assert int(response.headers["retry-after"]) > 0, name
            if name != "GET /health":  # /health keeps its own type and per-check report
                assert response.json()["type"] == PROBLEM, name
            assert "Traceback" not in response.text
        for name, call in BROWSER_ENDPOINTS:
            response = call(client, world)
            statuses[name] = response.status_code
            assert response.status_code == 503, (name, response.status_code, response.text)
            assert response.headers["content-type"].startswith("text/html"), name
            assert int(response.headers["retry-after"]) > 0, name
            assert 'data-problem="' + PROBLEM + '"' in response.text, name
    ours = [r for r in caplog.records if not r.name.startswith("httpx")]  # not the client's
    log = "\n".join(logging.Formatter().format(r) for r in ours)
    assert "Traceback" not in log
    assert all(r.exc_info is None for r in ours)
    for secret in (LEARNER["name"], LEARNER["email"], LEARNER["studentId"], "[parameters",
                   world["share"].rsplit("/", 1)[1]):
        assert secret not in log, secret
    unavailable = [r for r in ours if "database unavailable" in r.getMessage()]
    # one line per failed request (GET /health logs its own line)
    assert len(unavailable) == len(ENDPOINTS) - 1 + len(BROWSER_ENDPOINTS)
    assert all("\n" not in r.getMessage() for r in unavailable)
    return statuses


def _assert_recovers(client: TestClient) -> None:
    for _ in range(50):
        if client.get("/health").status_code == 200:
            break
        time.sleep(0.1)
    assert client.get("/issuers/uni-tartu/did.json").status_code == 200


# --- PostgreSQL -------------------------------------------------------------------------------

@pytest.fixture
def pg_database(scratch_dbs: ScratchDatabases, migrated_url: str) -> Iterator[str]:
    """A database of our own (a copy of the migrated one) that this test may break."""
    if scratch_dbs.dialect != "postgresql":
        pytest.skip("needs MCRED_DATABASE_URL pointing at a PostgreSQL server")
    server = _postgres_server_url()
    assert server is not None
    name = f"mcred_down_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    template = make_url(migrated_url).database
    with admin.connect() as conn:
        # CREATE DATABASE … TEMPLATE needs the template to have no other sessions.
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": template})
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    scratch_dbs.created.append(name)
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()


def _pg_client(url: str, tmp_path: Path) -> tuple[TestClient, Any]:
    settings = make_settings(url, tmp_path / "keys")
    svc = build_services(settings)
    return TestClient(create_app(svc=svc), raise_server_exceptions=False), svc


def test_postgres_behind_a_proxy_that_stops(pg_database: str, tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    server = make_url(_postgres_server_url() or "")
    proxy = TcpProxy((server.host or "127.0.0.1", server.port or 5432))
    url = server.set(host="127.0.0.1", port=proxy.port, database=pg_database,
                     query={"connect_timeout": "3"}).render_as_string(hide_password=False)
    client, svc = _pg_client(url, tmp_path)
    try:
        with client:
            world = _world(client)
            proxy.stop()
            statuses = _assert_all_unavailable(client, world, caplog)
            assert set(statuses.values()) == {503}
    finally:
        proxy.stop()
        svc.db.dispose()


def _terminate(admin: Any, database: str, keep: int) -> None:
    """Refuse new connections to ``database`` and end every session on it but ``keep``."""
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = :d AND pid <> :keep"), {"d": database, "keep": keep})


def test_postgres_backends_terminated_mid_request(pg_database: str, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    server = _postgres_server_url() or ""
    url = make_url(server).set(database=pg_database).render_as_string(hide_password=False)
    client, svc = _pg_client(url, tmp_path)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    locker = create_engine(url)
    try:
        with client:
            world = _world(client)
            # Hold a lock the next request's query must wait for, then kill its backend while
            # it waits: the failure comes in the middle of the request, after the pool's ping.
            with locker.connect() as lock_conn:
                lock_conn.execute(text("LOCK TABLE issuers IN ACCESS EXCLUSIVE MODE"))
                locker_pid = lock_conn.scalar(text("SELECT pg_backend_pid()"))
                result: dict[str, Any] = {}
                request = threading.Thread(target=lambda: result.update(
                    response=client.get("/issuers/uni-tartu/did.json")))
                caplog.clear()
                with caplog.at_level(logging.INFO):
                    request.start()
                    with admin.connect() as conn:
                        for _ in range(100):
                            waiting = conn.scalar(text(
                                "SELECT count(*) FROM pg_stat_activity WHERE datname = :d"
                                " AND wait_event_type = 'Lock'"), {"d": pg_database})
                            if waiting:
                                break
                            time.sleep(0.05)
                    assert waiting, "the request never waited for the lock"
                    _terminate(admin, pg_database, keep=locker_pid)
                    request.join(timeout=30)
                response = result["response"]
                assert response.status_code == 503, response.text
                assert response.json()["type"] == PROBLEM
                assert response.headers["retry-after"]
                assert "Traceback" not in caplog.text
                assert [r.levelname for r in caplog.records
                        if "database unavailable" in r.getMessage()] == ["WARNING"]
            # Every pooled connection is gone and new ones are refused.
            _assert_all_unavailable(client, world, caplog)
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{pg_database}" WITH ALLOW_CONNECTIONS true'))
            _assert_recovers(client)
    finally:
        locker.dispose()
        admin.dispose()
        svc.db.dispose()


# --- SQLite -----------------------------------------------------------------------------------

def test_sqlite_file_that_cannot_be_opened(tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    database = tmp_path / "data" / "mcred.db"
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    client, svc = _pg_client(url, tmp_path)
    try:
        with client:
            world = _world(client)
            # The volume is gone: the path now names something SQLite cannot open as a file
            # (chmod would not stop root, who runs these tests in CI).
            svc.db.engine.dispose()
            moved = tmp_path / "moved"
            moved.mkdir()
            for path in database.parent.glob("mcred.db*"):
                path.rename(moved / path.name)
            database.mkdir()
            statuses = _assert_all_unavailable(client, world, caplog)
            assert set(statuses.values()) == {503}
            database.rmdir()
            svc.db.engine.dispose()
            for path in moved.iterdir():
                path.rename(database.parent / path.name)
            _assert_recovers(client)
    finally:
        svc.db.dispose()
