"""Interoperability: panva's `jose` (npm, tests/interop/jades.mjs) verifies the same JWS as
mcred's seal `proof` check — the Europass sample, the test PKI's seals (RSA and EC), and
refuses the same tampered ones."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.seals.report import verify_seal
from tests import realworld
from tests.conformance.test_interop_js import node  # noqa: F401  (the fixture)
from tests.seals import pki as test_pki
from tests.seals.pki import NOW, qc_statements, seal
from tests.seals.test_seals import issued_by

INTEROP = Path(__file__).resolve().parents[1] / "interop"


def jose_verify(node_path: str, jws: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run([node_path, str(INTEROP / "jades.mjs")], input=json.dumps(
        {"jws": jws}), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _mcred(jws: dict[str, Any]) -> str:
    result = verify_seal(jws, (), NOW)
    proof = result.step("proof")
    return proof.status if proof else "unreadable"


@pytest.fixture(scope="module")
def pki() -> test_pki.Pki:
    return test_pki.Pki.make()


def test_jose_verifies_the_europass_sample(node: str) -> None:  # noqa: F811
    jws = realworld.load("elm/Sample-MC-Annex1-signed-jades.json")
    assert jose_verify(node, jws) == {"verified": True, "alg": "RS256", "payloadBytes": len(
        jws["payload"].encode())}
    assert _mcred(jws) == "passed"


@pytest.mark.parametrize("rsa_key", [True, False])
def test_jose_verifies_the_test_pki_seals(node: str, pki: test_pki.Pki,  # noqa: F811
                                          rsa_key: bool) -> None:
    cert = pki.issue("Seal", org="Org", org_id="VATES-A00000000", qc=qc_statements(),
                     rsa_key=rsa_key)
    jws = seal(pki, cert, issued_by("VATES-A00000000"), NOW - timedelta(hours=1))
    answer = jose_verify(node, jws)
    assert answer["verified"] is True and answer["alg"] == ("RS256" if rsa_key else "ES256")
    assert _mcred(jws) == "passed"


def test_both_refuse_a_tampered_sample(node: str) -> None:  # noqa: F811
    jws = realworld.load("elm/Sample-MC-Annex1-signed-jades.json")
    jws["payload"] = jws["payload"].replace("Digital micro-credential creation", "Fake")
    answer = jose_verify(node, jws)
    assert answer["verified"] is False and "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" in \
        answer["error"]
    assert _mcred(jws) == "failed"


def test_both_refuse_an_unknown_critical_header(node: str, pki: test_pki.Pki) -> None:  # noqa: F811
    cert = pki.issue("Seal", org="Org", org_id="VATES-A00000000")
    jws = seal(pki, cert, issued_by("VATES-A00000000"), NOW, crit_extra=["sigPl"])
    answer = jose_verify(node, jws)
    assert answer["verified"] is False and "ERR_JOSE_NOT_SUPPORTED" in answer["error"]
    assert _mcred(jws) == "failed"
