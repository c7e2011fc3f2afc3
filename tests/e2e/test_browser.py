"""A real mcred server and Debian's Chromium (headless, driven by Playwright): the share link
page, the JSON download, the QR code, a tampered credential on the verification page, and a
baked badge uploaded for verification. Screenshots go to artifacts/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.servers import ROOT

ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def server(e2e_server: dict[str, Any]) -> dict[str, Any]:
    """The run's shared server with one trusted, issued award (see tests/e2e/conftest.py);
    tests that change what its pages show use a server of their own."""
    return e2e_server


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Iterator[Browser]:
    """The run's one Chromium; the contexts a module leaves open are closed after it."""
    yield chromium
    for context in chromium.contexts:
        context.close()


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900},
                                  accept_downloads=True, locale="en-GB")
    opened = context.new_page()
    yield opened
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_share_link_page(page: Page, server: dict, tmp_path: Path) -> None:
    page.goto(server["link"])
    page.keyboard.press("Tab")  # keyboard users: the first tab stop is the skip link
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.get_by_test_id("title").inner_text() == "Data Literacy for Public Administration"
    assert page.get_by_test_id("learner").inner_text() == "Mari Maasikas"
    assert page.get_by_test_id("result").inner_text().strip() == "Verified"
    for check in ("proof", "registry", "status", "validity", "completeness"):
        assert page.locator(f'tr[data-check="{check}"]').get_attribute("data-status") == "passed"
    assert "Recognisable" in page.get_by_test_id("traffic-light").inner_text()
    elements = page.get_by_test_id("elements").inner_text()
    assert "3 ECTS credits (75 hours)" in elements and "EQF level 6" in elements
    qr_width = page.get_by_test_id("qr").evaluate("img => img.complete && img.naturalWidth")
    assert qr_width > 0
    with page.expect_download() as download_info:
        page.get_by_test_id("download-json").click()
    saved = tmp_path / "credential.json"
    download_info.value.save_as(saved)
    assert json.loads(saved.read_text()) == server["credential"]
    with page.expect_download() as download_info:
        page.get_by_test_id("download-elm").click()
    assert download_info.value.suggested_filename == "credential-elm.json"
    download_info.value.save_as(saved)
    assert json.loads(saved.read_text()) == server["elm"]
    shot(page, "credential-page")


def test_learner_lets_search_engines_in_without_javascript(browser: Browser,
                                                           server: dict) -> None:
    """The folded form on the share page, in Chromium with JavaScript off; the link is put
    back as it was (other tests share the server)."""
    context = browser.new_context(java_script_enabled=False, locale="en-GB",
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    robots = page.locator('meta[name="robots"]')
    try:
        page.goto(server["link"])
        assert robots.get_attribute("content") == "noindex, nofollow"
        for button, indexed in (("Let search engines list this page", True),
                                ("Keep this page out of search engines", False)):
            page.get_by_test_id("search-engines").locator("summary").click()
            page.fill("#manage-key", server["manageKey"])
            if indexed:
                shot(page, "share-search-engines-390")
            with page.expect_navigation():
                page.get_by_role("button", name=button).click()
            assert page.url == server["link"]
            assert robots.count() == (0 if indexed else 1), button
            state = page.get_by_test_id("search-engines-state").text_content() or ""
            assert ("the learner allowed it" in state) is indexed, state
    finally:
        context.close()


def test_share_link_page_in_german(browser: Browser, server: dict) -> None:
    context = browser.new_context(locale="de-DE", extra_http_headers={
        "Accept-Language": "de-DE,de;q=0.9"})
    german = context.new_page()
    german.goto(server["link"])
    assert german.get_by_test_id("result").inner_text().strip() == "Verifiziert"
    assert german.locator("html").get_attribute("lang") == "de"
    context.close()


def test_tampered_credential_shows_red_proof(page: Page, server: dict) -> None:
    tampered = {**server["credential"], "name": "Quantum Physics PhD"}
    page.goto(f"{server['base']}/verify")
    page.get_by_label("Credential (JSON)").fill(json.dumps(tampered))
    page.get_by_role("button", name="Verify").first.click()
    page.wait_for_selector('[data-testid="result"]')
    assert page.get_by_test_id("result").inner_text().strip() == "Not verified"
    proof_row = page.locator('tr[data-check="proof"]')
    assert proof_row.get_attribute("data-status") == "failed"
    colour = proof_row.locator(".pill").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(251, 224, 224)"  # the red of .failed
    shot(page, "verify-page-tampered")


def test_baked_png_round_trip(page: Page, server: dict, tmp_path: Path) -> None:
    png = httpx.get(f"{server['link']}/badge.png").content
    badge = tmp_path / "badge.png"
    badge.write_bytes(png)
    page.goto(f"{server['base']}/verify")
    page.get_by_label("Badge image or JSON file").set_input_files(str(badge))
    page.get_by_role("button", name="Verify").first.click()
    page.wait_for_selector('[data-testid="result"]')
    assert page.get_by_test_id("result").inner_text().strip() == "Verified"
    assert page.get_by_test_id("verified-title").inner_text() == \
        "Data Literacy for Public Administration"
    shot(page, "verify-page-baked-png")
