"""No request holds a database connection while it waits for another: with a pool of one
connection, verifying pages and endpoints still answer (a nested checkout would wait for the
pool's timeout and fail). Under load such a request deadlocks the pool (seen at 32 clients)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import QueuePool

from app.deps import Services

BROWSER = {"Accept": "text/html"}


@pytest.fixture
def one_connection(svc: Services) -> Iterator[None]:
    engine = svc.db.engine
    old = engine.pool
    # recreate() keeps the pool's event dispatch (the SQLite pragmas); only the size changes.
    engine.pool = QueuePool(old._creator, pool_size=1, max_overflow=0, timeout=2,
                            pre_ping=True, _dispatch=old.dispatch, dialect=old._dialect)
    old.dispose()
    yield
    engine.pool.dispose()
    engine.pool = old


def test_share_page_verifies_with_one_connection(client: TestClient, shared: dict[str, Any],
                                                 one_connection: None) -> None:
    response = client.get(shared["path"], headers=BROWSER)
    assert response.status_code == 200
    assert "Verified" in response.text
    response = client.post(shared["path"], data={"email": "someone@example.eu"}, headers=BROWSER)
    assert response.status_code == 200


def test_verify_endpoints_with_one_connection(client: TestClient, shared: dict[str, Any],
                                              one_connection: None) -> None:
    response = client.post("/credentials/verify",
                           json={"verifiableCredential": shared["credential"]})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True
    url = quote(f"https://mcred.test{shared['path']}", safe="")
    response = client.get(f"/verify?url={url}", headers=BROWSER)
    assert response.status_code == 200
    assert "Verified" in response.text
