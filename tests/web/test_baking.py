"""Open Badges 3.0 baking: PNG iTXt and SVG <openbadges:credential>, round trips and refusals."""

from __future__ import annotations

import io
import json
import math
import re
import struct
import zlib
from xml.etree import ElementTree as ET

import pytest
from PIL import Image

from app.web import baking
from app.web.baking import (
    badge_png,
    badge_svg,
    bake_png,
    bake_svg,
    extract,
    extract_png,
    extract_svg,
)

OB_NS = "https://purl.imsglobal.org/ob/v3p0"
SVG_NS = "http://www.w3.org/2000/svg"

CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:2f6d1c0e-8a51-4a8e-9d39-3c1b0e4f5a77",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "did:web:ülikool.example.ee",
        "type": ["Profile"],
        "name": "Tartu Ülikool — Avatud Ülikool",
    },
    "validFrom": "2025-03-01T09:30:00Z",
    "name": "Andmeanalüüs Pythonis 🐍",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "hashed": False, "identityHash": "B123456"}],
        "achievement": {
            "id": "https://mcred.example.ee/achievements/42",
            "type": ["Achievement"],
            "name": "Andmeanalüüs Pythonis",
            "description": "Tricky text: ]]> then <!ENTITY x 'y'> and <![CDATA[ and 日本語 & <b>.",
            "criteria": {"narrative": "Läbitud 6 EAP kursus; hinne „A”."},
        },
    },
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-03-01T09:30:01Z",
        "verificationMethod": "did:web:mcred.example.ee#key-1",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKo",
    },
}
CREDENTIAL_JSON = json.dumps(CREDENTIAL, ensure_ascii=False, indent=2)
COMPACT_JSON = json.dumps(CREDENTIAL, ensure_ascii=False, separators=(",", ":"))
JWS = "eyJhbGciOiJFZERTQSIsImtpZCI6ImtleS0xIn0.eyJ2YyI6eyJpZCI6InVybjp1dWlkOjEifX0.c2lnbmF0dXJl"


def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into (type, data) chunks, asserting the signature and every CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + data), f"bad CRC on {kind!r}"
        chunks.append((kind, data))
        pos += 12 + length
    assert pos == len(png)
    return chunks


def credential_chunks(png: bytes) -> list[bytes]:
    return [
        data
        for kind, data in png_chunks(png)
        if kind == b"iTXt" and data.split(b"\x00", 1)[0] == b"openbadgecredential"
    ]


# -- PNG ----------------------------------------------------------------------------------------


def test_png_round_trip_keeps_a_valid_png_with_one_uncompressed_itxt() -> None:
    plain = badge_png("Andmeanalüüs Pythonis")
    baked = bake_png(plain, CREDENTIAL_JSON)

    kinds = [kind for kind, _ in png_chunks(baked)]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert kinds.count(b"IEND") == 1
    assert kinds.index(b"iTXt") < kinds.index(b"IEND")
    assert kinds.index(b"IDAT") < kinds.index(b"iTXt")  # inserted just before IEND
    assert [c for c in png_chunks(baked) if c[0] != b"iTXt"] == png_chunks(plain)

    (chunk,) = credential_chunks(baked)
    # keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0
    assert chunk.startswith(b"openbadgecredential\x00\x00\x00\x00\x00")
    assert chunk[len(b"openbadgecredential") + 5 :].decode("utf-8") == COMPACT_JSON

    extracted = extract_png(baked)
    assert extracted == COMPACT_JSON
    assert json.loads(extracted) == CREDENTIAL
    assert "]]>" in extracted and "🐍" in extracted


def test_png_baking_twice_replaces_the_credential() -> None:
    once = bake_png(badge_png("x", size=32), CREDENTIAL_JSON)
    twice = bake_png(once, JWS)
    assert len(credential_chunks(twice)) == 1
    assert extract_png(twice) == JWS
    assert len(credential_chunks(bake_png(twice, JWS))) == 1


def test_png_without_credential_is_refused() -> None:
    with pytest.raises(ValueError, match="no openbadgecredential"):
        extract_png(badge_png("plain", size=32))


