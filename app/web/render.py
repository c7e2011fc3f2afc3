"""Jinja2 rendering of the public pages (autoescaped, translated)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.web.i18n import pick_language, translator

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = pick_language(request.headers.get("accept-language"),
                         request.query_params.get("lang"))
    html = _env.get_template(template).render(lang=lang, t=translator(lang), **context)
    return HTMLResponse(html, status_code=status,
                        headers={"Content-Language": lang, "Vary": "Accept-Language, Accept"})


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML (a browser) over JSON."""
    accept = request.headers.get("accept", "")
    first = accept.split(",")[0].strip().lower()
    return "text/html" in accept and not first.startswith(("application/json",
                                                            "application/ld+json",
                                                            "application/vc"))
