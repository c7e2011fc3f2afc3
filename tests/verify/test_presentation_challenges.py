"""Presentation challenges (VC-API): the relying party that calls the verifier owns the
challenge, and the proof must carry exactly the `options.challenge` and `options.domain` it
gives (proofPurpose authentication). A challenge from `POST /challenges` is, besides, single
use and expires; one that looks like ours but is not open is refused. Presentations are
signed here by a did:key holder with its own key."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey

from app.deps import Services
from app.dids.didkey import did_key_for, did_key_verification_method
from app.proofs.dataintegrity import add_proof
from app.proofs.multikey import encode_public_key
from app.verify import challenges
from tests.verify.test_pipeline import UT, award, trust

HOLDER_KEY = SigningKey(b"\x2a" * 32)
HOLDER_PUBLIC = encode_public_key(bytes(HOLDER_KEY.verify_key))
HOLDER = did_key_for(HOLDER_PUBLIC)
DOMAIN = "jobs.example"


def signed(challenge: str | None, domain: str | None = DOMAIN,
           credentials: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A presentation by HOLDER, its authentication proof bound to ``challenge``/``domain``."""
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"],
          "type": ["VerifiablePresentation"], "holder": HOLDER,
          "verifiableCredential": credentials or []}
    return add_proof(vp, HOLDER_KEY, did_key_verification_method(HOLDER_PUBLIC),
                     proof_purpose="authentication", challenge=challenge, domain=domain)


def verify(client: TestClient, vp: dict[str, Any], **options: Any) -> Any:
    return client.post("/presentations/verify",
                       json={"verifiablePresentation": vp, "options": options})


def error_codes(response: Any) -> list[tuple[str, str | None]]:
    return [(e["check"], e.get("code")) for e in response.json()["errors"]]


def test_relying_partys_own_challenge_verifies(client: TestClient, api_key: dict,
                                               admin: dict, achievement: dict) -> None:
    trust(client, admin, UT, "University of Tartu", "EE")
    vc = award(client, api_key, achievement["id"])
    challenge = str(uuid.uuid4())  # never issued by mcred: the VCDM 2.0 suite does this
    response = verify(client, signed(challenge, credentials=[vc]), challenge=challenge,
                      domain=DOMAIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["verified"], body["errors"], body["warnings"]) == (True, [], [])
    assert body["credentialResults"][0]["verified"] is True


def test_relying_partys_challenge_is_its_own_to_keep_fresh(client: TestClient) -> None:
    # mcred cannot know when a caller's challenge is stale: equality is all it checks.
    vp = signed("rp-chosen-nonce-1")
    for _ in range(2):
        assert verify(client, vp, challenge="rp-chosen-nonce-1", domain=DOMAIN).status_code == 200


def test_proof_challenge_other_than_options_challenge_is_refused(client: TestClient) -> None:
    response = verify(client, signed("rp-nonce-A"), challenge="rp-nonce-B", domain=DOMAIN)
    assert response.status_code == 422
    assert response.json()["verified"] is False
    assert error_codes(response) == [("proof", "INVALID_CHALLENGE_ERROR")]


def test_proof_without_challenge_is_refused_when_options_has_one(client: TestClient) -> None:
    response = verify(client, signed(None), challenge="rp-nonce-A", domain=DOMAIN)
    assert response.status_code == 422
    assert error_codes(response) == [("proof", "INVALID_CHALLENGE_ERROR")]


@pytest.mark.parametrize("proof_domain", ["evil.example", None])
def test_proof_domain_other_than_options_domain_is_refused(client: TestClient,
                                                           proof_domain: str | None) -> None:
    response = verify(client, signed("rp-nonce-A", domain=proof_domain),
                      challenge="rp-nonce-A", domain=DOMAIN)
    assert response.status_code == 422
    assert error_codes(response) == [("proof", "INVALID_DOMAIN_ERROR")]


def test_no_options_challenge_verifies_the_proof_and_warns(client: TestClient) -> None:
    """VC-API verifier.yml: the presentation's proof is verified "including domain and
    challenge validation, if provided"; a caller that gives none asked for no such check."""
    response = verify(client, signed("whatever-the-holder-signed"), domain=DOMAIN)
    assert response.status_code == 200, response.text
    assert response.json()["warnings"] == [{
        "check": "challenge", "message": "no options.challenge was given, so the presentation"
        " was not checked for freshness: it may be a replay"}]
    tampered = signed("whatever-the-holder-signed")
    tampered["proof"]["challenge"] = "edited"  # the signature still covers the challenge
    assert verify(client, tampered, domain=DOMAIN).status_code == 422


def test_no_options_at_all_warns_for_both(client: TestClient) -> None:
    vp = signed(None, domain=None)
    response = client.post("/presentations/verify", json={"verifiablePresentation": vp})
    assert response.status_code == 200, response.text
    assert [w["check"] for w in response.json()["warnings"]] == ["challenge", "domain"]


@pytest.mark.parametrize("options", [{"challenge": 5}, {"challenge": ""}, {"domain": ["a"]}])
def test_malformed_challenge_or_domain_option_is_400(client: TestClient,
                                                     options: dict[str, Any]) -> None:
    response = verify(client, signed("c"), **options)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:mcred:problem:bad-request"


def test_mcred_challenge_is_single_use(client: TestClient) -> None:
    challenge = client.post("/challenges").json()["challenge"]
    assert challenges.issued_here(challenge)
    vp = signed(challenge)
    assert verify(client, vp, challenge=challenge, domain=DOMAIN).status_code == 200
    replay = verify(client, vp, challenge=challenge, domain=DOMAIN)
    assert replay.status_code == 422
    assert error_codes(replay) == [("challenge", "INVALID_CHALLENGE_ERROR")]


def test_expired_mcred_challenge_is_refused(client: TestClient, svc: Services) -> None:
    challenge = challenges.issue(svc.settings.key_secret.get_secret_value(),
                                 now=time.time() - 11 * 60)
    response = verify(client, signed(challenge), challenge=challenge, domain=DOMAIN)
    assert response.status_code == 422
    assert error_codes(response) == [("challenge", "INVALID_CHALLENGE_ERROR")]


def test_challenge_shaped_like_ours_but_never_issued_is_refused(client: TestClient) -> None:
    # so a used (deleted) challenge of ours can never pass as a caller's own
    forged = challenges.PREFIX + "A" * 48
    response = verify(client, signed(forged), challenge=forged, domain=DOMAIN)
    assert response.status_code == 422
    assert error_codes(response) == [("challenge", "INVALID_CHALLENGE_ERROR")]


def test_a_failing_proof_does_not_use_up_an_mcred_challenge(client: TestClient) -> None:
    challenge = client.post("/challenges").json()["challenge"]
    vp = signed(challenge)
    forged = {**vp, "holder": "did:example:someone-else"}
    assert verify(client, forged, challenge=challenge, domain=DOMAIN).status_code == 422
    assert verify(client, vp, challenge=challenge, domain=DOMAIN).status_code == 200


def test_presentation_with_another_holder_than_its_signer_is_refused(client: TestClient) -> None:
    other = SigningKey(b"\x2b" * 32)
    public = encode_public_key(bytes(other.verify_key))
    vp = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"], "holder": HOLDER},
                   other, did_key_verification_method(public), proof_purpose="authentication",
                   challenge="rp-nonce", domain=DOMAIN)
    response = verify(client, vp, challenge="rp-nonce", domain=DOMAIN)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"check": "proof",
                                          "message": "not signed by the holder"}]
