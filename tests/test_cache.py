"""Bounded stores anonymous callers can fill: fetched documents and presentation challenges
(in the database, shared by every instance)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.cache import FetchCache
from app.db import Database, utcnow
from app.deps import Services
from app.verify import challenges


def test_fetch_cache_is_bounded_least_recently_used_out() -> None:
    cache = FetchCache(ttl=300, maxsize=3)
    for n in range(10):
        cache.put(f"https://lists.example/{n}", {"n": n})
    assert len(cache) == 3
    assert cache.get("https://lists.example/0") is None
    assert cache.get("https://lists.example/9") == {"n": 9}


def test_fetch_cache_forgets_after_its_ttl() -> None:
    cache = FetchCache(ttl=0.05, maxsize=10)
    cache.put("did:web:a.example", {"id": "did:web:a.example"})
    assert cache.get("did:web:a.example") == {"id": "did:web:a.example"}
    time.sleep(0.2)
    assert cache.get("did:web:a.example") is None and len(cache) == 0


def test_challenge_store_refuses_instead_of_growing(client: TestClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(challenges, "LIMIT", 3)
    issued = [client.post("/challenges") for _ in range(3)]
    assert [r.status_code for r in issued] == [201, 201, 201]
    full = client.post("/challenges")
    assert full.status_code == 429 and full.headers["retry-after"] == "60"
    assert full.json()["type"] == "urn:mcred:problem:too-many-challenges"
    svc = client.app.state.services  # type: ignore[attr-defined]
    assert challenges.consume(svc.db, issued[0].json()["challenge"])  # used: room again
    assert not challenges.consume(svc.db, issued[0].json()["challenge"])  # single use
    assert client.post("/challenges").status_code == 201


def test_challenges_are_shared_between_instances(svc: Services) -> None:
    """Two service instances on one database: a challenge from one is accepted by the other
    (a load balancer may send the two requests to different instances)."""
    from app.main import create_app

    first, second = (TestClient(create_app(svc=svc)) for _ in range(2))
    challenge = first.post("/challenges").json()["challenge"]
    other_db = Database(svc.settings.database_url)  # a second process's own engine
    try:
        assert challenges.consume(other_db, challenge)
        assert not challenges.consume(other_db, challenge)
    finally:
        other_db.dispose()
    assert second.post("/challenges").status_code == 201


def test_expired_challenges_are_refused_and_pruned(svc: Services) -> None:
    challenge = challenges.issue(svc.db)
    with svc.db.session() as session:
        row = session.get(challenges.Challenge, challenge)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert not challenges.consume(svc.db, challenge)
    challenges.issue(svc.db)  # prunes what expired
    with svc.db.session(read_only=True) as session:
        assert session.get(challenges.Challenge, challenge) is None


@pytest.mark.parametrize("bad", ["a\x00b" * 11, "", "x" * 33, "../../etc/passwd"])
def test_foreign_challenges_never_reach_the_database(svc: Services, bad: str) -> None:
    assert challenges.consume(svc.db, bad) is False  # PostgreSQL refuses NUL: no 500
