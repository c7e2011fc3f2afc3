"""Bounded stores for what anonymous callers can fill: fetched documents and challenges."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from app.cache import FetchCache
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
    monkeypatch.setattr(challenges, "CHALLENGES", challenges.Challenges(limit=3))
    monkeypatch.setattr("app.verify.router.CHALLENGES", challenges.CHALLENGES)
    issued = [client.post("/challenges") for _ in range(3)]
    assert [r.status_code for r in issued] == [201, 201, 201]
    full = client.post("/challenges")
    assert full.status_code == 429 and full.headers["retry-after"] == "60"
    assert full.json()["type"] == "urn:mcred:problem:too-many-challenges"
    assert challenges.CHALLENGES.consume(issued[0].json()["challenge"])  # one used: room again
    assert client.post("/challenges").status_code == 201
