"""Open Badges 3.0 badge baking: embed a credential in, and extract it from, PNG and SVG images.

Implements "Open Badges Document Formats > Baked Badge" of the 1EdTech Open Badges 3.0
specification (sections "PNG > Baking/Extracting" and "SVG > Baking/Extracting"):

* PNG: one uncompressed ``iTXt`` chunk with keyword ``openbadgecredential`` (empty language
  tag and translated keyword) whose text is the credential JSON or, for VC-JWT, the compact JWS.
* SVG: ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` on the ``<svg>`` root and,
  directly after the ``<svg>`` tag, ``<openbadges:credential>``; the JSON goes in a CDATA
  section, a compact JWS in its ``verify`` attribute.

Baking an image that already holds a credential replaces it. Inputs over 5 MB are refused.
"""

from __future__ import annotations

import base64
import colorsys
import functools
import hashlib
import io
import json
import math
import re
import struct
import textwrap
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from app.elements.text import displayable
from app.limits import loads_json
from app.messages import msg

MAX_INPUT_BYTES = 5 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB_NS = "https://purl.imsglobal.org/ob/v3p0"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

_MAX_CHUNK_LENGTH = 2**31 - 1  # PNG spec: chunk lengths are limited to 2^31 - 1
_JWS_RE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_FORBIDDEN_DECL_RE = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_START_TAG_RE = re.compile(rb"""<([^\s/>]+)(?:[^"'>]|"[^"]*"|'[^']*')*>""")
_XML_ILLEGAL_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SVG_ROOT_RE = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")
_CDATA_UNSAFE_RE = re.compile(r"\]\]>|<!")
_CDATA_SPLIT = {"]]>": "]]]]><![CDATA[>", "<!": "<]]><![CDATA[!"}


# -- shared helpers -----------------------------------------------------------------------------


def _check_size(size: int, what: str) -> None:
    if size > MAX_INPUT_BYTES:
        raise ValueError(f"{what} is larger than the {MAX_INPUT_BYTES // (1024 * 1024)} MB limit")


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not valid Unicode (unpaired surrogate)") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"credential JSON contains the non-standard number {name}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"credential JSON has the duplicate member {key!r}")
        obj[key] = value
    return obj


def _normalize_credential(credential_json: str) -> tuple[str, bool]:
    """Return (text to embed, is_jws): compact JSON for a JSON object, else a compact JWS."""
    if not isinstance(credential_json, str):
        raise ValueError("credential must be given as a string")
    _check_size(len(_utf8(credential_json, "credential")), "credential")
    text = credential_json.strip()
    if text.startswith("{"):
        try:
            obj = loads_json(
                text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
            )
        except json.JSONDecodeError as exc:
            raise ValueError(f"credential is not valid JSON: {exc}") from None
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")), False
    if _JWS_RE.fullmatch(text):
        return text, True
    raise ValueError("credential must be a JSON object or a VC-JWT compact JWS")


