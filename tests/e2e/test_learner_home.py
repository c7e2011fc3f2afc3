"""The learner home in Debian's Chromium against a real mcred server: the learner asks for a
sign-in link, opens it from the outbox, confirms, sees awards of two issuers, turns sharing
off (the share page is gone) and on again, publishes a collection and opens it, each
credential verified on it. Every page passes axe-core with no serious or critical violation
and fits 390 px; each is photographed at 1280 and 390 px (artifacts/learner-*.png)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests import samples
from tests.conftest import ADMIN_TOKEN
from tests.e2e.servers import mcred_server
from tests.e2e.test_browser import ARTIFACTS, browser  # noqa: F401
from tests.e2e.test_console import axe_violations

LEARNER = samples.LEARNER["email"]
ISSUERS = (("uni-tartu", "University of Tartu", "https://ut.ee", "Digital Skills"),
           ("uni-leiden", "Leiden University", "https://leiden.nl", "Data Stewardship"))


@pytest.fixture(scope="module")
def learner_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("learner")
    with mcred_server(folder, None, ("--workers", "1")) as base, \
            httpx.Client(base_url=base, timeout=60) as api:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        for slug, name, site, title in ISSUERS:
            api.post("/admin/issuers", headers=admin, json={
                "slug": slug, "legal_name": name, "country": "EE", "url": site,
                "email": f"info@{site[8:]}"}).raise_for_status()
            key = {"Authorization": "Bearer " + api.post(
                f"/admin/issuers/{slug}/api-keys", headers=admin).json()["apiKey"]}
            achievement = api.post("/achievements", headers=key,
                                   json={**samples.FULL_SPEC, "title": title})
            achievement.raise_for_status()
            api.post("/credentials/issue", headers=key, json=samples.award_body(
                achievement.json()["id"])).raise_for_status()
        yield {"base": base, "db": folder / "mcred.db"}


def _sign_in_link(db: Path) -> str:
    """The link in the newest sign-in mail of the outbox (no SMTP server: it stays queued)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT text_body FROM mail_outbox WHERE kind = 'sign-in'"
                           " ORDER BY id DESC LIMIT 1").fetchone()
    assert row, "no sign-in mail queued"
    found = re.search(r"https?://\S+/me/link/[A-Za-z0-9_-]+", row[0])
    assert found, row[0]
    return found.group(0)


def _check(page: Page, name: str, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"learner-{name}-{width}.png"), full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{name} is {wide} px wide at {width} px"
    bad = [v for v in axe_violations(page) if v[1] in ("serious", "critical")]
    assert bad == [], (name, width, bad)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_learner_walk(browser: Browser, learner_server: dict[str, Any],  # noqa: F811
                          width: int) -> None:
    base = learner_server["base"]
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                  bypass_csp=True)  # to add axe-core's script
    page = context.new_page()
    page.goto(base + "/me")
    _check(page, "sign-in", width)
    page.get_by_label("The e-mail address your credentials were sent to").fill(LEARNER)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_test_id("link-sent")).to_be_visible()
    _check(page, "link-sent", width)

    page.goto(_sign_in_link(learner_server["db"]))
    _check(page, "confirm", width)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/me")
    cards = page.get_by_test_id("award")
    expect(cards).to_have_count(2)
    expect(page.get_by_text("Leiden University").first).to_be_visible()
    _check(page, "home", width)

    first = cards.first
    share = first.get_by_test_id("share-link").get_attribute("href")
    assert share and share.startswith("/c/")
    first.get_by_role("button", name="Turn sharing off").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Sharing is off")
    assert httpx.get(base + share).status_code == 404
    page.get_by_test_id("award").first.get_by_role("button", name="Turn sharing on").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Sharing is on")
    assert httpx.get(base + share).status_code == 200

    page.get_by_label("Name", exact=True).fill(f"Applications ({width})")
    page.get_by_label("Digital Skills").check()
    page.get_by_label("Data Stewardship").check()
    page.get_by_role("button", name="Publish the collection").click()
    expect(page.get_by_test_id("notice")).to_contain_text("published")
    _check(page, "home-collection", width)
    link = page.get_by_test_id("collection-link").first
    link.click()
    expect(page.get_by_test_id("collection-name")).to_have_text(f"Applications ({width})")
    items = page.get_by_test_id("item")
    expect(items).to_have_count(2)
    for n in range(2):
        expect(items.nth(n)).to_have_attribute("data-verified", "true")
    _check(page, "collection", width)

    # Add to a wallet app: the choice, then the OpenID4VCI offer with its QR code and code.
    page.goto(base + "/me")
    page.get_by_test_id("award").first.get_by_test_id("add-to-wallet").click()
    expect(page.get_by_test_id("make-exchange")).to_be_visible()
    _check(page, "wallet", width)
    page.get_by_test_id("make-offer").click()
    expect(page.get_by_test_id("tx-code")).to_have_text(re.compile(r"^\d{6}$"))
    expect(page.get_by_test_id("offer-qr")).to_be_visible()
    # The QR code is its own request (an SVG): wait for it to load, then check it drew something.
    page.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=\"offer-qr\"]');"
        " return img.complete && img.naturalWidth > 0; }")
    assert page.eval_on_selector('[data-testid="offer-qr"]', "img => img.naturalWidth") > 0
    _check(page, "wallet-offer", width)
    context.close()
