"""Bounded stores anonymous callers can fill: fetched documents and presentation challenges
(in the database, shared by every instance)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

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


def _secret(svc: Services) -> str:
    return svc.settings.key_secret.get_secret_value()


def test_handing_out_challenges_stores_nothing(client: TestClient, svc: Services) -> None:
    """A flood of POST /challenges cannot fill a store and deny challenges to others."""
    issued = {client.post("/challenges").json()["challenge"] for _ in range(200)}
    assert len(issued) == 200
    with svc.db.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(challenges.Challenge)) == 0
    first = issued.pop()
    assert challenges.consume(svc.db, _secret(svc), first)
    assert not challenges.consume(svc.db, _secret(svc), first)  # single use
    with svc.db.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(challenges.Challenge)) == 1


def test_challenges_are_shared_between_instances(svc: Services) -> None:
    """Two service instances on one database: a challenge from one is accepted by the other
    (a load balancer may send the two requests to different instances), once."""
    from app.main import create_app

    first = TestClient(create_app(svc=svc))
    challenge = first.post("/challenges").json()["challenge"]
    other_db = Database(svc.settings.database_url)  # a second process's own engine
    try:
        assert challenges.consume(other_db, _secret(svc), challenge)
        assert not challenges.consume(svc.db, _secret(svc), challenge)
    finally:
        other_db.dispose()


def test_expired_challenges_are_refused_and_used_ones_pruned(svc: Services) -> None:
    old = challenges.issue(_secret(svc), now=time.time() - 11 * 60)
    assert not challenges.consume(svc.db, _secret(svc), old)
    soon = challenges.issue(_secret(svc), now=time.time() - 9 * 60)
    assert challenges.consume(svc.db, _secret(svc), soon)
    with svc.db.session() as session:
        session.get(challenges.Challenge, soon).expires_at = utcnow() - timedelta(seconds=1)
    assert challenges.consume(svc.db, _secret(svc), challenges.issue(_secret(svc)))  # prunes
    with svc.db.session(read_only=True) as session:
        assert session.get(challenges.Challenge, soon) is None


def test_forged_or_foreign_key_challenges_are_refused(svc: Services) -> None:
    genuine = challenges.issue(_secret(svc))
    tampered = genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB")
    assert not challenges.consume(svc.db, _secret(svc), tampered)
    other_service = challenges.issue("another deployment's secret value")
    assert not challenges.consume(svc.db, _secret(svc), other_service)


@pytest.mark.parametrize("bad", ["a\x00b" * 11, "", "x" * 33, "../../etc/passwd"])
def test_foreign_challenges_never_reach_the_database(svc: Services, bad: str) -> None:
    assert challenges.consume(svc.db, _secret(svc), bad) is False  # PostgreSQL refuses NUL
