"""Read the EU standard elements out of any issuer's credential by its JSON-LD meaning.

The credential is turned into RDF (app/proofs/jsonld.read_quads: offline contexts, lenient)
and read with the declarative mappings in app/elements/encodings/*.json, one per encoding
(W3C VC, Open Badges 3.0, mcred's extension, Edubadges, ELM/EDC, CLR 2.0): which IRIs carry
which element and how each value is normalised. This module knows no encoding; it knows what
the elements mean (ECTS, EQF levels, countries...). Never raises on odd input: an element is
present with a value, present but unusable (with the reason), or absent.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import pycountry
import pyoxigraph

from app.elements import vocabularies as vocab
from app.elements.graph import UNRESOLVED, VC_TYPE, Graph, parse_path, walk
from app.elements.graph import Path as GraphPath
from app.elements.text import Tagged
from app.messages import msg
from app.proofs.errors import ProofError
from app.proofs.jsonld import read_quads

ENCODINGS_DIR = Path(__file__).resolve().parent / "encodings"
ANNEX_ELEMENTS = (
    "learner", "title", "country", "awardingBody", "dateOfIssuing", "learningOutcomes",
    "workload", "level", "assessmentType", "participationForm", "qualityAssurance",
    "prerequisites", "supervisionAndIdentityVerification", "grade", "integrationStackability",
    "furtherInformation",
)
# What else a reading reports, for pages and scoring (not Annex I elements themselves).
EXTRA_ELEMENTS = ("description", "criteria", "language", "identityChecked", "components",
                  "associations", "assessmentDescription", "learningOutcomeAlignments",
                  "learningOutcomeLinks", "fieldOfStudy")
_EQF_IRI = re.compile(r"^https?://data\.europa\.eu/snb/eqf/([1-8])$")
_DURATION = re.compile(r"^PT(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?$")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class Found:
    """An element as read: its normalised value (None when unusable), where it was read
    (the mapping path), why it is unusable, and the encoding that carried it."""

    value: Any
    path: str
    problem: str | None = None
    encoding: str | None = None


@dataclass
class Reading:
    profile: str  # ob3 | elm | clr | vc | unknown
    encodings: list[str]
    found: dict[str, Found]
    notes: list[str] = field(default_factory=list)
    failed: str | None = None  # why nothing could be read by meaning


# --- normalisers: term(s) -> (value, problem) ----------------------------------------------

Result = tuple[Any, str | None]


def _is_literal(term: Any) -> bool:
    return isinstance(term, pyoxigraph.Literal)


def _unresolved(term: Any) -> bool:
    return _is_literal(term) and term.datatype.value == UNRESOLVED


def _preferred(terms: list[Any]) -> list[Any]:
    """Literals in English or without language first (a language map is one value)."""
    def rank(term: Any) -> int:
        lang = term.language if _is_literal(term) else None
        return 0 if lang in (None, "en") or (lang or "").startswith("en-") else 1
    return sorted(terms, key=rank)


def _tagged(term: Any) -> str:
    """A literal's text; with its language tag kept (Tagged) when it has one."""
    text = term.value.strip()
    return Tagged(text, term.language) if term.language else text


def _text(terms: list[Any], _values: dict[str, Any]) -> Result:
    texts = [t for t in _preferred(terms) if _is_literal(t) and t.value.strip()]
    return (_tagged(texts[0]), None) if texts else (None, None)


def _texts(terms: list[Any], _values: dict[str, Any]) -> Result:
    out = list(dict.fromkeys(_tagged(t) for t in terms if _is_literal(t) and t.value.strip()))
    return (out, None) if out else (None, None)


def _joined(terms: list[Any], _values: dict[str, Any]) -> Result:
    """Texts joined with spaces, in path order (given, additional and family names)."""
    words, _ = _texts(terms, _values)
    return (" ".join(words), None) if words else (None, None)


