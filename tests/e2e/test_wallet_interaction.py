"""The wallet interaction page (a learner opens the interaction URL in a browser) in Chromium
at 1280 and 390 CSS px: the QR code loads under the page's CSP, the button opens LCW with the
exchange, nothing scrolls sideways, and axe finds no WCAG 2.1 A/AA violation. Screenshots go
to artifacts/."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser

from tests.conftest import ADMIN_TOKEN
from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import ARTIFACTS, browser, server  # noqa: F401  (fixtures)
from tests.samples import FULL_SPEC, award_body


@pytest.fixture(scope="module")
def exchange(server: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    with httpx.Client(base_url=server["base"], timeout=30) as api:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        key = {"Authorization": "Bearer " + api.post(
            "/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]}
        achievement = api.post("/achievements", json=FULL_SPEC, headers=key).json()
        issued = api.post("/credentials/issue", json=award_body(achievement["id"]),
                          headers=key).json()
        opened = api.post(f"/awards/{issued['awardId']}/exchanges", headers=key)
        assert opened.status_code == 201, opened.text
        return opened.json()


@pytest.mark.parametrize("width", [1280, 390])
def test_wallet_page_for_a_learner(browser: Browser, exchange: dict[str, Any],  # noqa: F811
                                   width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    response = page.goto(exchange["interactionUrl"])
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "Add your credential to your wallet"
    assert "Data Literacy for Public Administration" in page.get_by_test_id("offer").inner_text()
    qr = page.get_by_test_id("qr")
    assert qr.is_visible() and page.evaluate("q => q.naturalWidth > 0", qr.element_handle())
    button = page.get_by_test_id("open-lcw")
    assert button.is_visible()
    href = button.get_attribute("href") or ""
    message = json.loads(parse_qs(urlsplit(href).query)["request"][0])
    assert href == exchange["lcw"]["app"] and href.startswith("dccrequest://request?")
    assert message["protocols"]["vcapi"] == exchange["exchangeUrl"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"wallet-interaction-{width}.png"), full_page=True)
    context.close()


def test_wallet_page_has_no_axe_violations(browser: Browser,  # noqa: F811
                                           exchange: dict[str, Any]) -> None:
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.goto(exchange["interactionUrl"])
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    context.close()
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert result["passes"] and violations == [], violations
