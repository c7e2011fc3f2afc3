"""JSON-LD processing for proofs: offline expansion with data-loss checks, and RDFC-1.0.

pyld is the reference processor: ``expand`` (strict: refuses terms that would be dropped) and
``canonize_reference``. ``canonize`` is the fast path: contexts from contexts/ are inlined and
pyoxigraph (Rust) parses and canonicalises; tests/proofs/test_canonical_paths.py asserts both
paths give identical canonical N-Quads over a corpus.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import pyoxigraph
from pyld import jsonld

from app.proofs.contexts import UnknownContextError, context_document, document_loader
from app.proofs.errors import ProofError

# Never let pyld fall back to its network loaders, whatever calls it.
jsonld.set_document_loader(document_loader)

_OPTIONS = {"documentLoader": document_loader}


def _unknown_context(exc: BaseException) -> UnknownContextError | None:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, UnknownContextError):
            return current
        stack += [getattr(current, "cause", None), current.__cause__, current.__context__]
    return None


def _is_absolute_iri(value: str) -> bool:
    return value.startswith("_:") or (":" in value and not value.startswith(":"))


def _check_iris(node: Any) -> None:
    """Refuse relative @id / @type values, which RDF conversion would silently drop."""
    if isinstance(node, list):
        for item in node:
            _check_iris(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@id" and isinstance(value, str) and not _is_absolute_iri(value):
            raise ProofError(ProofError.DATA_LOSS, f"relative IRI {value!r} used as an @id")
        if key == "@type" and "@value" not in node:
            for type_iri in value if isinstance(value, list) else [value]:
                if isinstance(type_iri, str) and not _is_absolute_iri(type_iri):
                    raise ProofError(
                        ProofError.DATA_LOSS, f"type {type_iri!r} is not defined by any context"
                    )
        elif key != "@value" and isinstance(value, list | dict):
            _check_iris(value)


def expand(document: dict[str, Any]) -> list[Any]:
    """Expand offline; a term that would be dropped or a relative IRI is a DATA_LOSS error."""
    dropped: list[str | None] = []
    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped.append)
    try:
        expanded = processor.expand(document, dict(_OPTIONS))
    except jsonld.JsonLdError as exc:
        unknown = _unknown_context(exc)
        if unknown is not None:
            raise ProofError(ProofError.CONTEXT_NOT_ALLOWED, str(unknown)) from None
        message = getattr(exc, "message", None) or str(exc)
        code = getattr(exc, "code", None) or ""
        raise ProofError(
            ProofError.INVALID_JSONLD, f"JSON-LD processing failed: {message} {code}".strip()
        ) from None
    if dropped:
        names = sorted({str(d) for d in dropped})
        raise ProofError(
            ProofError.DATA_LOSS, f"term(s) not defined by the @context would be dropped: {names}"
        )
    _check_iris(expanded)
    return expanded


_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*$")


def _inline(value: Any) -> list[Any] | dict[str, Any] | None:
    """A context value with every context URL replaced by the local context it names."""
    if value is None:
        return None
    if isinstance(value, str):
        inner = context_document(value).get("@context")
        return _inline(inner)
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            inlined = _inline(item)
            out.extend(inlined if isinstance(inlined, list) else [inlined])
        return out
    if isinstance(value, dict):
        if "@import" in value:
            raise _NeedsReferencePath
        return {
            term: (
                {**d, "@context": _inline(d["@context"])}
                if isinstance(d, dict) and isinstance(d.get("@context"), str | list)
                else d
            )
            for term, d in value.items()
        }
    raise ProofError(ProofError.INVALID_JSONLD, f"invalid @context value {value!r}")


class _NeedsReferencePath(Exception):
    """A context feature the inliner does not handle (``@import``)."""


@lru_cache(maxsize=512)
def _inlined_context(context_json: str) -> str:
    # Cached as JSON text: processed contexts are reused across documents without sharing
    # mutable objects between callers.
    return json.dumps(_inline(json.loads(context_json)))


def _with_inlined_contexts(node: Any) -> Any:
    """A copy of ``node`` whose every @context (top level and nested) is inlined."""
    if isinstance(node, list):
        return [_with_inlined_contexts(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = json.loads(_inlined_context(json.dumps(value, sort_keys=True)))
        elif key == "@value":
            out[key] = value  # a JSON literal's content is data, not JSON-LD
        else:
            out[key] = _with_inlined_contexts(value)
    return out


def _rdf_quads(document: dict[str, Any]) -> list[pyoxigraph.Quad]:
    """Quads of a compact document via pyoxigraph, contexts inlined from contexts/."""
    try:
        text = json.dumps(_with_inlined_contexts(document))
    except UnknownContextError as exc:
        raise ProofError(ProofError.CONTEXT_NOT_ALLOWED, str(exc)) from None
    try:
        # lenient: undefined terms come out as relative IRIs instead of vanishing, so
        # they can be reported as data loss below.
        quads = list(pyoxigraph.parse(text, pyoxigraph.RdfFormat.JSON_LD, lenient=True))
    except (SyntaxError, ValueError) as exc:
        raise ProofError(ProofError.INVALID_JSONLD, f"JSON-LD processing failed: {exc}") from None
    return [_lowercase_language(q) for q in quads]


def _lowercase_language(quad: pyoxigraph.Quad) -> pyoxigraph.Quad:
    # jsonld.js and pyld lower-case language tags when expanding; match them byte for byte.
    obj = quad.object
    if (
        isinstance(obj, pyoxigraph.Literal)
        and obj.language
        and obj.language != obj.language.lower()
    ):
        obj = pyoxigraph.Literal(obj.value, language=obj.language.lower())
        return pyoxigraph.Quad(quad.subject, quad.predicate, obj, quad.graph_name)
    return quad


def _check_absolute(quads: list[pyoxigraph.Quad]) -> None:
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, pyoxigraph.NamedNode) and not _ABSOLUTE_IRI.match(term.value):
                what = "term" if term is quad.predicate else "IRI"
                raise ProofError(
                    ProofError.DATA_LOSS,
                    f"{what} {term.value!r} is not defined by the @context"
                    " (it would be dropped or left relative)",
                )


def canonical_nquads(quads: list[pyoxigraph.Quad]) -> str:
    """RDFC-1.0 canonical N-Quads of ``quads`` (pyoxigraph, Rust)."""
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def canonize(document: dict[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a compact JSON-LD document (the fast path)."""
    try:
        quads = _rdf_quads(document)
    except _NeedsReferencePath:
        return canonize_reference(document)
    _check_absolute(quads)
    return canonical_nquads(quads)


def canonize_reference(document: dict[str, Any]) -> str:
    """The same canonical N-Quads computed by pyld alone (the reference path)."""
    expanded = expand(document)
    return jsonld.normalize(
        expanded, {**_OPTIONS, "algorithm": "URDNA2015", "format": "application/n-quads"}
    )
