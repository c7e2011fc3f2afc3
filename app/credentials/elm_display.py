"""The page image a European Digital Credential carries (EDC ``displayParameter``).

EDC's shapes require one rendered page per display language (a MediaObject with its bytes
inline). Ours is a plain A4-landscape-shaped black-and-white PNG with what the credential says
first: title, learner, issuer, date; small, so the signed document stays small.
"""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.credentials.content import CredentialContent
from app.elements.text import displayable

_FONTS = Path(__file__).resolve().parents[1] / "web" / "static" / "fonts"
WIDTH, HEIGHT = 842, 595  # A4 landscape at 72 dpi


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    # Vendored DejaVu Sans (app/web/static/fonts): it has the letters of every EU language.
    return ImageFont.truetype(_FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, bold: bool = False
         ) -> tuple[str, ImageFont.FreeTypeFont]:
    """``text`` in the largest font up to ``size`` that fits the page width, cut if need be."""
    text = displayable(text)
    while size > 12 and draw.textlength(text, font=_font(size, bold)) > WIDTH - 80:
        size -= 2
    font = _font(size, bold)
    while draw.textlength(text, font=font) > WIDTH - 80 and len(text) > 1:
        text = text[:-2] + "…"
    return text, font


def _title_lines(draw: ImageDraw.ImageDraw, title: str) -> tuple[list[str], int]:
    """The title on one line from 34 down to 24 px, else wrapped on up to three lines."""
    title = displayable(title)
    for size in range(34, 22, -2):
        if draw.textlength(title, font=_font(size, True)) <= WIDTH - 80:
            return [title], size
    size, lines, line = 24, [], ""
    for word in title.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=_font(size, True)) > WIDTH - 80:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    return lines[:3], size


def display_png(content: CredentialContent) -> bytes:
    """The credential's page as PNG bytes."""
    image = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, WIDTH - 17, HEIGHT - 17), outline=90, width=3)
    title, size = _title_lines(draw, content.spec.title)
    top = 160 - (len(title) - 1) * size * 0.6
    for n, line in enumerate(title):
        shown, font = _fit(draw, line, size, True)
        draw.text((WIDTH / 2, top + n * size * 1.2), shown, fill=0, font=font, anchor="mm")
    lines = [
        ("awarded to", 18, False, 250),
        (content.learner.name, 30, True, 290),
        ("by", 18, False, 360),
        (content.issuer.name, 24, False, 395),
        (content.awarded_on.isoformat(), 18, False, 470),
    ]
    for text, size, bold, y in lines:
        shown, font = _fit(draw, text, size, bold)
        draw.text((WIDTH / 2, y), shown, fill=0, font=font, anchor="mm")
    out = io.BytesIO()
    # Stored with every award: one bit a pixel gives ~3 kB a page in ~2 ms (greyscale: ~10 kB;
    # optimize=True: 5x the time, which bulk issuing would pay on every row).
    image.point(lambda p: 255 if p > 140 else 0, "1").save(out, format="PNG")
    return out.getvalue()


def display_png_base64(content: CredentialContent) -> str:
    """``display_png`` as the base64 text EDC's MediaObject ``content`` holds."""
    return base64.b64encode(display_png(content)).decode("ascii")
