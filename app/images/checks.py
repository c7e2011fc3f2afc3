"""Uploaded badge images and logos: accept only PNG and SVG, told apart by their bytes.

A PNG is decoded with Pillow (its size read from IHDR first, so a decompression bomb is refused
before any pixel is inflated; animated PNGs refused) and stored re-encoded: pixels only, no
text chunks, no baked credential of someone else, no polyglot payload. An SVG is parsed with
defusedxml (no DTD, no entities, no external references) and rebuilt from an allow-list of SVG
elements and attributes: no scripts, event handlers, foreignObject, animation, external
references (only ``#fragment`` links and ``data:image/png|jpeg;base64`` pictures) or CSS that
could load anything. Pure functions: no database, no HTTP.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
import warnings
from dataclasses import dataclass, field
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image

PNG = "image/png"
SVG = "image/svg+xml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

MAX_DECODE_SIDE = 2048  # larger PNGs are refused before decoding (decompression bombs)
MAX_STORED_SIDE = 1024  # larger ones are scaled down to this (badges show at <= 512 px)
# What is stored must stay bakeable: baking refuses images over 5 MB, and a PNG inside the
# SVG download grows by a third in base64.
MAX_STORED_BYTES = 2 * 1024 * 1024
MAX_SVG_DEPTH = 64  # element nesting; deeper documents are refused
MAX_SVG_ELEMENTS = 20_000


class ImageRejected(ValueError):
    """An upload that is not an acceptable image; ``status`` 415 (not PNG/SVG) or 422."""

    def __init__(self, status: Literal[415, 422], code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class CheckedImage:
    """An image ready to store: its media type, the bytes to serve, and what was removed."""

    media_type: str
    data: bytes
    width: int | None
    height: int | None
    removed: list[str] = field(default_factory=list)

    @property
    def extension(self) -> str:
        return "png" if self.media_type == PNG else "svg"


def sniff(data: bytes) -> str | None:
    """``image/png`` or ``image/svg+xml`` judged by the bytes (never the declared type)."""
    if data.startswith(PNG_SIGNATURE):
        return PNG
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip()
    return SVG if head.startswith(b"<") else None


def check_image(data: bytes, declared: str) -> CheckedImage:
    """Validate an upload whose Content-Type was ``declared``; the cleaned image to store."""
    kind = sniff(data)
    if kind is None:
        raise ImageRejected(415, "not-png-or-svg", "the body is neither a PNG nor an SVG image")
    if kind != declared:
        raise ImageRejected(415, "type-mismatch",
                            f"Content-Type says {declared} but the body is {kind}")
    return check_png(data) if kind == PNG else check_svg(data)


# -- PNG ----------------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, read without decoding anything."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise ImageRejected(422, "png-corrupt", "the PNG has no IHDR chunk")
    return struct.unpack(">II", data[16:24])


def check_png(data: bytes) -> CheckedImage:
    """Decode a PNG within bounds and re-encode its pixels alone."""
    width, height = png_size(data)
    if not (0 < width <= MAX_DECODE_SIDE and 0 < height <= MAX_DECODE_SIDE):
        raise ImageRejected(422, "too-many-pixels",
                            f"the PNG is {width} x {height} pixels; at most "
                            f"{MAX_DECODE_SIDE} x {MAX_DECODE_SIDE} are accepted")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
            if getattr(image, "n_frames", 1) > 1:
                raise ImageRejected(422, "animated", "animated PNGs are not accepted")
            image.load()
    except ImageRejected:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning,
            Image.DecompressionBombError, struct.error, EOFError) as exc:
        raise ImageRejected(422, "png-corrupt", f"the PNG cannot be decoded: {exc}") from None
    if image.size != (width, height):  # pragma: no cover - Pillow reads the same IHDR
        raise ImageRejected(422, "png-corrupt", "the PNG's size is inconsistent")
    image = _plain_pixels(image)
    if max(image.size) > MAX_STORED_SIDE:
        image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # Only the pixels survive: no text chunks, ICC profile, baked credential or other payload.
    image.save(out, format="PNG")
    if out.tell() > MAX_STORED_BYTES:  # noise-like pixels that compress far worse than sent
        raise ImageRejected(422, "png-too-complex",
                            f"the PNG's pixels need more than {MAX_STORED_BYTES} bytes")
    return CheckedImage(PNG, out.getvalue(), image.width, image.height)


def _plain_pixels(image: Image.Image) -> Image.Image:
    """The image as L, LA, RGB or RGBA (8 bits a channel), transparency as an alpha channel."""
    transparent = "transparency" in image.info
    if image.mode in ("L", "RGB") and not transparent:
        return image
    if image.mode in ("LA", "RGBA"):
        return image
    if image.mode.startswith("I"):  # 16-bit grey: keep the high byte
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode == "1" and not transparent:
        return image.convert("L")
    return image.convert("RGBA" if transparent or image.mode == "PA" else "RGB")


# -- SVG ----------------------------------------------------------------------------------------

_SHAPES = {"path", "rect", "circle", "ellipse", "line", "polyline", "polygon"}
_TEXT = {"text", "tspan", "textPath"}
_FILTERS = {"filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
            "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
            "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset", "feTile"}
ALLOWED_ELEMENTS = {"svg", "g", "defs", "symbol", "use", "title", "desc", "switch", "style",
                    "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern",
                    "marker", "image", *_SHAPES, *_TEXT, *_FILTERS}
# Presentation attributes that may also appear as CSS properties (style="…", <style>).
_PRESENTATION = {
    "clip-path", "clip-rule", "color", "color-interpolation", "color-interpolation-filters",
    "display", "dominant-baseline", "alignment-baseline", "baseline-shift", "fill",
    "fill-opacity", "fill-rule", "filter", "flood-color", "flood-opacity", "font",
    "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style",
    "font-variant", "font-weight", "image-rendering", "letter-spacing", "lighting-color",
    "marker", "marker-start", "marker-mid", "marker-end", "mask", "mix-blend-mode",
    "opacity", "overflow", "paint-order", "shape-rendering", "stop-color", "stop-opacity",
    "stroke", "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-opacity", "stroke-width", "text-anchor", "text-decoration",
    "text-rendering", "transform", "transform-origin", "vector-effect", "visibility",
    "white-space", "word-spacing", "writing-mode", "isolation",
}
ALLOWED_ATTRIBUTES = _PRESENTATION | {
    "id", "class", "style", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
    "fx", "fy", "fr", "width", "height", "d", "points", "pathLength", "viewBox",
    "preserveAspectRatio", "version", "dx", "dy", "rotate", "textLength", "lengthAdjust",
    "startOffset", "method", "spacing", "side", "gradientUnits", "gradientTransform",
    "spreadMethod", "offset", "clipPathUnits", "maskUnits", "maskContentUnits",
    "patternUnits", "patternContentUnits", "patternTransform", "markerUnits",
    "markerWidth", "markerHeight", "refX", "refY", "orient", "filterUnits",
    "primitiveUnits", "in", "in2", "result", "stdDeviation", "mode", "operator", "k1", "k2",
    "k3", "k4", "values", "type", "tableValues", "slope", "intercept", "amplitude",
    "exponent", "radius", "edgeMode", "role", "aria-label", "aria-hidden", "lang",
    "focusable", "media", "href",
}
_CSS_PROPERTIES = _PRESENTATION
# Anything in a value that could reach outside the document or run code: a url() that is not
# a local #fragment, CSS escapes (which can spell "url" or "@import" in disguise), scripts.
_URL = re.compile(r"url\s*\(\s*(['\"]?)\s*([^)'\"]*)", re.IGNORECASE)
_FORBIDDEN_CSS = re.compile(r"\\|@import|@namespace|expression\s*\(|javascript:|vbscript:|"
                            r"behavior\s*:|-moz-binding|image-set\s*\(|element\s*\(",
                            re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.S)
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg);base64,([A-Za-z0-9+/\s]*={0,2}\s*)")
_FRAGMENT = re.compile(r"#[A-Za-z_][\w.:-]*")


def _local_value(value: str) -> bool:
    """True when a value names nothing outside the document (``url(#id)`` only); CSS
    comments must have been stripped (``u/**/rl(`` would otherwise hide a url)."""
    if _FORBIDDEN_CSS.search(value) or "<" in value or "/*" in value:
        return False
    return all(_FRAGMENT.fullmatch(match[2].strip()) for match in _URL.finditer(value))


def clean_css_declarations(style: str) -> str:
    """A ``style=""`` value with only allowed properties whose values stay local."""
    kept = []
    for declaration in _CSS_COMMENT.sub("", style).split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if colon and name in _CSS_PROPERTIES and value and _local_value(value):
            kept.append(f"{name}:{value}")
    return ";".join(kept)


def _href_allowed(tag: str, value: str) -> bool:
    value = value.strip()
    if _FRAGMENT.fullmatch(value):
        return tag != "image"
    match = _DATA_IMAGE.fullmatch(value)
    if tag != "image" or match is None:
        return False
    try:
        base64.b64decode("".join(match[1].split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _local_name(name: str) -> tuple[str | None, str]:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return None, name


class _Sanitiser:
    """Rebuilds a parsed SVG tree from the allow-list, noting what it leaves out."""

    def __init__(self) -> None:
        self.removed: list[str] = []
        self.count = 0
        self.uses_xlink = False

    def note(self, what: str) -> None:
        if what not in self.removed and len(self.removed) < 50:
            self.removed.append(what)

    def element(self, node: Element, depth: int) -> str | None:
        """The element's clean markup, or None when the element is dropped."""
        self.count += 1
        if depth > MAX_SVG_DEPTH or self.count > MAX_SVG_ELEMENTS:
            raise ImageRejected(422, "svg-too-complex",
                                f"the SVG nests deeper than {MAX_SVG_DEPTH} levels or has more"
                                f" than {MAX_SVG_ELEMENTS} elements")
        namespace, tag = _local_name(node.tag) if isinstance(node.tag, str) else (None, "")
        if tag == "a" and namespace in (None, SVG_NS):  # a link does nothing in a badge:
            self.note("<a> (kept as <g>)")  # keep what it draws, not where it leads
            tag = "g"
            node = _without_href(node)
        if namespace not in (None, SVG_NS) or tag not in ALLOWED_ELEMENTS:
            self.note(f"<{tag or 'comment'}>")
            return None
        attributes = self.attributes(tag, node)
        if tag == "image" and "href" not in attributes and "xlink:href" not in attributes:
            self.note("<image> without a data:image/png or data:image/jpeg picture")
            return None
        if tag == "style":
            css = _CSS_COMMENT.sub("", "".join(node.itertext()))
            if attributes.get("type", "text/css") != "text/css" or not _local_value(css):
                self.note("<style> that could load or run something")
                return None
            return _start(tag, attributes) + _escape_text(css) + f"</{tag}>"
        parts = [_start(tag, attributes), _escape_text(node.text or "")]
        for child in node:
            markup = self.element(child, depth + 1)
            if markup is not None:
                parts.append(markup)
            parts.append(_escape_text(child.tail or ""))
        parts.append(f"</{tag}>")
        return "".join(parts)

    def attributes(self, tag: str, node: Element) -> dict[str, str]:
        kept: dict[str, str] = {}
        for raw_name, value in node.attrib.items():
            namespace, name = _local_name(raw_name)
            if namespace == XML_NS and name in ("space", "lang"):
                kept[f"xml:{name}"] = value
                continue
            if name == "href" and namespace in (None, XLINK_NS):
                if not _href_allowed(tag, value):
                    self.note(f"@href on <{tag}> (only #fragment or a data:image/png|jpeg)")
                    continue
                if namespace == XLINK_NS:
                    self.uses_xlink = True
                kept["xlink:href" if namespace == XLINK_NS else "href"] = value.strip()
                continue
            if namespace is not None or name not in ALLOWED_ATTRIBUTES:
                self.note(f"@{name} on <{tag}>")
                continue
            if name == "style":
                value = clean_css_declarations(value)
                if not value:
                    self.note(f"@style on <{tag}>")
                    continue
            elif not _local_value(value):
                self.note(f"@{name} on <{tag}> (external reference)")
                continue
            kept[name] = value
        return kept


def _without_href(node: Element) -> Element:
    copy = Element("g", {name: value for name, value in node.attrib.items()
                         if _local_name(name)[1] not in ("href", "target")})
    copy.text = node.text
    copy.extend(list(node))
    return copy


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return (_escape_text(value).replace('"', "&quot;").replace("\t", "&#9;")
            .replace("\n", "&#10;").replace("\r", "&#13;"))


def _start(tag: str, attributes: dict[str, str]) -> str:
    rendered = "".join(f' {name}="{_escape_attribute(value)}"'
                       for name, value in attributes.items())
    return f"<{tag}{rendered}>"


def _parse_svg(data: bytes) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException:
        raise ImageRejected(422, "svg-dtd", "SVGs with a DOCTYPE, entities or external "
                            "references are not accepted") from None
    except ParseError as exc:
        raise ImageRejected(422, "svg-not-well-formed",
                            f"the SVG is not well-formed XML: {exc}") from None


def check_svg(data: bytes) -> CheckedImage:
    """Parse an SVG safely and rebuild it from the allow-list."""
    root = _parse_svg(data)
    namespace, tag = _local_name(root.tag) if isinstance(root.tag, str) else (None, "")
    if tag != "svg" or namespace not in (None, SVG_NS):
        raise ImageRejected(415, "not-png-or-svg", "the XML document is not an <svg> image")
    sanitiser = _Sanitiser()
    body = sanitiser.element(root, 1)
    assert body is not None  # the root is an allowed <svg>
    namespaces = f' xmlns="{SVG_NS}"' + (f' xmlns:xlink="{XLINK_NS}"'
                                         if sanitiser.uses_xlink else "")
    body = body.replace("<svg", "<svg" + namespaces, 1)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
    if len(text.encode("utf-8")) > MAX_STORED_BYTES:  # escaping can make text grow
        raise ImageRejected(422, "svg-too-complex",
                            f"the cleaned SVG is larger than {MAX_STORED_BYTES} bytes")
    return CheckedImage(SVG, text.encode("utf-8"), *_svg_size(root), removed=sanitiser.removed)


def _svg_size(root: Element) -> tuple[int | None, int | None]:
    """Whole-pixel width and height when the root states them in px (or unitless)."""
    sizes = []
    for name in ("width", "height"):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*", root.get(name, ""))
        sizes.append(round(float(match[1])) if match else None)
    return sizes[0], sizes[1]
