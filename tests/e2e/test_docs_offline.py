"""/docs renders in Chromium with every request off this machine refused (as offline)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Route

from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)


def test_docs_render_offline(browser: Browser, server: dict[str, Any]) -> None:  # noqa: F811
    context = browser.new_context()
    refused: list[str] = []

    def offline(route: Route) -> None:
        url = route.request.url
        local = urlsplit(url).hostname in ("127.0.0.1", "localhost")
        if local or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{server['base']}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=20000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/credentials/verify" in p for p in paths)
        assert refused == [] and errors == []
    finally:
        context.close()
