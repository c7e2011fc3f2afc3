"""The issuer's own badge image and logo on share pages and in baked downloads."""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.web import baking
from tests import samples
from tests.conftest import SCHEMAS_DIR
from tests.images import pictures
from tests.verify.test_pipeline import UT, trust

SCHEMA = json.loads((SCHEMAS_DIR / "ob_v3p0_achievementcredential_schema.json").read_text())
HTML = {"Accept": "text/html"}


def _upload(client: TestClient, path: str, data: bytes, media_type: str,
            headers: dict[str, str]) -> dict[str, Any]:
    response = client.put(path, content=data, headers={**headers, "Content-Type": media_type})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def with_images(client: TestClient, admin: dict, api_key: dict,
                achievement: dict) -> dict[str, Any]:
    """An award issued after the issuer uploaded a PNG badge image and an SVG logo."""
    trust(client, admin, UT, "University of Tartu", "EE")
    badge = _upload(client, f"/achievements/{achievement['id']}/image", pictures.png(),
                    "image/png", api_key)
    logo = _upload(client, "/admin/issuers/uni-tartu/logo", pictures.SIMPLE_SVG.encode(),
                   "image/svg+xml", admin)
    issued = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                         headers=api_key).json()
    return {"badge": badge, "logo": logo, "issued": issued,
            "path": urlsplit(issued["shareLinks"]["ob3"]["url"]).path,
            "elm_path": urlsplit(issued["shareLinks"]["elm"]["url"]).path}


def test_the_credential_names_both_images_as_obv3_image_objects(with_images: dict) -> None:
    ob3 = with_images["issued"]["credentials"]["ob3"]
    assert ob3["credentialSubject"]["achievement"]["image"] == {
        "id": with_images["badge"]["url"], "type": "Image",
        "caption": samples.FULL_SPEC["title"]}
    assert ob3["issuer"]["image"] == {"id": with_images["logo"]["url"], "type": "Image",
                                      "caption": "University of Tartu"}
    jsonschema.Draft201909Validator(SCHEMA).validate(ob3)


def test_the_share_page_shows_the_image_and_the_logo_and_still_verifies(
        client: TestClient, with_images: dict) -> None:
    html = client.get(with_images["path"], headers=HTML).text
    assert '<span class="pill passed">Verified</span>' in html
    badge = re.search(r'<img class="badge" src="([^"]+)"', html)
    assert badge is not None and badge[1] == with_images["badge"]["url"]
    issuer = re.search(r'<dd data-testid="issuer">(.*?)</dd>', html, re.S)
    assert issuer is not None
    assert f'<img class="logo" src="{with_images["logo"]["url"]}" alt=""' in issuer[1]
    assert "University of Tartu" in issuer[1]
    elm = client.get(with_images["elm_path"], headers=HTML).text
    assert f'src="{with_images["badge"]["url"]}"' in elm


def test_the_baked_png_is_the_uploaded_picture_carrying_the_credential(
        client: TestClient, with_images: dict) -> None:
    response = client.get(f"{with_images['path']}/badge.png")
    assert response.headers["content-type"] == "image/png"
    assert json.loads(baking.extract_png(response.content)) == \
        with_images["issued"]["credentials"]["ob3"]
    assert Image.open(io.BytesIO(response.content)).tobytes() == pictures.drawing().tobytes()
    preview = client.get(f"{with_images['path']}/image.png").content
    assert Image.open(io.BytesIO(preview)).tobytes() == pictures.drawing().tobytes()


def test_the_baked_svg_wraps_the_uploaded_png(client: TestClient, with_images: dict) -> None:
    svg = client.get(f"{with_images['path']}/badge.svg").text
    assert json.loads(baking.extract_svg(svg)) == with_images["issued"]["credentials"]["ob3"]
    data = re.search(r'href="data:image/png;base64,([^"]+)"', svg)
    assert data is not None
    stored = client.get(urlsplit(with_images["badge"]["url"]).path).content
    assert base64.b64decode(data[1]) == stored
    assert 'width="96" height="64"' in svg


