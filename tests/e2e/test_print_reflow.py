"""Print and narrow screens (issue 15): the share page prints on one A4 page with its answer,
check time, link and QR, colours kept; at 320 CSS px (WCAG 1.4.10 reflow) no page scrolls
sideways."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

import pytest
from playwright.sync_api import Browser
from pypdf import PdfReader

from tests.e2e.test_browser import ARTIFACTS, browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_phone import revoked_link  # noqa: F401  (fixture)


def test_share_page_prints_on_one_a4_page(browser: Browser,  # noqa: F811
                                          server: dict[str, Any]) -> None:  # noqa: F811
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(server["link"])
    page.emulate_media(media="print")
    assert not page.get_by_test_id("linkedin").is_visible()  # no buttons on paper
    assert not page.get_by_test_id("technical").is_visible()
    for test_id in ("result", "checked", "title", "learner", "issuer", "qr"):
        assert page.get_by_test_id(test_id).is_visible(), test_id
    assert page.locator("#share-link").input_value() == server["link"]
    # Colours kept: the green "Verified" pill prints green, not as grey on white.
    colour = page.evaluate("getComputedStyle(document.querySelector('.pill.passed'))"
                           ".printColorAdjust")
    assert colour == "exact"
    pdf = page.pdf(format="A4", print_background=True)
    context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "credential-page-print.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = unicodedata.normalize("NFKC", reader.pages[0].extract_text())  # the fi ligature
    for words in ("Verified", "Checked just now", "Mari Maasikas", "University of Tartu"):
        assert words in text, words


@pytest.mark.parametrize("path", ["share", "revoked", "/verify", "/verify?url=x"])
def test_pages_reflow_at_320_px(browser: Browser, server: dict[str, Any],  # noqa: F811
                                revoked_link: str, path: str) -> None:  # noqa: F811
    url = {"share": server["link"], "revoked": revoked_link}.get(path, server["base"] + path)
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    page = context.new_page()
    page.goto(url)
    width = page.evaluate("document.documentElement.scrollWidth")
    widest = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .map(e => [e.getBoundingClientRect().right, e.tagName + '.' + e.className])
        .filter(([r]) => r > 320.5).map(([r, n]) => n + ':' + Math.round(r)).slice(0, 5)""")
    if path == "share":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "credential-page-320.png"), full_page=True)
    context.close()
    assert width <= 320, widest