# -- PNG ----------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _iter_png_chunks(png: bytes) -> Iterator[tuple[bytes, bytes, int, int]]:
    """Yield (type, data, start, end) for each chunk up to IEND, validating structure and CRCs."""
    if not isinstance(png, bytes | bytearray | memoryview):
        raise ValueError("PNG must be given as bytes")
    png = bytes(png)
    _check_size(len(png), "PNG image")
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError(msg("not a PNG image (bad signature)"))
    pos = len(PNG_SIGNATURE)
    first = True
    while True:
        if pos + 12 > len(png):
            raise ValueError("PNG is truncated (no IEND chunk)")
        (length,) = struct.unpack_from(">I", png, pos)
        kind = png[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > _MAX_CHUNK_LENGTH or end > len(png):
            raise ValueError(f"PNG chunk at offset {pos} has an invalid length")
        if not kind.isalpha() or not kind.isascii():
            raise ValueError(f"PNG chunk at offset {pos} has an invalid type")
        data = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", png, pos + 8 + length)
        if crc != zlib.crc32(kind + data):
            raise ValueError(f"PNG chunk {kind.decode('ascii')} at offset {pos} has a bad CRC")
        if first and (kind != b"IHDR" or length != 13):
            raise ValueError("PNG does not start with an IHDR chunk")
        first = False
        yield kind, data, pos, end
        if kind == b"IEND":
            return
        pos = end


def _itxt_keyword(data: bytes) -> bytes:
    return data.split(b"\x00", 1)[0]


def _parse_itxt_text(data: bytes) -> str:
    try:
        _keyword, rest = data.split(b"\x00", 1)
        flag, method, rest = rest[0], rest[1], rest[2:]
        _language, _translated, text = rest.split(b"\x00", 2)
    except (ValueError, IndexError):
        raise ValueError("malformed openbadgecredential iTXt chunk") from None
    if flag == 1:  # the spec forbids compression; read it anyway, bounded
        if method != 0:
            raise ValueError("unsupported iTXt compression method")
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_INPUT_BYTES + 1)
        except zlib.error:
            raise ValueError("corrupt compressed openbadgecredential iTXt chunk") from None
        _check_size(len(text), "credential")
    elif flag != 0:
        raise ValueError("invalid iTXt compression flag")
    try:
        return text.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError("openbadgecredential iTXt text is not valid UTF-8") from None


def bake_png(png: bytes, credential_json: str) -> bytes:
    """Embed the credential in an ``openbadgecredential`` iTXt chunk, replacing any existing one."""
    text, _is_jws = _normalize_credential(credential_json)
    payload = PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    out = [PNG_SIGNATURE]
    for kind, data, start, end in _iter_png_chunks(png):
        if kind == b"iTXt" and _itxt_keyword(data) == PNG_KEYWORD:
            continue  # only one credential chunk may exist: drop the old one
        if kind == b"IEND":
            out.append(_png_chunk(b"iTXt", payload))
        out.append(bytes(png[start:end]))
    baked = b"".join(out)
    _check_size(len(baked), "baked PNG image")
    return baked


def extract_png(png: bytes) -> str:
    """Return the credential (JSON or compact JWS) from the first ``openbadgecredential`` iTXt."""
    for kind, data, _start, _end in _iter_png_chunks(png):
        if kind == b"iTXt" and _itxt_keyword(data) == PNG_KEYWORD:
            text = _parse_itxt_text(data)
            if not text:
                raise ValueError("the openbadgecredential iTXt chunk is empty")
            return text
    raise ValueError(msg("PNG has no Open Badges 3.0 credential (no openbadgecredential iTXt"
                         " chunk)"))


# -- SVG ----------------------------------------------------------------------------------------


def _svg_bytes(svg: str) -> bytes:
    """Size-check the SVG, refuse DTD/ENTITY declarations (XXE, billion laughs); return UTF-8."""
    if not isinstance(svg, str):
        raise ValueError("SVG must be given as text")
    _check_size(len(svg), "SVG image")
    data = _utf8(svg, "SVG image")
    _check_size(len(data), "SVG image")
    if _FORBIDDEN_DECL_RE.search(svg):
        raise ValueError("SVG with a DOCTYPE or ENTITY declaration is not accepted")
    return data


def _is_svg_root(name: str) -> bool:
    return name in (f"{SVG_NS} svg", "svg")


def _credential_xml(text: str, is_jws: bool) -> bytes:
    if is_jws:  # compact JWS is base64url and dots only: safe as an attribute value
        return f'<openbadges:credential verify="{text}"></openbadges:credential>'.encode()
    # Keep "]]>" from closing the section early, and "<!" from looking like a DTD declaration.
    body = _CDATA_UNSAFE_RE.sub(lambda match: _CDATA_SPLIT[match[0]], text)
    return f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>".encode()


