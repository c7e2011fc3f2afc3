"""Signing in to the learner home: a one-time link mailed only to an address that holds
credentials (delivered over real SMTP to aiosmtpd), the same answer for any other address,
a confirm page whose GET uses nothing, single use, expiry after 15 minutes, throttling,
CSRF, the session cookie's flags, and signing out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.db import utcnow
from app.deps import Services
from app.learners import sessions, signin
from app.learners.models import LearnerSession, LearnerSignInLink
from app.mail import sender
from app.main import build_services, create_app
from tests.conftest import make_settings
from tests.console.test_mail import Inbox, body_text
from tests.learners.conftest import (
    LEARNER,
    ask_for_link,
    confirm,
    csrf_on,
    issue,
    link_in,
    sign_in_outbox,
)

STRANGER = "nobody.known@example.org"


def test_a_known_address_gets_a_link_by_mail(browser: TestClient, client: TestClient,
                                             api_key: dict, achievement: dict, svc: Services,
                                             inbox: Inbox) -> None:
    issue(client, api_key, achievement)
    answer = ask_for_link(browser, LEARNER.upper())  # addresses compare case-insensitively
    assert answer.status_code == 200
    assert 'data-testid="link-sent"' in answer.text
    assert sender.send_due(svc.db, svc.settings) == 1
    [(recipients, message)] = inbox.messages
    assert recipients == [LEARNER.lower()]
    assert message["Subject"] == "Your sign-in link for mcred"
    path = link_in(body_text(message))
    assert "within 15 minutes" in body_text(message)
    # Only its digest is stored; the outbox keeps no live link once the mail is sent.
    token = path.rsplit("/", 1)[1]
    with svc.db.session(read_only=True) as session:
        stored = list(session.scalars(select(LearnerSignInLink)))
    assert [row.token_sha256 for row in stored] == [sessions.digest(token)]
    [row] = sign_in_outbox(svc)
    assert (row.state, row.text_body, row.html_body, row.award_id) == ("sent", "", "", None)
    assert token not in str(row.subject)
    assert confirm(browser, path).status_code == 303


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        svc: Services, inbox: Inbox) -> None:
    issue(client, api_key, achievement)
    known = ask_for_link(browser, LEARNER)
    unknown = ask_for_link(browser, STRANGER)
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(LEARNER, "ADDRESS") == unknown.text.replace(STRANGER, "ADDRESS")
    assert {k: v for k, v in known.headers.items() if k not in ("content-length", "date")} \
        == {k: v for k, v in unknown.headers.items() if k not in ("content-length", "date")}
    assert [m.to_address for m in sign_in_outbox(svc)] == [LEARNER.lower()]
    sender.send_due(svc.db, svc.settings)
    assert [r for r, _m in inbox.messages] == [[LEARNER.lower()]]


def test_the_link_signs_in_once(browser: TestClient, client: TestClient, api_key: dict,
                                achievement: dict, svc: Services) -> None:
    issue(client, api_key, achievement)
    ask_for_link(browser, LEARNER)
    path = link_in(sign_in_outbox(svc)[-1].text_body)
    # Opening the link (a mail scanner does) only shows the confirm button.
    for _ in range(3):
        page = browser.get(path)
        assert page.status_code == 200 and 'data-testid="confirm"' in page.text
    answer = browser.post(path, data={"csrf": csrf_on(page.text)}, follow_redirects=False)
    assert answer.status_code == 303
    home = browser.get("/me")
    assert 'data-testid="award"' in home.text
    again = TestClient(browser.app, base_url=str(browser.base_url),
                       headers={"Accept": "text/html"})
    used = again.get(path)
    assert used.status_code == 410 and 'data-testid="link-invalid"' in used.text
    form = again.get("/me")
    reused = again.post(path, data={"csrf": csrf_on(form.text)}, follow_redirects=False)
    assert reused.status_code == 410 and 'data-testid="link-invalid"' in reused.text
    assert sessions.cookie_name(True) not in reused.cookies


def test_the_link_expires_after_15_minutes(browser: TestClient, client: TestClient,
                                           api_key: dict, achievement: dict,
                                           svc: Services) -> None:
    issue(client, api_key, achievement)
    ask_for_link(browser, LEARNER)
    path = link_in(sign_in_outbox(svc)[-1].text_body)
    with svc.db.session(read_only=True) as session:
        [row] = session.scalars(select(LearnerSignInLink))
        lifetime = row.expires_at - row.created_at
    assert timedelta(minutes=14, seconds=55) <= lifetime <= timedelta(minutes=15, seconds=5)
    page = browser.get(path)
    assert page.status_code == 200
    with svc.db.session() as session:  # 15 minutes later: the stored expiry has passed
        session.execute(update(LearnerSignInLink).values(expires_at=utcnow() - timedelta(
            seconds=1)))
    assert browser.get(path).status_code == 410
    late = browser.post(path, data={"csrf": csrf_on(page.text)}, follow_redirects=False)
    assert late.status_code == 410 and 'data-testid="link-invalid"' in late.text


def test_a_wrong_token_gets_a_clear_page(browser: TestClient) -> None:
    for path in ("/me/link/not-a-real-token", "/me/link/" + "x" * 100):
        answer = browser.get(path)
        assert answer.status_code == 410
        assert "This sign-in link does not work" in answer.text
        assert 'href="/me"' in answer.text
    assert browser.get("/me/link/" + "x" * 101).status_code == 422  # over the input limit
    form = browser.get("/me")
    answer = browser.post("/me/link/no-such-link", data={"csrf": csrf_on(form.text)})
    assert answer.status_code == 410 and 'data-testid="link-invalid"' in answer.text


def test_requests_are_throttled_per_address_known_or_not(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        svc: Services) -> None:
    issue(client, api_key, achievement)
    for address in (LEARNER, STRANGER):
        for _ in range(signin.MAX_PER_ADDRESS):
            assert ask_for_link(browser, address).status_code == 200
        refused = ask_for_link(browser, address)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "Too many sign-in links" in refused.text
    assert len(sign_in_outbox(svc)) == signin.MAX_PER_ADDRESS


def test_requests_are_throttled_per_client(browser: TestClient) -> None:
    for n in range(signin.MAX_PER_CLIENT):
        assert ask_for_link(browser, f"learner{n}@example.org").status_code == 200
    assert ask_for_link(browser, "one.more@example.org").status_code == 429


def test_forms_without_their_token_are_refused(browser: TestClient, client: TestClient,
                                               api_key: dict, achievement: dict,
                                               svc: Services,
                                               sign_in: Callable[[TestClient, str], None]) -> None:
    answer = issue(client, api_key, achievement)
    browser.get("/me")
    forged = browser.post("/me/sign-in", data={"email": LEARNER, "csrf": "guess"})
    assert forged.status_code == 403
    assert sign_in_outbox(svc) == []
    cross = browser.post("/me/sign-in", data={"email": LEARNER, "csrf": "x"},
                         headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    sign_in(browser, LEARNER)
    award = answer["awardId"]
    for data, headers in (({"enabled": "false"}, {}),
                          ({"enabled": "false", "csrf": "stale"}, {}),
                          ({"enabled": "false", "csrf": csrf_on(browser.get("/me").text)},
                           {"Origin": "https://evil.example"}),
                          ({"enabled": "false", "csrf": csrf_on(browser.get("/me").text)},
                           {"Sec-Fetch-Site": "cross-site"})):
        refused = browser.post(f"/me/awards/{award}/sharing", data=data, headers=headers,
                               follow_redirects=False)
        assert refused.status_code == 403
    assert client.get(share_path_of(answer)).status_code == 200  # still shared


def share_path_of(answer: dict) -> str:
    return answer["shareLink"]["url"].removeprefix("https://mcred.test")


def test_the_session_cookie(browser: TestClient, client: TestClient, api_key: dict,
                            achievement: dict, svc: Services) -> None:
    issue(client, api_key, achievement)
    ask_for_link(browser, LEARNER)
    answer = confirm(browser, link_in(sign_in_outbox(svc)[-1].text_body))
    [cookie] = [c for c in answer.headers.get_list("set-cookie")
                if c.startswith("__Host-mcred-learner=")]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(flags)
    assert not any(f.startswith("domain=") for f in flags)  # __Host-: no Domain
    value = cookie.split(";")[0].split("=", 1)[1]
    with svc.db.session(read_only=True) as session:
        [row] = session.scalars(select(LearnerSession))
    assert row.token_sha256 == sessions.digest(value) and value not in row.token_sha256
    assert browser.get("/me").headers["cache-control"] == "no-store"
    assert browser.get("/me").headers["referrer-policy"] == "same-origin"


def test_plain_http_uses_a_cookie_without_secure(database_url: str, tmp_path: Path,
                                                 smtp_port: int) -> None:
    local = make_settings(database_url, tmp_path / "keys", public_base_url="http://127.0.0.1:8000")
    svc = build_services(local)
    try:
        with TestClient(create_app(svc=svc), base_url="http://127.0.0.1:8000",
                        headers={"Accept": "text/html"}) as plain:
            page = plain.get("/me")
            [cookie] = page.headers.get_list("set-cookie")
            assert cookie.startswith("mcred-learner-form=") and "secure" not in cookie.lower()
    finally:
        svc.db.dispose()


def test_signing_out_ends_the_session(browser: TestClient, client: TestClient, api_key: dict,
                                      achievement: dict, svc: Services,
                                      sign_in: Callable[[TestClient, str], None]) -> None:
    issue(client, api_key, achievement)
    sign_in(browser, LEARNER)
    cookie = browser.cookies.get("__Host-mcred-learner")
    assert cookie
    home = browser.get("/me")
    out = browser.post("/me/sign-out", data={"csrf": csrf_on(home.text)}, follow_redirects=False)
    assert out.status_code == 303
    with svc.db.session(read_only=True) as session:
        assert list(session.scalars(select(LearnerSession))) == []
    stolen = TestClient(browser.app, base_url=str(browser.base_url),
                        headers={"Accept": "text/html"}, cookies={"__Host-mcred-learner": cookie})
    assert 'data-testid="send-link"' in stolen.get("/me").text
    assert stolen.get("/me/awards/0/credential.json").status_code == 401


def test_an_idle_session_ends(browser: TestClient, client: TestClient, api_key: dict,
                              achievement: dict, svc: Services,
                              sign_in: Callable[[TestClient, str], None]) -> None:
    issue(client, api_key, achievement)
    sign_in(browser, LEARNER)
    assert 'data-testid="award"' in browser.get("/me").text
    with svc.db.session() as session:  # an hour and a second without a request
        session.execute(update(LearnerSession).values(
            last_seen_at=utcnow() - sessions.IDLE - timedelta(seconds=1)))
    assert 'data-testid="send-link"' in browser.get("/me").text


def test_the_access_log_names_routes_not_tokens(browser: TestClient, client: TestClient,
                                                api_key: dict, achievement: dict,
                                                svc: Services, caplog: Any) -> None:
    issue(client, api_key, achievement)
    ask_for_link(browser, LEARNER)
    path = link_in(sign_in_outbox(svc)[-1].text_body)
    token = path.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="mcred.access"):
        confirm(browser, path)
        browser.get("/p/sEcReTcOlLeCtIoNtOkEn")
    lines = [r.getMessage() for r in caplog.records if r.name == "mcred.access"]
    assert token not in caplog.text and "sEcReTcOlLeCtIoNtOkEn" not in caplog.text
    assert [line.split()[:3] for line in lines] == [
        ["GET", "/me/link/{token}", "200"], ["POST", "/me/link/{token}", "303"],
        ["GET", "/p/{token}", "404"]]


def test_a_refused_sign_in_mail_keeps_no_link(browser: TestClient, client: TestClient,
                                              api_key: dict, achievement: dict,
                                              svc: Services, inbox: Inbox) -> None:
    issue(client, api_key, achievement, learner={"name": "No One", "email": "nobody@example.ee"})
    ask_for_link(browser, "nobody@example.ee", headers={"Accept-Language": "de-AT,de;q=0.9"})
    assert sender.send_due(svc.db, svc.settings) == 0  # 550 from the server: failed for good
    [row] = sign_in_outbox(svc)
    assert (row.state, row.language, row.text_body, row.html_body) == ("failed", "de", "", "")
    assert inbox.messages == []


def test_the_language_switcher_of_an_answer_to_a_post_leads_back(browser: TestClient) -> None:
    sent = ask_for_link(browser, STRANGER)
    assert 'href="/me/sign-in?lang=de"' in sent.text
    back = browser.get("/me/sign-in?lang=de", follow_redirects=False)
    assert (back.status_code, back.headers["location"]) == (303, "/me?lang=de")
    assert browser.get("/me/collections?lang=%00", follow_redirects=False).headers[
        "location"] == "/me"
