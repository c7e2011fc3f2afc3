"""Images made by the tests: real PNGs and SVGs, good and hostile."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw, PngImagePlugin


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def drawing(size: tuple[int, int] = (96, 64), mode: str = "RGBA") -> Image.Image:
    """A small picture with distinct colours in known places."""
    image = Image.new(mode, size, (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 2, size[1] // 2), fill=(200, 30, 40, 255))
    draw.ellipse((size[0] // 2, size[1] // 2, size[0] - 1, size[1] - 1), fill=(20, 90, 200, 255))
    return image


def png(image: Image.Image | None = None, text: dict[str, str] | None = None) -> bytes:
    """PNG bytes of ``image`` (``drawing()`` by default), with tEXt/iTXt chunks if given."""
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_itxt(key, value)
    out = io.BytesIO()
    (image or drawing()).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid-looking PNG header claiming a huge RGBA canvas, over a few hundred bytes of
    zlib data that would inflate to gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    inflater = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (width * 4)
    data = inflater.compress(row * 16) + inflater.flush()
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data)
            + png_chunk(b"IEND", b""))


def animated_png() -> bytes:
    out = io.BytesIO()
    first, second = drawing(), drawing().transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    first.save(out, format="PNG", save_all=True, append_images=[second], duration=100)
    return out.getvalue()


TINY_PNG_B64 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmM"
                "IQAAAABJRU5ErkJggg==")

HOSTILE_SVG = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     width="120" height="120" viewBox="0 0 120 120" onload="alert('onload')" inkscape:version="1">
  <script type="text/javascript">alert('script')</script>
  <foreignObject width="100" height="100"><div xmlns="http://www.w3.org/1999/xhtml"
    onclick="alert('fo')">html inside</div></foreignObject>
  <style>@import url(https://evil.example/x.css); .a {{ fill: #123456 }}</style>
  <style>.b {{ background: url("https://evil.example/track.png") }}</style>
  <style>.c > rect {{ stroke: #abcdef }}</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#ff8800"/></linearGradient></defs>
  <a href="https://evil.example/phish"><rect id="art" class="a" x="10" y="10" width="100"
     height="100" fill="url(#g)" onmouseover="alert('hover')"
     style="stroke:#00aa00;stroke-width:4;background-image:url(https://evil.example/p.gif)"/></a>
  <circle cx="60" cy="60" r="20" fill="url(https://evil.example/paint.svg#p)"/>
  <image x="0" y="0" width="10" height="10" xlink:href="https://evil.example/pixel.png"/>
  <image x="0" y="0" width="1" height="1" href="data:image/png;base64,{TINY_PNG_B64}"/>
  <image x="0" y="0" width="1" height="1" href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/>
  <use href="#art"/><use xlink:href="https://evil.example/sprite.svg#icon"/>
  <set attributeName="fill" to="red" begin="0s"/>
  <animate attributeName="href" values="javascript:alert(1)"/>
  <text x="60" y="115" text-anchor="middle" font-size="10">Data &amp; AI</text>
</svg>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol3;</text></svg>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&secret;</text></svg>
"""

PLAIN_DOCTYPE = """<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>
"""

SIMPLE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"
 viewBox="0 0 200 200"><title>Own badge</title><rect id="own-art" width="200" height="200"
 fill="#0a7d3b"/><text x="100" y="110" text-anchor="middle" fill="#fff">OWN</text></svg>"""