def bake_svg(svg: str, credential_json: str) -> str:
    """Embed the credential as the first child of ``<svg>``, replacing any existing one.

    The rest of the document is kept byte for byte.
    """
    text, is_jws = _normalize_credential(credential_json)
    data = _svg_bytes(svg)

    parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
    root: dict[str, Any] = {}
    root_ns: dict[str, str] = {}
    spans: list[tuple[int, int]] = []  # byte spans of existing <openbadges:credential> elements
    state = {"depth": 0, "cred_depth": 0, "cred_start": 0, "cred_tag_end": 0}

    def on_ns(prefix: str | None, uri: str) -> None:
        if not root:
            root_ns[prefix or ""] = uri

    def on_start(name: str, _attrs: dict[str, str]) -> None:
        index = parser.CurrentByteIndex
        if state["depth"] == 0:
            if not _is_svg_root(name):
                raise ValueError("the root element is not <svg>")
            match = _START_TAG_RE.match(data, index)
            if match is None:  # pragma: no cover - expat accepted the tag
                raise ValueError("cannot locate the <svg> start tag")
            root.update(start=index, name_end=match.end(1), tag_end=match.end(), qname=match[1])
        elif name == f"{OB_NS} credential":
            if state["cred_depth"] == 0:
                match = _START_TAG_RE.match(data, index)
                if match is None:  # pragma: no cover - expat accepted the tag
                    raise ValueError("cannot locate an openbadges:credential tag")
                state["cred_start"], state["cred_tag_end"] = index, match.end()
            state["cred_depth"] += 1
        state["depth"] += 1

    def on_end(name: str) -> None:
        state["depth"] -= 1
        if name != f"{OB_NS} credential" or state["depth"] == 0:
            return
        state["cred_depth"] -= 1
        if state["cred_depth"] == 0:
            tag_end = state["cred_tag_end"]
            if data[tag_end - 2 : tag_end] == b"/>":  # empty-element tag
                end = tag_end
            else:
                end = data.index(b">", parser.CurrentByteIndex) + 1
            spans.append((state["cred_start"], end))

    parser.StartNamespaceDeclHandler = on_ns
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ValueError(f"SVG is not well-formed XML: {exc}") from None

    if root_ns.get("openbadges", OB_NS) != OB_NS:
        raise ValueError("the <svg> root binds the openbadges prefix to another namespace")
    out = bytearray(data)
    for start, end in reversed(spans):
        del out[start:end]
    name_end, tag_end = root["name_end"], root["tag_end"]
    element = _credential_xml(text, is_jws)
    if data[tag_end - 2 : tag_end] == b"/>":  # <svg .../> becomes <svg ...>credential</svg>
        out[tag_end - 2 : tag_end] = b">" + element + b"</" + root["qname"] + b">"
    else:
        out[tag_end:tag_end] = element
    if "openbadges" not in root_ns:
        out[name_end:name_end] = f' xmlns:openbadges="{OB_NS}"'.encode()
    _check_size(len(out), "baked SVG image")
    _parse_svg_bytes(bytes(out))  # never hand back a document that does not parse
    return out.decode("utf-8")


def _parse_svg_bytes(data: bytes) -> ET.Element:
    # DTD/ENTITY declarations were refused before parsing (_svg_bytes): no XXE or entity bombs.
    parser = ET.XMLParser(encoding="utf-8")  # noqa: S314
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        raise ValueError(f"SVG is not well-formed XML: {exc}") from None
    if root.tag not in (f"{{{SVG_NS}}}svg", "svg"):
        raise ValueError("the root element is not <svg>")
    return root


