"""The first screen on a phone (390 by 844 CSS px, issue 15): the verification status, the badge,
the learner, the issuer and the date are on it, the share actions start right after; a revoked
credential's banner is on top with nothing to share; nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import ADMIN_TOKEN
from tests.e2e.test_browser import ARTIFACTS, browser, server  # noqa: F401  (fixtures)
from tests.samples import FULL_SPEC, award_body

PHONE = {"width": 390, "height": 844}
TOP = """s => { const e = document.querySelector(s);
               return e ? Math.round(e.getBoundingClientRect().top + scrollY) : null; }"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True,
                                  device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def revoked_link(server: dict[str, Any]) -> str:  # noqa: F811
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=server["base"], timeout=30) as api:
        key = {"Authorization": "Bearer " + api.post(
            "/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]}
        achievement = api.post("/achievements", json=FULL_SPEC, headers=key).json()
        learner = {"name": "Jaan Tamm", "email": "jaan.tamm@example.ee", "studentId": "B999"}
        issued = api.post("/credentials/issue", headers=key,
                          json=award_body(achievement["id"], learner=learner)).json()
        api.post(f"/admin/credentials/{issued['credentials']['ob3']['id']}/status",
                 headers=admin, json={"action": "revoke", "reason": "issued in error"}
                 ).raise_for_status()
    return issued["shareLink"]["url"]


def _top(page: Page, selector: str) -> int | None:
    return page.evaluate(TOP, selector)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_share_page_first_screen(phone: Page, server: dict[str, Any]) -> None:  # noqa: F811
    phone.goto(server["link"])
    first_screen = PHONE["height"]
    for test_id in ("result", "outcome-top", "badge", "title", "learner", "issuer", "date"):
        top = _top(phone, f'[data-testid="{test_id}"]')
        assert top is not None and top < first_screen, (test_id, top)
    assert _top(phone, '[data-testid="result"]') < 120  # the answer comes first
    assert _top(phone, "#share-h") < first_screen  # the share actions start on it too
    assert _top(phone, "#share-h") < _top(phone, '[data-testid="elements"]')
    assert _top(phone, '[data-testid="elements"]') < _top(phone, '[data-testid="technical"]')
    assert not phone.locator('tr[data-check="proof"]').is_visible()  # folded
    phone.get_by_text("Technical details").click()
    assert phone.locator('tr[data-check="proof"]').is_visible()
    _no_sideways_scroll(phone)
    phone.screenshot(path=str(ARTIFACTS / "credential-page-390.png"), full_page=True)


def test_revoked_share_page_first_screen(phone: Page, revoked_link: str) -> None:
    phone.goto(revoked_link)
    banner = phone.get_by_test_id("banner")
    assert "Revoked on " in banner.inner_text()
    assert _top(phone, '[data-testid="banner"]') < 120
    assert phone.get_by_test_id("traffic-light").count() == 0
    assert phone.get_by_test_id("outcome-top").count() == 0
    assert phone.get_by_test_id("share").count() == 0
    assert phone.get_by_test_id("linkedin").count() == 0
    assert phone.get_by_test_id("learner").inner_text() == "Jaan Tamm"
    _no_sideways_scroll(phone)
    phone.screenshot(path=str(ARTIFACTS / "credential-page-revoked-390.png"), full_page=True)
