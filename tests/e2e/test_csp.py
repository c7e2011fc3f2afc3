"""The Content-Security-Policy does not break the pages: in Chromium, the share page, the
verification page (form and result) and the error page report no CSP violation, their
stylesheet applies, and the copy button's script (a file of ours under /static) runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, list[str]]]:  # noqa: F811
    context = browser.new_context(locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.add_init_script(WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    yield page, console
    context.close()


def _assert_no_violation(page: Page, console: list[str]) -> None:
    assert page.evaluate("window.__csp") == []
    assert [m for m in console if "Content Security Policy" in m or "Refused" in m] == []
    # the stylesheet applied (a blocked one would leave the header unstyled)
    colour = page.locator("header.site").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(18, 49, 95)"


def test_share_page_runs_under_the_policy(watched: tuple[Page, list[str]],
                                          server: dict[str, Any]) -> None:  # noqa: F811
    page, console = watched
    response = page.goto(server["link"])
    assert response is not None and "script-src 'self';" in \
        response.headers["content-security-policy"]
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_function("document.getElementById('copy').textContent === 'Copied'")
    assert page.get_by_test_id("qr").evaluate("img => img.complete && img.naturalWidth") > 0
    _assert_no_violation(page, console)


def test_verify_page_and_result_under_the_policy(watched: tuple[Page, list[str]],
                                                 server: dict[str, Any]) -> None:  # noqa: F811
    page, console = watched
    page.goto(f"{server['base']}/verify")
    _assert_no_violation(page, console)
    page.get_by_label("Credential (JSON)").fill(json.dumps(server["credential"]))
    page.get_by_role("button", name="Verify").first.click()  # form-action 'self'
    page.wait_for_selector('[data-testid="result"]')
    assert page.get_by_test_id("result").inner_text().strip() == "Verified"
    _assert_no_violation(page, console)


def test_error_page_under_the_policy(watched: tuple[Page, list[str]],
                                     server: dict[str, Any]) -> None:  # noqa: F811
    page, console = watched
    response = page.goto(f"{server['base']}/c/no-such-token")
    assert response is not None and response.status == 404
    assert "text/html" in response.headers["content-type"]
    assert page.locator("[data-problem]").get_attribute("data-problem") == \
        "urn:mcred:problem:not-found"
    _assert_no_violation(page, console)
