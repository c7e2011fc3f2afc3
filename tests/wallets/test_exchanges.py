"""VC-API exchanges delivering an award to a wallet: creation (issuer API key, own awards
only), the interaction URL, DID Authentication and every way a presentation is refused.
Presentations are signed by the JavaScript wallet (tests/interop/vcapi_wallet.mjs)."""

from __future__ import annotations

import copy
import io
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.audit import AuditEvent
from app.deps import Services
from app.wallets import exchanges
from app.wallets.exchange_models import Exchange
from tests.conftest import BASE_URL, ISSUER_BODY
from tests.credentials.test_award import verify
from tests.wallets.vcapi_wallet import OTHER_SEED, signed_vp

DOMAIN = "mcred.test"  # the host of tests.conftest.BASE_URL
PROBLEM = "urn:mcred:problem:"


@pytest.fixture
def opened(client: TestClient, issued: dict[str, Any], api_key: dict[str, str]) -> dict:
    response = client.post(f"/awards/{issued['awardId']}/exchanges", headers=api_key)
    assert response.status_code == 201, response.text
    return response.json()


def path(url: str) -> str:
    return urlsplit(url).path


def challenge_of(client: TestClient, opened: dict) -> str:
    response = client.post(path(opened["exchangeUrl"]), json={})
    assert response.status_code == 200, response.text
    return response.json()["verifiablePresentationRequest"]["challenge"]


