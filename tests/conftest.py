"""Fixtures: a migrated database (SQLite file, or a scratch PostgreSQL database when
MCRED_DATABASE_URL points at a server), settings in a temporary folder, and an app client."""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import ipaddress
import os
import secrets
import shutil
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import migrate
from app.config import Settings
from app.deps import Services
from app.main import build_services, create_app
from tests import samples

ADMIN_TOKEN = "test-admin-token-0123456789"
KEY_SECRET = "test-key-secret-0123456789"
BASE_URL = "https://mcred.test"
# Test-cheap costs, through the settings that exist for this: scrypt for every new key store
# and argon2id for every staff password would take about 70 ms and 90 ms each time (and each
# `mcred` subprocess pays the argon2id one at start-up). Production keeps the defaults.
CHEAP_COSTS = {"MCRED_KEY_SCRYPT_N": "1024", "MCRED_PASSWORD_HASH_MEMORY_KIB": "1024"}
ROOT = Path(__file__).resolve().parents[1]
# Published test data, vendored byte for byte; each folder's manifest.json names the sources.
VECTORS_DIR = ROOT / "tests" / "vectors"
SCHEMAS_DIR = ROOT / "tests" / "schemas"
VC_DI_EDDSA = VECTORS_DIR / "vc-di-eddsa"


