"""Interoperability: panva's `jose` (npm, tests/interop/jades.mjs) verifies the same JWS as
mcred's seal `proof` check — the Europass sample, the test PKI's seals (RSA and EC), and
refuses the same tampered ones; OpenSSL's `ts -verify` checks the RFC 3161 tokens."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms

from app.seals import jades
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


def _openssl_ts_verify(tmp_path: Path, token: bytes, data: bytes, root_der: bytes,
                       at: int) -> subprocess.CompletedProcess[str]:
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed for the RFC 3161 cross-check"
    (tmp_path / "token.der").write_bytes(token)
    (tmp_path / "data.bin").write_bytes(data)
    (tmp_path / "root.pem").write_text("-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(
        root_der).decode() + "-----END CERTIFICATE-----\n")
    return subprocess.run([openssl, "ts", "-verify", "-data", str(tmp_path / "data.bin"),
                           "-in", str(tmp_path / "token.der"), "-token_in", "-CAfile",
                           str(tmp_path / "root.pem"), "-attime", str(at)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_openssl_agrees_the_samples_sigtst_covers_the_signature_value(tmp_path: Path) -> None:
    """TS 119 182-1: the sigTst imprint is over the base64url JWS signature, as mcred reads it."""
    env = jades.parse(realworld.load("elm/Sample-MC-Annex1-signed-jades.json"))
    token = base64.b64decode(env.unprotected("sigTst")[0][1]["tstTokens"][0]["val"])
    root = next(c.chosen for c in cms.ContentInfo.load(token)["content"]["certificates"]
                if c.chosen.subject == c.chosen.issuer)
    at = int(datetime(2023, 9, 27, 12, tzinfo=UTC).timestamp())
    ok = _openssl_ts_verify(tmp_path, token, env.signature_b64.encode(), root.dump(), at)
    assert "Verification: OK" in ok.stdout, ok.stdout + ok.stderr
    bad = _openssl_ts_verify(tmp_path, token, env.payload, root.dump(), at)
    assert "Verification: OK" not in bad.stdout


def test_openssl_verifies_the_test_pki_tokens(tmp_path: Path, pki: test_pki.Pki) -> None:
    """So the test PKI's tokens are standard RFC 3161, not just what mcred expects."""
    token = pki.timestamp(b"the signature value", NOW)
    ok = _openssl_ts_verify(tmp_path, token, b"the signature value", pki.root.der,
                            int(NOW.timestamp()))
    assert "Verification: OK" in ok.stdout, ok.stdout + ok.stderr