def test_png_with_corrupt_crc_is_refused() -> None:
    baked = bytearray(bake_png(badge_png("x", size=32), CREDENTIAL_JSON))
    iend = baked.rindex(b"IEND")
    baked[iend - 5] ^= 0xFF  # last CRC byte of the iTXt chunk (just before IEND's length+type)
    with pytest.raises(ValueError, match="bad CRC"):
        extract_png(bytes(baked))
    with pytest.raises(ValueError, match="bad CRC"):
        bake_png(bytes(baked), CREDENTIAL_JSON)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"\x89PNG\r\n\x1a\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
    ],
)
def test_non_png_or_truncated_png_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        extract_png(data)


@pytest.mark.parametrize("bad", ["", "not a credential", "[1, 2]", '{"a": 1', '{"a": NaN}'])
def test_bad_credential_text_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        bake_png(badge_png("x", size=16), bad)
    with pytest.raises(ValueError):
        bake_svg(badge_svg("T", "I"), bad)


def test_inputs_over_five_megabytes_are_refused() -> None:
    big = baking.MAX_INPUT_BYTES + 1
    with pytest.raises(ValueError, match="5 MB"):
        bake_png(badge_png("x", size=16), json.dumps({"padding": "a" * big}))
    with pytest.raises(ValueError, match="5 MB"):
        extract(b"\x89PNG\r\n\x1a\n" + b"\x00" * big)
    with pytest.raises(ValueError, match="5 MB"):
        extract_svg("<svg>" + " " * big + "</svg>")


# -- SVG ----------------------------------------------------------------------------------------


def test_svg_round_trip_with_cdata_breakout_attempt() -> None:
    baked = bake_svg(badge_svg("Andmeanalüüs Pythonis", "Tartu Ülikool"), CREDENTIAL_JSON)

    assert f'xmlns:openbadges="{OB_NS}"' in baked
    assert "<!ENTITY" not in baked and "<!DOCTYPE" not in baked
    root = ET.fromstring(baked.encode("utf-8"))
    assert root.tag == f"{{{SVG_NS}}}svg"
    first = root[0]
    assert first.tag == f"{{{OB_NS}}}credential"
    assert "verify" not in first.attrib
    assert len(root.findall(f".//{{{OB_NS}}}credential")) == 1
    assert "<openbadges:credential><![CDATA[{" in baked

    extracted = extract_svg(baked)
    assert extracted == COMPACT_JSON
    assert json.loads(extracted) == CREDENTIAL


def test_svg_jws_goes_in_the_verify_attribute() -> None:
    baked = bake_svg(badge_svg("T", "I"), JWS)
    element = ET.fromstring(baked.encode("utf-8"))[0]
    assert element.tag == f"{{{OB_NS}}}credential"
    assert element.get("verify") == JWS
    assert not (element.text or "").strip()
    assert extract_svg(baked) == JWS


def test_svg_baking_twice_replaces_the_credential_and_keeps_the_artwork() -> None:
    original = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- made by hand -->\n"
        f'<svg xmlns="{SVG_NS}" xmlns:openbadges="{OB_NS}" viewBox="0 0 10 10" data-x="a>b">'
        '<circle cx="5" cy="5" r="4"/><g><openbadges:credential verify="a.b.c"/></g></svg>'
    )
    once = bake_svg(original, CREDENTIAL_JSON)
    twice = bake_svg(once, JWS)
    root = ET.fromstring(twice.encode("utf-8"))
    assert len(root.findall(f".//{{{OB_NS}}}credential")) == 1
    assert root[0].get("verify") == JWS
    assert extract_svg(twice) == JWS
    assert twice.count("xmlns:openbadges") == 1
    assert twice.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n')
    assert '<circle cx="5" cy="5" r="4"/><g></g></svg>' in twice


def test_svg_self_closing_root_and_prefixed_root() -> None:
    baked = bake_svg(f'<svg xmlns="{SVG_NS}" width="1" height="1"/>', JWS)
    assert extract_svg(baked) == JWS
    prefixed = f'<s:svg xmlns:s="{SVG_NS}"><s:rect width="1" height="1"/></s:svg>'
    baked = bake_svg(prefixed, CREDENTIAL_JSON)
    assert baked.endswith("</s:svg>")
    assert json.loads(extract_svg(baked)) == CREDENTIAL


