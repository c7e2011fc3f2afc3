"""A host that never answers cannot take every outbound slot: fetches to it beyond the
per-host bound are refused at once (OutboundBusy, for a 503), fetches elsewhere go on."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from app import outbound
from app.outbound import OutboundBusy, OutboundError, OutboundPolicy, fetch


def test_a_silent_host_gets_its_bound_and_no_more(black_hole: int, https_server) -> None:  # type: ignore[no-untyped-def]
    port, cert, routes = https_server
    routes["/doc.json"] = b'{"ok": true}'
    # The silent fetches wait 4 s; "quickly" below means well inside that, even on a busy CI.
    policy = OutboundPolicy(allow_private=True, ca_file=str(cert), timeout=4.0)
    silent = f"https://127.0.0.1:{black_hole}/never"

    def attempt(_: int) -> tuple[str, float]:
        began = time.monotonic()
        try:
            fetch(silent, policy)
            return "answered", time.monotonic() - began
        except OutboundBusy:
            return "busy", time.monotonic() - began
        except OutboundError:
            return "timeout", time.monotonic() - began

    with ThreadPoolExecutor(max_workers=20) as pool:
        futures = [pool.submit(attempt, i) for i in range(20)]
        time.sleep(0.6)  # the silent fetches hold their slots now
        began = time.monotonic()
        body, _ = fetch(f"https://localhost:{port}/doc.json", policy)  # another host
        unrelated = time.monotonic() - began
        results = [f.result() for f in futures]
    assert body == b'{"ok": true}'
    assert unrelated < 2.0
    outcomes = [r for r, _ in results]
    assert outcomes.count("timeout") == outbound.PER_HOST
    assert outcomes.count("busy") == 20 - outbound.PER_HOST
    assert max(t for r, t in results if r == "busy") < 2.0  # refused quickly, not queued