def _iri_of(term: Any) -> str | None:
    if isinstance(term, pyoxigraph.NamedNode):
        return term.value
    if _is_literal(term) and not _unresolved(term) and _URI.match(term.value.strip()):
        return term.value.strip()
    return None


def _iri(terms: list[Any], _values: dict[str, Any]) -> Result:
    iris = [i for i in map(_iri_of, terms) if i]
    if iris:
        return iris[0], None
    words = [t.value for t in terms if _is_literal(t)]
    return (None, msg("%(value)s is not a URI", value=repr(words[0]))) if words else (None, None)


def _iris(terms: list[Any], _values: dict[str, Any]) -> Result:
    iris = list(dict.fromkeys(i for i in map(_iri_of, terms) if i))
    return (iris, None) if iris else (None, None)


def _mapped(iri: str, values: dict[str, Any]) -> list[str]:
    target = values.get(iri, iri)
    return list(target) if isinstance(target, list) else [target]


def _concept_terms(terms: list[Any], values: dict[str, Any]) -> tuple[list[str], str | None]:
    concepts: list[str] = []
    problem = None
    for term in terms:
        iri = _iri_of(term)
        if iri:
            concepts.extend(_mapped(iri, values))
        elif _unresolved(term):
            problem = msg("%(value)s is not a term of the vocabulary its context defines",
                          value=repr(term.value))
        elif _is_literal(term):
            problem = msg("%(value)s is text, not a concept of a vocabulary",
                          value=repr(term.value))
    return list(dict.fromkeys(concepts)), problem


def _concept(terms: list[Any], values: dict[str, Any]) -> Result:
    concepts, problem = _concept_terms(terms, values)
    return (concepts[0], None) if concepts else (None, problem)


def _concepts(terms: list[Any], values: dict[str, Any]) -> Result:
    concepts, problem = _concept_terms(terms, values)
    return (sorted(concepts), None) if concepts else (None, problem)


def _number(terms: list[Any], _values: dict[str, Any]) -> Result:
    for term in terms:
        if not _is_literal(term) or term.datatype.value == _XSD + "boolean":
            continue
        try:
            number = float(term.value)
        except ValueError:
            return None, msg("%(value)s is not a number", value=repr(term.value))
        if math.isfinite(number):
            return number, None
        return None, msg("%(value)s is not a finite number", value=repr(term.value))
    return None, None


def _boolean(terms: list[Any], _values: dict[str, Any]) -> Result:
    for term in terms:
        if _is_literal(term):
            word = term.value.strip().lower()
            if word in ("true", "1"):
                return True, None
            if word in ("false", "0"):
                return False, None
            return None, msg("%(value)s is not true or false", value=repr(term.value))
    return None, None


def _date(terms: list[Any], _values: dict[str, Any]) -> Result:
    for term in terms:
        if _is_literal(term):
            if re.match(r"^\d{4}-\d{2}-\d{2}", term.value):
                return term.value[:10], None
            return None, msg("%(value)s is not a date", value=repr(term.value))
    return None, None


def _hours(terms: list[Any], _values: dict[str, Any]) -> Result:
    for term in terms:
        if not _is_literal(term):
            continue
        match = _DURATION.match(term.value.strip())
        if match:
            return float(match.group(1) or 0) + float(match.group(2) or 0) / 60, None
        try:
            return float(term.value), None
        except ValueError:
            return None, msg("%(value)s is not a number of hours (an xsd:duration of hours"
                             " and minutes, such as PT60H)", value=repr(term.value))
    return None, None


def _eqf(terms: list[Any], _values: dict[str, Any]) -> Result:
    for term in terms:
        iri = _iri_of(term)
        match = _EQF_IRI.match(iri) if iri else None
        if match:
            return int(match.group(1)), None
        if _is_literal(term):
            found = re.fullmatch(r"\s*(?:EQF\s*(?:level)?\s*)?(\d+)(?:\.0+)?\s*", term.value,
                                 re.IGNORECASE)
            if found and 1 <= int(found.group(1)) <= 8:
                return int(found.group(1)), None
        return None, msg("%(value)s is not an EQF level (1-8)", value=repr(term.value))
    return None, None


