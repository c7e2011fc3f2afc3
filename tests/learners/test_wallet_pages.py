""""Add to a wallet app" on the learner home: behind the learner's sign-in, a single-use
OpenID4VCI offer whose QR link, transaction code and pre-authorized code work at the token
endpoint, or a VC-API exchange for LCW; the award e-mail's and share page's wallet links lead
here; nobody else's award, no revoked one, no form without its token."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.conftest import BASE_URL
from tests.learners.conftest import LEARNER, csrf_on, issue, share_path

SignIn = Callable[[TestClient, str], None]
OTHER = {"name": "Jaan Tamm", "email": "jaan.tamm@example.ee"}
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def wallet_page(browser: TestClient, award_id: str) -> str:
    page = browser.get(f"/me/awards/{award_id}/wallet")
    assert page.status_code == 200, page.text
    return page.text


def test_signed_out_the_wallet_link_asks_to_sign_in(browser: TestClient, client: TestClient,
                                                    api_key: dict, achievement: dict) -> None:
    award = issue(client, api_key, achievement)["awardId"]
    page = browser.get(f"/me/awards/{award}/wallet")
    assert page.status_code == 200
    assert 'data-testid="notice"' in page.text and 'data-testid="send-link"' in page.text
    assert 'data-testid="make-offer"' not in page.text  # nothing offered before sign-in


def test_the_offer_shown_to_the_learner_works_at_the_token_endpoint(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        sign_in: SignIn) -> None:
    award = issue(client, api_key, achievement)["awardId"]
    sign_in(browser, LEARNER)
    home = browser.get("/me").text
    assert f'href="/me/awards/{award}/wallet"' in home
    choose = wallet_page(browser, award)
    assert 'data-testid="make-offer"' in choose and 'data-testid="make-exchange"' in choose
    answer = browser.post(f"/me/awards/{award}/wallet/openid4vci",
                          data={"csrf": csrf_on(choose)})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"].startswith("no-store")  # a code on the page
    tx_code = re.search(r'data-testid="tx-code">(\d{6})<', answer.text).group(1)
    link = html.unescape(re.search(r'href="(openid-credential-offer://[^"]+)"',
                                   answer.text).group(1))
    offer_uri = parse_qs(urlsplit(link).query)["credential_offer_uri"][0]
    offer = client.get(offer_uri.removeprefix(BASE_URL))
    assert offer.status_code == 200, offer.text
    code = offer.json()["grants"][PRE_AUTHORIZED]["pre-authorized_code"]
    assert client.get(offer_uri.removeprefix(BASE_URL) + "/qr.svg").status_code == 200
    wrong = client.post("/oid4vci/token", data={"grant_type": PRE_AUTHORIZED,
                                                "pre-authorized_code": code,
                                                "tx_code": "000000" if tx_code != "000000"
                                                else "111111"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    token = client.post("/oid4vci/token", data={"grant_type": PRE_AUTHORIZED,
                                                "pre-authorized_code": code,
                                                "tx_code": tx_code})
    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "Bearer"


def test_the_lcw_choice_opens_an_exchange_for_the_award(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        sign_in: SignIn) -> None:
    award = issue(client, api_key, achievement)["awardId"]
    sign_in(browser, LEARNER)
    answer = browser.post(f"/me/awards/{award}/wallet/lcw",
                          data={"csrf": csrf_on(wallet_page(browser, award))},
                          follow_redirects=False)
    assert answer.status_code == 303
    interaction = answer.headers["location"]
    assert interaction.startswith(f"{BASE_URL}/interactions/") and interaction.endswith("?iuv=1")
    protocols = client.get(interaction.removeprefix(BASE_URL),
                           headers={"Accept": "application/json"})
    assert protocols.status_code == 200, protocols.text
    vcapi = protocols.json()["protocols"]["vcapi"]
    request = client.post(vcapi.removeprefix(BASE_URL), json={})
    assert request.status_code == 200, request.text
    assert request.json()["verifiablePresentationRequest"]["query"][0]["type"] == \
        "DIDAuthentication"


def test_no_wallet_copy_of_someone_elses_award_or_without_the_form_token(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        sign_in: SignIn) -> None:
    mine = issue(client, api_key, achievement)["awardId"]
    theirs = issue(client, api_key, achievement, learner=OTHER)["awardId"]
    sign_in(browser, LEARNER)
    token = csrf_on(wallet_page(browser, mine))
    assert browser.get(f"/me/awards/{theirs}/wallet").status_code == 404
    for choice in ("openid4vci", "lcw"):
        assert browser.post(f"/me/awards/{theirs}/wallet/{choice}",
                            data={"csrf": token}).status_code == 404
        assert browser.post(f"/me/awards/{mine}/wallet/{choice}",
                            data={"csrf": "forged"}).status_code == 403


def test_a_revoked_award_is_not_offered(browser: TestClient, client: TestClient,
                                        api_key: dict, achievement: dict, admin: dict,
                                        sign_in: SignIn) -> None:
    issued = issue(client, api_key, achievement)
    award = issued["awardId"]
    revoked = client.post(f"/admin/credentials/{issued['credentials']['ob3']['id']}/status",
                          json={"action": "revoke", "reason": "issued in error"},
                          headers=admin)
    assert revoked.status_code == 200, revoked.text
    sign_in(browser, LEARNER)
    assert f'href="/me/awards/{award}/wallet"' not in browser.get("/me").text
    page = wallet_page(browser, award)
    assert 'data-testid="not-deliverable"' in page and 'data-testid="make-offer"' not in page
    token = csrf_on(browser.get("/me").text)
    for choice in ("openid4vci", "lcw"):
        assert browser.post(f"/me/awards/{award}/wallet/{choice}",
                            data={"csrf": token}).status_code == 409


def test_the_share_page_links_to_the_learners_wallet_page(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict) -> None:
    issued = issue(client, api_key, achievement)
    page = browser.get(share_path(issued))
    assert page.status_code == 200
    assert f'href="/me/awards/{issued["awardId"]}/wallet"' in page.text
