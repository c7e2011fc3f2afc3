"""Learning-outcome matching: which target outcomes the presented outcomes cover, and why.

Two kinds of evidence, strongest first:
1. a framework concept both name (an ESCO skill URI on the target outcome and on a credential
   outcome): covered, whatever the words;
2. the words, across languages: each outcome becomes a set of keys — concepts of a term table
   (app/recognition/lexicon/terms.tsv: 'Ernährung', 'voeding' and 'nutrition' are one key)
   and, for words the table lacks, a cognate key (the first letters of the folded lemma:
   'epidemiological', 'épidémiologique' and 'epidemiologisch' share 'epidem'). The score is
   the share of the target outcome's keys the credential outcome carries.
A target outcome asking for a higher cognitive level (design, evaluate) than the credential
outcome shows (describe, list) is not covered, however many words they share.

Everything is offline and deterministic; the method and its threshold were chosen on the
hand-labelled evaluation set (tests/recognition/data/evaluation.json, see its test).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import simplemma

from app.messages import Message, msg, stored
from app.recognition import embedding
from app.recognition.lexicon import COMPOUNDING, LANGUAGES, fold, lemma, lexicon, words

_FOLDS = ((re.compile("ph"), "f"), (re.compile("th"), "t"), (re.compile("k"), "c"),
          (re.compile("y"), "i"), (re.compile("z"), "s"), (re.compile(r"(.)\1"), r"\1"))


@dataclass(frozen=True)
class Options:
    """The method's knobs, chosen on the evaluation set (bench/recognition_eval.py)."""

    # An outcome covers a target outcome when their words agree (the share of the target's
    # keys it carries), their meanings do (the cosine of their sentence embeddings,
    # app.recognition.embedding), or both do to a lesser degree. Chosen on half the
    # evaluation set, checked on the other half (bench/recognition_eval.py).
    threshold: float = 0.3  # words, when meanings agree too (or when meaning is None)
    words_alone: float = 0.6
    meaning: float | None = 0.5  # meaning alone; None: words only
    meaning_with_words: float = 0.35
    # A credential outcome may be one Bloom level below the target's and still cover it
    # ('analyse' for 'evaluate'), not two ('describe' for 'design'); None: verbs ignored.
    bloom_slack: int | None = 1
    terms: bool = True  # the multilingual term table; False: cognates only
    cognate: int = 5  # letters of a folded lemma that make its cognate key
    # A term of the table names the subject; a word it lacks is as often a general one
    # ('functions', 'effects'), so a shared term counts for more.
    term_weight: float = 2.0


DEFAULT = Options()


@dataclass(frozen=True)
class Statement:
    """An outcome to match: its text, language (None: detected) and framework URIs."""

    text: str
    language: str | None = None
    uris: tuple[str, ...] = ()


@dataclass
class Features:
    keys: dict[str, str]  # key → the word it was read from (for the evidence)
    bloom: int | None  # the highest cognitive level its verbs ask for
    verb: str | None
    language: str


def detect_language(text: str) -> str:
    """The most likely of the languages the lexicon knows (English when nothing tells)."""
    try:
        scores = simplemma.langdetect(text, lang=LANGUAGES)
    except (ValueError, TypeError):
        return "en"
    best, share = max(scores, key=lambda s: s[1]) if scores else ("en", 0.0)
    return best if best in LANGUAGES and share > 0 else "en"


def _cognate(word: str, letters: int) -> str:
    for pattern, replacement in _FOLDS:
        word = pattern.sub(replacement, word)
    return word[:letters]


def _primary(language: str | None) -> str | None:
    return language.split("-")[0].lower() if language else None


@lru_cache(maxsize=8192)
def features(text: str, language: str | None = None, options: Options = DEFAULT) -> Features:
    """The keys and cognitive level of one outcome statement."""
    lang = _primary(language)
    if lang not in LANGUAGES:
        lang = detect_language(text)
    lex = lexicon()
    stop, verbs = lex.stopwords.get(lang, frozenset()), lex.verbs.get(lang, {})
    tokens: list[str] = []
    for word in words(text):
        # French and Italian elision: "l'environnement" → "environnement"
        head, _, tail = word.replace("\u2019", "'").rpartition("'")
        tokens.append(tail if head and len(head) <= 2 else word)
    lemmas = [lemma(t, lang) for t in tokens]
    folded = [fold(t) for t in tokens]
    keys: dict[str, str] = {}
    bloom, verb = None, None
    # An action verb is the outcome's cognitive level, never its subject ('opstellen' is
    # drawing up, not an 'opstel', an essay).
    used = [bool(verbs.get(lemmas[i]) or verbs.get(folded[i])) for i in range(len(tokens))]
    phrases = lex.phrases.get(lang, {}) if options.terms else {}
    # Longest table terms first ('life cycle assessment' before 'assessment').
    for size in range(min(lex.longest, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            if any(used[start:start + size]):
                continue
            for form in (tuple(lemmas[start:start + size]), tuple(folded[start:start + size])):
                concept = phrases.get(form)
                if concept is not None and not (size == 1 and form[0] in stop):
                    keys.setdefault("c:" + concept, " ".join(tokens[start:start + size]))
                    used[start:start + size] = [True] * size
                    break
    for i, token in enumerate(tokens):
        level = verbs.get(lemmas[i]) or verbs.get(folded[i])
        if level is not None:
            if bloom is None or level > bloom:
                bloom, verb = level, token
            continue
        if used[i] or lemmas[i] in stop or folded[i] in stop or len(folded[i]) < 3:
            continue
        parts = [c for part, c in lex.compound_parts.get(lang, ()) if part in folded[i]] \
            if lang in COMPOUNDING and options.terms else []
        for concept in dict.fromkeys(parts):
            keys.setdefault("c:" + concept, token)
        if not parts:
            keys.setdefault("w:" + _cognate(lemmas[i], options.cognate), token)
    return Features(keys, bloom, verb, lang)


def _weight(keys: Any, options: Options) -> float:
    return sum(options.term_weight if k.startswith("c:") else 1.0 for k in keys)


def _share(target: Features, keys: Any, options: Options) -> float:
    """The weighted share of the target outcome's keys that are among ``keys``."""
    if not target.keys:
        return 0.0
    return _weight(target.keys.keys() & keys, options) / _weight(target.keys, options)


def _shared_words(target: Features, keys: Any) -> list[str]:
    """The target's words (as written there) behind the keys it shares with ``keys``."""
    return [word for key, word in target.keys.items() if key in keys]


def similarity(target: Features, credential: Features, options: Options = DEFAULT) -> float:
    """The weighted share of the target outcome's keys the credential outcome carries."""
    return _share(target, credential.keys.keys(), options)


@dataclass
class Evidence:
    credential: int
    outcome: int
    text: str
    score: float  # the share of the target outcome's keys it carries (framework: 1)
    method: str  # framework | words | meaning | words+meaning
    shared: list[str]  # the URIs or the target's words they share
    meaning: float | None = None  # the embeddings' cosine, when they were compared

    def to_json(self) -> dict[str, Any]:
        return {"credential": self.credential, "outcome": self.outcome, "text": self.text,
                "score": round(self.score, 3), "method": self.method, "shared": self.shared,
                "meaning": None if self.meaning is None else round(self.meaning, 3)}


@dataclass
class Coverage:
    target: int
    text: str
    covered: bool
    score: float
    by: list[Evidence] = field(default_factory=list)
    note: Message | None = None  # why a close match does not count

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "text": self.text, "covered": self.covered,
                "score": round(self.score, 3), "by": [e.to_json() for e in self.by],
                "note": None if self.note is None else str(self.note),
                "noteSaid": None if self.note is None else stored(self.note)}


def _level_gap(target: Features, credential: Features, options: Options) -> bool:
    return (options.bloom_slack is not None and target.bloom is not None
            and credential.bloom is not None
            and credential.bloom < target.bloom - options.bloom_slack)


def _bloom_note(target: Features, credential: Features) -> Message:
    return msg("the target asks to '%(target)s', the credential outcome only to '%(credential)s'",
               target=target.verb or "", credential=credential.verb or "")


def _agreement(words: float, cosine: float | None, options: Options) -> str | None:
    """How an outcome covers a target outcome (words, meaning or both), or None."""
    if cosine is None or options.meaning is None:
        return "words" if words >= options.threshold else None
    if words >= options.words_alone:
        return "words"
    if cosine >= options.meaning:
        return "meaning"
    if words >= options.threshold and cosine >= options.meaning_with_words:
        return "words+meaning"
    return None


def match(targets: list[Statement], credentials: list[list[Statement]],
          options: Options | None = None) -> list[Coverage]:
    """For each target outcome: covered or not, by which credential outcomes, and why.
    ``credentials`` holds each presented credential's outcomes (stacking: all of them count)."""
    options = options or DEFAULT
    presented = [(i, j, s, features(s.text, s.language, options))
                 for i, outcomes in enumerate(credentials) for j, s in enumerate(outcomes)]
    embedded = embedding.vectors([t.text for t in targets] + [p[2].text for p in presented]) \
        if options.meaning is not None and presented else {}

    def meaning(a: str, b: str) -> float | None:
        return float(embedded[a] @ embedded[b]) if embedded else None

    out: list[Coverage] = []
    for t_index, target in enumerate(targets):
        mine = features(target.text, target.language, options)
        framework = [Evidence(i, j, s.text, 1.0, "framework", sorted(common))
                     for i, j, s, _ in presented
                     if (common := set(target.uris) & set(s.uris))]
        if framework:
            out.append(Coverage(t_index, target.text, True, 1.0, framework))
            continue
        scored = sorted(((similarity(mine, f, options), i, j, s, f)
                         for i, j, s, f in presented),
                        key=lambda x: -x[0])
        coverage = Coverage(t_index, target.text, False, scored[0][0] if scored else 0.0)
        for score, i, j, s, f in scored:
            cosine = meaning(target.text, s.text)
            method = _agreement(score, cosine, options)
            if method is None:
                continue
            if _level_gap(mine, f, options):
                coverage.note = coverage.note or _bloom_note(mine, f)
                continue
            coverage.by.append(Evidence(i, j, s.text, score, method,
                                        _shared_words(mine, f.keys), cosine))
        coverage.by.sort(key=lambda e: -max(e.score, e.meaning or 0))
        if not coverage.by and len(scored) > 1:
            coverage.by = _together(mine, scored, options)
        coverage.covered = bool(coverage.by)
        if coverage.by:
            coverage.score = max(e.score for e in coverage.by)
        out.append(coverage)
    return out


def _together(target: Features, scored: list[Any], options: Options) -> list[Evidence]:
    """Two credential outcomes that cover a target outcome between them (each a part)."""
    useful = [x for x in scored if x[0] > 0 and not _level_gap(target, x[4], options)][:4]
    for a in range(len(useful)):
        for b in range(a + 1, len(useful)):
            first, second = useful[a][4], useful[b][4]
            share = _share(target, first.keys.keys() | second.keys.keys(), options)
            own = target.keys.keys() & second.keys.keys() - first.keys.keys()
            if share >= options.threshold and own:
                return [Evidence(x[1], x[2], x[3].text, share, "words",
                                 _shared_words(target, x[4].keys))
                        for x in (useful[a], useful[b])]
    return []
