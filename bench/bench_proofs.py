"""Proof engine benchmark: sign/s, verify/s and canonicalisation time on a realistic Open Badges
3.0 credential, with the context cache cold and warm. Prints medians; not a test.

    .venv/bin/python bench/bench_proofs.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

from app.dids.didkey import did_key_verification_method
from app.dids.resolver import DidResolver
from app.proofs import contexts, jsonld
from app.proofs.dataintegrity import JCS, RDFC, add_proof, verify_document
from app.proofs.multikey import encode_public_key

CREDENTIAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "ob3_credential.json"


def clear_caches() -> None:
    """Forget every processed context (ours and pyld's), as in a fresh process."""
    from pyld import jsonld as pyld_jsonld

    for cached in (
        contexts.context_bytes,
        contexts._parsed,
        jsonld._inlined,
        jsonld._pruned_context,
    ):
        cached.cache_clear()
    jsonld._GOOD_IRIS.clear()
    pyld_jsonld._resolved_context_cache.clear()


def median_seconds(
    func: Callable[[], Any], rounds: int, before: Callable[[], None] | None = None
) -> float:
    samples = []
    for _ in range(rounds):
        if before:
            before()
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    document = json.loads(CREDENTIAL.read_text())
    key = SigningKey.generate()
    vm = did_key_verification_method(encode_public_key(bytes(key.verify_key)))
    resolver = DidResolver()
    signed = {suite: add_proof(document, key, vm, cryptosuite=suite) for suite in (RDFC, JCS)}
    assert all(verify_document(s, resolver.resolve_key).verified for s in signed.values())

    rows: list[tuple[str, float]] = []
    cold = max(10, args.rounds // 10)
    rows.append(
        (
            "canonicalise RDFC-1.0, fast path, cold cache",
            median_seconds(lambda: jsonld.canonize(document), cold, clear_caches),
        )
    )
    rows.append(
        (
            "canonicalise RDFC-1.0, fast path, warm cache",
            median_seconds(lambda: jsonld.canonize(document), args.rounds),
        )
    )
    rows.append(
        (
            "canonicalise RDFC-1.0, pyld reference, cold cache",
            median_seconds(lambda: jsonld.canonize_reference(document), cold, clear_caches),
        )
    )
    rows.append(
        (
            "canonicalise RDFC-1.0, pyld reference, warm cache",
            median_seconds(lambda: jsonld.canonize_reference(document), args.rounds // 3),
        )
    )
    for suite in (RDFC, JCS):
        rows.append(
            (
                f"sign   {suite}, warm",
                median_seconds(
                    lambda s=suite: add_proof(document, key, vm, cryptosuite=s), args.rounds
                ),
            )
        )
        rows.append(
            (
                f"verify {suite}, warm",
                median_seconds(
                    lambda s=suite: verify_document(signed[s], resolver.resolve_key), args.rounds
                ),
            )
        )
        rows.append(
            (
                f"sign   {suite}, cold",
                median_seconds(
                    lambda s=suite: add_proof(document, key, vm, cryptosuite=s), cold, clear_caches
                ),
            )
        )

    width = max(len(name) for name, _ in rows)
    print(
        f"Open Badges 3.0 credential: {len(json.dumps(document))} bytes JSON,"
        f" {jsonld.canonize(document).count(chr(10))} quads; medians of {args.rounds} runs"
    )
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.3f} ms  {1 / seconds:9.0f} /s")


if __name__ == "__main__":
    main()
