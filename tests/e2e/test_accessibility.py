"""axe-core (Deque's accessibility engine, from npm in tests/interop) finds no WCAG 2.1 A/AA
violation on any page: home, verification (empty, a result, an error), share page (verified,
revoked, German, with its folded sections open), the HTML error page (issue 15). The figures
per page go to artifacts/axe.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.e2e.test_browser import ARTIFACTS, browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_phone import revoked_link  # noqa: F401  (fixture)

AXE = Path(__file__).resolve().parents[1] / "interop" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RESULTS: dict[str, dict[str, int]] = {}


def _tampered(server: dict[str, Any]) -> str:  # noqa: F811
    credential = json.loads(json.dumps(server["credential"]))
    credential["credentialSubject"]["achievement"]["name"] = "Something else"
    return json.dumps(credential)


PAGES = {
    "home": "/", "verify": "/verify", "share": "share", "share-de": "share?lang=de",
    "share-open": "share",  # every folded section open: the learner's form too
    "revoked": "revoked", "not-found": "/c/no-such-link", "verify-error": "/verify?url=x",
    "verify-tampered": "tampered",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(browser: Browser, server: dict[str, Any],  # noqa: F811
                           revoked_link: str, name: str) -> None:  # noqa: F811
    assert AXE.is_file(), "axe-core is missing: make interop"
    # axe is injected by the test; the pages' own CSP (script-src 'self') stays as it is
    # for every other test.
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    target = PAGES[name]
    if target == "tampered":
        page.goto(server["base"] + "/verify")
        page.fill("#credential", _tampered(server))
        page.locator("form[method=post] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.get_by_test_id("banner").is_visible()
    else:
        url = (server["link"] + target[5:] if target.startswith("share")
               else revoked_link if target == "revoked" else server["base"] + target)
        page.goto(url)
    if name.endswith("-open"):
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    context.close()
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                  for v in result["violations"]]
    RESULTS[name] = {"violations": len(result["violations"]), "passes": len(result["passes"])}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(RESULTS, indent=2, sort_keys=True))
    assert result["passes"], "axe ran no rule"
    assert violations == [], violations


def test_the_check_finds_a_real_violation(browser: Browser,  # noqa: F811
                                          server: dict[str, Any]) -> None:  # noqa: F811
    """The harness itself: an image without a text alternative on our page is reported."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(server["link"])
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    context.close()
    assert "image-alt" in [v["id"] for v in result["violations"]]