def present(client: TestClient, opened: dict, vp: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post(path(opened["exchangeUrl"]), json={"verifiablePresentation": vp})


def refused(response, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.text
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["type"] == PROBLEM + "invalid-presentation"
    assert body["reason"] == reason, body


def test_exchange_links_lead_lcw_to_the_exchange(opened: dict, issued: dict) -> None:
    exchange_url = f"{BASE_URL}/workflows/award-delivery/exchanges/{opened['exchangeId']}"
    assert opened["exchangeUrl"] == exchange_url
    assert opened["interactionUrl"] == f"{BASE_URL}/interactions/{opened['exchangeId']}?iuv=1"
    assert opened["state"] == "pending" and opened["awardId"] == issued["awardId"]
    for link, prefix in ((opened["lcw"]["web"], "https://lcw.app/request?"),
                         (opened["lcw"]["app"], "dccrequest://request?")):
        assert link.startswith(prefix)
        message = json.loads(parse_qs(urlsplit(link).query)["request"][0])
        assert message == {"credentialRequestOrigin": BASE_URL,
                           "protocols": {"vcapi": exchange_url}}
    expires = datetime.fromisoformat(opened["expires"].replace("Z", "+00:00"))
    assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)


def test_vpr_asks_for_did_authentication_with_our_domain(client: TestClient,
                                                         opened: dict) -> None:
    first = client.post(path(opened["exchangeUrl"]), json={})
    assert first.status_code == 200, first.text
    request = first.json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert {"method": "key"} in request["query"][0]["acceptedMethods"]
    assert request["domain"] == DOMAIN and len(request["challenge"]) >= 32
    assert request["interact"]["service"][0]["serviceEndpoint"] == opened["exchangeUrl"]
    # Each request gets a new challenge; the earlier one is no longer good.
    again = client.post(path(opened["exchangeUrl"]), json={}).json()
    assert again["verifiablePresentationRequest"]["challenge"] != request["challenge"]


def test_did_auth_delivers_the_credential_once(client: TestClient, svc: Services,
                                               opened: dict, api_key: dict) -> None:
    vp, did = signed_vp(challenge_of(client, opened), DOMAIN)
    response = present(client, opened, vp)
    assert response.status_code == 200, response.text
    [credential] = response.json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == did
    assert verify(svc, credential).verified
    state = client.get(path(opened["exchangeUrl"]), headers=api_key).json()
    assert state["state"] == "complete" and state["variables"]["holder"] == did
    replay = present(client, opened, vp)
    assert replay.status_code == 409 and replay.json()["type"] == PROBLEM + "exchange-complete"
    restart = client.post(path(opened["exchangeUrl"]), json={})
    assert restart.status_code == 409
    assert client.get(path(opened["interactionUrl"]) + "?iuv=1").status_code == 409


def test_dcc_ed25519_signature_2020_vp_with_vc_1_1_context_is_accepted(
        client: TestClient, opened: dict) -> None:
    vp, did = signed_vp(challenge_of(client, opened), DOMAIN, stack="dcc", vc_version=1.0)
    assert vp["proof"]["type"] == "Ed25519Signature2020"
    response = present(client, opened, vp)
    assert response.status_code == 200, response.text
    credential = response.json()["verifiablePresentation"]["verifiableCredential"][0]
    assert credential["credentialSubject"]["id"] == did


def test_wrong_challenge_is_refused_and_closes_the_challenge(client: TestClient,
                                                             opened: dict) -> None:
    challenge = challenge_of(client, opened)
    wrong, _ = signed_vp("not-" + challenge, DOMAIN)
    refused(present(client, opened, wrong), "wrong-challenge")
    # The challenge was used up by the refused attempt: the right answer now comes too late.
    right, _ = signed_vp(challenge, DOMAIN)
    refused(present(client, opened, right), "no-challenge")


def test_wrong_domain_is_refused(client: TestClient, opened: dict) -> None:
    vp, _ = signed_vp(challenge_of(client, opened), "evil.example")
    refused(present(client, opened, vp), "wrong-domain")


def test_vp_signed_by_another_key_than_its_holder_is_refused(client: TestClient,
                                                             opened: dict) -> None:
    _, other = signed_vp("x", DOMAIN, seed=OTHER_SEED)
    vp, _ = signed_vp(challenge_of(client, opened), DOMAIN, holder=other)
    assert vp["holder"] == other
    refused(present(client, opened, vp), "holder-mismatch")


def test_tampered_vp_is_refused(client: TestClient, opened: dict) -> None:
    vp, _ = signed_vp(challenge_of(client, opened), DOMAIN)
    tampered = copy.deepcopy(vp)
    tampered["id"] = "urn:uuid:0b5d2a46-54a1-4bd0-9a0b-2f1bd4c5c001"
    refused(present(client, opened, tampered), "bad-signature")


def test_holder_must_be_a_did_key(client: TestClient, opened: dict) -> None:
    vp, _ = signed_vp(challenge_of(client, opened), DOMAIN, holder="did:web:example.org")
    refused(present(client, opened, vp), "holder-not-did-key")


def test_unsigned_vp_is_refused(client: TestClient, opened: dict) -> None:
    vp, _ = signed_vp(challenge_of(client, opened), DOMAIN)
    vp.pop("proof")
    refused(present(client, opened, vp), "malformed")


def test_repeated_refusals_make_the_exchange_invalid(client: TestClient, opened: dict,
                                                     api_key: dict) -> None:
    vp, _ = signed_vp("stale", DOMAIN)
    for _ in range(exchanges.MAX_FAILURES):
        challenge_of(client, opened)
        refused(present(client, opened, vp), "wrong-challenge")
    state = client.get(path(opened["exchangeUrl"]), headers=api_key).json()
    assert state["state"] == "invalid"
    again = client.post(path(opened["exchangeUrl"]), json={})
    assert again.status_code == 409 and again.json()["type"] == PROBLEM + "exchange-invalid"


def test_expired_exchange_is_gone(client: TestClient, svc: Services, opened: dict,
                                  api_key: dict) -> None:
    challenge = challenge_of(client, opened)
    with svc.db.session() as session:
        session.execute(update(Exchange).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    vp, _ = signed_vp(challenge, DOMAIN)
    for response in (present(client, opened, vp), client.post(path(opened["exchangeUrl"]),
                                                              json={}),
                     client.get(path(opened["interactionUrl"]) + "?iuv=1")):
        assert response.status_code == 410
        assert response.json()["type"] == PROBLEM + "exchange-expired"
    assert client.get(path(opened["exchangeUrl"]), headers=api_key).json()["state"] == "invalid"


@pytest.mark.parametrize("exchange_id", ["A" * 43, "short", "x" * 64])
def test_unknown_exchange_is_not_found(client: TestClient, exchange_id: str) -> None:
    for response in (client.post(f"/workflows/award-delivery/exchanges/{exchange_id}", json={}),
                     client.get(f"/interactions/{exchange_id}?iuv=1")):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM + "exchange-not-found"


def test_revoked_award_is_neither_offered_nor_delivered(client: TestClient, opened: dict,
                                                        issued: dict, api_key: dict,
                                                        admin: dict) -> None:
    challenge = challenge_of(client, opened)
    revoked = client.post(f"/admin/credentials/{issued['credentials']['ob3']['id']}/status",
                          json={"action": "revoke", "reason": "test"}, headers=admin)
    assert revoked.status_code == 200, revoked.text
    vp, _ = signed_vp(challenge, DOMAIN)
    response = present(client, opened, vp)
    assert response.status_code == 409 and response.json()["type"] == PROBLEM + "award-not-active"
    # Nor does the exchange ask a wallet to sign for it any more, or show its page.
    for refusal in (client.post(path(opened["exchangeUrl"]), json={}),
                    client.get(path(opened["interactionUrl"]) + "?iuv=1")):
        assert refusal.status_code == 409
        assert refusal.json()["type"] == PROBLEM + "award-not-active"
    again = client.post(f"/awards/{issued['awardId']}/exchanges", headers=api_key)
    assert again.status_code == 409


@pytest.fixture
def other_key(client: TestClient, admin: dict) -> dict[str, str]:
    body = {**ISSUER_BODY, "slug": "uni-leiden", "legal_name": "Leiden University",
            "country": "NL", "url": "https://leiden.example", "email": "r@leiden.example"}
    assert client.post("/admin/issuers", json=body, headers=admin).status_code == 201
    token = client.post("/admin/issuers/uni-leiden/api-keys", headers=admin).json()["apiKey"]
    return {"Authorization": f"Bearer {token}"}


def test_other_issuers_award_and_exchange_are_not_theirs(client: TestClient, issued: dict,
                                                         opened: dict,
                                                         other_key: dict) -> None:
    award = issued["awardId"]
    mine = client.post(f"/awards/{award}/exchanges", headers=other_key)
    assert mine.status_code == 404
    vcalm = client.post("/workflows/award-delivery/exchanges", json={"awardId": award},
                        headers=other_key)
    assert vcalm.status_code == 404
    state = client.get(path(opened["exchangeUrl"]), headers=other_key)
    assert state.status_code == 404 and state.json()["type"] == PROBLEM + "exchange-not-found"


def test_exchanges_need_the_issuer_api_key(client: TestClient, issued: dict,
                                           opened: dict) -> None:
    assert client.post(f"/awards/{issued['awardId']}/exchanges").status_code == 401
    assert client.get(path(opened["exchangeUrl"])).status_code == 401
    wrong = {"Authorization": "Bearer not-a-key"}
    assert client.post("/workflows/award-delivery/exchanges", json={"awardId": "x"},
                       headers=wrong).status_code == 403


def test_vcalm_create_answers_204_with_location(client: TestClient, issued: dict,
                                                api_key: dict) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    response = client.post("/workflows/award-delivery/exchanges",
                           json={"variables": {"awardId": issued["awardId"]}, "expires": soon},
                           headers=api_key)
    assert response.status_code == 204, response.text
    location = response.headers["location"]
    assert location.startswith(f"{BASE_URL}/workflows/award-delivery/exchanges/")
    state = client.get(path(location), headers=api_key)
    assert state.status_code == 200
    body = state.json()
    assert body["state"] == "pending" and body["sequence"] == 0
    assert body["id"] == location.rsplit("/", 1)[1]
    assert body["variables"] == {"awardId": issued["awardId"]}


@pytest.mark.parametrize("body", [{}, {"awardId": ""}, {"awardId": "a" * 65},
                                  {"awardId": "x", "extra": 1}, {"awardId": 7},
                                  {"expires": "2000-01-01T00:00:00Z", "awardId": "x"},
                                  {"variables": {"awardId": "b" * 65}}])
def test_vcalm_create_refuses_bad_bodies(client: TestClient, issued: dict, api_key: dict,
                                         body: dict) -> None:
    if "expires" in body:
        body = {**body, "awardId": issued["awardId"]}
    response = client.post("/workflows/award-delivery/exchanges", json=body, headers=api_key)
    assert response.status_code == 400, response.text
    assert response.json()["type"] == PROBLEM + "bad-request"


def test_expiry_cannot_be_longer_than_the_ttl(client: TestClient, issued: dict,
                                              api_key: dict) -> None:
    late = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    response = client.post("/workflows/award-delivery/exchanges",
                           json={"awardId": issued["awardId"], "expires": late}, headers=api_key)
    assert response.status_code == 400 and "1800 seconds" in response.json()["detail"]


@pytest.mark.parametrize("body", [[], "text", {"verifiablePresentation": "x"},
                                  {"verifiablePresentation": {"type": "Nope"}},
                                  {"other": {}}])
def test_bad_participation_bodies_are_client_errors(client: TestClient, opened: dict,
                                                    body: Any) -> None:
    challenge_of(client, opened)
    response = client.post(path(opened["exchangeUrl"]), json=body)
    assert response.status_code == 400, response.text


def test_oversized_presentation_is_refused(client: TestClient, opened: dict) -> None:
    huge = {"verifiablePresentation": {"type": ["VerifiablePresentation"],
                                       "padding": "x" * exchanges.MAX_PARTICIPATE_BYTES}}
    response = client.post(path(opened["exchangeUrl"]), json=huge)
    assert response.status_code == 413
    assert response.json()["type"] == PROBLEM + "payload-too-large"


def test_interaction_url_answers_wallets_and_browsers(client: TestClient, opened: dict) -> None:
    url = path(opened["interactionUrl"]) + "?iuv=1"
    wallet = client.get(url, headers={"Accept": "application/json"})
    assert wallet.status_code == 200
    assert wallet.json() == {"protocols": {"vcapi": opened["exchangeUrl"]}}
    browser = client.get(url, headers={"Accept": "text/html"})
    assert browser.status_code == 200 and "text/html" in browser.headers["content-type"]
    html = browser.text
    assert opened["lcw"]["app"] in html
    assert opened["qrUrl"] in html and "Learner Credential Wallet" in html
    german = client.get(url + "&lang=de", headers={"Accept": "text/html"})
    assert german.status_code == 200 and 'lang="de"' in german.text
    qr = client.get(path(opened["qrUrl"]))
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml") and b"<svg" in qr.content
    # It encodes the https link LCW's scanner reads (the same symbol segno draws for it).
    drawn = io.BytesIO()
    segno.make(opened["lcw"]["web"], error="m").save(drawn, kind="svg", scale=5, border=2,
                                                     title="QR code")
    assert qr.content == drawn.getvalue()


def test_exchange_ids_stay_out_of_the_access_log_and_the_database(
        client: TestClient, svc: Services, opened: dict, api_key: dict,
        caplog: pytest.LogCaptureFixture) -> None:
    secret = opened["exchangeId"]
    with caplog.at_level(logging.INFO, logger="mcred.access"):
        client.post(path(opened["exchangeUrl"]), json={})
        client.get(path(opened["exchangeUrl"]), headers=api_key)
        client.get(path(opened["interactionUrl"]) + "?iuv=1")
        client.get(path(opened["qrUrl"]))
    assert secret not in caplog.text
    assert "/workflows/award-delivery/exchanges/{exchange_id}" in caplog.text
    with svc.db.session() as session:
        [row] = session.query(Exchange).all()
        assert secret not in (row.id_hash, row.challenge)


def test_presentation_before_any_request_is_refused(client: TestClient, opened: dict) -> None:
    vp, _ = signed_vp("never-asked", DOMAIN)
    refused(present(client, opened, vp), "no-challenge")


def test_non_json_participation_is_a_client_error(client: TestClient, opened: dict) -> None:
    response = client.post(path(opened["exchangeUrl"]), content=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text


def test_two_presentations_at_once_deliver_one_credential(client: TestClient, svc: Services,
                                                          opened: dict) -> None:
    vp, _ = signed_vp(challenge_of(client, opened), DOMAIN)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: present(client, opened, vp), range(2)))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    with svc.db.session() as session:
        delivered = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "credential.deliver")).all()
    assert len(delivered) == 1 and delivered[0].detail["channel"] == "vc-api"


def test_create_exchange_for_the_learner_home(client: TestClient, svc: Services,
                                              issued: dict) -> None:
    """The plain function the learner home calls (the learner's own award, no issuer key)."""
    with svc.db.session() as session:
        created = exchanges.create_exchange(session, issued["awardId"], 60, "learner:test")
    assert timedelta(seconds=55) < created.expires_at - datetime.now(UTC) <= timedelta(
        seconds=60)
    links = created.to_json(BASE_URL)
    answer = client.get(path(links["interactionUrl"]) + "?iuv=1")
    assert answer.status_code == 200
    assert answer.json()["protocols"]["vcapi"] == links["exchangeUrl"]
