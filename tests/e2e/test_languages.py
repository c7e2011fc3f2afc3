"""German and French pages in Chromium (issue: languages): the share page and the
verification page in the reader's language, chosen by the browser's language and by the
switcher (plain links, no script), at 1280, 390 and 320 CSS px; axe-core finds no
violation; the issuer's English texts are marked lang="en". Screenshots are written to
docs/screenshots/ (credential-page-de-390.png, credential-page-fr-1280.png, verify-fr-390.png…)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import ROOT, browser, server  # noqa: F401  (fixtures)

SCREENSHOTS = ROOT / "docs" / "screenshots"
SAID = {  # what each page says in the language, as a person sees it
    "de": {"headline": "Verifiziert", "outcome": "Anerkennbar",
           "share": "Teilen und herunterladen", "country": "Estland", "date": "30. Juni 2026",
           "tampered": "Nach dem Signieren verändert", "verify": "Einen Micro-Credential prüfen",
           "proof": "die Signatur passt nicht zum Inhalt"},
    "fr": {"headline": "Vérifiée", "outcome": "Reconnaissable",
           "share": "Partager et télécharger", "country": "Estonie", "date": "30 juin 2026",
           "tampered": "Modifiée après la signature", "verify": "Vérifier une microcertification",
           "proof": "la signature ne correspond pas au contenu"},
}


def _axe(page: Page) -> list[Any]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    assert result["passes"], "axe ran no rule"
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def _shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _tampered(server: dict[str, Any]) -> str:  # noqa: F811
    credential = json.loads(json.dumps(server["credential"]))
    credential["credentialSubject"]["achievement"]["name"] = "Something else"
    return json.dumps(credential)


@pytest.mark.parametrize("lang", ["de", "fr"])
@pytest.mark.parametrize("width", [1280, 390])
def test_share_page_in_the_browsers_language(browser: Browser, server: dict[str, Any],  # noqa: F811
                                             lang: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang,
                                  bypass_csp=True)  # axe is injected; the CSP is tested elsewhere
    page = context.new_page()
    page.goto(server["link"])  # no ?lang=: Chromium's Accept-Language decides
    assert page.evaluate("document.documentElement.lang") == lang
    said = SAID[lang]
    assert page.get_by_test_id("result").inner_text() == said["headline"]
    assert page.get_by_test_id("outcome-top").inner_text() == said["outcome"]
    assert page.locator("#share-h").inner_text() == said["share"]
    assert said["country"] in page.get_by_test_id("issuer").inner_text()
    assert page.get_by_test_id("date").inner_text() == said["date"]
    assert page.get_by_test_id("title").get_attribute("lang") == "en"  # the issuer's text
    current = page.locator("nav.languages a[aria-current=true]")
    assert current.count() == 1 and current.get_attribute("lang") == lang
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("details.technical summary").click()  # checks in the language, too
    assert page.locator('[data-check="status"] [data-testid=check-message]').inner_text() == \
        {"de": "weder widerrufen noch ausgesetzt", "fr": "ni révoquée ni suspendue"}[lang]
    page.locator("details.technical summary").click()
    _shot(page, f"credential-page-{lang}-{width}")
    assert _axe(page) == []
    context.close()


@pytest.mark.parametrize("lang", ["de", "fr"])
@pytest.mark.parametrize("width", [1280, 390])
def test_verify_page_of_an_altered_credential(browser: Browser, server: dict[str, Any],  # noqa: F811
                                              lang: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang,
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(server["base"] + "/verify")
    assert page.locator("h1").inner_text() == SAID[lang]["verify"]
    page.fill("#credential", _tampered(server))
    page.locator("form[method=post] button[type=submit]").click()
    page.wait_for_load_state()
    assert SAID[lang]["tampered"] in page.get_by_test_id("banner").inner_text()
    page.locator("details.technical summary").click()
    proof = page.locator('[data-check="proof"] [data-testid=check-message]')
    assert proof.inner_text().startswith(SAID[lang]["proof"])
    assert proof.locator('span[lang="en"]').count() == 1  # the library's words, marked English
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _shot(page, f"verify-{lang}-{width}")
    assert _axe(page) == []
    context.close()


def test_switcher_without_javascript(browser: Browser, server: dict[str, Any]) -> None:  # noqa: F811
    """A German reader switches the share page to French with a plain link, at 320 px."""
    context = browser.new_context(viewport={"width": 320, "height": 800}, locale="de",
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto(server["link"])
    assert page.evaluate("document.documentElement.lang") == "de"  # evaluate still works
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    link = page.locator('nav.languages a[lang="fr"]')
    assert link.is_visible() and link.inner_text() == "Français"
    box = link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 320 and box["height"] >= 24
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("?lang=fr")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.get_by_test_id("result").inner_text() == "Vérifiée"
    _shot(page, "credential-page-fr-320")
    context.close()