def _eqf_iri(terms: list[Any], values: dict[str, Any]) -> Result:
    """An EQF level only where a URL is an EQF concept; other URLs are not about EQF."""
    for term in terms:
        iri = _iri_of(term)
        match = _EQF_IRI.match(iri) if iri else None
        if match:
            return int(match.group(1)), None
    return None, None


def _country(terms: list[Any], _values: dict[str, Any]) -> Result:
    for term in terms:
        raw = _iri_of(term) or (term.value if _is_literal(term) else None)
        if raw is None:
            continue
        code = raw.rstrip("/").rsplit("/", 1)[-1].strip().upper()
        if len(code) == 3:
            found = pycountry.countries.get(alpha_3=code)
            code = found.alpha_2 if found else code
        try:
            return vocab.country(code)[0], None
        except (ValueError, LookupError):
            return None, msg("%(value)s is not an ISO 3166-1 country code", value=repr(raw))
    return None, None


NORMALISERS: dict[str, Callable[[list[Any], dict[str, Any]], Result]] = {
    "text": _text, "texts": _texts, "joined": _joined, "iri": _iri, "iris": _iris,
    "concept": _concept, "concepts": _concepts, "number": _number, "boolean": _boolean,
    "date": _date, "hours": _hours, "eqf": _eqf, "eqfIri": _eqf_iri, "country": _country,
}


# --- mappings ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValueReading:
    path: GraphPath
    normaliser: str
    constant: Any = None  # for "constant": the value a reached node stands for


@dataclass(frozen=True)
class ElementSpec:
    kind: str  # "value" | "fields" | "each"
    readings: tuple[ValueReading, ...] = ()
    fields: tuple[tuple[str, tuple[ValueReading, ...]], ...] = ()
    each: tuple[tuple[GraphPath, tuple[tuple[str, tuple[ValueReading, ...]], ...]], ...] = ()


@dataclass(frozen=True)
class Encoding:
    name: str
    label: str
    short_label: str
    priority: int
    types: frozenset[str]
    namespaces: tuple[str, ...]
    always: bool
    nodes: tuple[tuple[str, GraphPath], ...]
    elements: tuple[tuple[str, ElementSpec], ...]
    values: dict[str, Any]
    substitutes: dict[str, dict[str, Any]]

    def applies(self, graph: Graph) -> bool:
        if self.always:
            return True
        if self.types & graph.all_types():
            return True
        return any(p.startswith(self.namespaces) for p in graph.predicates()) \
            if self.namespaces else False


Parse = Callable[[str], GraphPath]


def _readings(items: list[dict[str, Any]], parse: Parse) -> tuple[ValueReading, ...]:
    out = []
    for item in items:
        if item["as"] not in NORMALISERS and item["as"] != "constant":
            raise ValueError(f"unknown normaliser {item['as']!r}")
        out.append(ValueReading(parse(item["path"]), item["as"], item.get("value")))
    return tuple(out)


def _fields(spec: dict[str, Any], parse: Parse
            ) -> tuple[tuple[str, tuple[ValueReading, ...]], ...]:
    return tuple((name, _readings(items, parse)) for name, items in spec.items())


def _element(spec: Any, parse: Parse) -> ElementSpec:
    if isinstance(spec, list):
        return ElementSpec("value", readings=_readings(spec, parse))
    if "fields" in spec:
        return ElementSpec("fields", fields=_fields(spec["fields"], parse))
    return ElementSpec("each", each=tuple((parse(e["path"]), _fields(e["fields"], parse))
                                          for e in spec["each"]))


