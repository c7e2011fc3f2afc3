"""The verification page of a JAdES-sealed Europass credential in Chromium: at 390 px nothing
runs past the edge, and axe-core finds no WCAG 2.1 A/AA violation with the seal's details
open (the page comes from the app itself, through its test client)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from tests import realworld
from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import browser  # noqa: F401  (fixture)


def _page_html(client: TestClient) -> str:
    response = client.post("/verify", headers={"Accept": "text/html"}, data={
        "credential": json.dumps(realworld.load("elm/Sample-MC-Annex1-signed-jades.json"))})
    assert response.status_code == 200
    css = client.get("/static/mcred.css").text
    # the page as the browser gets it, its stylesheet inline (set_content has no server)
    return response.text.replace("</head>", f"<style>{css}</style></head>", 1)


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_sealed_credential_page_fits_a_phone_and_passes_axe(
        browser: Browser, client: TestClient, width: int) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                  bypass_csp=True)
    page = context.new_page()
    page.set_content(_page_html(client))
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert page.get_by_test_id("sealer").inner_text() == "ORGANIZACION TEST (VATES-A00000000)\n" \
        "Advanced electronic seal, 27 September 2023"
    assert page.get_by_test_id("seal").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"verify-sealed-{width}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    context.close()
    assert result["passes"]
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []
