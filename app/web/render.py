"""Jinja2 rendering of the public pages (autoescaped, translated), the HTML error page, and the
Content-Security-Policy those pages are served under."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from app.errors import ProblemError, http_problem, prefers_html
from app.limits import inline_scripts, script_hashes
from app.web.i18n import pick_language, reader_locale, translator
from app.web.present import day, verdict

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
# Addresses in a credential's texts become links, but only http(s) ones: never javascript:,
# data: or any other scheme a foreign credential might carry. Trailing punctuation stays text.
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))")


def linked(text: object) -> Markup:
    """Escaped text with its http(s) addresses as links."""
    raw, out, at = str(text), [], 0
    for match in _WEB_ADDRESS.finditer(raw):
        out += [escape(raw[at:match.start()]),
                Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(match.group(0))]
        at = match.end()
    out.append(escape(raw[at:]))
    return Markup("").join(out)


_env.globals["verdict"] = verdict
_env.filters["day"] = day
_env.filters["linked"] = linked

# Texts of the error page (en, de), kept with it.
ERROR_TEXTS = {
    "en": {"retry": "Please try again in a moment.", "back": "Go to the verification page",
           "code": "Error code"},
    "de": {"retry": "Bitte versuchen Sie es gleich noch einmal.",
           "back": "Zur Prüfseite", "code": "Fehlercode"},
}


def _render(request: Request, template: str, status: int, **context: Any) -> HTMLResponse:
    lang = pick_language(request.headers.get("accept-language"),
                         request.query_params.get("lang"))
    locale = reader_locale(request.headers.get("accept-language"), lang)
    html = _env.get_template(template).render(lang=lang, locale=locale, t=translator(lang),
                                              **context)
    return HTMLResponse(html, status_code=status,
                        headers={"Content-Language": lang, "Vary": "Accept-Language, Accept"})


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; an error page (status >= 400) only for browsers: any other client gets the
    error as problem+json, with the page's ``error`` text as its detail."""
    if status >= 400 and not wants_html(request):
        error = context.get("error")
        raise http_problem(status, str(error) if error else None)
    return _render(request, template, status, **context)


def error_page(request: Request, problem: ProblemError) -> HTMLResponse:
    """The site's error page for a problem (what browsers get instead of problem+json)."""
    lang = pick_language(request.headers.get("accept-language"),
                         request.query_params.get("lang"))
    response = _render(request, "error.html", problem.status,
                       problem=problem.body(request.url.path), texts=ERROR_TEXTS[lang])
    for name, value in (problem.headers or {}).items():
        response.headers[name] = value
    return response


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML (a browser) over JSON."""
    return prefers_html(request.headers.get("accept"))


def _template_scripts() -> list[str]:
    """Every inline script in the templates, as written there. Hashing the templates (never a
    rendered page) means only scripts we wrote can run, whatever a page displays."""
    scripts = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for script in inline_scripts(path.read_text("utf-8")):
            if "{{" in script or "{%" in script:
                raise RuntimeError(f"{path.name}: an inline script must be literal text"
                                   " (its CSP hash is computed from the template)")
            scripts.append(script)
    return scripts


PAGE_SCRIPT_HASHES = script_hashes(_template_scripts())


def page_policy(public_base_url: str) -> str:
    """The Content-Security-Policy of the HTML pages: our stylesheet, our scripts (files under
    /static; an inline template script, should one be written, by hash), our images (the QR
    code is addressed under the public base URL), forms to us only."""
    parts = urlsplit(public_base_url)
    images = " ".join(["'self'", f"{parts.scheme}://{parts.netloc}"])
    scripts = " ".join(["'self'", *PAGE_SCRIPT_HASHES])
    return ("default-src 'none'; "
            f"script-src {scripts}; style-src 'self'; img-src {images}; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