def _display(text: str, nodes: dict[str, str]) -> str:
    """A path as people read it: node names resolved, the first alternative of each step."""
    steps = [s.strip() for s in text.split(" / ")] if text.strip() else []
    if steps and steps[0].startswith("$"):
        steps = [*_display(nodes.get(steps[0][1:], ""), nodes).split(" / "), *steps[1:]]
    return " / ".join(_first_alternative(s) for s in steps if s)


def _first_alternative(step: str) -> str:
    head, bracket, filters = step.partition("[")
    return head.split("|")[0] + bracket + filters


def _load(path: Path, common: dict[str, str]) -> Encoding:
    data = json.loads(path.read_text("utf-8"))
    prefixes = {**common, **data.get("prefixes", {})}
    node_texts = data.get("nodes", {})

    def parse(text: str) -> GraphPath:
        return replace(parse_path(text, prefixes), text=_display(text, node_texts))

    applies = data["appliesWhen"]
    unknown = set(data["elements"]) - set(ANNEX_ELEMENTS) - set(EXTRA_ELEMENTS)
    if unknown:
        raise ValueError(f"{path.name}: unknown elements {sorted(unknown)}")
    return Encoding(
        name=data["encoding"], label=data["label"], short_label=data["shortLabel"],
        priority=data["priority"],
        types=frozenset(parse_path(t, prefixes).steps[0].predicates[0]
                        for t in applies.get("types", [])),
        namespaces=tuple(prefixes[n] for n in applies.get("namespaces", [])),
        always=bool(applies.get("always")),
        nodes=tuple((name, parse_path(text, prefixes)) for name, text in node_texts.items()),
        elements=tuple((name, _element(spec, parse))
                       for name, spec in data["elements"].items()),
        values={k: v for k, v in data.get("values", {}).items() if not k.startswith("_")},
        substitutes=data.get("substituteContexts", {}),
    )


@cache
def encodings() -> tuple[Encoding, ...]:
    """Every mapping in app/elements/encodings/, most specific (lowest priority) first."""
    common = {k: v for k, v in json.loads((ENCODINGS_DIR / "prefixes.json").read_text()).items()
              if not k.startswith("_")}
    loaded = [_load(p, common) for p in sorted(ENCODINGS_DIR.glob("*.json"))
              if p.name != "prefixes.json"]
    return tuple(sorted(loaded, key=lambda e: e.priority))


def encoding_label(name: str) -> str:
    """The mapping's own short name for an encoding, for reports."""
    return next((e.short_label for e in encodings() if e.name == name), name)


@cache
def _substitutes() -> tuple[dict[str, Any], dict[str, str]]:
    contexts, problems = {}, {}
    for encoding in encodings():
        for url, item in encoding.substitutes.items():
            contexts[url] = item["context"]["@context"]
            problems[url] = msg(item["problem"])  # in the catalogues (babel.cfg)
    return contexts, problems


# --- evaluation ------------------------------------------------------------------------------

def _evaluate(graph: Graph, starts: list[Any], readings: tuple[ValueReading, ...],
              nodes: dict[str, list[Any]], values: dict[str, Any]) -> tuple[Any, str | None, str]:
    problem, where = None, ""
    for reading in readings:
        origin = nodes.get(reading.path.start, []) if reading.path.start else starts
        terms = walk(graph, origin, reading.path)
        if not terms:
            continue
        if reading.normaliser == "constant":
            return reading.constant, None, reading.path.text
        value, why = NORMALISERS[reading.normaliser](terms, values)
        if value is not None:
            return value, None, reading.path.text
        if why and problem is None:
            problem, where = why, reading.path.text
    return None, problem, where


def _read_fields(graph: Graph, starts: list[Any], fields: tuple[tuple[str, tuple], ...],
                 nodes: dict[str, list[Any]], values: dict[str, Any]
                 ) -> tuple[dict[str, Any], list[tuple[str, str]], str]:
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    first = ""
    for name, readings in fields:
        value, problem, where = _evaluate(graph, starts, readings, nodes, values)
        out[name] = value
        if value is not None and not first:
            first = where
        if problem:
            problems.append((where, msg("%(field)s: %(problem)s", field=name, problem=problem)))
    return out, problems, first


