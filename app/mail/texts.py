"""The words of an award e-mail: the issuer's own template for the learner's language, else
mcred's default text through the site's gettext catalogue; placeholders checked and filled.

Issuers write ``{learner_name}``-style placeholders (str.format fields, easy to type in a
form); mcred's own default texts are gettext msgids with ``%(name)s`` like every other text.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from app.messages import N_, Message, msg

PLACEHOLDERS = ("learner_name", "title", "link", "issuer", "wallet_link")
MAX_SUBJECT = 200
MAX_BODY = 5000

DEFAULT_SUBJECT = N_("Your micro-credential: %(title)s")
DEFAULT_BODY = N_("Dear %(learner_name)s,\n\n"
                  "%(issuer)s has awarded you the micro-credential \"%(title)s\".\n\n"
                  "Your digital credential is here, ready to share with employers and "
                  "schools:\n%(link)s\n\n"
                  "Anyone with the link can check that it is genuine.\n\n"
                  "To keep it in a wallet app on your phone as well, open:\n%(wallet_link)s")

# A learner's sign-in mail (app/learners): mcred's own text only, no issuer is involved.
SIGN_IN_SUBJECT = N_("Your sign-in link for mcred")
SIGN_IN_BODY = N_("Hello,\n\n"
                  "someone (hopefully you) asked to sign in to see the micro-credentials "
                  "issued to this e-mail address.\n\n"
                  "Open this link within %(minutes)s minutes to sign in; it works once:\n"
                  "%(link)s\n\n"
                  "If you did not ask for it, ignore this e-mail: nobody can sign in "
                  "without the link.")


@dataclass(frozen=True)
class Written:
    """A message ready to queue: subject (one line), plain text and its HTML alternative."""

    subject: str
    text: str
    html: str


def template_error(template: str) -> Message | None:
    """Why ``template`` cannot be used (an unknown placeholder, a stray brace), or None."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return msg("A { or } has no partner. Write placeholders like {title}; "
                   "write {{ or }} for a brace itself.")
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        # Only the bare names: {title.__class__} or {title!r} would reach into Python objects.
        if name not in PLACEHOLDERS or spec or conversion:
            return msg("Unknown placeholder {%(name)s}. Use %(known)s.", name=name,
                       known=", ".join("{" + p + "}" for p in PLACEHOLDERS))
    return None


def one_line(text: str) -> str:
    """A header value: no line breaks (a learner's name must not add mail headers)."""
    return " ".join(text.split())


def as_html(text: str, links: str | tuple[str, ...], language: str) -> str:
    """The plain text as simple HTML: paragraphs, line breaks, the given links clickable."""
    escaped = html.escape(text)
    for link in (links,) if isinstance(links, str) else links:
        safe_link = html.escape(link)
        escaped = escaped.replace(safe_link, f'<a href="{safe_link}">{safe_link}</a>')
    paragraphs = [p.replace("\n", "<br>\n") for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<!doctype html>\n<html lang="{html.escape(language)}"><body>\n{body}\n</body></html>\n'


def write(values: dict[str, str], own: tuple[str, str] | None,
          gettext: Callable[[str], str], language: str) -> Written:
    """The e-mail for ``values`` (learner_name, title, link, issuer, wallet_link): the issuer's own
    (subject, body) templates when given (checked when they were saved), else the default
    text translated by ``gettext``."""
    if own is not None:
        subject, text = own[0].format_map(values), own[1].format_map(values)
    else:
        subject = gettext(DEFAULT_SUBJECT) % values
        text = gettext(DEFAULT_BODY) % values
    subject = one_line(subject)[:300]
    links = (values["link"], values["wallet_link"])
    return Written(subject=subject, text=text, html=as_html(text, links, language))
