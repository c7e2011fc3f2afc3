"""The console's recognition pages in Chromium against a real mcred server: a registrar
adds a course through the form, edits it, and the list shows it; Hank's case (his Ghent
micro-credential weighed against Tartu's course) reads and prints on A4. At 1280 and 390 px
wide nothing runs past the edge, axe-core finds no WCAG 2.1 A/AA violation, and each page is
photographed (artifacts/targets-*.png; the case pages also into docs/screenshots/)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.conftest import ADMIN_TOKEN
from tests.e2e.servers import mcred_server, server_env
from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.samples import award_body
from tests.verify.test_pipeline import QA_VALID

PASSWORD = "correct horse battery staple"
DATA = Path(__file__).resolve().parents[1] / "recognition" / "data"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _hank_case(api: httpx.Client, base: str, admin: dict[str, str], tartu: dict[str, str],
               ) -> dict[str, Any]:
    """Ghent (trusted) issues Hank's micro-credential; Tartu weighs it against its course."""
    api.post("/admin/issuers", headers=admin, json={
        "slug": "uni-gent", "legal_name": "Ghent University", "country": "BE",
        "url": "https://ugent.be", "email": "registrar@ugent.be"}).raise_for_status()
    did = f"did:web:{base.removeprefix('http://').replace(':', '%3A')}:issuers:uni-gent"
    api.post("/admin/registry", headers=admin, json={
        "dids": [did], "legalName": "Ghent University", "country": "BE", "orgType": "hei",
        "qualityAssurance": QA_VALID}).raise_for_status()
    gent = {"Authorization": "Bearer " + api.post("/admin/issuers/uni-gent/api-keys",
                                                  headers=admin).json()["apiKey"]}
    spec = json.loads((DATA / "hank_credential.json").read_text("utf-8"))
    achievement = api.post("/achievements", json=spec, headers=gent)
    achievement.raise_for_status()
    body = award_body(achievement.json()["id"])
    body["learner"] = {**body["learner"], "name": "Hank"}
    issued = api.post("/credentials/issue", json=body, headers=gent)
    issued.raise_for_status()
    course = json.loads((DATA / "hank_nutrition_and_health.json").read_text("utf-8"))
    target = api.post("/recognition/targets", json=course, headers=tartu)
    target.raise_for_status()
    case = api.post("/recognition/cases", headers=tartu, json={
        "targetId": target.json()["id"], "purpose": "exemption",
        "applicant": "Hank (file 2026-117)",
        "credentials": [issued.json()["credentials"]["ob3"]]})
    case.raise_for_status()
    return issued.json()["credentials"]["ob3"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("targets")
    with mcred_server(folder) as base, httpx.Client(base_url=base, timeout=30) as api:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        api.post("/admin/issuers", headers=admin, json={
            "slug": "uni-tartu", "legal_name": "University of Tartu", "country": "EE",
            "url": "https://ut.ee", "email": "info@ut.ee"}).raise_for_status()
        token = api.post("/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]
        tartu = {"Authorization": f"Bearer {token}"}
        betty = json.loads((DATA / "betty_sustainable_food_systems.json").read_text("utf-8"))
        api.post("/recognition/targets", json=betty, headers=tartu).raise_for_status()
        hank = _hank_case(api, base, admin, tartu)
        subprocess.run([sys.executable, "-m", "app.cli", "staff", "add", "registrar@ut.ee",
                        "--issuer", "uni-tartu", "--role", "admin"], cwd=folder,
                       env={**server_env(dict(os.environ), folder),
                            "MCRED_STAFF_PASSWORD": PASSWORD},
                       check=True, capture_output=True, text=True)
        yield {"base": base, "hank": hank}


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


def _check(page: Page, name: str, width: int, prefix: str = "targets") -> Path:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{prefix}-{name}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    assert result["passes"], "axe ran no rule"
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]] == [], name
    return shot


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


@pytest.mark.parametrize("width", [1280, 390])
def test_hanks_case_reads_and_prints(browser: Browser, server: dict[str, Any],  # noqa: F811
                                     width: int) -> None:
    base = server["base"]
    page = _signed_in(browser, base, width)
    page.goto(f"{base}/console/uni-tartu/cases")
    expect(page.get_by_test_id("case-row")).not_to_have_count(0)
    _check(page, "list", width, prefix="recognition")
    # from the course in the targets list, Hank's credential pasted into the form
    page.goto(f"{base}/console/uni-tartu/targets")
    page.get_by_test_id("target-row").filter(has_text="BHS-NUT-201").get_by_test_id(
        "weigh").click()
    expect(page.locator("#f-targetId option:checked")).to_contain_text("BHS-NUT-201")
    page.fill("#f-applicant", f"Hank (browser {width})")
    page.fill("#f-pasted", json.dumps(server["hank"]))
    _check(page, "new", width, prefix="recognition")
    page.get_by_test_id("open-case").click()
    expect(page.get_by_test_id("applicant")).to_have_text(f"Hank (browser {width})")
    expect(page.get_by_test_id("recommended")).to_have_text("Recognise in part")
    expect(page.get_by_test_id("coverage-row")).to_have_count(5)
    expect(page.locator('[data-testid=coverage-row][data-covered=no]')).to_have_count(1)
    expect(page.get_by_test_id("headline")).to_have_text("Verified")
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(_check(page, "case", width, prefix="recognition"),
                SCREENSHOTS / f"recognition-case-{width}.png")

    page.get_by_test_id("print-view").click()
    expect(page.get_by_test_id("institution")).to_have_text("University of Tartu")
    expect(page.get_by_test_id("print-now")).to_be_visible()  # its script ran
    assert page.locator("form, nav").count() == 0
    shutil.copy(_check(page, "print", width, prefix="recognition"),
                SCREENSHOTS / f"recognition-case-print-{width}.png")
    if width == 1280:
        page.emulate_media(media="print")
        assert not page.get_by_test_id("print-now").is_visible()
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, to look at
        page.screenshot(path=str(ARTIFACTS / "recognition-case-print-media.png"),
                        full_page=True)
        pdf = page.pdf(format="A4", print_background=True)
        (ARTIFACTS / "recognition-case-print.pdf").write_bytes(pdf)
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
        # The whole case on a few pages, the answer on the first, none left (nearly) empty.
        assert 1 <= len(pages) <= 4, len(pages)
        assert "Recognise in part" in pages[0] and "University of Tartu" in pages[0]
        assert "Not decided yet." in pages[-1]
        assert all(len(text.strip()) > 200 for text in pages), [len(t) for t in pages]
