"""OpenID4VCI metadata (issuer, signed issuer, RFC 8414), di_vp key proofs made with mcred's
own Data Integrity signer, CORS for web wallets, JSON-only errors and templated access logs."""

from __future__ import annotations

import base64
import json
import logging
import warnings
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jws
from joserfc.jwk import OKPKey
from nacl.signing import SigningKey

from app.proofs.dataintegrity import add_proof
from app.proofs.multikey import decode_public_key, encode_public_key
from tests.conftest import BASE_URL
from tests.wallets.oid4vci_wallet import access_token, credential_request, nonce, offer

LDP_VC = "micro_credential_ldp_vc"


@pytest.fixture
def created(client: TestClient, api_key: dict, issued: dict) -> dict[str, Any]:
    return offer(client, api_key, issued["awardId"])


def test_issuer_metadata(client: TestClient) -> None:
    response = client.get("/.well-known/openid-credential-issuer")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    metadata = response.json()
    assert metadata["credential_issuer"] == BASE_URL
    assert metadata["credential_endpoint"] == f"{BASE_URL}/oid4vci/credential"
    assert metadata["nonce_endpoint"] == f"{BASE_URL}/oid4vci/nonce"
    assert "authorization_servers" not in metadata  # we are our own authorization server
    config = metadata["credential_configurations_supported"][LDP_VC]
    assert config["format"] == "ldp_vc"
    assert config["credential_definition"]["type"] == ["VerifiableCredential",
                                                       "OpenBadgeCredential"]
    assert config["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert config["cryptographic_binding_methods_supported"] == ["did:key"]
    assert config["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert config["proof_types_supported"] == {
        "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]},
        "di_vp": {"proof_signing_alg_values_supported": ["eddsa-rdfc-2022"]}}
    display = config["credential_metadata"]["display"][0]
    assert display["locale"] == "en" and display["name"] and display["logo"]["uri"]
    assert all(claim["path"] for claim in config["credential_metadata"]["claims"])


def test_signed_issuer_metadata_verifies_with_the_service_did(client: TestClient) -> None:
    response = client.get("/.well-known/openid-credential-issuer",
                          headers={"Accept": "application/jwt"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jwt"
    compact = response.text
    did_document = client.get("/.well-known/did.json").json()
    head = jws.extract_compact(compact.encode()).headers()
    assert head["typ"] == "openidvci-issuer-metadata+jwt" and head["alg"] == "EdDSA"
    [method] = [m for m in did_document["verificationMethod"] if m["id"] == head["kid"]]
    raw = decode_public_key(method["publicKeyMultibase"])
    key = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519",
                             "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        payload = jws.deserialize_compact(compact, key, algorithms=["EdDSA"]).payload
    claims = json.loads(payload)
    assert claims["sub"] == BASE_URL and claims["iss"] == did_document["id"]
    assert isinstance(claims["iat"], int)
    plain = client.get("/.well-known/openid-credential-issuer").json()
    assert {k: v for k, v in claims.items() if k not in ("sub", "iss", "iat")} == plain


@pytest.mark.parametrize("accept, jwt", [
    ("application/json", False), (None, False), ("*/*", False),
    ("application/jwt, application/json", True), ("application/json, application/jwt", False),
    ("application/json;q=0.5, application/jwt", True), ("application/jwt;q=0", False),
])
def test_metadata_negotiation(client: TestClient, accept: str | None, jwt: bool) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/.well-known/openid-credential-issuer", headers=headers)
    assert response.headers["content-type"].startswith(
        "application/jwt" if jwt else "application/json")
    assert "accept" in response.headers["vary"].lower()


def test_authorization_server_metadata(client: TestClient) -> None:
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == BASE_URL
    assert metadata["token_endpoint"] == f"{BASE_URL}/oid4vci/token"
    assert metadata["grant_types_supported"] == [
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert metadata["pre-authorized_grant_anonymous_access_supported"] is True


@pytest.mark.parametrize("path", ["/oid4vci/token", "/oid4vci/nonce", "/oid4vci/credential"])
def test_cors_preflight_for_web_wallets(client: TestClient, path: str) -> None:
    response = client.options(path, headers={"Origin": "https://wallet.example",
                                             "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Authorization" in response.headers["access-control-allow-headers"]


def test_errors_under_oid4vci_are_json_even_for_browsers(client: TestClient) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for response in (client.get("/oid4vci/offers/" + "x" * 43, headers=browser),
                     client.get("/oid4vci/token", headers=browser)):
        assert response.headers["content-type"] == "application/problem+json"
    # the pages still negotiate HTML
    page = client.get("/c/no-such-token", headers=browser)
    assert page.headers["content-type"].startswith("text/html")


def test_access_log_names_templates_not_secrets(client: TestClient, created: dict,
                                                caplog: pytest.LogCaptureFixture) -> None:
    ref = created["credentialOfferUri"].rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="mcred.access"):
        client.get(f"/oid4vci/offers/{ref}")
        client.get(f"/oid4vci/offers/{ref}/qr.svg")
        token = access_token(client, created)
        credential_request(client, token, {"jwt": ["a.b.c"]})
    lines = [r.getMessage() for r in caplog.records if r.name == "mcred.access"]
    assert any("/oid4vci/offers/{ref}/qr.svg" in line for line in lines)
    assert any(line.startswith("POST /oid4vci/token 200") for line in lines)
    for secret in (ref, created["txCode"], token):
        assert secret not in caplog.text


# di_vp: a presentation signed with mcred's own Data Integrity signer (the independent one,
# Digital Bazaar's, runs in test_oid4vci_interop.py).

def presentation(seed: bytes, challenge: str, domain: str = BASE_URL) -> tuple[dict, str]:
    key = SigningKey(seed)
    multibase = encode_public_key(bytes(key.verify_key))
    did = f"did:key:{multibase}"
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"],
          "type": ["VerifiablePresentation"], "holder": did}
    return add_proof(vp, key, f"{did}#{multibase}", proof_purpose="authentication",
                     challenge=challenge, domain=domain), did


def test_di_vp_proof_binds_the_presentation_key(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    vp, did = presentation(b"\x01" * 32, nonce(client))
    response = credential_request(client, token, {"di_vp": [vp]})
    assert response.status_code == 200, response.text
    assert response.json()["credentials"][0]["credential"]["credentialSubject"]["id"] == did


def _error(response: Any) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["error"])


def test_di_vp_for_another_domain(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    vp, _ = presentation(b"\x02" * 32, nonce(client), domain="https://other.example")
    assert _error(credential_request(client, token, {"di_vp": [vp]})) == "invalid_proof"


def test_di_vp_with_an_unknown_challenge(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    vp, _ = presentation(b"\x03" * 32, "not-our-nonce")
    assert _error(credential_request(client, token, {"di_vp": [vp]})) == "invalid_nonce"


def test_di_vp_altered_after_signing(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    vp, _ = presentation(b"\x04" * 32, nonce(client))
    vp["holder"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    assert _error(credential_request(client, token, {"di_vp": [vp]})) == "invalid_proof"
