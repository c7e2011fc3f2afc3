"""Presentations (challenge + domain, holder binding), verification by URL (JSON and HTML)
and the `mcred verify` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from nacl.signing import SigningKey

from app.deps import Services
from app.dids.didkey import did_key_for, did_key_verification_method
from app.proofs.dataintegrity import add_proof
from app.proofs.multikey import encode_public_key
from tests.conftest import mcred_env
from tests.verify.test_pipeline import UT, award, trust

HOLDER_KEY = SigningKey(b"\x07" * 32)
HOLDER = did_key_for(encode_public_key(bytes(HOLDER_KEY.verify_key)))


def presentation(credentials: list[dict[str, Any]], challenge: str,
                 domain: str = "admissions.uni.example") -> dict[str, Any]:
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"],
          "type": ["VerifiablePresentation"], "holder": HOLDER,
          "verifiableCredential": credentials}
    return add_proof(vp, HOLDER_KEY, did_key_verification_method(
        encode_public_key(bytes(HOLDER_KEY.verify_key))), proof_purpose="authentication",
        challenge=challenge, domain=domain)


def verify_vp(client: TestClient, vp: dict, challenge: str,
              domain: str = "admissions.uni.example") -> Any:
    return client.post("/presentations/verify", json={
        "verifiablePresentation": vp, "options": {"challenge": challenge, "domain": domain}})


def test_presentation_with_fresh_challenge(client: TestClient, api_key: dict, admin: dict,
                                           achievement: dict, issuer: dict) -> None:
    trust(client, admin, "did:web:mcred.test:issuers:uni-tartu", "University of Tartu", "EE")
    vc = award(client, api_key, achievement["id"])
    challenge = client.post("/challenges").json()["challenge"]
    vp = presentation([vc], challenge)
    first = verify_vp(client, vp, challenge)
    assert first.status_code == 200, first.text
    assert first.json()["credentialResults"][0]["verified"] is True
    replay = verify_vp(client, vp, challenge)  # single use
    assert replay.status_code == 422
    assert replay.json()["errors"][0]["check"] == "challenge"


def test_presentation_wrong_domain_or_challenge(client: TestClient) -> None:
    challenge = client.post("/challenges").json()["challenge"]
    vp = presentation([], challenge)
    wrong_domain = verify_vp(client, vp, challenge, domain="evil.example")
    assert wrong_domain.status_code == 422
    assert wrong_domain.json()["errors"][0]["code"] == "INVALID_DOMAIN_ERROR"
    other = client.post("/challenges").json()["challenge"]
    wrong_challenge = verify_vp(client, vp, other)
    assert wrong_challenge.json()["errors"][0]["code"] == "INVALID_CHALLENGE_ERROR"
    # VC-API checks the proof's domain and challenge "if provided": none given, none checked
    # (tests/verify/test_presentation_challenges.py has the warnings that says so)
    missing = client.post("/presentations/verify", json={"verifiablePresentation": vp})
    assert missing.status_code == 200


def test_tampered_credential_inside_presentation(client: TestClient, api_key: dict,
                                                 achievement: dict) -> None:
    vc = award(client, api_key, achievement["id"])
    vc["credentialSubject"]["achievement"]["name"] = "Forged"
    challenge = client.post("/challenges").json()["challenge"]
    response = verify_vp(client, presentation([vc], challenge), challenge)
    assert response.status_code == 422
    assert response.json()["credentialResults"][0]["errors"][0]["check"] == "proof"


def test_verify_by_url_json_and_html(client: TestClient, api_key: dict, achievement: dict,
                                     svc: Services, admin: dict, https_server: Any) -> None:
    port, cert, routes = https_server
    svc.settings = svc.settings.model_copy(update={"outbound_allow_private": True,
                                                   "outbound_ca_file": cert})
    vc = award(client, api_key, achievement["id"])
    routes["/vc.json"] = json.dumps(vc).encode()
    url = f"https://localhost:{port}/vc.json"
    as_json = client.get("/verify", params={"url": url})
    assert as_json.status_code == 200
    assert as_json.json()["verified"] is True
    as_html = client.get("/verify", params={"url": url}, headers={"Accept": "text/html"})
    assert as_html.status_code == 200
    assert as_html.headers["content-type"].startswith("text/html")
    # genuine but not trusted until the registry says so: amber, not green
    assert ('<span class="pill warning">Genuine, but the issuer is not in the trusted'
            ' registry</span>') in as_html.text
    trust(client, admin, UT, "University of Tartu", "EE")
    as_html = client.get("/verify", params={"url": url}, headers={"Accept": "text/html"})
    assert '<span class="pill passed">Verified</span>' in as_html.text
    assert "Data Literacy for Public Administration" in as_html.text
    routes["/vc.json"] = json.dumps({**vc, "name": "tampered"}).encode()
    tampered = client.get("/verify", params={"url": url}, headers={"Accept": "text/html"})
    assert tampered.status_code == 422
    assert '<span class="pill failed">Not verified</span>' in tampered.text


def test_cli_verify(client: TestClient, api_key: dict, achievement: dict, svc: Services,
                    admin: dict, tmp_path: Path) -> None:
    vc = award(client, api_key, achievement["id"])
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(vc))
    bad.write_text(json.dumps({**vc, "validFrom": "2020-01-01T00:00:00Z"}))
    root = Path(__file__).resolve().parents[2]
    env = mcred_env(svc.settings)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app.cli", "verify", *args], cwd=root,
                              env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    untrusted = run(str(good))
    assert untrusted.returncode == 0, untrusted.stderr
    assert "passed  proof" in untrusted.stdout and "failed  registry" in untrusted.stdout
    assert untrusted.stdout.strip().splitlines()[-1] == \
        "VERIFIED, BUT THE ISSUER IS NOT IN THE TRUSTED REGISTRY"
    trust(client, admin, UT, "University of Tartu", "EE")
    ok = run(str(good))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().splitlines()[-1] == "VERIFIED"
    failed = run(str(bad))
    assert failed.returncode == 1
    assert "failed  proof" in failed.stdout and failed.stdout.strip().endswith("NOT VERIFIED")
    missing = run(str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("mcred: error: cannot read")


def test_verify_options_purpose_domain_and_challenge(client: TestClient) -> None:
    """VC-API verify options: the proof must match expectedProofPurpose, domain, challenge."""
    method = did_key_verification_method(encode_public_key(bytes(HOLDER_KEY.verify_key)))
    plain = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"],
                       "type": ["VerifiableCredential"], "issuer": HOLDER,
                       "credentialSubject": {"name": "Jane Doe"}}, HOLDER_KEY, method)
    bound = add_proof({k: v for k, v in plain.items() if k != "proof"}, HOLDER_KEY, method,
                      domain="jobs.example", challenge="c-123")

    def check(vc: dict, **options: str) -> tuple[int, str | None]:
        response = client.post("/credentials/verify",
                               json={"verifiableCredential": vc, "options": options})
        errors = response.json()["errors"]
        return response.status_code, errors[0]["code"] if errors else None

    assert check(plain) == (200, None)
    assert check(plain, expectedProofPurpose="assertionMethod") == (200, None)
    assert check(plain, expectedProofPurpose="authentication") == (422, "WRONG_PROOF_PURPOSE")
    assert check(plain, domain="jobs.example")[0] == 422
    assert check(plain, challenge="c-123")[0] == 422
    assert check(bound, domain="jobs.example", challenge="c-123") == (200, None)
    assert check(bound, domain="other.example", challenge="c-123") == \
        (422, "INVALID_DOMAIN_ERROR")
    assert check(bound, domain="jobs.example", challenge="c-999") == \
        (422, "INVALID_CHALLENGE_ERROR")
    bad = client.post("/credentials/verify",
                      json={"verifiableCredential": plain, "options": {"domain": 5}})
    assert bad.status_code == 400 and bad.json()["type"] == "urn:mcred:problem:bad-request"
