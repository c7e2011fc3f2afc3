"""The SD-JWT VC of an award: what it says and how (checked with the OpenWallet Foundation's
Python SD-JWT implementation, PyPI ``sd-jwt``), its holder key checks, its type metadata
(covering every EU element the award's OBv3 credential carries), the issuer metadata and
Token Status List tokens, and the status entries following revoke / suspend / unsuspend."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier
from sqlalchemy import func, select

from app.credentials.service import Issuing, award_credentials
from app.deps import Services
from app.elements.extract import ANNEX_ELEMENTS, read
from app.errors import ProblemError
from app.issuers.keys import KeyStore, KeyStoreError
from app.wallets import token_status
from app.wallets.sd_jwt_models import Es256Key, TokenStatusEntry
from app.wallets.sd_jwt_vc import InvalidHolderKey, render_sd_jwt_vc
from app.wallets.type_metadata import eu_elements, integrity, sd_jwt_configuration
from tests.conftest import ISSUER_BODY, KEY_SECRET
from tests.samples import FULL_SPEC, LEARNER, award_body

pytest.register_assert_rewrite("tests.wallets.sd_jwt_helpers")
from tests.wallets.sd_jwt_helpers import b64url, check, p256_jwk, published, render  # noqa: E402

# Fixtures: node, award_id, holder.
pytest_plugins = ("tests.wallets.sd_jwt_helpers",)

BASE = "https://mcred.test"
VCT = f"{BASE}/vct/micro-credential/v1"


def part(jwt: str, index: int) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(jwt.split(".")[index] + "=="))


def disclosures(sd_jwt: str) -> list[list[Any]]:
    return [json.loads(base64.urlsafe_b64decode(d + "==")) for d in sd_jwt.split("~")[1:-1]]


def issuer_key(client: TestClient) -> JWK:
    [jwk] = client.get("/.well-known/jwt-vc-issuer/issuers/uni-tartu").json()["jwks"]["keys"]
    return JWK(**jwk)


# --- the credential ---------------------------------------------------------------------------

def test_owf_python_verifies_issuer_signature_and_key_bound_presentation(
        client: TestClient, svc: Services, award_id: str) -> None:
    holder_key = JWK.generate(kty="EC", crv="P-256")
    public = json.loads(holder_key.export_public())
    sd_jwt = render(svc, award_id, public)
    key = issuer_key(client)
    issued = SDJWTVerifier(sd_jwt, lambda iss, header: key).get_verified_payload()
    assert issued["iss"] == f"{BASE}/issuers/uni-tartu"
    assert issued["name"] == LEARNER["name"] and issued["email"] == LEARNER["email"]

    holder_side = SDJWTHolder(sd_jwt)
    holder_side.create_presentation({"email": True}, nonce="nonce-123",
                                    aud="https://verifier.example", holder_key=holder_key,
                                    sign_alg="ES256")
    shown = SDJWTVerifier(holder_side.sd_jwt_presentation, lambda iss, header: key,
                          expected_aud="https://verifier.example",
                          expected_nonce="nonce-123").get_verified_payload()
    assert shown["email"] == LEARNER["email"]
    assert "name" not in shown and "learner_identification" not in shown
    assert shown["achievement_title"] == FULL_SPEC["title"]
    with pytest.raises(ValueError, match="nonce"):
        SDJWTVerifier(holder_side.sd_jwt_presentation, lambda iss, header: key,
                      expected_aud="https://verifier.example", expected_nonce="other")


def test_header_and_registered_claims(client: TestClient, svc: Services, award_id: str,
                                      holder: tuple) -> None:
    before = int(datetime.now(UTC).timestamp())
    sd_jwt = render(svc, award_id, holder[0])
    assert sd_jwt.endswith("~") and sd_jwt.count(".") == 2  # no KB-JWT: the holder adds it
    jwt = sd_jwt.split("~")[0]
    header, payload = part(jwt, 0), part(jwt, 1)
    [published_key] = client.get("/.well-known/jwt-vc-issuer/issuers/uni-tartu").json()[
        "jwks"]["keys"]
    assert header == {"typ": "dc+sd-jwt", "alg": "ES256", "kid": published_key["kid"]}
    assert payload["iss"] == f"{BASE}/issuers/uni-tartu"
    assert payload["vct"] == VCT
    assert before <= payload["iat"] == payload["nbf"] <= before + 60
    assert "exp" not in payload  # the award has no validUntil
    assert payload["cnf"] == {"jwk": holder[0]}
    assert payload["_sd_alg"] == "sha-256"
    status = payload["status"]["status_list"]
    assert status["uri"].startswith(f"{BASE}/statuslists/") and 0 <= status["idx"] < 2**17


def test_exp_is_the_awards_valid_until(client: TestClient, svc: Services, api_key: dict,
                                       achievement: dict, holder: tuple) -> None:
    response = client.post("/credentials/issue", headers=api_key,
                           json=award_body(achievement["id"], validUntil="2029-06-30"))
    sd_jwt = render(svc, response.json()["awardId"], holder[0])
    payload = part(sd_jwt.split("~")[0], 1)
    assert payload["exp"] == int(datetime(2029, 6, 30, tzinfo=UTC).timestamp())
    assert payload["date_of_expiry"] == "2029-06-30"


def test_personal_claims_only_in_disclosures_each_with_a_fresh_salt(
        svc: Services, award_id: str, holder: tuple) -> None:
    first, second = (render(svc, award_id, holder[0]) for _ in range(2))
    jwt = first.split("~")[0]
    payload_text = base64.urlsafe_b64decode(jwt.split(".")[1] + "==").decode()
    for value in LEARNER.values():
        assert value not in payload_text
    found = disclosures(first)
    assert {name: value for _, name, value in found} == {
        "name": LEARNER["name"], "email": LEARNER["email"],
        "learner_identification": LEARNER["studentId"]}
    digests = part(jwt, 1)["_sd"]
    for encoded in first.split("~")[1:-1]:
        assert b64url(hashlib.sha256(encoded.encode()).digest()) in digests
    salts = [salt for salt, _, _ in found] + [salt for salt, _, _ in disclosures(second)]
    assert len(set(salts)) == len(salts)
    assert all(len(base64.urlsafe_b64decode(s + "==")) == 16 for s in salts)  # 128 bits
    assert len(digests) >= 6 and digests == sorted(digests)  # decoys hide the count


def test_eu_elements_always_disclosed_with_their_values(svc: Services, award_id: str,
                                                        holder: tuple) -> None:
    payload = part(render(svc, award_id, holder[0]).split("~")[0], 1)
    assert payload["issuing_authority"] == ISSUER_BODY["legal_name"]
    assert payload["issuing_authority_id"] == "did:web:mcred.test:issuers:uni-tartu"
    assert payload["issuing_country"] == "EE"
    assert payload["date_of_issuance"] == "2026-06-30"
    assert payload["learning_outcomes"] == [o["statement"] for o in FULL_SPEC["learningOutcomes"]]
    assert payload["ects_credits"] == 3 and payload["expected_study_time"] == "PT75H"
    assert payload["level_of_learning_experience"] == 6 and payload["qf_ehea_cycle"] == "first"
    assert payload["assessment_type"] == "project"
    assert payload["form_of_participation"] == ["online", "blended"]
    assert payload["types_of_quality_assurance"] == ["external-institutional"]
    assert payload["quality_assurance"][0]["agency"] == "EKKA"
    assert payload["prerequisites_to_enroll"] == ["Basic spreadsheet skills"]
    assert payload["evaluator_verification"] == ["supervised-online-id"]
    assert payload["assessment_grade"] == "B"
    assert payload["integration_stackability_options"] is True
    assert payload["integration_stackability"] == {
        "mode": "stackable", "towards": ["https://ut.ee/programmes/msc-public-data"]}
    assert payload["further_information"] == FULL_SPEC["furtherInformation"]


def test_values_match_the_type_metadata(client: TestClient, svc: Services, award_id: str,
                                        holder: tuple) -> None:
    metadata = client.get("/vct/micro-credential/v1").json()
    payload = part(render(svc, award_id, holder[0]).split("~")[0], 1)
    claims = {**payload, **{name: value for _, name, value
                            in disclosures(render(svc, award_id, holder[0]))}}
    top = {c["path"][0]: c for c in metadata["claims"] if len(c["path"]) == 1}
    registered = {"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "_sd",
                  "_sd_alg"}
    assert set(claims) - registered <= set(top)  # nothing the metadata does not describe
    for name, claim in top.items():
        if claim["mandatory"]:
            assert name in claims, name
        if claim["sd"] == "always":
            assert name not in payload, name  # only in a disclosure
        else:
            assert name not in {n for _, n, _ in disclosures(render(svc, award_id, holder[0]))}


def test_type_metadata_covers_every_eu_element_the_ob3_credential_carries(
        client: TestClient, svc: Services, award_id: str, holder: tuple) -> None:
    with svc.db.session() as session:
        ob3 = json.loads(award_credentials(session, award_id)["ob3"].document)
    carried = {name for name, found in read(ob3).found.items()
               if found.value is not None and name in ANNEX_ELEMENTS}
    assert carried == set(ANNEX_ELEMENTS)  # the sample award carries all sixteen
    metadata = client.get("/vct/micro-credential/v1").json()
    paths = {tuple(c["path"]) for c in metadata["claims"]}
    sd_jwt = render(svc, award_id, holder[0])
    claims = {**part(sd_jwt.split("~")[0], 1), **{n: v for _, n, v in disclosures(sd_jwt)}}
    mapping = eu_elements()
    for element in carried:
        assert mapping.get(element), element
        for claim in mapping[element]:
            assert (claim,) in paths, (element, claim)
        assert any(claim in claims for claim in mapping[element]), element


@pytest.mark.parametrize("unknown", ["no-such-award", "a\x00b", "x" * 5000])
def test_unknown_award_is_404(svc: Services, holder: tuple, unknown: str) -> None:
    with svc.db.session() as session, pytest.raises(ProblemError) as raised:
        render_sd_jwt_vc(session, Issuing(svc.keystore, BASE), unknown, holder[0])
    assert raised.value.status == 404


ED25519 = {"kty": "OKP", "crv": "Ed25519", "x": b64url(bytes(range(32)))}
BAD_HOLDER_KEYS = {
    "not an object": "eyJrdHkiOiJFQyJ9",
    "private key": "with-d",
    "RSA": {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
    "P-384": {"kty": "EC", "crv": "P-384", "x": b64url(bytes(48)), "y": b64url(bytes(48))},
    "off the curve": {"kty": "EC", "crv": "P-256", "x": b64url(bytes(32)),
                      "y": b64url(bytes(31) + b"\x01")},
    "short x": {"kty": "EC", "crv": "P-256", "x": b64url(bytes(16)), "y": b64url(bytes(32))},
    "not base64url": {"kty": "OKP", "crv": "Ed25519", "x": "***"},
    "padded": {"kty": "OKP", "crv": "Ed25519", "x": b64url(bytes(32)) + "="},
    "x not a string": {"kty": "OKP", "crv": "Ed25519", "x": 12345},
    "y missing": {"kty": "EC", "crv": "P-256", "x": b64url(bytes(32))},
    "Ed25519 too long": {**ED25519, "x": b64url(bytes(33))},
    "huge kid": {**ED25519, "kid": "k" * 5000},
}


@pytest.mark.parametrize("case", BAD_HOLDER_KEYS)
def test_bad_holder_key_is_a_clear_value_error(svc: Services, award_id: str,
                                               holder: tuple, case: str) -> None:
    jwk = BAD_HOLDER_KEYS[case]
    if jwk == "with-d":
        jwk = {**holder[0], "d": b64url(bytes(32))}
    with svc.db.session() as session:
        with pytest.raises(InvalidHolderKey) as raised:
            render_sd_jwt_vc(session, Issuing(svc.keystore, BASE), award_id, jwk)
        assert isinstance(raised.value, ValueError)
        assert ("holder" in str(raised.value) or "JWK" in str(raised.value)), raised.value
        # Refused before anything is allocated.
        assert session.scalar(select(func.count()).select_from(TokenStatusEntry)) == 0


def test_ed25519_holder_key_is_bound(svc: Services, award_id: str) -> None:
    sd_jwt = render(svc, award_id, {**ED25519, "kid": "holder-1", "use": "sig"})
    assert part(sd_jwt.split("~")[0], 1)["cnf"] == {"jwk": {**ED25519, "kid": "holder-1"}}


# --- metadata and keys ------------------------------------------------------------------------

def test_jwt_vc_issuer_metadata(client: TestClient, svc: Services) -> None:
    assert client.post("/admin/issuers", json=ISSUER_BODY,
                       headers={"Authorization": "Bearer test-admin-token-0123456789"}
                       ).status_code == 201
    response = client.get("/.well-known/jwt-vc-issuer/issuers/uni-tartu")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["issuer"] == f"{BASE}/issuers/uni-tartu"
    [key] = body["jwks"]["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["kid"] and "d" not in key
    assert client.get("/.well-known/jwt-vc-issuer/issuers/uni-tartu").json() == body  # once
    for slug in ("nobody", "%00", "x" * 5000):
        missing = client.get(f"/.well-known/jwt-vc-issuer/issuers/{slug}")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
    # What the issuer URL served before stays as it was; its DID document still resolves.
    assert client.get("/issuers/uni-tartu").status_code == 404
    assert client.get("/issuers/uni-tartu/did.json").status_code == 200


def test_private_key_only_in_the_key_store(client: TestClient, svc: Services,
                                           award_id: str) -> None:
    client.get("/.well-known/jwt-vc-issuer/issuers/uni-tartu")
    with svc.db.session() as session:
        record = session.scalar(select(Es256Key))
        assert record is not None and "d" not in record.public_jwk
        key_file = record.key_file
    stored = json.loads((svc.settings.keys_dir / key_file).read_text())
    assert stored["algorithm"] == "P-256" and set(stored) == {
        "version", "algorithm", "publicKeyMultibase", "salt", "nonce", "ciphertext"}
    assert stored["publicKeyMultibase"].startswith("zDn")  # P-256 Multikey
    reopened = KeyStore(svc.settings.keys_dir, KEY_SECRET)
    private = reopened.p256_key(key_file)
    scalar = private.private_numbers().private_value.to_bytes(32, "big")
    raw = (svc.settings.keys_dir / key_file).read_bytes()
    assert b64url(scalar).encode() not in raw and base64.b64encode(scalar) not in raw
    with pytest.raises(KeyStoreError, match="P-256"):
        reopened.signing_key(key_file)  # the Ed25519 reader refuses it
    with pytest.raises(KeyStoreError):
        KeyStore(svc.settings.keys_dir, "another-secret-0123456789").p256_key(key_file)


def test_type_metadata_document(client: TestClient, svc: Services, award_id: str,
                                holder: tuple) -> None:
    response = client.get("/vct/micro-credential/v1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    metadata = response.json()
    assert metadata["vct"] == VCT and metadata["name"] and metadata["description"]
    assert {d["locale"] for d in metadata["display"]} == {"en", "de", "fr", "nl"}
    for claim in metadata["claims"]:
        assert claim["path"] and claim["sd"] in ("always", "never")
        assert isinstance(claim["mandatory"], bool)
        assert [d["locale"] for d in claim["display"]] == ["en", "de", "fr", "nl"], claim
        assert all(d["label"] for d in claim["display"])
    title = next(c for c in metadata["claims"] if c["path"] == ["achievement_title"])
    assert {d["locale"]: d["label"] for d in title["display"]}["de"] == "Titel"
    payload = part(render(svc, award_id, holder[0]).split("~")[0], 1)
    digest = base64.b64encode(hashlib.sha256(response.content).digest()).decode()
    assert payload["vct#integrity"] == f"sha256-{digest}"


def test_type_metadata_v1_never_changes() -> None:
    """Issued SD-JWT VCs carry this digest (vct#integrity): a wallet fetching the document
    later must get the same bytes. Change it only as a new version (v2), never in place."""
    assert integrity(BASE) == "sha256-zNYYLCTBCDco+q3gkUa+2S1dVGMfZIdPX6RMO+zfAoA="


def test_openid4vci_credential_configuration() -> None:
    [(config_id, config)] = sd_jwt_configuration(BASE).items()
    assert config_id == "micro_credential_sd_jwt"
    assert config["format"] == "dc+sd-jwt" and config["vct"] == VCT
    assert config["scope"] == "micro_credential_sd_jwt"
    assert config["cryptographic_binding_methods_supported"] == ["jwk"]
    assert config["credential_signing_alg_values_supported"] == ["ES256"]
    assert config["proof_types_supported"] == {
        "jwt": {"proof_signing_alg_values_supported": ["ES256", "EdDSA"]}}
    display = config["credential_metadata"]["display"]
    assert display[0] == {"name": "Micro-credential", "locale": "en",
                          "description": "A micro-credential with the EU standard elements"}
    claims = config["credential_metadata"]["claims"]
    email = next(c for c in claims if c["path"] == ["email"])
    assert email["mandatory"] is False and email["display"][0] == {"name": "E-mail",
                                                                   "locale": "en"}


# --- token status lists -----------------------------------------------------------------------

def test_status_list_encoding_matches_the_drafts_example() -> None:
    """draft-ietf-oauth-status-list §4.1: 16 one-bit statuses, these INVALID."""
    data = bytearray(2)
    for idx in (0, 3, 4, 5, 7, 8, 9, 13, 15):
        token_status.set_status(data, idx, 1, bits=1)
    assert bytes(data) == b"\xb9\xa3"
    assert token_status.encode_lst(bytes(data)) == "eNrbuRgAAhcBXQ"
    assert [token_status.get_status(bytes(data), i, bits=1) for i in range(4)] == [1, 0, 0, 1]
    two = bytearray(1)
    token_status.set_status(two, 1, 2)
    token_status.set_status(two, 3, 1)
    assert two == bytearray([0b01_00_10_00])


def test_status_list_token(client: TestClient, svc: Services, award_id: str,
                           holder: tuple) -> None:
    sd_jwt = render(svc, award_id, holder[0])
    uri = part(sd_jwt.split("~")[0], 1)["status"]["status_list"]["uri"]
    response = client.get(uri.removeprefix(BASE))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/statuslist+jwt"
    assert response.headers["cache-control"] == "public, max-age=300"
    header, payload = part(response.text, 0), part(response.text, 1)
    assert header["typ"] == "statuslist+jwt" and header["alg"] == "ES256"
    assert header["kid"] == part(sd_jwt.split("~")[0], 0)["kid"]
    assert payload["sub"] == uri and payload["ttl"] == 300
    assert payload["exp"] - payload["iat"] == 86400
    assert payload["status_list"]["bits"] == 2
    assert len(base64.urlsafe_b64decode(payload["status_list"]["lst"] + "==")) < 200


@pytest.mark.parametrize("path", ["/statuslists/999", "/statuslists/0",
                                  "/statuslists/99999999999999999999", "/statuslists/x"])
def test_unknown_status_list(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422)
    assert response.headers["content-type"] == "application/problem+json"


def _suspending_issuer(client: TestClient, admin: dict) -> tuple[dict, str]:
    body = {**ISSUER_BODY, "slug": "uni-s", "suspension": True}
    assert client.post("/admin/issuers", json=body, headers=admin).status_code == 201
    token = client.post("/admin/issuers/uni-s/api-keys", headers=admin).json()["apiKey"]
    key = {"Authorization": f"Bearer {token}"}
    achievement = client.post("/achievements", json=FULL_SPEC, headers=key).json()
    award = client.post("/credentials/issue", json=award_body(achievement["id"]), headers=key)
    return key, award.json()["awardId"]


def _status(node: str, client: TestClient, sd_jwt: str) -> int:
    return check(node, {"sdJwt": sd_jwt, **published(client, sd_jwt)})["status"]["value"]


def test_status_follows_suspend_unsuspend_and_revoke(node: str, client: TestClient,
                                                     svc: Services, admin: dict) -> None:
    _, award = _suspending_issuer(client, admin)
    holder_key, _ = p256_jwk()
    first, second = render(svc, award, holder_key), render(svc, award, holder_key)
    with svc.db.session() as session:
        credential_id = award_credentials(session, award)["ob3"].id

    def change(action: str) -> None:
        response = client.post(f"/admin/credentials/{credential_id}/status", headers=admin,
                               json={"action": action, "reason": "test"})
        assert response.status_code == 200, response.text

    assert (_status(node, client, first), _status(node, client, second)) == (0, 0)
    change("suspend")
    assert (_status(node, client, first), _status(node, client, second)) == (2, 2)
    # Issued while suspended: starts suspended.
    assert _status(node, client, render(svc, award, holder_key)) == 2
    change("unsuspend")
    assert (_status(node, client, first), _status(node, client, second)) == (0, 0)
    change("revoke")
    assert (_status(node, client, first), _status(node, client, second)) == (1, 1)
    with pytest.raises(ProblemError) as raised:  # revocation is final: nothing new for it
        render(svc, award, holder_key)
    assert (raised.value.status, raised.value.slug) == (409, "revoked")


def test_other_awards_entries_are_untouched(node: str, client: TestClient,
                                            svc: Services, admin: dict, api_key: dict,
                                            achievement: dict) -> None:
    first = client.post("/credentials/issue", json=award_body(achievement["id"]),
                        headers=api_key).json()["awardId"]
    other = client.post("/credentials/issue", headers=api_key, json={
        **award_body(achievement["id"]), "learner": {"name": "Other Learner"}}).json()["awardId"]
    holder_key, _ = p256_jwk()
    mine, theirs = render(svc, first, holder_key), render(svc, other, holder_key)
    with svc.db.session() as session:
        credential_id = award_credentials(session, first)["ob3"].id
    client.post(f"/admin/credentials/{credential_id}/status", headers=admin,
                json={"action": "revoke", "reason": "test"})
    assert (_status(node, client, mine), _status(node, client, theirs)) == (1, 0)
