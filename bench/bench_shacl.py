"""EDC SHACL validation in verification: how much of a verification pyshacl takes, for EDC's
JAdES-sealed sample (113 kB) and for mcred's own ELM rendering of an award (issued in-process
on a scratch SQLite database). Prints medians and the load (`uptime`); not a test.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_shacl.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app import migrate
from app.elements import shacl
from app.main import build_services, create_app
from tests import realworld, samples
from tests.conftest import ADMIN_TOKEN, ISSUER_BODY, make_settings

SEALED = "elm/Sample-MC-Annex1-signed-jades.json"


def median_ms(func: Callable[[], Any], rounds: int,
              before: Callable[[], None] | None = None) -> float:
    samples_ = []
    for _ in range(rounds):
        if before:
            before()
        start = time.perf_counter()
        func()
        samples_.append(time.perf_counter() - start)
    return statistics.median(samples_) * 1000


def mcred_elm(client: TestClient) -> dict[str, Any]:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert client.post("/admin/issuers", json=ISSUER_BODY, headers=admin).status_code == 201
    token = client.post("/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]
    key = {"Authorization": f"Bearer {token}"}
    achievement = client.post("/achievements", json=samples.FULL_SPEC, headers=key).json()
    award = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                        headers=key)
    return award.json()["credentials"]["elm"]  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        svc = build_services(make_settings(url, Path(tmp) / "keys"))
        with TestClient(create_app(svc=svc)) as client:
            documents = {"EDC sealed sample (JAdES)": realworld.load(SEALED),
                         "mcred ELM (FULL_SPEC award)": mcred_elm(client)}
            shacl.shapes_graph("EDC-generic-full")  # parsed once per process, as in service
            print(f"{'document':<30} {'bytes':>7} {'shacl':>8} {'verify cold':>12}"
                  f" {'verify warm':>12} {'shacl share':>12}")
            for name, doc in documents.items():
                payload = json.loads(doc["payload"]) if "payload" in doc else doc
                alone = median_ms(lambda d=payload: shacl.shacl_check(d), rounds)

                def verify(d: dict[str, Any] = doc) -> None:
                    response = client.post("/credentials/verify",
                                           json={"verifiableCredential": d})
                    assert response.status_code in (200, 422), response.text

                cold = median_ms(verify, rounds, before=shacl._CACHE.clear)
                warm = median_ms(verify, rounds)
                size = len(json.dumps(doc).encode())
                print(f"{name:<30} {size:>7} {alone:>7.1f}ms {cold:>10.1f}ms {warm:>10.1f}ms"
                      f" {alone / cold:>11.0%}")
        svc.db.dispose()
    print(f"rounds {rounds}, pid {os.getpid()},",
          subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
