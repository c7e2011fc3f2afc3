"""The issuer's own badge image and logo in Chromium: the share page loads both under its
CSP, reflows at 390 and 320 px, passes axe-core, and the baked PNG download is the uploaded
picture. Screenshots go to artifacts/."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser

from app.web import baking
from tests.conftest import ADMIN_TOKEN
from tests.e2e.servers import served_award
from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.images import pictures
from tests.samples import FULL_SPEC, award_body


def _own_badge() -> Image.Image:
    """A square badge picture an issuer might upload: a gold star on navy."""
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 299, 299), radius=40, fill=(20, 40, 100, 255))
    draw.regular_polygon((150, 150, 110), 5, fill=(240, 190, 40, 255))
    return image


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server of this module's own: the issuer's logo would show on the shared one's pages."""
    with served_award(tmp_path_factory.mktemp("images")) as served:
        yield served


@pytest.fixture(scope="module")
def imaged(server: dict[str, Any]) -> dict[str, Any]:
    """A credential issued after the issuer uploaded a PNG badge image and an SVG logo."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=server["base"], timeout=30) as api:
        key = {"Authorization": "Bearer " + api.post(
            "/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]}
        achievement = api.post("/achievements", json=FULL_SPEC, headers=key).json()
        api.put(f"/achievements/{achievement['id']}/image", content=pictures.png(_own_badge()),
                headers={**key, "Content-Type": "image/png"}).raise_for_status()
        api.put("/admin/issuers/uni-tartu/logo", content=pictures.SIMPLE_SVG.encode(),
                headers={**admin, "Content-Type": "image/svg+xml"}).raise_for_status()
        issued = api.post("/credentials/issue", headers=key, json=award_body(
            achievement["id"], learner={"name": "Jaan Tamm", "email": "jaan@example.ee"}))
        issued.raise_for_status()
    return {"link": issued.json()["shareLinks"]["ob3"]["url"],
            "credential": issued.json()["credentials"]["ob3"]}


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_the_share_page_shows_the_issuers_images(browser: Browser,  # noqa: F811
                                                 imaged: dict[str, Any], width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(imaged["link"])
    for test_id in ("badge", "issuer-logo"):
        loaded = page.get_by_test_id(test_id).evaluate("img => img.complete && img.naturalWidth")
        assert loaded > 0, test_id  # fetched and decoded under the page's CSP
    assert page.get_by_test_id("badge").get_attribute("src").endswith(".png")
    assert "University of Tartu" in page.get_by_test_id("issuer").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"share-own-images-{width}.png"))
    context.close()


def test_the_share_page_with_images_has_no_axe_violations(browser: Browser,  # noqa: F811
                                                          imaged: dict[str, Any]) -> None:
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.goto(imaged["link"])
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    context.close()
    assert result["passes"]
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []


def test_the_downloaded_png_is_the_uploaded_picture(browser: Browser,  # noqa: F811
                                                    imaged: dict[str, Any]) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(imaged["link"])
    with page.expect_download() as download_info:
        page.get_by_test_id("download-png").click()
    baked = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    context.close()
    assert json.loads(baking.extract_png(baked)) == imaged["credential"]
    assert Image.open(io.BytesIO(baked)).tobytes() == _own_badge().tobytes()
