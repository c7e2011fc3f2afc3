"""The verify page of an ELM credential with an EDC SHACL violation (mcred's own, its status
resource written as a plain string) in Chromium, its Europass (EDC SHACL) results open: at
390 px nothing runs past the edge (long IRIs wrap) and axe-core finds no WCAG 2.1 A/AA
violation."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import browser  # noqa: F401  (fixture)
from tests.verify.test_shacl_in_report import (  # noqa: F401  (fixtures)
    credentials,
    plain_uri_elm,
)


def test_the_conformance_list_fits_a_phone_and_passes_axe(
        browser: Browser, client: TestClient, plain_uri_elm: dict[str, Any]) -> None:  # noqa: F811
    response = client.post("/verify", headers={"Accept": "text/html"},
                           data={"credential": json.dumps(plain_uri_elm)})
    assert response.status_code == 422  # its proof no longer matches; the page is the same
    css = client.get("/static/mcred.css").text
    html = response.text.replace("</head>", f"<style>{css}</style></head>", 1)
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="en-GB",
                                  bypass_csp=True)
    page = context.new_page()
    page.set_content(html)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    listed = page.get_by_test_id("edc-violations")
    assert listed.is_visible()
    assert "Credential status has a value of the wrong kind" in listed.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    context.close()
    assert result["passes"]
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []
