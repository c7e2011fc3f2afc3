"""OpenID4VCI pre-authorized code flow through the HTTP API: the happy path and every refusal
the protocol names (invalid_grant, invalid_request, unsupported_grant_type, invalid_token,
invalid_proof, invalid_nonce, unknown_credential_configuration, credential_request_denied)."""

from __future__ import annotations

import base64
import json
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jws
from sqlalchemy import func, select, update

from app.audit import AuditEvent
from app.config import Settings
from app.deps import Services
from app.main import build_services, create_app
from app.wallets.oid4vci.models import AccessToken, Nonce, Offer
from tests.conftest import BASE_URL, make_settings
from tests.credentials.test_award import verify
from tests.wallets.oid4vci_wallet import (
    access_token,
    code_of,
    credential_request,
    did_of,
    new_key,
    nonce,
    offer,
    proof_jwt,
    public_jwk,
    token_request,
)

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def created(client: TestClient, api_key: dict, issued: dict) -> dict[str, Any]:
    return offer(client, api_key, issued["awardId"])


def oauth_error(response: Any, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error, body
    return str(body["error_description"])


@pytest.mark.parametrize("curve, kid", [("Ed25519", False), ("P-256", False),
                                        ("Ed25519", True), ("P-256", True)])
def test_wallet_receives_a_credential_bound_to_its_key(
        svc: Services, client: TestClient, created: dict, issued: dict, curve: str,
        kid: bool) -> None:
    key = new_key(curve)
    token = access_token(client, created)
    response = credential_request(client, token, {"jwt": [proof_jwt(key, nonce(client),
                                                                    kid=kid)]})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    [entry] = response.json()["credentials"]
    credential = entry["credential"]
    assert credential["credentialSubject"]["id"] == did_of(key)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    # the offer's award, no other
    original = issued["credentials"]["ob3"]
    assert credential["credentialSubject"]["achievement"] == \
        original["credentialSubject"]["achievement"]
    assert credential["credentialStatus"] == original["credentialStatus"]
    assert verify(svc, credential).verified
    with svc.db.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "credential.offer" in actions and "credential.deliver" in actions


def test_offer_answer_and_offer_document(client: TestClient, created: dict, issued: dict) -> None:
    assert created["credentialOffer"].startswith(
        "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fmcred.test%2Foid4vci%2F")
    assert len(created["txCode"]) == 6 and created["txCode"].isdigit()
    document = client.get(created["credentialOfferUri"].removeprefix(BASE_URL)).json()
    assert document["credential_issuer"] == BASE_URL
    assert document["credential_configuration_ids"] == ["micro_credential_ldp_vc",
                                                         "micro_credential_sd_jwt"]
    grant = document["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"] == {"input_mode": "numeric", "length": 6,
                                "description": grant["tx_code"]["description"]}
    assert created["txCode"] not in str(document)
    qr = client.get(created["qrCode"].removeprefix(BASE_URL))
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml")


def test_secrets_are_stored_only_as_hashes(svc: Services, client: TestClient,
                                           created: dict) -> None:
    code = code_of(client, created)
    ref = created["credentialOfferUri"].rsplit("/", 1)[1]
    with svc.db.session() as session:
        row = session.get(Offer, created["offerId"])
        assert row is not None
        stored = " ".join(str(v) for v in vars(row).values())
    for secret in (code, ref, created["txCode"]):
        assert secret not in stored


def test_offers_are_for_the_issuers_own_awards(client: TestClient, issued: dict,
                                               admin: dict) -> None:
    client.post("/admin/issuers", headers=admin, json={
        "slug": "other-uni", "legal_name": "Other University", "country": "NL",
        "url": "https://other.example", "email": "x@other.example", "org_type": "hei"})
    other = client.post("/admin/issuers/other-uni/api-keys", headers=admin).json()["apiKey"]
    response = client.post(f"/awards/{issued['awardId']}/offer",
                           headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 404
    assert client.post(f"/awards/{issued['awardId']}/offer").status_code == 401


def test_replayed_code_is_refused_and_revokes_the_first_token(client: TestClient,
                                                               created: dict) -> None:
    code = code_of(client, created)
    first = token_request(client, code, created["txCode"])
    assert first.status_code == 200
    assert "already used" in oauth_error(token_request(client, code, created["txCode"]), 400,
                                         "invalid_grant")
    token = first.json()["access_token"]
    response = credential_request(client, token, {"jwt": [proof_jwt(new_key(), nonce(client))]})
    assert "revoked" in oauth_error(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_offer_document_is_gone_once_redeemed(client: TestClient, created: dict) -> None:
    access_token(client, created)
    assert client.get(created["credentialOfferUri"].removeprefix(BASE_URL)).status_code == 404


def test_expired_code_is_refused(svc: Services, client: TestClient, created: dict) -> None:
    code = code_of(client, created)
    with svc.db.session() as session:
        session.execute(update(Offer).values(expires_at=LONG_AGO))
    oauth_error(token_request(client, code, created["txCode"]), 400, "invalid_grant")


def test_wrong_tx_code_counts_and_locks_the_offer_after_five(client: TestClient,
                                                             created: dict) -> None:
    code = code_of(client, created)
    wrong = "000000" if created["txCode"] != "000000" else "111111"
    for attempt in range(1, 6):
        description = oauth_error(token_request(client, code, wrong), 400, "invalid_grant")
        assert ("too many" in description) == (attempt == 5)
    # dead: even the right tx_code no longer works
    oauth_error(token_request(client, code, created["txCode"]), 400, "invalid_grant")


def test_missing_tx_code_is_an_invalid_request(client: TestClient, created: dict) -> None:
    oauth_error(token_request(client, code_of(client, created), None), 400, "invalid_request")
    # not counted as an attempt: the right one still works
    assert token_request(client, code_of(client, created), created["txCode"]).status_code == 200


@pytest.mark.parametrize("form, error", [
    ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ({"pre-authorized_code": "x"}, "invalid_request"),
    ({"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code"}, "invalid_request"),
    ({"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
      "pre-authorized_code": "not-ours", "tx_code": "123456"}, "invalid_grant"),
])
def test_token_request_refusals(client: TestClient, form: dict, error: str) -> None:
    oauth_error(client.post("/oid4vci/token", data=form), 400, error)


def test_token_request_must_be_a_form_without_repeats(client: TestClient) -> None:
    oauth_error(client.post("/oid4vci/token", json={"grant_type": "x"}), 400, "invalid_request")
    repeated = client.post("/oid4vci/token", content=b"grant_type=a&grant_type=b",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "repeated" in oauth_error(repeated, 400, "invalid_request")
    huge = client.post("/oid4vci/token", content=b"a=" + b"x" * 5000,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    oauth_error(huge, 400, "invalid_request")


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic abc", "DPoP abc",
                                           "Bearer " + "x" * 200])
def test_missing_or_invalid_token(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post("/oid4vci/credential", headers=headers, json={
        "credential_configuration_id": "micro_credential_ldp_vc", "proofs": {"jwt": ["x"]}})
    oauth_error(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_expired_token(svc: Services, client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    with svc.db.session() as session:
        session.execute(update(AccessToken).values(expires_at=LONG_AGO))
    response = credential_request(client, token, {"jwt": [proof_jwt(new_key(), nonce(client))]})
    assert "expired" in oauth_error(response, 401, "invalid_token")


def test_wrong_aud(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    proof = proof_jwt(new_key(), nonce(client), aud="https://other.example")
    assert "aud" in oauth_error(credential_request(client, token, {"jwt": [proof]}), 400,
                                "invalid_proof")


def test_stale_iat(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    proof = proof_jwt(new_key(), nonce(client), iat=time.time() - 3600)
    assert "iat" in oauth_error(credential_request(client, token, {"jwt": [proof]}), 400,
                                "invalid_proof")


def forged(value: str) -> str:
    """A nonce of the right shape whose HMAC tag no longer fits."""
    return value[:-2] + ("AA" if value[-2:] != "AA" else "BB")


@pytest.mark.parametrize("make", [lambda real: "not-a-nonce-of-ours", forged])
def test_unknown_nonce(client: TestClient, created: dict, make: Any) -> None:
    token = access_token(client, created)
    proof = proof_jwt(new_key(), make(nonce(client)))
    oauth_error(credential_request(client, token, {"jwt": [proof]}), 400, "invalid_nonce")


def test_nonce_endpoint_stores_nothing(svc: Services, client: TestClient) -> None:
    for _ in range(5):
        nonce(client)
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Nonce)) == 0


def test_reused_nonce(client: TestClient, api_key: dict, issued: dict) -> None:
    value = nonce(client)
    first = access_token(client, offer(client, api_key, issued["awardId"]))
    assert credential_request(client, first, {"jwt": [proof_jwt(new_key(), value)]}) \
        .status_code == 200
    second = access_token(client, offer(client, api_key, issued["awardId"]))
    oauth_error(credential_request(client, second, {"jwt": [proof_jwt(new_key(), value)]}),
                400, "invalid_nonce")


@pytest.fixture
def quick_nonces(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings: Settings = make_settings(database_url, tmp_path / "keys", oid4vci_nonce_seconds=1)
    services = build_services(settings)
    with TestClient(create_app(svc=services), raise_server_exceptions=False) as test_client:
        yield test_client
    services.db.dispose()


def test_expired_nonce(quick_nonces: TestClient, client: TestClient, created: dict) -> None:
    value = nonce(quick_nonces)  # lives one second
    token = access_token(client, created)
    time.sleep(2.1)
    oauth_error(credential_request(client, token, {"jwt": [proof_jwt(new_key(), value)]}),
                400, "invalid_nonce")


def test_proof_signed_by_another_key_than_its_jwk(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    signer, named = new_key(), new_key()
    proof = proof_jwt(signer, nonce(client), header={"jwk": public_jwk(named)})
    assert "signature" in oauth_error(credential_request(client, token, {"jwt": [proof]}), 400,
                                      "invalid_proof")


def test_proof_signed_by_another_key_than_its_kid(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    other = did_of(new_key())
    proof = proof_jwt(new_key(), nonce(client),
                      header={"kid": f"{other}#{other.removeprefix('did:key:')}"}, kid=True)
    oauth_error(credential_request(client, token, {"jwt": [proof]}), 400, "invalid_proof")


def test_proof_with_both_jwk_and_kid(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    key = new_key()
    did = did_of(key)
    proof = proof_jwt(key, nonce(client), header={"kid": f"{did}#{did.removeprefix('did:key:')}"})
    assert "exactly one" in oauth_error(credential_request(client, token, {"jwt": [proof]}), 400,
                                        "invalid_proof")


@pytest.mark.parametrize("header, words", [({"typ": "JWT"}, "typ"), ({"alg": "HS256"}, "alg")])
def test_proof_header_rules(client: TestClient, created: dict, header: dict, words: str) -> None:
    token = access_token(client, created)
    key = new_key()
    good = proof_jwt(key, nonce(client))
    head = json.loads(base64.urlsafe_b64decode(good.split(".")[0] + "=="))
    head.update(header)
    forged = base64.urlsafe_b64encode(json.dumps(head).encode()).rstrip(b"=").decode()
    proof = ".".join([forged, *good.split(".")[1:]])
    assert words in oauth_error(credential_request(client, token, {"jwt": [proof]}), 400,
                                "invalid_proof")


def test_unknown_configuration_id(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    response = credential_request(client, token, {"jwt": [proof_jwt(new_key(), nonce(client))]},
                                  config_id="university_degree")
    oauth_error(response, 400, "unknown_credential_configuration")


@pytest.mark.parametrize("body, error", [
    ({"credential_configuration_id": "micro_credential_ldp_vc"}, "invalid_proof"),
    ({"credential_configuration_id": "micro_credential_ldp_vc",
      "proof": {"proof_type": "jwt", "jwt": "x"}}, "invalid_credential_request"),
    ({"credential_configuration_id": "micro_credential_ldp_vc",
      "proofs": {"jwt": ["a.b.c", "a.b.c"]}}, "invalid_proof"),
    ({"credential_configuration_id": "micro_credential_ldp_vc",
      "proofs": {"attestation": ["a.b.c"]}}, "invalid_proof"),
    ({"credential_identifier": "x", "proofs": {"jwt": ["a.b.c"]}}, "invalid_credential_request"),
    ({"credential_configuration_id": 7, "proofs": {"jwt": ["a.b.c"]}},
     "invalid_credential_request"),
    (["not", "an", "object"], "invalid_credential_request"),
])
def test_malformed_credential_requests(client: TestClient, created: dict, body: Any,
                                       error: str) -> None:
    token = access_token(client, created)
    response = client.post("/oid4vci/credential", json=body,
                           headers={"Authorization": f"Bearer {token}"})
    oauth_error(response, 400, error)


def test_a_token_delivers_its_configuration_once(client: TestClient, created: dict) -> None:
    token = access_token(client, created)
    assert credential_request(client, token, {"jwt": [proof_jwt(new_key(), nonce(client))]}) \
        .status_code == 200
    again = credential_request(client, token, {"jwt": [proof_jwt(new_key(), nonce(client))]})
    oauth_error(again, 400, "credential_request_denied")


def test_revoked_award_at_credential_time(client: TestClient, created: dict, issued: dict,
                                          admin: dict) -> None:
    token = access_token(client, created)
    response = client.post(f"/admin/credentials/{issued['credentials']['ob3']['id']}/status",
                           json={"action": "revoke", "reason": "test"}, headers=admin)
    assert response.status_code == 200, response.text
    denied = credential_request(client, token, {"jwt": [proof_jwt(new_key(), nonce(client))]})
    assert "revoked" in oauth_error(denied, 400, "credential_request_denied")


def test_revoked_award_gets_no_offer(client: TestClient, api_key: dict, issued: dict,
                                     admin: dict) -> None:
    client.post(f"/admin/credentials/{issued['credentials']['ob3']['id']}/status",
                json={"action": "revoke", "reason": "test"}, headers=admin)
    assert client.post(f"/awards/{issued['awardId']}/offer", headers=api_key).status_code == 409


def test_nonce_endpoint(client: TestClient) -> None:
    response = client.post("/oid4vci/nonce")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert set(response.json()) == {"c_nonce"}
    assert response.json()["c_nonce"] != client.post("/oid4vci/nonce").json()["c_nonce"]


def test_unknown_offer_reference_is_not_found(client: TestClient) -> None:
    for ref in ("x" * 43, "short", "%00" * 3):
        assert client.get(f"/oid4vci/offers/{ref}").status_code == 404


def _b64json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


# 0x02 ‖ x = 1: no point of P-256 has that x (a did:key of the right shape, not a key)
P256_OFF_CURVE = "did:key:zDnaeQRy3dcKsKa1zmKtVKsTy3m2HYoQnFnfKuxD6HfSTQgYg"


@pytest.mark.parametrize("proofs", [
    {"jwt": [None]}, {"jwt": [7]}, {"jwt": "a.b.c"}, {"jwt": []}, {"di_vp": [[]]},
    {"jwt": ["%%%.%%%.%%%"]},
    {"jwt": [_b64json({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": "x"}) + ".e30.AA"]},
    {"jwt": [_b64json({"typ": "openid4vci-proof+jwt", "alg": "ES256",
                       "kid": f"{P256_OFF_CURVE}#{P256_OFF_CURVE[8:]}"}) + ".e30.AA"]},
    {"jwt": [_b64json({"typ": "openid4vci-proof+jwt", "alg": "EdDSA",
                       "kid": "did:key:z6Mk#z6Mk"}) + ".e30.AA"]},
    {"jwt": [_b64json({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": ["x"]})
             + ".e30.AA"]},
    {"di_vp": [{"type": "VerifiablePresentation", "@context": ["https://evil.example/ctx"],
                "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                          "proofPurpose": "authentication", "challenge": "x", "domain": BASE_URL,
                          "verificationMethod": "did:key:zBAD#zBAD", "proofValue": "z1"}}]},
    {"di_vp": [{"type": ["VerifiablePresentation"], "proof": [{"type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": "did:key:z6Mk",
                "challenge": 5}]}]},
])
def test_odd_proofs_are_refused_not_crashed_on(client: TestClient, created: dict,
                                               proofs: dict) -> None:
    token = access_token(client, created)
    response = credential_request(client, token, proofs)
    assert response.status_code == 400, response.text
    assert response.json()["error"] in ("invalid_proof", "invalid_nonce")


@pytest.mark.parametrize("claims", [{"iat": float("nan")}, {"iat": True}, {"exp": 1},
                                    {"nonce": 42}, {"aud": [BASE_URL + "/x"]}])
def test_proof_claims_that_do_not_hold(client: TestClient, created: dict, claims: dict) -> None:
    token = access_token(client, created)
    key = new_key()
    body = {"aud": BASE_URL, "iat": int(time.time()), "nonce": nonce(client), **claims}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proof = jws.serialize_compact(
            {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "jwk": public_jwk(key)},
            json.dumps(body).encode(), key, algorithms=["EdDSA"])
    oauth_error(credential_request(client, token, {"jwt": [proof]}), 400, "invalid_proof")


@pytest.mark.parametrize("body, status", [
    ({"credentialConfigurationIds": ["micro_credential_ldp_vc"]}, 201),
    ({"credentialConfigurationIds": ["university_degree"]}, 422),
    ({"credentialConfigurationIds": ["micro_credential_ldp_vc"] * 2}, 422),
    ({"credentialConfigurationIds": ["x" * 101]}, 422),
    ({"credentialConfigurationIds": []}, 422),
    ({"unknown": 1}, 422),
])
def test_offer_request_body(client: TestClient, api_key: dict, issued: dict, body: dict,
                            status: int) -> None:
    response = client.post(f"/awards/{issued['awardId']}/offer", headers=api_key, json=body)
    assert response.status_code == status, response.text
    if status == 422:
        assert response.headers["content-type"] == "application/problem+json"