def _read_encoding(graph: Graph, encoding: Encoding) -> dict[str, Found]:
    nodes: dict[str, list[Any]] = {}
    for name, path in encoding.nodes:
        origin = nodes.get(path.start, []) if path.start else [graph.root]
        nodes[name] = walk(graph, origin, path)
    root = [graph.root]
    found: dict[str, Found] = {}
    for element, spec in encoding.elements:
        if spec.kind == "value":
            value, problem, where = _evaluate(graph, root, spec.readings, nodes, encoding.values)
            if value is not None or problem:
                found[element] = Found(value, where, problem, encoding.name)
        elif spec.kind == "fields":
            value, problems, where = _read_fields(graph, root, spec.fields, nodes,
                                                  encoding.values)
            if any(v is not None for v in value.values()):
                found[element] = Found(value, where, None, encoding.name)
            elif problems:
                found[element] = Found(None, problems[0][0], problems[0][1], encoding.name)
        else:
            items: list[dict[str, Any]] = []
            where = ""
            for path, fields in spec.each:
                origin = nodes.get(path.start, []) if path.start else root
                for node in walk(graph, origin, path):
                    item, _, _ = _read_fields(graph, [node], fields, nodes, encoding.values)
                    item = {k: v for k, v in item.items() if v is not None}
                    if item:
                        items.append(item)
                        where = where or path.text
            if items:
                found[element] = Found(items, where, None, encoding.name)
    return found


def _merge(readings: list[dict[str, Found]]) -> dict[str, Found]:
    """Most specific encoding first: a value beats a problem; fields fill in field by field;
    lists of items (outcomes, QA, components) are joined without repeats."""
    merged: dict[str, Found] = {}
    for found in readings:
        for element, item in found.items():
            have = merged.get(element)
            if have is None or (have.value is None and item.value is not None):
                merged[element] = item
            elif isinstance(have.value, dict) and isinstance(item.value, dict):
                filled = {**{k: v for k, v in item.value.items() if v is not None},
                          **{k: v for k, v in have.value.items() if v is not None}}
                merged[element] = Found({**item.value, **have.value, **filled}, have.path,
                                        None, have.encoding)
            elif isinstance(have.value, list) and isinstance(item.value, list) and \
                    have.value and isinstance(have.value[0], dict):
                joined = have.value + [i for i in item.value if i not in have.value]
                merged[element] = Found(joined, have.path, None, have.encoding)
    return merged


# --- what the elements mean (independent of encodings) ------------------------------------