def extract_svg(svg: str) -> str:
    """Return the credential from the first ``<openbadges:credential>`` element."""
    root = _parse_svg_bytes(_svg_bytes(svg))
    element = next(root.iter(f"{{{OB_NS}}}credential"), None)
    if element is None:
        raise ValueError(msg("SVG has no Open Badges 3.0 credential (no openbadges:credential"
                             " element)"))
    verify = (element.get("verify") or "").strip()
    text = verify or "".join(element.itertext()).strip()
    if not text:
        raise ValueError("the openbadges:credential element is empty")
    return text


def extract(data: bytes) -> str:
    """Extract the credential from a baked PNG or SVG image, sniffing the format."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValueError("image must be given as bytes")
    data = bytes(data)
    _check_size(len(data), "image")
    if data.startswith(PNG_SIGNATURE):
        return extract_png(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(msg("unsupported image: expected a PNG or an SVG")) from None
    if text.lstrip().startswith("<") and _SVG_ROOT_RE.search(text):
        return extract_svg(text)
    raise ValueError(msg("unsupported image: expected a PNG or an SVG"))


# -- generated badge images ---------------------------------------------------------------------


def _colour(label: str) -> tuple[int, int, int]:
    """A deterministic, reasonably saturated mid-dark colour for a label."""
    digest = hashlib.sha256(label.encode("utf-8", "surrogatepass")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    r, g, b = colorsys.hls_to_rgb(hue, 0.40, 0.60)
    return round(r * 255), round(g * 255), round(b * 255)


_RENDER_PIXELS = 1024  # draw at about this size, then box-reduce: smooth edges at any size
_TITLE_SIZES = (0.17, 0.15, 0.13, 0.115, 0.10, 0.09)  # title font sizes, as fractions of radius
_TEXT_RADIUS = 0.74  # text stays inside this fraction of the radius (inside the white ring)
_ELLIPSIS = "…"
_FONTS = Path(__file__).parent / "static" / "fonts"


@functools.lru_cache(maxsize=64)
def _font(pixels: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    # Vendored DejaVu Sans (static/fonts/fonts.json): Pillow's built-in font lacks letters
    # such as Ü. Glyphs DejaVu lacks (CJK, most emoji) are drawn as boxes, never an error.
    return ImageFont.truetype(_FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"),
                              max(1, round(pixels)))


def _chord(radius: float, top: float, bottom: float) -> float:
    """Width inside a circle of ``radius`` for a line from ``top`` to ``bottom`` (from centre)."""
    reach = max(abs(top), abs(bottom))
    return 2 * math.sqrt(radius * radius - reach * reach) if reach < radius else 0.0


def _fit(text: str, font: Any, width: float, cut: bool = False) -> str:
    """``text``, cut and ended with an ellipsis if it is wider than ``width`` (or if ``cut``)."""
    if not cut and font.getlength(text) <= width:
        return text
    while text and font.getlength(text.rstrip() + _ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + _ELLIPSIS if text else ""


def _wrap(
    text: str, font: Any, widths: list[float], break_words: bool
) -> tuple[list[str], bool]:
    """Greedy wrap of ``text`` into lines of the given pixel widths; (lines, all text placed).

    With ``break_words``, words wider than a line (or scripts written without spaces) are
    broken between characters; without, such a word means the text does not fit.
    """
    lines: list[str] = []
    words = text.split(" ")
    current = ""
    while words and len(lines) < len(widths):
        width = widths[len(lines)]
        word = words[0]
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            words.pop(0)
        elif current:
            lines.append(current)
            current = ""
        elif not break_words:
            break
        else:  # a single word wider than the line: break it
            cut = max(1, next((i for i in range(len(word), 0, -1)
                               if font.getlength(word[:i]) <= width), 1))
            lines.append(word[:cut])
            words[0] = word[cut:]
    if current and len(lines) < len(widths):
        lines.append(current)
        current = ""
    rest = " ".join(([current] if current else []) + words).strip()
    return lines, not rest


def _layout(title: str, issuer: str, radius: float,
            ceiling: float | None = None) -> list[tuple[str, Any, float]]:
    """(text, font, y of the line's middle relative to the centre) for each line of text.

    The title takes up to four lines (three below a logo) at the largest size that fits inside
    the ring; at the smallest size it is cut with an ellipsis. The issuer is one smaller line
    below it. ``ceiling``: no text above this y (a logo is there).
    """
    inner = radius * _TEXT_RADIUS
    issuer_font = _font(radius * 0.085)
    issuer_height = radius * 0.085 * 1.25 if issuer else 0.0
    most = 4 if ceiling is None else 3
    best: list[tuple[str, Any, float]] = []
    for fraction in _TITLE_SIZES:
        font, line_height = _font(radius * fraction, bold=True), radius * fraction * 1.2
        for count in range(1, most + 1):
            gap = radius * 0.06 if issuer else 0.0
            height = count * line_height + gap + issuer_height
            top = -height / 2
            if ceiling is not None:  # below the logo, a little above the middle of the rest
                top = max(ceiling, ceiling + (inner - ceiling) * 0.45 - height / 2)
            spans = [(top + i * line_height, top + (i + 1) * line_height) for i in range(count)]
            widths = [_chord(inner, a, b) for a, b in spans]
            # break inside words only when even the smallest size cannot fit them whole
            lines, complete = _wrap(title, font, widths, fraction == _TITLE_SIZES[-1])
            if not complete and fraction == _TITLE_SIZES[-1] and count == most and lines:
                lines[-1] = _fit(lines[-1], font, _chord(inner, *spans[-1]), cut=True)
                complete = True  # still too long at the smallest size: cut with an ellipsis
            if complete and all(lines):
                placed = zip(lines, spans, strict=False)
                best = [(line, font, (a + b) / 2) for line, (a, b) in placed]
                if issuer:
                    a = top + count * line_height + gap
                    width = _chord(inner, a, a + issuer_height)
                    best.append((_fit(issuer, issuer_font, width), issuer_font,
                                 a + issuer_height / 2))
                return best
    if issuer:  # no title: the issuer alone in the middle (below a logo)
        middle = 0.0 if ceiling is None else max(0.0, ceiling + issuer_height)
        best.append((_fit(issuer, issuer_font, _chord(inner, middle - issuer_height / 2,
                                                      middle + issuer_height / 2) * 0.9),
                     issuer_font, middle))
    return best


def _paste_logo(image: Image.Image, logo_png: bytes, radius: float) -> float:
    """Draw the logo on a white plate in the top of the disc; the y (from the centre) below
    which text may go."""
    logo = Image.open(io.BytesIO(logo_png), formats=["PNG"]).convert("RGBA")
    scale = min(radius * 0.56 / logo.width, radius * 0.28 / logo.height)
    width, height = max(1, round(logo.width * scale)), max(1, round(logo.height * scale))
    logo = logo.resize((width, height), Image.Resampling.LANCZOS)
    centre, pad, top = image.width / 2, radius * 0.03, radius * (1 - 0.64)
    plate = (centre - width / 2 - pad, top, centre + width / 2 + pad, top + height + 2 * pad)
    ImageDraw.Draw(image).rounded_rectangle(plate, radius=radius * 0.04,
                                            fill=(255, 255, 255, 255))
    image.alpha_composite(logo, (round(centre - width / 2), round(top + pad)))
    return plate[3] - radius + radius * 0.05


def badge_png(title: str, issuer: str = "", size: int = 512, logo: bytes | None = None) -> bytes:
    """A round RGBA PNG badge like ``badge_svg``: disc, white ring, title and issuer in white,
    and the issuer's ``logo`` (a checked PNG, app/images) on a white plate above them.

    Corners are transparent. Text is made displayable first (it may come from another
    issuer's credential); glyphs the built-in font lacks are drawn as boxes.
    """
    if not isinstance(size, int) or isinstance(size, bool) or not 16 <= size <= 512:
        raise ValueError("badge size must be an integer between 16 and 512 pixels")
    title, issuer = _clean_text(displayable(title)), _clean_text(displayable(issuer))
    factor = max(1, math.ceil(_RENDER_PIXELS / size))
    canvas = size * factor
    radius, centre = canvas / 2, canvas / 2
    image = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red, green, blue = _colour(title)
    draw.ellipse((0, 0, canvas - 1, canvas - 1), fill=(red, green, blue, 255))
    ring, ring_width = radius * 0.84, max(radius * 0.04, 1.0)
    draw.ellipse((centre - ring, centre - ring, centre + ring, centre + ring),
                 outline=(255, 255, 255, 255), width=round(ring_width))
    ceiling = _paste_logo(image, logo, radius) if logo else None
    for text, font, middle in _layout(title, issuer, radius, ceiling):
        draw.text((centre, centre + middle), text, font=font, anchor="mm",
                  fill=(255, 255, 255, 255))
    out = io.BytesIO()
    image.reduce(factor).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _clean_text(text: str) -> str:
    return " ".join(_XML_ILLEGAL_RE.sub("", text).split())


def _data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def picture_svg(png: bytes, width: int, height: int, caption: str) -> str:
    """An SVG document showing a PNG (an issuer's own badge image) at its size, for baking."""
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img">',
        f"  <title>{escape(_clean_text(caption))}</title>",
        f'  <image width="{width}" height="{height}"'
        f' xlink:href="{_data_uri("image/png", png)}"/>',
        "</svg>", ""])


def _logo_svg(media_type: str, data: bytes) -> str:
    """The logo on a white plate at the top of the 256x256 badge (its picture scaled to fit)."""
    return ('  <rect x="78" y="36" width="100" height="52" rx="6" fill="#ffffff"/>\n'
            f'  <image x="84" y="40" width="88" height="44" preserveAspectRatio="xMidYMid meet"'
            f' xlink:href="{_data_uri(media_type, data)}"/>')


def badge_svg(title: str, issuer: str, logo: tuple[str, bytes] | None = None) -> str:
    """A self-contained 256x256 round SVG badge showing the title and issuer, and the issuer's
    ``logo`` ((media type, bytes) of a checked PNG or SVG, app/images) above them."""
    title, issuer = _clean_text(title), _clean_text(issuer)
    if not title:
        raise ValueError("badge title must not be empty")
    red, green, blue = _colour(title)
    lines = textwrap.wrap(title, width=18, max_lines=3, placeholder=" …")
    first_y = (142 if logo else 128) - (len(lines) - 1) * 11 - (8 if issuer else 0)
    text_lines = "\n".join(
        f'    <tspan x="128" y="{first_y + 22 * i}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    issuer_line = textwrap.shorten(issuer, width=26 if logo else 30,
                                   placeholder=" …") if issuer else ""
    issuer_y = first_y + 22 * (len(lines) - 1) + 28
    accessible = f"{title}, issued by {issuer}" if issuer else title
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="{SVG_NS}"' + (f' xmlns:xlink="{XLINK_NS}"' if logo else "")
        + ' width="256" height="256" viewBox="0 0 256 256" role="img">',
        f"  <title>{escape(accessible)}</title>",
        f'  <circle cx="128" cy="128" r="126" fill="#{red:02x}{green:02x}{blue:02x}"/>',
        '  <circle cx="128" cy="128" r="106" fill="none" stroke="#ffffff" stroke-width="5"/>',
        *([_logo_svg(*logo)] if logo else []),
        '  <text text-anchor="middle" font-family="Helvetica, Arial, sans-serif"'
        ' font-size="18" font-weight="bold" fill="#ffffff">',
        text_lines,
        "  </text>",
    ]
    if issuer_line:
        parts.append(
            f'  <text x="128" y="{issuer_y}" text-anchor="middle"'
            ' font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#ffffff">'
            f"{escape(issuer_line)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
