"""Upload checks on real files: PNGs decoded within bounds and re-encoded, SVGs parsed without
DTDs and rebuilt from the allow-list."""

from __future__ import annotations

import io
import re

import defusedxml.ElementTree as SafeET
import pytest
from PIL import Image

from app.images import checks
from app.images.checks import PNG, SVG, ImageRejected, check_image, check_png, check_svg
from app.web import baking
from tests.images import pictures


def _rejected(data: bytes, declared: str) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        check_image(data, declared)
    return caught.value


def test_a_png_keeps_its_pixels_and_loses_every_text_chunk() -> None:
    original = pictures.drawing()
    upload = pictures.png(original, text={"openbadgecredential": '{"someone":"else"}',
                                          "Comment": "<script>alert(1)</script>"})
    checked = check_image(upload, PNG)
    assert (checked.media_type, checked.width, checked.height) == (PNG, 96, 64)
    stored = Image.open(io.BytesIO(checked.data))
    assert stored.tobytes() == original.tobytes()
    assert b"iTXt" not in checked.data and b"tEXt" not in checked.data
    with pytest.raises(ValueError, match=r"no Open Badges 3\.0 credential"):
        baking.extract_png(checked.data)


def test_a_png_bomb_is_refused_from_its_header_before_decoding() -> None:
    bomb = pictures.png_bomb()
    assert len(bomb) < 10_000
    refused = _rejected(bomb, PNG)
    assert (refused.status, refused.code) == (422, "too-many-pixels")
    assert "100000 x 100000" in refused.message


def test_a_png_just_over_the_decoding_limit_is_refused() -> None:
    refused = _rejected(pictures.png_bomb(checks.MAX_DECODE_SIDE + 1, 16), PNG)
    assert refused.code == "too-many-pixels"


def test_an_animated_png_is_refused() -> None:
    assert _rejected(pictures.animated_png(), PNG).code == "animated"