def test_svg_spec_example_layout_is_extracted() -> None:
    split = {"]]>": "]]]]><![CDATA[>", "<!": "<]]><![CDATA[!"}
    body = re.sub(r"\]\]>|<!", lambda m: split[m[0]], CREDENTIAL_JSON)
    spec_style = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="{SVG_NS}" xmlns:openbadges="{OB_NS}" viewBox="0 0 512 512">
  <openbadges:credential>
    <![CDATA[
{body}
    ]]>
  </openbadges:credential>
  <!-- rest-of-image -->
</svg>"""
    assert json.loads(extract_svg(spec_style)) == CREDENTIAL


@pytest.mark.parametrize(
    "svg",
    [
        f'<!DOCTYPE svg [<!ENTITY x "boom">]><svg xmlns="{SVG_NS}">&x;</svg>',
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><svg>&lol2;</svg>',
        f'<svg xmlns="{SVG_NS}"><!ENTITY x SYSTEM "file:///etc/passwd"></svg>',
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>',
    ],
)
def test_svg_with_dtd_or_entity_is_refused(svg: str) -> None:
    with pytest.raises(ValueError, match="DOCTYPE or ENTITY"):
        extract_svg(svg)
    with pytest.raises(ValueError, match="DOCTYPE or ENTITY"):
        bake_svg(svg, JWS)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (f'<svg xmlns="{SVG_NS}"><circle r="1"/></svg>', "no openbadges:credential"),
        ('<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion/></svg>', "no "),
        ("<svg><unclosed></svg>", "well-formed"),
        ("<html><svg/></html>", "not <svg>"),
    ],
)
def test_svg_extraction_failures(svg: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        extract_svg(svg)


def test_svg_foreign_openbadges_prefix_is_refused() -> None:
    ob2 = '<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion/></svg>'
    with pytest.raises(ValueError, match="another namespace"):
        bake_svg(ob2, JWS)


# -- format sniffing ----------------------------------------------------------------------------


def test_extract_sniffs_png_and_svg() -> None:
    png = bake_png(badge_png("Sniff", size=24), CREDENTIAL_JSON)
    svg = bake_svg(badge_svg("Sniff", "Issuer"), JWS)
    assert json.loads(extract(png)) == CREDENTIAL
    assert extract(svg.encode("utf-8")) == JWS
    assert extract(b"\xef\xbb\xbf" + svg.encode("utf-8")) == JWS  # with a UTF-8 BOM
    assert extract(svg.split("?>", 1)[1].lstrip().encode("utf-8")) == JWS  # no XML declaration
    for junk in (b"", b"GIF89a", b'{"@context": []}', b"\xff\xfe\x00<", b"<html></html>"):
        with pytest.raises(ValueError, match="expected a PNG or an SVG"):
            extract(junk)
    with pytest.raises(ValueError, match="no openbadgecredential"):
        extract(badge_png("Sniff", size=24))


# -- generated images ---------------------------------------------------------------------------


def _open(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _outside_circle(image: Image.Image, slack: float) -> list[tuple[int, int]]:
    """Pixels with any opacity further than ``slack`` pixels outside the badge's circle."""
    size = image.width
    centre, radius = (size - 1) / 2, size / 2
    alpha = image.getchannel("A").load()
    return [(x, y) for y in range(size) for x in range(size)
            if alpha[x, y] and math.hypot(x - centre, y - centre) > radius + slack]


