"""The whole delivery as the Learner Credential Wallet makes it, against a real `mcred serve`
on 127.0.0.1: interaction URL → {} → DID Authentication VP → credential, signed by DCC's
Ed25519Signature2020 (LCW's own stack) or Digital Bazaar's eddsa-rdfc-2022, and the
credential verified by Digital Bazaar's vc library (proof by the issuer's did:web, status)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import samples
from tests.conftest import ADMIN_TOKEN, ISSUER_BODY
from tests.e2e.servers import mcred_server
from tests.wallets.vcapi_wallet import HOLDER_SEED, run_wallet

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder: Path = tmp_path_factory.mktemp("lcw")
    with mcred_server(folder) as base, httpx.Client(base_url=base, timeout=60) as api:
        assert api.post("/admin/issuers", json=ISSUER_BODY, headers=ADMIN).status_code == 201
        token = api.post(f"/admin/issuers/{ISSUER_BODY['slug']}/api-keys",
                         headers=ADMIN).json()["apiKey"]
        yield base, {"Authorization": f"Bearer {token}"}


def award(base: str, key: dict[str, str], email: str) -> tuple[str, str]:
    """A new award: its id and its OBv3 credential's id."""
    with httpx.Client(base_url=base, timeout=60) as api:
        achievement = api.post("/achievements", json=samples.FULL_SPEC, headers=key)
        assert achievement.status_code == 201, achievement.text
        body = samples.award_body(achievement.json()["id"])
        body["learner"] = {**body["learner"], "email": email}
        issued = api.post("/credentials/issue", json=body, headers=key)
        assert issued.status_code == 201, issued.text
        return issued.json()["awardId"], issued.json()["credentials"]["ob3"]["id"]


@pytest.mark.parametrize("stack, vc_version", [("dcc", 2.0), ("dcc", 1.0), ("db", 2.0)])
def test_lcw_style_wallet_receives_a_verifiable_credential_in_its_name(
        server: tuple[str, dict[str, str]], stack: str, vc_version: float) -> None:
    base, key = server
    award_id, _ = award(base, key, f"{stack}-{vc_version}@student.example")
    opened = httpx.post(f"{base}/awards/{award_id}/exchanges", headers=key, timeout=60)
    assert opened.status_code == 201, opened.text
    result = run_wallet({"action": "wallet", "interactionUrl": opened.json()["interactionUrl"],
                         "stack": stack, "seed": HOLDER_SEED, "vcVersion": vc_version})
    assert result["response"]["status"] == 200, result["response"]
    assert result["request"]["domain"] == base.removeprefix("http://")
    assert result["verified"] is True, result.get("error")
    assert result["subjectId"] == result["holder"]
    assert result["holder"].startswith("did:key:z6Mk")
    # The same VP again: the exchange is complete (single delivery).
    replay = httpx.post(opened.json()["exchangeUrl"],
                        json={"verifiablePresentation": result["sentVp"]}, timeout=60)
    assert replay.status_code == 409
    assert replay.json()["type"] == "urn:mcred:problem:exchange-complete"


def test_the_wallets_check_fails_for_a_changed_or_revoked_credential(
        server: tuple[str, dict[str, str]]) -> None:
    base, key = server
    award_id, credential_id = award(base, key, "revoked@student.example")
    opened = httpx.post(f"{base}/awards/{award_id}/exchanges", headers=key, timeout=60).json()
    result = run_wallet({"action": "wallet", "interactionUrl": opened["interactionUrl"],
                         "stack": "dcc", "seed": HOLDER_SEED})
    credential = result["credential"]
    assert result["verified"] is True, result.get("error")
    changed = {**credential, "credentialSubject": {**credential["credentialSubject"],
                                                   "id": "did:key:z6MkhaXgBZDvotDkL5257faiz"
                                                         "tiGiC2QtKLGpbnnEGta2doK"}}
    assert run_wallet({"action": "verify", "credential": changed})["verified"] is False
    # Revoking the award revokes the wallet's copy too: it shares the award's status entry.
    revoked = httpx.post(f"{base}/admin/credentials/{credential_id}/status",
                         json={"action": "revoke", "reason": "test"}, headers=ADMIN, timeout=60)
    assert revoked.status_code == 200, revoked.text
    after = run_wallet({"action": "verify", "credential": credential})
    assert after["verified"] is False and "revocation" in after["error"]
