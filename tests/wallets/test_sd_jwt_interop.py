"""mcred's SD-JWT VCs read by an independent implementation: the OpenWallet Foundation's
@sd-jwt/sd-jwt-vc (with @sd-jwt/crypto-nodejs and @sd-jwt/jwt-status-list) in Node.js, via
tests/interop/sd_jwt_check.mjs. The issuer key comes from our JWT VC Issuer Metadata, the
type metadata and status list token from our endpoints, as a wallet or verifier gets them."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from fastapi.testclient import TestClient

from app.credentials.service import award_credentials
from app.deps import Services
from tests.samples import LEARNER

pytest.register_assert_rewrite("tests.wallets.sd_jwt_helpers")
from tests.wallets.sd_jwt_helpers import b64url, check, p256_jwk, published, render  # noqa: E402

# Fixtures: node, award_id, holder.
pytest_plugins = ("tests.wallets.sd_jwt_helpers",)

ISSUER_URL = "https://mcred.test/issuers/uni-tartu"


def test_issuer_signature_disclosures_and_key_bound_presentation(
        node: str, client: TestClient, svc: Services, award_id: str, holder: tuple) -> None:
    public, private = holder
    sd_jwt = render(svc, award_id, public)
    answer = check(node, {"sdJwt": sd_jwt, **published(client, sd_jwt),
                          "holderPrivateJwk": private, "disclose": ["name"],
                          "nonce": "n-0S6_WzA2Mj", "aud": "https://verifier.example"})
    issued = answer["issuer"]
    assert issued["verified"] is True, issued
    assert issued["header"] == {"typ": "dc+sd-jwt", "alg": "ES256",
                                "kid": answer["issuer"]["header"]["kid"]}
    assert issued["vct"] == "https://mcred.test/vct/micro-credential/v1"
    claims = issued["claims"]
    assert claims["iss"] == ISSUER_URL
    assert claims["cnf"] == {"jwk": public}
    # Every personal claim the award holds, decoded from its disclosure.
    assert claims["name"] == LEARNER["name"]
    assert claims["email"] == LEARNER["email"]
    assert claims["learner_identification"] == LEARNER["studentId"]
    assert claims["achievement_title"] == "Data Literacy for Public Administration"
    assert claims["assessment_grade"] == "B"
    # The holder disclosed only the name, bound to its key.
    shown = answer["presentation"]
    assert shown["verified"] is True, shown
    assert shown["claims"]["name"] == LEARNER["name"]
    assert "email" not in shown["claims"] and "learner_identification" not in shown["claims"]
    assert shown["claims"]["ects_credits"] == 3  # always disclosed
    assert shown["kbHeader"]["typ"] == "kb+jwt"
    assert shown["kb"]["nonce"] == "n-0S6_WzA2Mj" and shown["kb"]["sd_hash"]
    assert answer["status"]["value"] == 0 and answer["status"]["bits"] == 2


def test_status_entry_after_revoke_is_invalid(node: str, client: TestClient, svc: Services,
                                             award_id: str, holder: tuple, admin: dict) -> None:
    sd_jwt = render(svc, award_id, holder[0])
    with svc.db.session() as session:
        credential_id = award_credentials(session, award_id)["ob3"].id
    response = client.post(f"/admin/credentials/{credential_id}/status", headers=admin,
                           json={"action": "revoke", "reason": "issued in error"})
    assert response.status_code == 200, response.text
    answer = check(node, {"sdJwt": sd_jwt, **published(client, sd_jwt)})
    assert answer["status"]["value"] == 1  # INVALID
    assert answer["issuer"]["verified"] is False
    assert "Status is not valid" in answer["issuer"]["error"]


def test_tampered_disclosure_is_refused(node: str, client: TestClient, svc: Services,
                                        award_id: str, holder: tuple) -> None:
    sd_jwt = render(svc, award_id, holder[0])
    jwt, *disclosures, _ = sd_jwt.split("~")
    forged = []
    for disclosure in disclosures:
        salt, name, value = json.loads(base64.urlsafe_b64decode(disclosure + "=="))
        if name == "name":
            value = "Someone Else"
        forged.append(b64url(json.dumps([salt, name, value]).encode()))
    tampered = "~".join([jwt, *forged]) + "~"
    answer = check(node, {"sdJwt": tampered, **published(client, sd_jwt)})
    # The forged disclosure's digest is not in the signed _sd: the library never shows it.
    # (@sd-jwt 0.19 drops such a disclosure rather than refusing the whole SD-JWT.)
    assert "Someone Else" not in json.dumps(answer)
    assert "name" not in (answer["issuer"].get("claims") or {})
    assert answer["issuer"].get("claims", {}).get("email") == LEARNER["email"]


def test_wrong_issuer_key_is_refused(node: str, client: TestClient, svc: Services,
                                     award_id: str, holder: tuple) -> None:
    sd_jwt = render(svc, award_id, holder[0])
    fetched = published(client, sd_jwt)
    other, _ = p256_jwk()
    [ours] = fetched["issuerMetadata"]["jwks"]["keys"]
    fetched["issuerMetadata"]["jwks"]["keys"] = [{**other, "kid": ours["kid"]}]
    answer = check(node, {"sdJwt": sd_jwt, **fetched})
    assert answer["issuer"]["verified"] is False
    assert "signature" in answer["issuer"]["error"].lower()


def test_expired_status_list_token_is_refused(node: str, client: TestClient, svc: Services,
                                              award_id: str, holder: tuple) -> None:
    sd_jwt = render(svc, award_id, holder[0])
    fetched = published(client, sd_jwt)
    lifetime = svc.settings.sd_jwt_status_lifetime_seconds
    # A verifier holding the token past its exp must refuse it (and fetch a fresh one).
    answer = check(node, {"sdJwt": sd_jwt, **fetched,
                          "currentDate": int(time.time()) + lifetime + 60})
    assert answer["issuer"]["verified"] is False
    assert "Status List JWT verification failed" in answer["issuer"]["error"]
    assert check(node, {"sdJwt": sd_jwt, **fetched})["issuer"]["verified"] is True


def test_ed25519_holder_presents_with_an_eddsa_key_binding(node: str, client: TestClient,
                                                           svc: Services, award_id: str) -> None:
    key = Ed25519PrivateKey.generate()
    x = b64url(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    d = b64url(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
    public = {"kty": "OKP", "crv": "Ed25519", "x": x}
    sd_jwt = render(svc, award_id, public)
    answer = check(node, {"sdJwt": sd_jwt, **published(client, sd_jwt),
                          "holderPrivateJwk": {**public, "d": d}, "disclose": ["email"],
                          "nonce": "n-ed", "aud": "https://verifier.example"})
    assert answer["issuer"]["claims"]["cnf"] == {"jwk": public}
    shown = answer["presentation"]
    assert shown["verified"] is True, shown
    assert shown["kbHeader"]["alg"] == "EdDSA"
    assert shown["claims"]["email"] == LEARNER["email"] and "name" not in shown["claims"]


def test_presentation_signed_by_another_key_is_refused(node: str, client: TestClient,
                                                       svc: Services, award_id: str,
                                                       holder: tuple) -> None:
    sd_jwt = render(svc, award_id, holder[0])
    _, stranger = p256_jwk()
    answer = check(node, {"sdJwt": sd_jwt, **published(client, sd_jwt),
                          "holderPrivateJwk": stranger, "disclose": ["name"],
                          "nonce": "n-1", "aud": "https://verifier.example"})
    assert answer["issuer"]["verified"] is True
    assert answer["presentation"]["verified"] is False
    assert "Invalid JWT Signature" in answer["presentation"]["error"]
