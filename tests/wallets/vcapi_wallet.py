"""Drives tests/interop/vcapi_wallet.mjs: the wallet side of a VC-API exchange, signed with
Digital Bazaar's or DCC's libraries (what the Learner Credential Wallet uses)."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from typing import Any

from tests.conformance.test_interop_js import INTEROP

HOLDER_SEED = "11" * 32
OTHER_SEED = "22" * 32


@cache
def node() -> str:
    """Node.js, with the pinned packages installed (as tests/conformance does)."""
    executable, npm = shutil.which("node"), shutil.which("npm")
    assert executable and npm, "Node.js and npm are needed (.ci/run installs them)"
    if not (INTEROP / "node_modules" / "@digitalcredentials" / "vc").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=INTEROP, check=True,
                       capture_output=True, timeout=600)
    return executable


def run_wallet(payload: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run([node(), str(INTEROP / "vcapi_wallet.mjs")],
                            input=json.dumps(payload), capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.stdout, result.stderr
    answer = json.loads(result.stdout)
    assert result.returncode == 0, answer.get("error") or result.stderr
    return answer


def signed_vp(challenge: str, domain: str, *, stack: str = "db", seed: str = HOLDER_SEED,
              holder: str | None = None, vc_version: float = 2.0) -> tuple[dict[str, Any], str]:
    """(DID Authentication VP, the signing key's did:key) made by the JavaScript wallet."""
    answer = run_wallet({"action": "sign-vp", "stack": stack, "seed": seed,
                         "challenge": challenge, "domain": domain, "holder": holder,
                         "vcVersion": vc_version})
    return answer["vp"], answer["did"]
