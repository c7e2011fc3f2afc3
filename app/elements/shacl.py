"""SHACL validation of European Digital Credentials against the Europass EDC shapes (pyshacl).

The shapes are the EDC application profiles' own files (app/elements/shapes/, manifest with
source and sha256). A profile's ``owl:imports`` are resolved locally, never fetched:
EDC-generic-full = generic-no-cv (classes, cardinalities) + the controlled-vocabulary rules;
EDC-accredited = generic-full + "the evidence carries one accreditation". The credential's
RDF comes from the offline reader (proofs/jsonld.read_quads); only the default graph is
validated, so an embedded Data Integrity proof (a named graph) plays no part.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph
import pyshacl
import rdflib
from cachetools import LRUCache
from pyshacl import errors as shacl_errors
from rdflib.namespace import RDF, SH

from app.proofs.errors import ProofError
from app.proofs.jsonld import read_quads

SHAPES_DIR = Path(__file__).resolve().parent / "shapes"

# Each profile with the files its owl:imports chain names, in import order.
PROFILES: dict[str, tuple[str, ...]] = {
    "EDC-generic-full": ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"),
    "EDC-accredited": ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl", "EDC-accredited.ttl"),
}
# credentialSchema ids (type ShaclValidator2017) the EDC profiles publish for these shapes.
SCHEMA_PROFILES = {
    "http://data.europa.eu/snb/model/ap/edc-generic-full": "EDC-generic-full",
    "http://data.europa.eu/snb/model/ap/edc-accredited": "EDC-accredited",
}
EDC_TYPE = "http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential"

_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
# pyshacl builds per-run state on the shapes graph; one validation at a time keeps the cached
# graph safe to share between threads (a credential validates in tens of milliseconds).
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ShaclResult:
    """The outcome of one validation: ``violations`` lists every result (any severity)."""

    conforms: bool
    profile: str
    violations: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


@cache
def shapes_graph(profile: str) -> rdflib.Graph:
    """The shapes of ``profile`` with its imports, parsed once per process."""
    try:
        files = PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown SHACL profile {profile!r}; known: {sorted(PROFILES)}") from None
    graph = rdflib.Graph()
    for name in files:
        graph.parse(SHAPES_DIR / name, format="turtle")
    return graph


def data_graph(document: dict[str, Any]) -> rdflib.Graph:
    """The default graph of ``document`` read offline (raises ProofError if not JSON-LD)."""
    quads = read_quads(document).quads
    text = "".join(f"{q.triple} .\n" for q in quads
                   if isinstance(q.graph_name, pyoxigraph.DefaultGraph))
    graph = rdflib.Graph()
    graph.parse(data=text, format="nt")
    return graph


def _term(value: Any) -> str | None:
    return None if value is None else str(value)


def _results(report: rdflib.Graph, parents: list[Any], shapes: rdflib.Graph) -> list[dict]:
    out = []
    for node in parents:
        source = report.value(node, SH.sourceShape)
        name = shapes.value(source, SH.name) if source is not None else None
        entry: dict[str, Any] = {
            "focus": _term(report.value(node, SH.focusNode)),
            "path": _term(report.value(node, SH.resultPath)),
            "message": _term(report.value(node, SH.resultMessage)) or "",
            "severity": _SEVERITY.get(report.value(node, SH.resultSeverity), "violation"),
        }
        if name is not None:
            entry["name"] = str(name)
        component = report.value(node, SH.sourceConstraintComponent)
        if component is not None:  # e.g. "MinCount": what kind of rule, for plain words
            entry["constraint"] = str(component).removeprefix(str(SH)).removesuffix(
                "ConstraintComponent")
        value = report.value(node, SH.value)
        if value is not None:
            entry["value"] = str(value)
        details = _results(report, list(report.objects(node, SH.detail)), shapes)
        if details:
            entry["details"] = details
        out.append(entry)
    return sorted(out, key=lambda e: (e["focus"] or "", e["path"] or "", e["message"]))


def shacl_report(document: dict[str, Any], shapes: str = "EDC-generic-full") -> ShaclResult:
    """Validate ``document`` (a compact JSON-LD credential) against an EDC SHACL profile.

    Raises ProofError when the document cannot be read as JSON-LD at all, ValueError for an
    unknown profile.
    """
    start = time.perf_counter()
    return _validate(data_graph(document), shapes, start)


def _validate(data: rdflib.Graph, shapes: str, start: float) -> ShaclResult:
    shape_graph = shapes_graph(shapes)
    with _LOCK:
        conforms, report, _ = pyshacl.validate(
            data, shacl_graph=shape_graph, inference="none", advanced=True,
            allow_warnings=False, abort_on_first=False)
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    top = [r for r in results if not any(report.subjects(SH.detail, r))]
    return ShaclResult(bool(conforms), shapes, _results(report, top, shape_graph),
                       round(time.perf_counter() - start, 4))


def profile_of(document: dict[str, Any]) -> str:
    """The EDC profile a document names in ``credentialSchema`` (generic-full by default)."""
    schemas = document.get("credentialSchema")
    for schema in schemas if isinstance(schemas, list) else [schemas]:
        if isinstance(schema, dict) and schema.get("id") in SCHEMA_PROFILES:
            return SCHEMA_PROFILES[schema["id"]]
    return "EDC-generic-full"


# What pyshacl (or rdflib reading the data graph) raises on a graph it cannot work with.
_ENGINE_ERRORS = (shacl_errors.ReportableRuntimeError, shacl_errors.ValidationFailure,
                  shacl_errors.ShapeLoadError, shacl_errors.ConstraintLoadError,
                  shacl_errors.RuleLoadError, RecursionError)


def shacl_check(document: dict[str, Any]) -> dict[str, Any]:
    """The EDC SHACL validation as a plain check for a verification report.

    ``status`` is ``passed`` or ``failed`` for a European Digital Credential (validated
    against the profile its ``credentialSchema`` names, EDC-generic-full when none),
    ``not-applicable`` for any other credential and ``error`` (with a ``reason``:
    ``unreadable-jsonld``, ``unreadable-rdf`` or ``shacl-engine``) when it cannot be
    validated. A completeness input, never a deciding check: EDC's shapes ask for more than a
    valid credential needs (e.g. an eIDAS identifier of the issuer).
    """
    base: dict[str, Any] = {"check": "edc-shacl"}
    start = time.perf_counter()
    try:
        graph = data_graph(document)
    except ProofError as exc:
        return {**base, "status": "error", "reason": "unreadable-jsonld", "message": str(exc)}
    except Exception as exc:  # rdflib's parser has no common error class
        return {**base, "status": "error", "reason": "unreadable-rdf",
                "message": f"{type(exc).__name__}: {exc}"[:500]}
    if (None, RDF.type, rdflib.URIRef(EDC_TYPE)) not in graph:
        return {**base, "status": "not-applicable"}
    profile = profile_of(document)
    try:
        result = _validate(graph, profile, start)
    except _ENGINE_ERRORS as exc:
        return {**base, "status": "error", "reason": "shacl-engine", "profile": profile,
                "message": f"{type(exc).__name__}: {exc}"[:500]}
    return {**base, "status": "passed" if result.conforms else "failed", "profile": profile,
            "violations": result.violations, "seconds": result.seconds}


# Verifying the same credential again (a page reload, a verifier polling) need not validate
# it again: results are kept by the document's digest, a few hundred at most (~1-20 kB each).
_CACHE: LRUCache[str, dict[str, Any]] = LRUCache(maxsize=256)
_CACHE_LOCK = threading.Lock()


def document_digest(document: Any) -> str:
    """sha256 of the document's canonical JSON (sorted keys): equal documents, equal digest."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def cached_shacl_check(document: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``shacl_check`` remembered by document digest: (a copy of the check, whether cached).

    The shapes are fixed per process, so a digest names its result for the process's life.
    """
    key = document_digest(document)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return copy.deepcopy(hit), True
    check = shacl_check(document)
    with _CACHE_LOCK:
        _CACHE[key] = check
    return copy.deepcopy(check), False