@pytest.mark.parametrize("size", [16, 64, 256, 512])
def test_badge_png_is_a_decodable_rgba_png(size: int) -> None:
    png = badge_png("Andmeanalüüs", "Tartu Ülikool", size=size)
    image = _open(png)
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (size, size))
    for corner in ((0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)):
        assert image.getpixel(corner)[3] == 0  # transparent corners
    assert image.getpixel((size // 2, size // 8))[3] == 255  # opaque disc
    assert badge_png("Andmeanalüüs", "Tartu Ülikool", size=size) == png  # deterministic


def _white_mask(png: bytes) -> bytes:
    """Which pixels inside the ring are opaque white (text), as one byte per pixel."""
    inner = _open(png).crop((64, 64, 192, 192)).tobytes()
    return bytes(min(inner[i : i + 3]) > 200 and inner[i + 3] == 255
                 for i in range(0, len(inner), 4))


def test_badge_png_draws_the_title_and_issuer_in_white() -> None:
    assert sum(_white_mask(badge_png("", size=256))) == 0  # disc and ring only
    titled = _white_mask(badge_png("Andmeanalüüs", size=256))
    assert sum(titled) > 100
    # a different title draws different letters, not only a different disc colour
    assert _white_mask(badge_png("Python Basics", size=256)) != titled
    with_issuer = _white_mask(badge_png("Andmeanalüüs", "Tartu Ülikool", size=256))
    assert sum(with_issuer) > sum(titled)


@pytest.mark.parametrize(
    "title",
    [
        "Data Analysis with Python for Public Policy Professionals and Civil Servants " * 6,
        "Supercalifragilisticexpialidocious" * 8,
        "数据分析与机器学习基础课程" * 10,
        "تحليل البيانات باستخدام بايثون للمهنيين في السياسة العامة " * 5,
        "🐍📊🎓 " * 40,
    ],
)
def test_badge_png_long_or_foreign_titles_stay_inside_the_disc(title: str) -> None:
    image = _open(badge_png(title, "Tallinna Ülikool — Haridusteaduste Instituut " * 4, size=512))
    assert image.size == (512, 512)
    assert _outside_circle(image, slack=1.0) == []
    # the text is inside the white ring too: a thin band just inside the disc edge is untouched
    red, green, blue, _ = image.getpixel((256, 6))
    assert image.getpixel((256, 505)) == (red, green, blue, 255)
    assert image.getpixel((6, 256)) == image.getpixel((505, 256)) == (red, green, blue, 255)


def test_badge_png_wraps_between_words_when_they_fit() -> None:
    wrap = baking._wrap
    font = baking._font(20, bold=True)
    lines, complete = wrap("Andmeanalüüs Pythonis", font, [font.getlength("Andmeanalüüs") + 1] * 3,
                           False)
    assert (lines, complete) == (["Andmeanalüüs", "Pythonis"], True)
    assert wrap("Andmeanalüüs", font, [40.0] * 4, False)[1] is False  # too wide, not broken
    broken, complete = wrap("Andmeanalüüs", font, [60.0] * 4, True)
    assert complete and "".join(broken) == "Andmeanalüüs" and len(broken) > 1


def test_badge_png_text_is_made_displayable() -> None:
    hidden = "Andme\u200banal\u202eüüs\x07"
    assert badge_png(hidden, "Tartu\u2066 Ülikool", size=128) == badge_png(
        "Andmeanalüüs", "Tartu Ülikool", size=128)
    badge_png("\ud800 lone surrogate", "\udfff", size=64)  # no exception


def test_badge_png_baked_credential_round_trips() -> None:
    png = badge_png("Andmeanalüüs", "Tartu Ülikool", size=128)
    baked = bake_png(png, CREDENTIAL_JSON)
    assert json.loads(extract(baked)) == CREDENTIAL
    image = _open(baked)
    assert image.mode == "RGBA"
    assert image.size == (128, 128)


def test_badge_png_size_bounds() -> None:
    for size in (0, 8, 15, 513, 5000, True):
        with pytest.raises(ValueError):
            badge_png("x", size=size)  # type: ignore[arg-type]
    for size in (16, 512):
        assert _open(badge_png("x", size=size)).size == (size, size)


def test_badge_svg_is_valid_accessible_and_escaped() -> None:
    title = "Data <Analysis> & “Python” 🐍 for Public Policy Professionals"
    svg = badge_svg(title, "A & B Ülikool")
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert (root.get("width"), root.get("height"), root.get("role")) == ("256", "256", "img")
    element = root.find(f"{{{SVG_NS}}}title")
    assert element is not None
    assert element.text == f"{title}, issued by A & B Ülikool"
    texts = "".join(root.itertext())
    assert "A & B Ülikool" in texts and "Data <Analysis>" in texts
    assert root.find(f"{{{SVG_NS}}}circle") is not None
    assert "\x00" not in badge_svg("bad\x00control\x1b", "x")
    with pytest.raises(ValueError):
        badge_svg("   ", "Issuer")