def test_a_truncated_png_is_refused() -> None:
    data = pictures.png()
    refused = _rejected(data[: len(data) // 2], PNG)
    assert (refused.status, refused.code) == (422, "png-corrupt")


def test_a_large_png_is_scaled_down_to_the_stored_size() -> None:
    checked = check_png(pictures.png(pictures.drawing((2000, 1000), "RGB")))
    assert (checked.width, checked.height) == (1024, 512)
    assert Image.open(io.BytesIO(checked.data)).size == (1024, 512)


@pytest.mark.parametrize("data", [
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"%PDF-1.7\n",
    b"just some text",
    b"",
])
def test_anything_but_png_or_svg_is_415(data: bytes) -> None:
    for declared in (PNG, SVG):
        refused = _rejected(data, declared)
        assert (refused.status, refused.code) == (415, "not-png-or-svg")


def test_an_xml_document_that_is_not_svg_is_415() -> None:
    refused = _rejected(b"<html><body onload='x()'>hi</body></html>", SVG)
    assert (refused.status, refused.code) == (415, "not-png-or-svg")


def test_the_declared_type_must_match_the_bytes() -> None:
    refused = _rejected(pictures.SIMPLE_SVG.encode(), PNG)
    assert (refused.status, refused.code) == (415, "type-mismatch")
    assert _rejected(pictures.png(), SVG).code == "type-mismatch"


def _clean(svg: str) -> tuple[str, checks.CheckedImage]:
    checked = check_image(svg.encode("utf-8"), SVG)
    return checked.data.decode("utf-8"), checked


def test_the_sanitised_svg_has_no_script_handler_foreign_object_or_external_reference() -> None:
    text, checked = _clean(pictures.HOSTILE_SVG)
    lowered = text.lower()
    for banned in ("<script", "alert", "foreignobject", "onload", "onmouseover", "onclick",
                   "evil.example", "@import", "javascript:", "<set", "<animate", "inkscape",
                   "data:image/svg+xml", "<a ", "xhtml"):
        assert banned not in lowered, banned
    # What is allowed stays: the artwork, a local gradient, a local <use>, a data: PNG, text.
    for kept in ('id="art"', 'fill="url(#g)"', "stroke:#00aa00", '<use href="#art">',
                 f'href="data:image/png;base64,{pictures.TINY_PNG_B64}"', "Data &amp; AI",
                 "<style>.c &gt; rect { stroke: #abcdef }</style>", 'viewBox="0 0 120 120"'):
        assert kept in text, kept
    assert "<script>" in checked.removed and "@onload on <svg>" in checked.removed
    assert "<foreignObject>" in checked.removed
    assert (checked.width, checked.height) == (120, 120)


def test_every_element_and_attribute_of_a_sanitised_svg_is_on_the_allow_list() -> None:
    text, _ = _clean(pictures.HOSTILE_SVG)
    root = SafeET.fromstring(text.encode(), forbid_dtd=True)
    for element in root.iter():
        namespace, tag = element.tag[1:].split("}")
        assert namespace == checks.SVG_NS and tag in checks.ALLOWED_ELEMENTS, tag
        for name, value in element.attrib.items():
            local = name.split("}")[-1]
            assert local in checks.ALLOWED_ATTRIBUTES or name.startswith("{"), name
            assert not local.lower().startswith("on")
            if local == "href":
                assert value.startswith("#") or value.startswith("data:image/png;base64,")
            for url in re.findall(r"url\(([^)]*)\)", value):
                assert url.strip("'\" ").startswith("#"), value


def test_a_style_element_loading_anything_is_dropped_whole() -> None:
    for css in ("@import 'https://evil.example/a.css';", ".x{fill:url(https://e.example/p)}",
                ".x{fill:u\\72l(https://e.example/p)}", "@font-face{src:url(//e.example/f)}",
                ".x{fill:u/**/rl(https://e.example/p)}"):
        svg = f'<svg xmlns="http://www.w3.org/2000/svg"><style>{css}</style><rect/></svg>'
        text, checked = _clean(svg)
        assert "<style" not in text and "e.example" not in text, css
        assert "<style> that could load or run something" in checked.removed


@pytest.mark.parametrize("svg", [pictures.BILLION_LAUGHS, pictures.XXE, pictures.PLAIN_DOCTYPE],
                         ids=["entity-expansion", "external-entity", "doctype"])
def test_a_dtd_or_entity_is_refused(svg: str) -> None:
    refused = _rejected(svg.encode(), SVG)
    assert (refused.status, refused.code) == (422, "svg-dtd")


def test_a_malformed_svg_is_422() -> None:
    refused = _rejected(b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', SVG)
    assert (refused.status, refused.code) == (422, "svg-not-well-formed")


def test_a_deeply_nested_svg_is_refused() -> None:
    depth = checks.MAX_SVG_DEPTH + 5
    svg = '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * depth + "</g>" * depth + "</svg>"
    assert _rejected(svg.encode(), SVG).code == "svg-too-complex"


def test_an_svg_without_namespace_gets_the_svg_namespace() -> None:
    text, _ = _clean('<svg width="4" height="4"><rect width="4" height="4"/></svg>')
    root = SafeET.fromstring(text.encode())
    assert root.tag == f"{{{checks.SVG_NS}}}svg"


def test_a_sanitised_svg_can_be_baked_and_extracted() -> None:
    text, _ = _clean(pictures.HOSTILE_SVG)
    baked = baking.bake_svg(text, '{"id":"urn:uuid:1"}')
    assert baking.extract_svg(baked) == '{"id":"urn:uuid:1"}'
    assert check_svg(pictures.SIMPLE_SVG.encode()).removed == []


def test_a_png_whose_pixels_need_more_than_the_stored_limit_is_refused() -> None:
    # Random pixels barely compress: 1024 x 1024 RGBA noise is about 4 MB once re-encoded.
    import os

    noise = Image.frombytes("RGBA", (1024, 1024), os.urandom(1024 * 1024 * 4))
    refused = _rejected(pictures.png(noise), PNG)
    assert (refused.status, refused.code) == (422, "png-too-complex")


def test_an_svg_that_grows_past_the_stored_limit_when_escaped_is_refused() -> None:
    text = ">" * (checks.MAX_STORED_BYTES // 4 + 10)
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text>{text}</text></svg>'.encode()
    assert _rejected(svg, SVG).code == "svg-too-complex"