def _finish(found: dict[str, Found]) -> dict[str, Found]:
    out = dict(found)

    def put(element: str, value: Any) -> None:
        item = out[element]
        out[element] = Found(value, item.path, None, item.encoding)

    learner = out.get("learner")
    if learner and learner.value is not None:
        value = {"name": None, "id": None, "identifiers": [], **learner.value}
        value["identifiers"] = sorted(set(value["identifiers"] or []))
        put("learner", value)
    body = out.get("awardingBody")
    if body and body.value is not None:
        put("awardingBody", {"id": None, "name": None, **body.value})
    work = out.get("workload")
    if work and work.value is not None:
        value = {"ects": None, "credits": None, "creditSystem": None, "hours": None,
                 **work.value}
        if value["ects"] is None and value["credits"] is not None and \
                value["creditSystem"] == vocab.ECTS.uri:
            value["ects"] = value["credits"]
        put("workload", value)
    level = out.get("level")
    if level and level.value is not None:
        put("level", {"eqf": None, "qfEhea": None, "nqf": None, **level.value})
    outcomes = out.get("learningOutcomes")
    title = out["title"].value if "title" in out else None
    if outcomes and outcomes.value is not None:
        statements: list[str] = []
        frameworks: list[str] = []
        links: list[dict[str, Any]] = []  # each statement with its own framework URIs
        for item in outcomes.value:
            statement, linked = item.get("statement"), item.get("framework") or []
            # An alignment repeating a skill an outcome statement already names is the same
            # outcome (mcred writes both), not another one.
            # An alignment named like the achievement points at the achievement itself (a
            # catalogue entry), not at an outcome of it.
            if not statement or statement in statements or statement == title or \
                    (linked and set(linked) <= set(frameworks) and statements):
                continue
            statements.append(statement)
            links.append({"statement": statement, "frameworks": list(dict.fromkeys(linked))})
            frameworks.extend(f for f in linked if f not in frameworks)
        if statements:
            put("learningOutcomes", statements)
            # Recognition matches outcome by outcome, so it needs which URI names which one.
            out["learningOutcomeLinks"] = Found(links, outcomes.path, None, outcomes.encoding)
            if frameworks:
                out["learningOutcomeAlignments"] = Found(frameworks, outcomes.path, None,
                                                         outcomes.encoding)
        else:
            del out["learningOutcomes"]
    stack = out.get("integrationStackability")
    if stack and stack.value is not None:
        value = {"mode": None, "towards": [], "partial": None, **stack.value}
        partial = value.pop("partial")
        value["towards"] = sorted(value["towards"] or [])
        if value["mode"] is None and partial is not None:
            # ELM says only whether it is a partial qualification (i.e. builds towards more).
            value["mode"] = "stackable" if partial else "standalone"
        put("integrationStackability", value)
    return out


def _profile(graph_types: set[str], applied: list[str]) -> str:
    for name in ("elm", "clr", "ob3"):
        if name in applied:
            return name
    return "vc" if VC_TYPE in graph_types else "unknown"


def _compact_profile(doc: dict[str, Any]) -> str:
    types = doc.get("type") if isinstance(doc.get("type"), list) else [doc.get("type")]
    if "EuropeanDigitalCredential" in types:
        return "elm"
    if "ClrCredential" in types:
        return "clr"
    if {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        return "ob3"
    return "vc"


def read(doc: Any) -> Reading:
    """Every element of ``doc`` that any known encoding carries, by meaning."""
    if not isinstance(doc, dict):
        return Reading("unknown", [], {}, [], msg("a credential must be a JSON object"))
    contexts, problems = _substitutes()
    try:
        # Without the proof: its triples live in a named graph the reading never looks at,
        # and the proof check parses exactly this text (shared within a verification).
        quads = read_quads({k: v for k, v in doc.items() if k != "proof"}, contexts)
    except ProofError as exc:
        return Reading(_compact_profile(doc), [], {}, [],
                       msg("its JSON-LD cannot be processed (%(why)s)", why=exc.message))
    notes = [msg("The issuer's context %(url)s could not be used as published: %(problem)s."
                 " mcred read the elements with a corrected copy.", url=url,
                 problem=problems[url]) for url in quads.substituted]
    notes += [msg("The context %(url)s is not known to mcred (contexts are never fetched): the"
                  " terms it defines were not read.", url=url) for url in quads.unavailable]
    if quads.undefined:
        shown = ", ".join(quads.undefined[:10]) + (" …" if len(quads.undefined) > 10 else "")
        notes.append(msg("Terms or values no context defines were ignored: %(terms)s.",
                         terms=shown))
    graph = Graph(quads.quads)
    applied = [e for e in encodings() if e.applies(graph)]
    found = _finish(_merge([_read_encoding(graph, e) for e in applied]))
    names = [e.name for e in applied]
    return Reading(_profile(graph.all_types(), names), names, found, notes)


def read_elements(doc: Any) -> tuple[str, dict[str, Found]]:
    """(profile, elements) of any credential: ``ob3``, ``elm``, ``clr`` or ``vc``."""
    reading = read(doc)
    return reading.profile, reading.found
