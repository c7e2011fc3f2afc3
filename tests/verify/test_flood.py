"""Verify-by-URL and remote resolution against a host that never answers: no database
connection is held while a fetch waits, beyond the per-host bound requests are refused at
once with 503 + Retry-After, and requests that need no fetch are not slowed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import base58
import pytest
from fastapi.testclient import TestClient

from app import outbound
from app.main import build_services, create_app
from tests.conftest import ISSUER_BODY, make_settings


@pytest.fixture
def open_client(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, object]]:
    settings = make_settings(database_url, tmp_path / "keys", outbound_allow_private=True)
    svc = build_services(settings)
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as client:
        yield client, svc
    svc.db.dispose()


def test_flood_of_silent_urls_holds_no_connection_and_slows_nobody(
        open_client: tuple[TestClient, object], black_hole: int, admin: dict) -> None:
    client, svc = open_client
    assert client.post("/admin/issuers", json=ISSUER_BODY, headers=admin).status_code == 201
    silent = f"https://127.0.0.1:{black_hole}/credential.json"
    checked_out: list[int] = []

    def flood(_: int) -> tuple[int, float, str | None]:
        began = time.monotonic()
        response = client.get("/verify", params={"url": silent},
                              headers={"Accept": "application/json"})
        return response.status_code, time.monotonic() - began, \
            response.headers.get("retry-after")

    requests = 30
    with ThreadPoolExecutor(max_workers=requests) as pool:
        futures = [pool.submit(flood, i) for i in range(requests)]
        time.sleep(1.0)  # the fetches that got a slot are waiting on the silent host now
        for _ in range(5):
            checked_out.append(svc.db.engine.pool.checkedout())  # type: ignore[attr-defined]
            time.sleep(0.1)
        began = time.monotonic()
        unrelated = client.get("/issuers/uni-tartu/did.json")
        unrelated_seconds = time.monotonic() - began
        results = [f.result() for f in futures]
    statuses = [status for status, _, _ in results]
    assert unrelated.status_code == 200
    assert unrelated_seconds < 1.0, unrelated_seconds
    assert max(checked_out) == 0, checked_out  # no connection held across the fetches
    assert 500 not in statuses
    assert statuses.count(503) == requests - outbound.PER_HOST
    assert statuses.count(422) == outbound.PER_HOST  # timed out: could not be fetched
    busy = [(s, t, r) for s, t, r in results if s == 503]
    assert all(r == "5" for _, _, r in busy)
    assert max(t for _, t, _ in busy) < 2.0  # refused quickly, not queued


def test_remote_did_web_behind_a_silent_host_answers_503_not_500(
        open_client: tuple[TestClient, object], black_hole: int) -> None:
    client, _ = open_client
    did = f"did:web:127.0.0.1%3A{black_hole}"
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
        "issuer": did, "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                  "created": "2025-01-01T00:00:00Z", "proofPurpose": "assertionMethod",
                  "verificationMethod": f"{did}#key-1",
                  "proofValue": "z" + base58.b58encode(bytes(range(64))).decode()},
    }

    def verify(_: int) -> int:
        return client.post("/credentials/verify",
                           json={"verifiableCredential": credential}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(verify, range(12)))
    assert 500 not in statuses
    assert statuses.count(503) == 12 - outbound.PER_HOST
    assert statuses.count(422) == outbound.PER_HOST
