"""The word lists outcome matching reads (data, not code): stop words, Bloom verbs, terms."""

from __future__ import annotations

import contextlib
import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import simplemma

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "de", "fr", "nl", "es", "it", "pt")
# German and Dutch write terms together: "Lebensmittelsicherheit", "voedselketen".
COMPOUNDING = ("de", "nl")


def fold(word: str) -> str:
    """Lower case without accents, so 'Nährstoff' and 'nahrstoff' are one word."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def lemma(word: str, language: str) -> str:
    """The folded lemma of one word (simplemma's dictionaries, shipped in its wheel)."""
    if language in LANGUAGES:
        with contextlib.suppress(ValueError):  # a language simplemma lacks: as written
            word = simplemma.lemmatize(word, lang=language)
    return fold(word)


@dataclass(frozen=True)
class Lexicon:
    stopwords: dict[str, frozenset[str]]
    verbs: dict[str, dict[str, int]]  # language → lemma → Bloom level 1-6
    # language → tuple of lemmas → concept; single words also under compounds
    phrases: dict[str, dict[tuple[str, ...], str]]
    compound_parts: dict[str, tuple[tuple[str, str], ...]]  # language → (part, concept)
    longest: int


_WORD = re.compile(r"[^\W\d_](?:[\w'\u2019-]*\w)?")


def words(text: str) -> list[str]:
    """The words of a text, hyphenated and elided ones whole ('evidence-based', "d'équipe")."""
    return _WORD.findall(text)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    stop = json.loads((HERE / "stopwords.json").read_text("utf-8"))["words"]
    stopwords = {lang: frozenset(lemma(w, lang) for w in text.split()) | frozenset(
        fold(w) for w in text.split()) for lang, text in stop.items()}
    verbs: dict[str, dict[str, int]] = {lang: {} for lang in LANGUAGES}
    for level, by_language in json.loads((HERE / "verbs.json").read_text("utf-8"))[
            "levels"].items():
        for lang, text in by_language.items():
            for verb in text.split():
                # the lowest level a verb appears at: 'identify' is remembering first
                verbs[lang].setdefault(fold(verb), int(level))
                verbs[lang].setdefault(lemma(verb, lang), int(level))
    phrases: dict[str, dict[tuple[str, ...], str]] = {lang: {} for lang in LANGUAGES}
    parts: dict[str, list[tuple[str, str]]] = {lang: [] for lang in COMPOUNDING}
    with (HERE / "terms.tsv").open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")),
                              delimiter="\t")
        for row in rows:
            concept = row["concept"]
            for lang in LANGUAGES:
                for term in filter(None, (t.strip() for t in (row.get(lang) or "").split("|"))):
                    tokens = words(term)
                    for form in (tuple(fold(t) for t in tokens),
                                 tuple(lemma(t, lang) for t in tokens)):
                        if form:
                            phrases[lang].setdefault(form, concept)
                    if lang in parts and len(tokens) == 1 and len(tokens[0]) >= 6:
                        parts[lang].append((fold(tokens[0]), concept))
    longest = max((len(p) for by in phrases.values() for p in by), default=1)
    # longest parts first, so 'lebensmittel' wins over 'mittel'
    compound = {lang: tuple(sorted(set(p), key=lambda x: -len(x[0])))
                for lang, p in parts.items()}
    return Lexicon(stopwords, verbs, phrases, compound, longest)
