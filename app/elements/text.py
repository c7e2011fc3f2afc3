"""Which characters a text in a credential may hold, and how foreign texts are shown.

Control characters canonicalise differently across RDF libraries and have no place in a
credential. Invisible and bidirectional formatting characters (U+202E RIGHT-TO-LEFT OVERRIDE,
zero-width space, BOM, line and paragraph separators, ...) make a name read differently from
what it says ("Trojan Source" spoofing). mcred refuses both in what it is given, and removes
the formatting ones from what it shows of other issuers' credentials. ZERO WIDTH (NON-)JOINER
stay allowed: Persian and Indic names need them.
"""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2028\u2029"
                       "\u2060-\u2064\u2066-\u2069\ufeff]")


def text_problem(text: str) -> str | None:
    """Why ``text`` may not go into a credential, or None."""
    if CONTROL.search(text):
        return "must not contain control characters"
    found = INVISIBLE.search(text)
    if found:
        return (f"must not contain invisible or bidirectional formatting characters"
                f" (U+{ord(found.group()):04X})")
    return None


def displayable(text: str) -> str:
    """``text`` without control and invisible formatting characters, for showing to people."""
    return INVISIBLE.sub("", CONTROL.sub("", text))


class Tagged(str):
    """A text with the language its credential tagged it with (a JSON-LD language map or
    ``@language``), so a page can mark it ``lang``; otherwise an ordinary ``str``."""

    lang: str

    def __new__(cls, text: str, lang: str) -> Tagged:
        self = super().__new__(cls, text)
        self.lang = lang
        return self

    def __reduce__(self) -> tuple[type[Tagged], tuple[str, str]]:
        return (Tagged, (str(self), self.lang))
