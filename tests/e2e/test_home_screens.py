"""The home page in Chromium (issue 15) at 1280 and 390 CSS px: what the service is, and a way
to verify a credential on the first screen; nothing scrolls sideways. Screenshots go to
artifacts/ (copied to docs/screenshots/)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.e2e.test_browser import ARTIFACTS, browser, server  # noqa: F401  (fixtures)


@pytest.mark.parametrize("width", [1280, 390])
def test_home_page_first_screen(browser: Browser, server: dict[str, Any],  # noqa: F811
                                width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    response = page.goto(server["base"] + "/")
    assert response is not None and response.status == 200
    url_box = page.locator("input[name=url]").first
    assert url_box.is_visible()
    assert url_box.bounding_box()["y"] < 800  # verifying starts on the first screen
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator('a[href="/docs"]').count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{width}.png"), full_page=True)
    url_box.fill(server["link"])
    url_box.press("Enter")
    page.wait_for_load_state()
    assert page.locator("[data-headline]").first.get_attribute("data-headline") == "verified"
    context.close()


def test_only_the_home_page_is_indexable(server: dict[str, Any]) -> None:  # noqa: F811
    import httpx

    with httpx.Client(base_url=server["base"], headers={"Accept": "text/html"}) as web:
        assert 'name="robots"' not in web.get("/").text
        assert '<meta name="robots" content="noindex, nofollow">' in web.get("/verify").text
