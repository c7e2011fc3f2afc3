"""The pages' languages: gettext catalogues (app/web/locales/<lang>/LC_MESSAGES/messages.po,
read with Babel at start-up), chosen by ``?lang=`` or Accept-Language.

msgids are the English texts, so English needs no catalogue. The .po files are the source:
they are compiled in memory (no .mo files to keep in step); ``make i18n`` re-extracts
messages.pot from the code and templates and merges it into each .po (docs in README).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.messages import say

LANGUAGES = ("en", "de", "fr", "nl")
LOCALES = Path(__file__).resolve().parent / "locales"
# Dates for a bare language tag: British English writes "30 June 2026", as the pages did.
DEFAULT_LOCALES = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "nl": "nl_NL"}


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """The catalogue of ``language`` (English: the msgids themselves)."""
    if language == "en":
        return NullTranslations()
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # a fuzzy entry is not a translation yet
    buffer.seek(0)
    return Translations(buffer, domain="messages")


@dataclass(frozen=True)
class Reader:
    """Who reads a page: its language (``lang``) and the locale for dates (``locale``)."""

    lang: str
    locale: str

    def gettext(self, text: str) -> str:
        return translations(self.lang).gettext(text)

    def __call__(self, text: str, /, **params: Any) -> str:
        """``text`` (an English msgid) in the reader's language, ``%(name)s`` filled in."""
        done = self.gettext(text)
        return done % params if params else done

    def say(self, value: Any) -> str:
        """A :class:`~app.messages.Message` in the reader's language; other values as text."""
        return say(value, self.gettext, self.and_list, self.when)

    def when(self, text: str) -> str:
        """An ISO 8601 date ("30 June 2026") or date-time (in UTC, the page says so) the
        reader's way; the text as given when it is neither."""
        try:
            if "T" not in text:
                return format_date(date.fromisoformat(text[:10]), "long", locale=self.locale)
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_datetime(moment.astimezone(UTC), "medium", tzinfo=UTC,
                               locale=self.locale) + " UTC"

    def and_list(self, words: list[str]) -> str:
        return format_list(words, locale=self.locale)

    def knows(self, msgid: str) -> bool:
        """Whether the page's language has a translation of ``msgid`` (English: always)."""
        if self.lang == "en":
            return True
        # GNUTranslations keeps its entries in ``_catalog``; comparing gettext(x) with x instead
        # would call "Online" (the same in Dutch) untranslated.
        return msgid in getattr(translations(self.lang), "_catalog", {})


def _ranked(accept_language: str | None) -> list[str]:
    """Accept-Language tags, most wanted first (q-values honoured, q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag.strip() and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for *_, tag in sorted(ranked)]


def pick_language(accept_language: str | None, override: str | None = None) -> str:
    """``?lang=`` when it is one of ours, else Babel's best match of Accept-Language."""
    if override in LANGUAGES:
        return override  # type: ignore[return-value]
    found = negotiate_locale(_ranked(accept_language), LANGUAGES, sep="-")
    return found if found in LANGUAGES else "en"


def reader_locale(accept_language: str | None, language: str) -> str:
    """The reader's locale for dates (e.g. ``en_US``, ``en_GB``, ``de_AT``): the first
    Accept-Language tag of the page's language that Babel knows; else the language's own."""
    for tag in _ranked(accept_language):
        if tag.lower().split("-")[0] != language or "-" not in tag:
            continue
        try:
            return str(Locale.parse(tag, sep="-"))
        except (ValueError, UnknownLocaleError):
            continue
    return DEFAULT_LOCALES.get(language, language)


def reader(accept_language: str | None, override: str | None = None) -> Reader:
    lang = pick_language(accept_language, override)
    return Reader(lang, reader_locale(accept_language, lang))


def translator(language: str) -> Callable[..., str]:
    """gettext for ``language`` with named parameters: ``t("Expired on %(date)s", date=d)``."""
    return Reader(language, DEFAULT_LOCALES[language])


def language_name(language: str) -> str:
    """A language's own name for itself ("Deutsch", "français"), for the switcher."""
    return Locale.parse(language).get_display_name(language) or language
