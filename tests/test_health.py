"""/health reports the database and key store; a database that is down gives 503."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.db import Database
from app.deps import Services


def test_health_ok(client: TestClient, issuer: dict) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "keys": "ok"}}


def test_database_down_is_503(client: TestClient, svc: Services) -> None:
    # Nothing listens on port 1: a real refused connection, not a mock.
    working, svc.db = svc.db, Database("postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=2")
    try:
        response = client.get("/health")
    finally:
        svc.db.dispose()
        svc.db = working
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:mcred:problem:unhealthy"
    assert body["checks"]["database"] == "unreachable"


def test_unreadable_key_file_is_503(client: TestClient, issuer: dict, svc: Services) -> None:
    key_file = next(svc.keystore.directory.glob("issuer-uni-tartu-*.key"))
    key_file.write_text("{}")
    svc.keystore._cache.clear()  # a restarted process would read the file again
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["keys"] == "1 key file(s) unreadable"


def test_openapi_lists_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/admin/issuers", "/issuers/{slug}/did.json",
            "/.well-known/did.json"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_own_contexts_are_served_byte_exact(client: TestClient) -> None:
    from app.proofs.contexts import context_bytes
    from app.system import OWN_CONTEXTS

    for path, url in OWN_CONTEXTS.items():
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/ld+json"
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.content == context_bytes(url)
