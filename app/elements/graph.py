"""A credential's RDF as a navigable graph, and the small path language the encoding
mappings (app/elements/encodings/*.json) use to say where an element lives.

A path is steps separated by ``/``. A step is one or more predicate IRIs (prefixed names,
alternatives separated by ``|``), optionally followed by filters on the nodes it reaches:
``[p=a|b]`` (an object of ``p`` has the lexical value or IRI ``a`` or ``b``), ``[p!=a|b]``
(no object of ``p`` does) and ``[p~regex]`` (an object of ``p`` matches). Alternatives are
tried in the order written. A path may start with ``$name``, a node set the mapping
defines, and the empty path is the start node itself.
Only the default graph is read: proofs live in their own named graphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph

from app.proofs.jsonld import UNDEFINED_VALUE

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VC_TYPE = "https://www.w3.org/2018/credentials#VerifiableCredential"
# Objects whose value no context defined (a bare word for a @vocab-typed term) arrive as
# literals of this datatype, so a reading can say "'x' is not a term of the vocabulary".
UNRESOLVED = UNDEFINED_VALUE

Node = pyoxigraph.NamedNode | pyoxigraph.BlankNode
Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


class Graph:
    """Outgoing edges per node of the default graph, in document order."""

    def __init__(self, quads: Iterable[pyoxigraph.Quad]) -> None:
        self.edges: dict[Any, list[tuple[str, Term]]] = {}
        objects: set[Any] = set()
        order: list[Any] = []
        for quad in quads:
            if not isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
                continue
            subject = quad.subject
            if subject not in self.edges:
                self.edges[subject] = []
                order.append(subject)
            self.edges[subject].append((quad.predicate.value, quad.object))
            if not isinstance(quad.object, pyoxigraph.Literal):
                objects.add(quad.object)
        credentials = [n for n in order if n not in objects and VC_TYPE in self.types(n)]
        tops = [n for n in order if n not in objects]
        self.root = (credentials or tops or order or [None])[0]

    def objects(self, node: Any, predicates: tuple[str, ...]) -> list[Term]:
        return [o for p, o in self.edges.get(node, ()) if p in predicates]

    def types(self, node: Any) -> list[str]:
        return [o.value for p, o in self.edges.get(node, ())
                if p == RDF_TYPE and isinstance(o, pyoxigraph.NamedNode)]

    def all_types(self) -> set[str]:
        return {o.value for edges in self.edges.values() for p, o in edges
                if p == RDF_TYPE and isinstance(o, pyoxigraph.NamedNode)}

    def predicates(self) -> set[str]:
        return {p for edges in self.edges.values() for p, _ in edges}


@dataclass(frozen=True)
class Filter:
    predicates: tuple[str, ...]
    op: str  # "=", "!=", "~"
    values: tuple[str, ...]
    pattern: re.Pattern[str] | None = None

    def accepts(self, graph: Graph, node: Any) -> bool:
        found = [lexical(o) for o in graph.objects(node, self.predicates)]
        if self.op == "~":
            assert self.pattern is not None
            return any(self.pattern.search(v) for v in found)
        hit = any(v in self.values for v in found)
        return hit if self.op == "=" else not hit


@dataclass(frozen=True)
class Step:
    predicates: tuple[str, ...]
    filters: tuple[Filter, ...]


@dataclass(frozen=True)
class Path:
    start: str | None  # a node set's name, or None for the start node
    steps: tuple[Step, ...]
    text: str  # as written, for reports


class PathError(ValueError):
    """A mapping's path is not well formed (a bug in the mapping data, found at load time)."""


def expand_name(name: str, prefixes: dict[str, str]) -> str:
    prefix, sep, local = name.partition(":")
    if sep and prefix in prefixes:
        return prefixes[prefix] + local
    if sep and local.startswith("//"):
        return name
    raise PathError(f"unknown prefix in {name!r}")


_FILTER = re.compile(r"\[([^\]=!~]+)(!=|=|~)([^\]]*)\]")


def parse_path(text: str, prefixes: dict[str, str]) -> Path:
    parts = [p.strip() for p in text.split(" / ")] if text.strip() else []
    start = None
    if parts and parts[0].startswith("$"):
        start = parts.pop(0)[1:]
    steps = []
    for part in parts:
        head, _, rest = part.partition("[")
        filters = []
        for pred, op, value in _FILTER.findall("[" + rest if rest else ""):
            preds = tuple(expand_name(p, prefixes) for p in pred.split("|"))
            pattern = re.compile(value) if op == "~" else None
            filters.append(Filter(preds, op, tuple(value.split("|")), pattern))
        if not head:
            raise PathError(f"empty step in path {text!r}")
        steps.append(Step(tuple(expand_name(p, prefixes) for p in head.split("|")),
                          tuple(filters)))
    return Path(start, tuple(steps), text)


def walk(graph: Graph, starts: list[Any], path: Path) -> list[Term]:
    """Every term the path reaches from ``starts`` (document order, no duplicates)."""
    current: list[Any] = starts
    for step in path.steps:
        reached: list[Any] = []
        seen: set[Any] = set()
        for node in current:
            if isinstance(node, pyoxigraph.Literal):
                continue
            # Alternatives in the order written: the first is preferred where several match.
            for obj in (o for p in step.predicates for o in graph.objects(node, (p,))):
                if obj in seen:
                    continue
                if step.filters and not all(f.accepts(graph, obj) for f in step.filters):
                    continue
                seen.add(obj)
                reached.append(obj)
        current = reached
    return current


def lexical(term: Term) -> str:
    return term.value
