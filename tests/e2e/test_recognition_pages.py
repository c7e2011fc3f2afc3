"""The console's recognition target pages in Chromium against a real mcred server: a registrar
adds a course through the form, edits it, and the list shows it; at 1280 and 390 px wide
nothing runs past the edge, axe-core finds no WCAG 2.1 A/AA violation, and each page is
photographed (artifacts/targets-*.png)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ADMIN_TOKEN
from tests.e2e.servers import mcred_server, server_env
from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import ARTIFACTS, browser  # noqa: F401  (fixture)

PASSWORD = "correct horse battery staple"
DATA = Path(__file__).resolve().parents[1] / "recognition" / "data"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("targets")
    with mcred_server(folder) as base, httpx.Client(base_url=base, timeout=30) as api:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        api.post("/admin/issuers", headers=admin, json={
            "slug": "uni-tartu", "legal_name": "University of Tartu", "country": "EE",
            "url": "https://ut.ee", "email": "info@ut.ee"}).raise_for_status()
        token = api.post("/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]
        betty = json.loads((DATA / "betty_sustainable_food_systems.json").read_text("utf-8"))
        api.post("/recognition/targets", json=betty,
                 headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        subprocess.run([sys.executable, "-m", "app.cli", "staff", "add", "registrar@ut.ee",
                        "--issuer", "uni-tartu", "--role", "admin"], cwd=folder,
                       env={**server_env(dict(os.environ), folder),
                            "MCRED_STAFF_PASSWORD": PASSWORD},
                       check=True, capture_output=True, text=True)
        yield {"base": base}


def _signed_in(browser: Browser, base: str, width: int) -> Page:  # noqa: F811
    # CSP bypassed so that axe-core can be injected (as the console walk in test_console does)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(base + "/console/login?next=/console")
    page.get_by_label("E-mail address").fill("registrar@ut.ee")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/console")
    return page


def _check(page: Page, name: str, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"targets-{name}-{width}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    assert result["passes"], "axe ran no rule"
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]] == [], name


@pytest.mark.parametrize("width", [1280, 390])
def test_add_edit_and_list_targets(browser: Browser, server: dict[str, Any],  # noqa: F811
                                   width: int) -> None:
    base = server["base"]
    page = _signed_in(browser, base, width)
    targets = f"{base}/console/uni-tartu/targets"
    page.goto(targets)
    expect(page.get_by_test_id("target-row")).not_to_have_count(0)
    _check(page, "list", width)

    code = f"BHS-NUT-{width}"
    page.get_by_test_id("new-target").click()
    page.fill("#f-code", code)
    page.fill("#f-title", "Nutrition and health")
    page.fill("#f-language", "en")
    page.fill("#f-learningOutcomes", "Explain the functions of nutrients in the body.\n"
              "[nl] De functies van voedingsstoffen in het lichaam uitleggen.")
    page.fill("#f-ects", "5")
    page.select_option("#f-eqfLevel", "6")
    page.get_by_label("Testing (examination)").check()
    page.select_option("#f-requiredIdentification", "supervised-onsite-id")
    _check(page, "new", width)
    page.get_by_test_id("save").click()
    expect(page).to_have_url(targets)
    row = page.get_by_test_id("target-row").filter(has_text=code)
    expect(row).to_have_count(1)

    row.get_by_test_id("edit").click()
    expect(page.locator("#f-learningOutcomes")).to_have_value(
        "Explain the functions of nutrients in the body.\n"
        "[nl] De functies van voedingsstoffen in het lichaam uitleggen.")
    page.fill("#f-ects", "abc")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("error-ects")).to_be_visible()
    _check(page, "edit-error", width)
    page.fill("#f-ects", "6")
    page.get_by_test_id("save").click()
    expect(page).to_have_url(targets)
    expect(page.get_by_test_id("target-row").filter(has_text=code)).to_contain_text("6 ECTS")