def test_an_svg_badge_image_is_baked_as_it_was_sanitised(client: TestClient, admin: dict,
                                                        api_key: dict, achievement: dict) -> None:
    _upload(client, f"/achievements/{achievement['id']}/image", pictures.HOSTILE_SVG.encode(),
            "image/svg+xml", api_key)
    issued = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                         headers=api_key).json()
    path = urlsplit(issued["shareLinks"]["ob3"]["url"]).path
    svg = client.get(f"{path}/badge.svg").text
    assert json.loads(baking.extract_svg(svg)) == issued["credentials"]["ob3"]
    assert 'id="art"' in svg and 'fill="url(#g)"' in svg
    for banned in ("<script", "onload", "foreignObject", "evil.example"):
        assert banned not in svg
    # No SVG rasteriser here: the PNG download is the generated badge, with the credential.
    png = client.get(f"{path}/badge.png").content
    assert json.loads(baking.extract_png(png)) == issued["credentials"]["ob3"]
    assert Image.open(io.BytesIO(png)).size == (512, 512)


def _plate_pixel(png: bytes) -> tuple[int, ...]:
    """The pixel where a logo plate goes: the middle of the badge's top quarter."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    return image.getpixel((image.width // 2, round(image.height * 0.25)))  # type: ignore[return-value]


def test_a_png_logo_goes_into_the_generated_badges(client: TestClient, admin: dict,
                                                  api_key: dict, achievement: dict) -> None:
    logo = Image.new("RGB", (80, 40), (20, 160, 60))
    _upload(client, "/admin/issuers/uni-tartu/logo", pictures.png(logo), "image/png", admin)
    issued = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                         headers=api_key).json()
    path = urlsplit(issued["shareLinks"]["ob3"]["url"]).path
    with_logo = client.get(f"{path}/badge.png").content
    assert json.loads(baking.extract_png(with_logo)) == issued["credentials"]["ob3"]
    red, green, blue, _ = _plate_pixel(with_logo)
    assert green > 120 and red < 80 and blue < 110  # the logo's green, not the disc colour
    title, issuer = samples.FULL_SPEC["title"], "University of Tartu"
    assert _plate_pixel(baking.badge_png(title, issuer)) != _plate_pixel(with_logo)
    svg = client.get(f"{path}/badge.svg").text
    assert "data:image/png;base64," in svg
    assert json.loads(baking.extract_svg(svg)) == issued["credentials"]["ob3"]


def test_an_svg_logo_goes_into_the_generated_svg_badge(client: TestClient, with_images: dict,
                                                      api_key: dict, achievement: dict) -> None:
    client.delete(f"/achievements/{achievement['id']}/image", headers=api_key)
    issued = client.post("/credentials/issue", json=samples.award_body(
        achievement["id"], learner={"name": "Jaan Tamm", "email": "jaan@example.ee"}),
        headers=api_key).json()
    path = urlsplit(issued["shareLinks"]["ob3"]["url"]).path
    svg = client.get(f"{path}/badge.svg").text
    logo = re.search(r'href="data:image/svg\+xml;base64,([^"]+)"', svg)
    assert logo is not None and b'id="own-art"' in base64.b64decode(logo[1])
    html = client.get(path, headers=HTML).text
    assert f'<img class="badge" src="https://mcred.test{path}/badge.svg"' in html
    assert f'<img class="logo" src="{with_images["logo"]["url"]}"' in html


def test_credentials_without_our_images_keep_the_generated_badge(client: TestClient,
                                                                 shared: dict) -> None:
    html = client.get(shared["path"], headers=HTML).text
    assert f'<img class="badge" src="https://mcred.test{shared["path"]}/badge.svg"' in html
    assert 'class="logo"' not in html
