"""Jinja2 rendering of the public pages (autoescaped, translated), the HTML error page, and the
Content-Security-Policy those pages are served under."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app.errors import ProblemError, http_problem, prefers_html
from app.limits import inline_scripts, script_hashes
from app.messages import Message, When
from app.web import labels
from app.web.i18n import LANGUAGES, Reader, language_name, reader, translations
from app.web.present import day, verdict

TEMPLATES = Path(__file__).resolve().parent / "templates"
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


def _said(value: object, who: Reader) -> Markup:
    """A message as HTML in the reader's language: its parameters translated in turn, a
    technical detail kept in English after its plain-words explanation and marked
    ``lang="en"``, and a text no catalogue knows kept as written and marked ``lang="en"``."""
    if isinstance(value, When):
        return escape(who.when(value))
    if not isinstance(value, Message):
        return escape(str(value))
    if value.parts is None and who.lang != "en" and not who.knows(value.template):
        return Markup('<span lang="en">{0}</span>').format(str(value))
    if value.parts is not None:
        words = [_said(part, who) for part in value.parts]
        if value.listing:
            # The words are escaped already; the pattern around them is CLDR's, escaped too.
            marks = [f"\x00{n}\x00" for n in range(len(words))]
            pattern = escape(who.and_list(marks))
            for mark, word in zip(marks, words, strict=True):
                pattern = pattern.replace(mark, word)
            return pattern
        return escape(value.sep).join(words)
    text = escape(who.gettext(value.template))
    if value.params:
        text = text % {k: _said(v, who) for k, v in value.params.items()}
    if value.detailed and who.lang != "en":
        return Markup('{0} (<span lang="en">{1}</span>)').format(text, str(value))
    return text if not value.detailed else escape(str(value))


@pass_context
def said(context: Context, value: object) -> Markup:
    """A text the service says (a check message, a reason, an error) in the page's language.
    One the catalogues cannot translate (a custom rubric's reason, an outbound error) stays
    English and is marked ``lang="en"``, so a screen reader reads it in an English voice."""
    who: Reader = context["reader"]
    if value is None:
        return Markup("")
    if who.lang != "en" and not isinstance(value, Message):
        return Markup('<span lang="en">{0}</span>').format(str(value))
    return _said(value, who)


def _environment(language: str) -> Environment:
    """The pages' Jinja2 environment for one language: jinja2.ext.i18n with that language's
    catalogue (one environment per language, so no request changes another's translations)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks may wrap freely
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(verdict=verdict, labels=labels, LANGUAGES=LANGUAGES,
                       language_name=language_name)
    env.filters.update(day=day, linked=linked, said=said)
    return env


_ENVIRONMENTS = {language: _environment(language) for language in LANGUAGES}


def _switcher(request: Request, current: str) -> list[dict[str, object]]:
    """The language switcher's links: this page's address with ``?lang=`` set (other query
    parameters kept), so it works without JavaScript."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return [{"lang": code, "name": language_name(code), "current": code == current,
             "href": request.url.path + "?" + urlencode([*query, ("lang", code)])}
            for code in LANGUAGES]


def _render(request: Request, template: str, status: int, **context: Any) -> HTMLResponse:
    chosen = request.query_params.get("lang")
    who = reader(request.headers.get("accept-language"), chosen)
    # A language picked with ?lang= stays picked across the page's own forms and links.
    keep = f"?lang={who.lang}" if chosen in LANGUAGES else ""
    html = _ENVIRONMENTS[who.lang].get_template(template).render(
        lang=who.lang, locale=who.locale, reader=who, keep_lang=keep,
        languages=_switcher(request, who.lang), **context)
    return HTMLResponse(html, status_code=status,
                        headers={"Content-Language": who.lang,
                                 "Vary": "Accept-Language, Accept"})


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; an error page (status >= 400) only for browsers: any other client gets the
    error as problem+json, with the page's ``error`` text as its detail."""
    if status >= 400 and not wants_html(request):
        error = context.get("error")
        raise http_problem(status, str(error) if error else None)
    return _render(request, template, status, **context)


def error_page(request: Request, problem: ProblemError) -> HTMLResponse:
    """The site's error page for a problem (what browsers get instead of problem+json); its
    title is translated where the catalogues know it (labels.PROBLEM_TITLES)."""
    body = problem.body(request.url.path)
    body["title"] = Message(str(body["title"]))
    response = _render(request, "error.html", problem.status, problem=body)
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
    for path in sorted(TEMPLATES.rglob("*.html")):
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
    code is addressed under the public base URL), forms and fetches (the console's live
    completeness check and progress bar) to us only."""
    parts = urlsplit(public_base_url)
    images = " ".join(["'self'", f"{parts.scheme}://{parts.netloc}"])
    scripts = " ".join(["'self'", *PAGE_SCRIPT_HASHES])
    return ("default-src 'none'; "
            f"script-src {scripts}; style-src 'self'; img-src {images}; connect-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
