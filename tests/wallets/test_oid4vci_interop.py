"""An independent wallet drives mcred's OpenID4VCI issuer: the @openid4vc libraries (Credo,
Paradym) resolve the offer by reference, read the metadata signed and plain, redeem the
pre-authorized code with its tx_code, take a c_nonce, prove the key (jwt with Ed25519, P-256 or
a did:key kid; di_vp by Digital Bazaar) and receive the ldp_vc, which Digital Bazaar's
eddsa-rdfc-2022 stack then verifies. A real server (uvicorn via `mcred serve`) on 127.0.0.1,
on the run's database (SQLite, or PostgreSQL)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.wallets.holder import did_from_jwk
from app.wallets.type_metadata import CONFIGURATION_ID as SD_JWT
from tests import samples
from tests.conftest import ADMIN_TOKEN, ISSUER_BODY
from tests.e2e.servers import mcred_server
from tests.wallets.sd_jwt_helpers import check as sd_jwt_check

INTEROP = Path(__file__).resolve().parents[1] / "interop"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def node() -> str:
    executable = shutil.which("node")
    assert executable, "Node.js is needed (.ci/run installs it)"
    assert (INTEROP / "node_modules" / "@openid4vc" / "openid4vci").is_dir(), \
        "run `npm ci` in tests/interop"
    return executable


@pytest.fixture(scope="module")
def serving(module_database_url: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, httpx.Client, dict]]:
    """mcred serving on 127.0.0.1 with one issuer and its API key, for the whole module (a
    server takes seconds to start; each test gets an award of its own below)."""
    with mcred_server(tmp_path_factory.mktemp("oid4vci"),
                      {"MCRED_DATABASE_URL": module_database_url,
                       "MCRED_INPROCESS_WORKER": "false"}) as base, \
            httpx.Client(base_url=base, timeout=60) as api:
        assert api.post("/admin/issuers", json=ISSUER_BODY, headers=ADMIN).status_code == 201
        key = api.post("/admin/issuers/uni-tartu/api-keys", headers=ADMIN).json()["apiKey"]
        yield base, api, {"Authorization": f"Bearer {key}"}


@pytest.fixture
def server(serving: tuple[str, httpx.Client, dict]) -> tuple[str, httpx.Client, dict]:
    """The module's server, its issuer's API key and one new award."""
    base, api, issuer_key = serving
    achievement = api.post("/achievements", json=samples.FULL_SPEC, headers=issuer_key)
    assert achievement.status_code == 201, achievement.text
    issued = api.post("/credentials/issue", headers=issuer_key,
                      json=samples.award_body(achievement.json()["id"]))
    assert issued.status_code == 201, issued.text
    return base, api, {"key": issuer_key, "award": issued.json()["awardId"]}


def wallet(node: str, payload: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run([node, str(INTEROP / "oid4vci_wallet.mjs")],
                            input=json.dumps(payload), capture_output=True, text=True,
                            timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize("proof, signed", [("jwt-ed25519", True), ("jwt-p256", False),
                                           ("jwt-did", True), ("di_vp", False)])
def test_openid4vc_wallet_receives_a_verifiable_bound_credential(
        node: str, server: tuple[str, httpx.Client, dict], proof: str, signed: bool) -> None:
    base, api, issuer = server
    offer = api.post(f"/awards/{issuer['award']}/offer", headers=issuer["key"])
    assert offer.status_code == 201, offer.text
    answer = wallet(node, {"offer": offer.json()["credentialOffer"],
                           "txCode": offer.json()["txCode"], "proof": proof,
                           "signedMetadata": signed})
    # signed: the wallet asked for the metadata JWT, and verified it against our did:web
    assert answer["signedMetadata"] is signed
    assert answer["version"] == "V1"  # OpenID4VCI 1.0, not a draft
    assert answer["verified"] is True, answer.get("error")
    holder = answer.get("holderDid") or did_from_jwk(answer["holderJwk"])
    credential = answer["credential"]
    assert credential["credentialSubject"]["id"] == holder
    assert credential["issuer"]["id"].startswith("did:web:127.0.0.1")
    # single use: once redeemed, the offer is gone for a second wallet
    assert api.get(offer.json()["credentialOfferUri"].removeprefix(base)).status_code == 404


def test_openid4vc_wallet_receives_an_sd_jwt_vc_that_owf_libraries_verify(
        node: str, server: tuple[str, httpx.Client, dict]) -> None:
    """The same wallet asks the same offer for the SD-JWT VC configuration; OpenWallet
    Foundation's @sd-jwt libraries verify the issuer's signature against our JWT VC issuer
    metadata, the type metadata and the status, and a key-bound presentation by the wallet."""
    base, api, issuer = server
    offer = api.post(f"/awards/{issuer['award']}/offer", headers=issuer["key"])
    assert offer.status_code == 201, offer.text
    offered = api.get(offer.json()["credentialOfferUri"].removeprefix(base)).json()
    assert offered["credential_configuration_ids"] == ["micro_credential_ldp_vc", SD_JWT]
    answer = wallet(node, {"offer": offer.json()["credentialOffer"],
                           "txCode": offer.json()["txCode"], "proof": "jwt-p256",
                           "configuration": SD_JWT})
    assert answer["version"] == "V1"
    sd_jwt = answer["credential"]
    assert isinstance(sd_jwt, str) and sd_jwt.endswith("~")
    payload = json.loads(base64.urlsafe_b64decode(sd_jwt.split(".")[1] + "=="))
    slug = payload["iss"].rsplit("/", 1)[1]
    published = {
        "issuerMetadata": api.get(f"/.well-known/jwt-vc-issuer/issuers/{slug}").json(),
        "typeMetadata": api.get(payload["vct"].removeprefix(base)).text,
        "statusListToken": api.get(
            payload["status"]["status_list"]["uri"].removeprefix(base)).text}
    checked = sd_jwt_check(node, {"sdJwt": sd_jwt, **published,
                                  "holderPrivateJwk": answer["holderPrivateJwk"],
                                  "disclose": ["name"], "nonce": "n-wallet",
                                  "aud": "https://verifier.example"})
    assert checked["issuer"]["verified"] is True, checked["issuer"]
    assert checked["issuer"]["claims"]["cnf"] == {"jwk": answer["holderJwk"]}
    assert checked["issuer"]["claims"]["name"] == samples.LEARNER["name"]
    assert checked["presentation"]["verified"] is True, checked["presentation"]
    assert "email" not in checked["presentation"]["claims"]
    assert checked["status"]["value"] == 0  # valid