def _postgres_server_url() -> str | None:
    url = os.environ.get("MCRED_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return None


class ScratchDatabases:
    """Creates uniquely named databases for the test session and drops them afterwards."""

    def __init__(self, server_url: str | None, folder: Path) -> None:
        self.server_url = server_url
        self.folder = folder
        self.created: list[str] = []

    @property
    def dialect(self) -> str:
        return "postgresql" if self.server_url else "sqlite"

    def new(self) -> str:
        name = f"mcred_test_{secrets.token_hex(6)}"
        if self.server_url is None:
            return f"sqlite:///{self.folder / (name + '.db')}"
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.server_url or not self.created:
            return
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def scratch_dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchDatabases]:
    dbs = ScratchDatabases(_postgres_server_url(), tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def migrated_url(scratch_dbs: ScratchDatabases) -> str:
    """One database migrated to head for the whole session (a template file on SQLite)."""
    url = scratch_dbs.new()
    migrate.upgrade(url)
    return url


@contextmanager
def _empty_database(migrated_url: str, scratch_dbs: ScratchDatabases,
                    folder: Path) -> Iterator[str]:
    """The session's migrated database, empty: a copy of the template file on SQLite, the
    database itself on PostgreSQL (its tables wiped afterwards)."""
    if scratch_dbs.dialect == "sqlite":
        target = folder / "mcred.db"
        shutil.copyfile(make_url(migrated_url).database, target)  # type: ignore[arg-type]
        yield f"sqlite:///{target}"
        return
    yield migrated_url
    engine = create_engine(migrated_url)
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.begin() as conn:
        # Only the tables the test wrote to: rows left, or a sequence drawn from (its ids
        # start again at 1). Truncating all of them takes ~80 ms, most of a short test.
        used = {row[0] for row in conn.execute(text(
            " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables)
            + " UNION ALL " + _DRAWN_SEQUENCES))}
        if used:
            # TRUNCATE skips the audit log's row triggers, which refuse DELETE.
            conn.execute(text(f"TRUNCATE {', '.join(sorted(used))} RESTART IDENTITY CASCADE"))
    engine.dispose()


# The tables owning a sequence that has handed out a value since it was last restarted.
_DRAWN_SEQUENCES = """SELECT DISTINCT t.relname::text FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_sequences q ON q.schemaname = current_schema() AND q.sequencename = s.relname
    WHERE d.deptype IN ('a', 'i') AND q.last_value IS NOT NULL"""


@pytest.fixture
def database_url(migrated_url: str, scratch_dbs: ScratchDatabases, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test."""
    with _empty_database(migrated_url, scratch_dbs, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def module_database_url(migrated_url: str, scratch_dbs: ScratchDatabases,
                        tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database shared by one module's tests (which then must not ask for
    ``database_url``: on PostgreSQL both are the same database)."""
    with _empty_database(migrated_url, scratch_dbs, tmp_path_factory.mktemp("db")) as url:
        yield url


def make_settings(database_url: str, keys_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url, "keys_dir": keys_dir, "key_secret": KEY_SECRET,
        "admin_token": ADMIN_TOKEN, "public_base_url": BASE_URL,
        "inprocess_worker": False,  # tests drive the bulk worker explicitly
        "registry_refresh_seconds": 0,  # and registry refreshes
        "key_scrypt_n": int(CHEAP_COSTS["MCRED_KEY_SCRYPT_N"]),
        "password_hash_memory_kib": int(CHEAP_COSTS["MCRED_PASSWORD_HASH_MEMORY_KIB"]),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "keys")


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    services = build_services(settings)
    yield services
    services.db.dispose()


@pytest.fixture
def client(svc: Services) -> Iterator[TestClient]:
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


ISSUER_BODY = {"slug": "uni-tartu", "legal_name": "University of Tartu", "country": "EE",
               "url": "https://ut.ee", "email": "registrar@ut.ee", "org_type": "hei"}


@pytest.fixture
def issuer(client: TestClient, admin: dict[str, str]) -> dict:
    response = client.post("/admin/issuers", json=ISSUER_BODY, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def api_key(client: TestClient, issuer: dict, admin: dict) -> dict[str, str]:
    token = client.post("/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def achievement(client: TestClient, api_key: dict[str, str]) -> dict[str, Any]:
    response = client.post("/achievements", json=samples.FULL_SPEC, headers=api_key)
    assert response.status_code == 201, response.text
    return response.json()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[int, Path, dict[str, bytes]]]:
    routes: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/redirect-to/"):
                self.send_response(302)
                self.send_header("Location", self.path.removeprefix("/redirect-to"))
                self.end_headers()
                return
            if self.path == "/drip":  # a slow-loris answer: one byte every 0.3 s
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                try:
                    for _ in range(40):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.3)
                except OSError:  # the client gave up, as it should
                    pass
                return
            if self.path == "/gzip":  # compressed whatever the client asked for
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.end_headers()
                self.wfile.write(gzip.compress(b"[" + b"0," * 100_000 + b"0]"))
                return
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b"{}")

        def log_message(self, *args: object) -> None:
            pass

    cert, key = _self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert, routes
    server.shutdown()
    server.server_close()


def mcred_env(settings: Settings) -> dict[str, str]:
    """Environment for an `mcred` subprocess sharing the test's database and keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCRED_")}
    env.update({"MCRED_DATABASE_URL": settings.database_url,
                "MCRED_KEYS_DIR": str(settings.keys_dir), "MCRED_KEY_SECRET": KEY_SECRET,
                "MCRED_ADMIN_TOKEN": ADMIN_TOKEN, "MCRED_PUBLIC_BASE_URL": settings.public_base_url,
                "MCRED_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT), **CHEAP_COSTS})
    return env


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(256)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def issued(client: TestClient, api_key: dict, achievement: dict, admin: dict,
           issuer: dict) -> dict[str, Any]:
    """The issue answer for one award of a trusted issuer (credentials and share links)."""
    from tests.verify.test_pipeline import UT, trust

    trust(client, admin, UT, "University of Tartu", "EE")
    return client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                       headers=api_key).json()


@pytest.fixture
def shared(issued: dict[str, Any]) -> dict[str, Any]:
    """The OBv3 share link of `issued`: its path, manage key and credential."""
    link = issued["shareLink"]
    return {"path": urlsplit(link["url"]).path, "manageKey": link["manageKey"],
            "credential": issued["credentials"]["ob3"]}
