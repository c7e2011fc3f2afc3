"""JSON-LD processing for proofs: offline expansion with data-loss checks, and RDFC-1.0.

pyld is the reference processor: ``expand`` (strict: refuses terms that would be dropped) and
``canonize_reference``. ``canonize`` is the fast path: contexts from contexts/ are inlined and
pyoxigraph (Rust) parses and canonicalises; tests/proofs/test_canonical_paths.py asserts both
paths give identical canonical N-Quads over a corpus.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph
from pyld import jsonld

from app.proofs.contexts import (
    UnknownContextError,
    context_document,
    document_loader,
    manifest,
)
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


_STRICT_BASE = "https://relative.mcred.invalid/"
# BCP 47 well-formed language tag (RFC 5646 §2.1, without the grandfathered irregular tags).
_LANGUAGE_TAG = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|\d{3}))?(?:-(?:[A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*"
    r"(?:-[\dA-WY-Za-wy-z](?:-[A-Za-z\d]{2,8})+)*(?:-[Xx](?:-[A-Za-z\d]{1,8})+)?$"
    r"|^[Xx](?:-[A-Za-z\d]{1,8})+$")


def _is_absolute_iri(value: str) -> bool:
    if value.startswith(_STRICT_BASE):
        return False
    return value.startswith("_:") or (":" in value and not value.startswith(":"))


def _check_iris(node: Any) -> None:
    """Refuse relative @id / @type values, which RDF conversion would silently drop."""
    if isinstance(node, list):
        for item in node:
            _check_iris(item)
        return
    if not isinstance(node, dict):
        return
    language = node.get("@language")
    if "@value" in node and isinstance(language, str) and not _LANGUAGE_TAG.match(language):
        raise ProofError(ProofError.INVALID_JSONLD,
                         f"language tag {language!r} is not a well-formed BCP 47 tag")
    for key, value in node.items():
        if key == "@id" and isinstance(value, str) and not _is_absolute_iri(value):
            shown = value.removeprefix(_STRICT_BASE)
            raise ProofError(ProofError.DATA_LOSS, f"relative IRI {shown!r} used as an @id")
        if key == "@type" and "@value" not in node:
            for type_iri in value if isinstance(value, list) else [value]:
                if isinstance(type_iri, str) and not _is_absolute_iri(type_iri):
                    shown = type_iri.removeprefix(_STRICT_BASE)
                    raise ProofError(
                        ProofError.DATA_LOSS, f"type {shown!r} is not defined by any context"
                    )
        elif key != "@value" and isinstance(value, list | dict):
            _check_iris(value)


def expand(document: dict[str, Any]) -> list[Any]:
    """Expand offline; a term that would be dropped or a relative IRI is a DATA_LOSS error."""
    dropped: list[str | None] = []
    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped.append)
    try:
        # pyld resolves relative IRIs against http://example.org/base/ unless told otherwise;
        # with our own base they stay recognisable and are refused below as data loss.
        expanded = processor.expand(document, {**_OPTIONS, "base": _STRICT_BASE})
    except jsonld.JsonLdError as exc:
        unknown = _unknown_context(exc)
        if unknown is not None:
            raise ProofError(ProofError.CONTEXT_NOT_ALLOWED, str(unknown)) from None
        message = getattr(exc, "message", None) or str(exc)
        code = getattr(exc, "code", None) or ""
        raise ProofError(
            ProofError.INVALID_JSONLD, f"JSON-LD processing failed: {message} {code}".strip()
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        # pyld trips over some hostile contexts (e.g. {"@vocab": null}) with a raw Python
        # error instead of a JsonLdError: still bad input, never a 500.
        raise ProofError(ProofError.INVALID_JSONLD,
                         "JSON-LD processing failed: the @context cannot be processed (an"
                         " unsupported or invalid combination, such as a null @vocab)"
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


def _add_name(value: str, names: set[str]) -> None:
    names.add(value)
    if ":" in value:
        names.add(value.split(":", 1)[0])  # the prefix of a compact IRI


def _document_names(node: Any, names: set[str], top: bool = True) -> bool:
    """Add every key and string of a document, and the prefix of every compact IRI in it;
    return True if some node below the top level has its own @context."""
    nested = False
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                nested = nested or not top
            else:
                names.add(key)
                nested = _document_names(value, names, False) or nested
    elif isinstance(node, list):
        for item in node:
            nested = _document_names(item, names, False) or nested
    elif isinstance(node, str):
        _add_name(node, names)
    return nested


def _definitions(context: Any) -> list[tuple[str, Any]]:
    """(term, definition) pairs of a context at every nesting level (scoped contexts too)."""
    pairs: list[tuple[str, Any]] = []
    for part in context if isinstance(context, list) else [context]:
        if isinstance(part, dict):
            for term, definition in part.items():
                pairs.append((term, definition))
                if isinstance(definition, dict) and "@context" in definition:
                    pairs.extend(_definitions(definition["@context"]))
    return pairs


@dataclass(frozen=True)
class _Inlined:
    context: Any  # the context with every URL replaced by its local content
    terms: frozenset[str]  # every term it defines, at any level
    scoped: frozenset[str]  # terms that carry a scoped context


@lru_cache(maxsize=512)
def _inlined(context_json: str) -> _Inlined:
    context = _inline(json.loads(context_json))
    pairs = [(t, d) for t, d in _definitions(context) if not t.startswith("@")]
    return _Inlined(
        context,
        frozenset(t for t, _ in pairs),
        frozenset(t for t, d in pairs if isinstance(d, dict) and "@context" in d),
    )


def _prune(context: Any, wanted: frozenset[str]) -> Any:
    if isinstance(context, list):
        return [_prune(part, wanted) for part in context]
    if not isinstance(context, dict):
        return context
    return {
        term: (
            {**d, "@context": _prune(d["@context"], wanted)}
            if isinstance(d, dict) and "@context" in d
            else d
        )
        for term, d in context.items()
        if term.startswith("@") or term in wanted
    }


@lru_cache(maxsize=4096)
def _pruned_context(context_json: str, used: frozenset[str]) -> str:
    """The inlined context reduced to the terms a document can reach, as JSON text.

    Expansion consults a term definition only when a key, a string value or a compact-IRI
    prefix names it, so definitions no name reaches cannot change the RDF; dropping them
    cuts pyoxigraph's context processing (the dominant cost) by about half. The closure adds
    terms that kept definitions themselves use as prefixes.
    """
    inlined = _inlined(context_json)
    wanted = set(used)
    pairs = [(t, d) for t, d in _definitions(inlined.context) if not t.startswith("@")]
    grew = True
    while grew:
        before = len(wanted)
        for term, definition in pairs:
            if term in wanted:
                _definition_names(definition, wanted)
        grew = len(wanted) != before
    return json.dumps(_prune(inlined.context, frozenset(wanted)))


def _definition_names(definition: Any, names: set[str]) -> None:
    if isinstance(definition, str):
        _add_name(definition, names)
    elif isinstance(definition, dict):
        for key, value in definition.items():
            if key != "@context" and isinstance(value, str):
                _add_name(value, names)


def _context_text(value: Any, used: frozenset[str]) -> str:
    context_json = json.dumps(value, sort_keys=True)
    inlined = _inlined(context_json)
    for term in used & inlined.scoped:
        _check_scoped_context(context_json, term)
    return _pruned_context(context_json, used & inlined.terms)


@lru_cache(maxsize=4096)
def _check_scoped_context(context_json: str, term: str) -> None:
    """Apply ``term``'s scoped context on the whole (unpruned) context, as type and property.

    Pruning could hide a protected-term redefinition between a scoped context and a term the
    document does not use; JSON-LD processors reject such documents, so we do too. The
    verdict is cached per context and term.
    """
    context = _inlined(context_json).context
    for probe in ({"@id": "urn:mcred:probe", "@type": term}, {term: {"@id": "urn:mcred:probe"}}):
        text = json.dumps({"@context": context, **probe})
        try:
            list(pyoxigraph.parse(text, pyoxigraph.RdfFormat.JSON_LD, lenient=True))
        except (SyntaxError, ValueError) as exc:
            raise ProofError(
                ProofError.INVALID_JSONLD, f"JSON-LD processing failed: {exc}"
            ) from None


def _string_lists(node: Any, contexts: list[Any], lists: list[frozenset[str]]) -> None:
    """Collect every @context value and every list holding two or more strings."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                contexts.append(value)
            elif key != "@value":
                _string_lists(value, contexts, lists)
    elif isinstance(node, list):
        strings = frozenset(item for item in node if isinstance(item, str))
        if len(strings) > 1:
            lists.append(strings)
        for item in node:
            _string_lists(item, contexts, lists)


def _has_several_type_scopes(document: dict[str, Any]) -> bool:
    """True if some node may carry two types that both have a type-scoped context.

    pyoxigraph 0.5 applies only the lexicographically last of them (JSON-LD 1.1 applies
    each in turn), so such a node reads differently on the fast path: a missing term at
    best, silently another IRI at worst. Over-approximates (any list of strings, any
    context in the document): a false positive only costs the reference path."""
    contexts: list[Any] = []
    lists: list[frozenset[str]] = []
    _string_lists(document, contexts, lists)
    if not lists:
        return False
    scoped: set[str] = set()
    for context in contexts:
        scoped |= _inlined(json.dumps(context, sort_keys=True)).scoped
    return any(len(strings & scoped) > 1 for strings in lists)


def _inlined_document_text(document: dict[str, Any]) -> str:
    """The document as JSON text with every @context inlined from contexts/ and pruned."""
    if _has_several_type_scopes(document):
        raise _NeedsReferencePath
    names: set[str] = set()
    nested = _document_names(document, names)
    used = frozenset(names)
    if nested:
        return json.dumps(_with_inlined_contexts(document, used))
    body = json.dumps({k: v for k, v in document.items() if k != "@context"})
    if "@context" not in document:
        return body
    # Splice the cached context text in, rather than re-serialising it for every document.
    separator = "" if body == "{}" else ","
    return '{"@context":' + _context_text(document["@context"], used) + separator + body[1:]


def _with_inlined_contexts(node: Any, used: frozenset[str]) -> Any:
    if isinstance(node, list):
        return [_with_inlined_contexts(item, used) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = json.loads(_context_text(value, used))
        elif key == "@value":
            out[key] = value  # a JSON literal's content is data, not JSON-LD
        else:
            out[key] = _with_inlined_contexts(value, used)
    return out


# Within one verification (`shared_parsing`), the same JSON-LD text is parsed once: the
# reading of the elements and the proof both turn the credential (without its proof) into
# RDF, and that parse was a third of the cost of verifying. Scoped to the verification, not
# kept across requests.
_PARSED: ContextVar[dict[str, list[pyoxigraph.Quad]] | None] = ContextVar("parsed", default=None)


@contextmanager
def shared_parsing() -> Iterator[None]:
    """Parse each JSON-LD text at most once inside this block (in this thread or task)."""
    token = _PARSED.set({})
    try:
        yield
    finally:
        _PARSED.reset(token)


def _parse_json_ld(text: str) -> list[pyoxigraph.Quad]:
    """pyoxigraph's lenient JSON-LD parse (the caller must not change the list)."""
    memo = _PARSED.get()
    if memo is not None and text in memo:
        return memo[text]
    quads = list(pyoxigraph.parse(text, pyoxigraph.RdfFormat.JSON_LD, lenient=True))
    if memo is not None:
        memo[text] = quads
    return quads


def _rdf_quads(document: dict[str, Any]) -> list[pyoxigraph.Quad]:
    """Quads of a compact document via pyoxigraph, contexts inlined from contexts/."""
    try:
        text = _inlined_document_text(document)
    except UnknownContextError as exc:
        raise ProofError(ProofError.CONTEXT_NOT_ALLOWED, str(exc)) from None
    except ProofError as exc:
        if exc.code == ProofError.INVALID_JSONLD:  # pyoxigraph refused a scoped context
            raise _FastPathCannot from None
        raise
    try:
        # lenient: undefined terms come out as relative IRIs instead of vanishing, so
        # they can be reported as data loss below.
        return [_checked(q) for q in _parse_json_ld(text)]
    except (SyntaxError, ValueError):  # e.g. a language tag pyoxigraph will not build
        raise _FastPathCannot from None


_GOOD_IRIS: set[str] = set()  # IRIs already validated (vocabulary terms repeat across documents)


def _check_iri(term: pyoxigraph.NamedNode, is_predicate: bool) -> None:
    value = term.value
    if value in _GOOD_IRIS:
        return
    if not _ABSOLUTE_IRI.match(value):
        what = "term" if is_predicate else "IRI"
        raise ProofError(
            ProofError.DATA_LOSS,
            f"{what} {value!r} is not defined by the @context"
            " (it would be dropped or left relative)",
        )
    if len(_GOOD_IRIS) < 50_000:
        _GOOD_IRIS.add(value)


def _checked(quad: pyoxigraph.Quad) -> pyoxigraph.Quad:
    """Refuse relative IRIs (data loss); lower-case language tags as jsonld.js and pyld do."""
    subject, obj = quad.subject, quad.object
    if isinstance(subject, pyoxigraph.NamedNode):
        _check_iri(subject, False)
    _check_iri(quad.predicate, True)
    if isinstance(quad.graph_name, pyoxigraph.NamedNode):
        _check_iri(quad.graph_name, False)
    if isinstance(obj, pyoxigraph.NamedNode):
        _check_iri(obj, False)
    elif (
        isinstance(obj, pyoxigraph.Literal)
        and obj.language
        and obj.language != obj.language.lower()
    ):
        obj = pyoxigraph.Literal(obj.value, language=obj.language.lower())
        return pyoxigraph.Quad(subject, quad.predicate, obj, quad.graph_name)
    return quad


def canonical_nquads(quads: list[pyoxigraph.Quad]) -> str:
    """RDFC-1.0 canonical N-Quads of ``quads`` (pyoxigraph, Rust)."""
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def canonize(document: dict[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a compact JSON-LD document (the fast path).

    The fast path must never be stricter or looser than the reference: where pyoxigraph cannot
    process a document (a shape it does not support, such as a context object nested in a
    context array), the reference decides; where it could be wrong, so does the reference:
    datasets with named graphs (embedded proofs of endorsements) are canonicalised by pyld,
    because pyoxigraph 0.5's RDFC-1.0 gave other N-Quads than pyld and jsonld.js on one.
    """
    try:
        quads = _rdf_quads(document)
    except _NeedsReferencePath:
        return canonize_reference(document)
    except _FastPathCannot:
        return canonize_reference(document)
    if any(not isinstance(q.graph_name, pyoxigraph.DefaultGraph) for q in quads):
        return canonize_reference(document)
    return canonical_nquads(quads)


class _FastPathCannot(Exception):
    """pyoxigraph refused a document; the reference processor decides."""


def canonize_reference(document: dict[str, Any]) -> str:
    """The same canonical N-Quads computed by pyld alone (the reference path)."""
    expanded = expand(document)
    return jsonld.normalize(
        expanded, {**_OPTIONS, "algorithm": "URDNA2015", "format": "application/n-quads"}
    )


# Datatype of a value no context defines, kept by read_quads (e.g. a word given to a
# @vocab-typed term that its context does not list).
UNDEFINED_VALUE = "urn:mcred:undefined-term"
_UNDEFINED = pyoxigraph.NamedNode(UNDEFINED_VALUE)
_READING_BASE = "https://undefined.mcred.invalid/"


@dataclass(frozen=True)
class ReadingQuads:
    """The RDF of a document read for its meaning (not for a proof), and what was left out."""

    quads: list[pyoxigraph.Quad]
    substituted: tuple[str, ...]  # context URLs replaced by a corrected copy
    unavailable: tuple[str, ...]  # context URLs not held offline, left out
    undefined: tuple[str, ...]  # keys and values no context defines (dropped)


def _reading_context(value: Any, substitutes: dict[str, Any], substituted: list[str],
                     unavailable: list[str]) -> Any:
    """A @context value with broken published contexts replaced and unknown ones removed."""
    if isinstance(value, list):
        out = [_reading_context(v, substitutes, substituted, unavailable) for v in value]
        return [v for v in out if v is not _LEFT_OUT]
    if isinstance(value, str):
        if value in substitutes:
            substituted.append(value)
            return substitutes[value]
        if value not in manifest():
            unavailable.append(value)
            return _LEFT_OUT
    return value


_LEFT_OUT = object()


def _with_reading_contexts(node: Any, substitutes: dict[str, Any], substituted: list[str],
                           unavailable: list[str]) -> Any:
    if isinstance(node, list):
        return [_with_reading_contexts(n, substitutes, substituted, unavailable) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            context = _reading_context(value, substitutes, substituted, unavailable)
            if context is not _LEFT_OUT:  # (null would reset the active context instead)
                out[key] = context
        elif key == "@value":
            out[key] = value
        else:
            out[key] = _with_reading_contexts(value, substitutes, substituted, unavailable)
    return out


def _undefined_iri(value: str) -> bool:
    return value.startswith(_READING_BASE) or not _ABSOLUTE_IRI.match(value)


def _mark_undefined_references(node: Any) -> Any:
    """Expanded JSON-LD with each reference to a relative IRI (a word no context defines,
    given to a @vocab-typed term) turned into a literal of UNDEFINED_VALUE, so that RDF
    conversion keeps it for the reader to report instead of dropping it silently."""
    if isinstance(node, list):
        return [_mark_undefined_references(n) for n in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("@id") if set(node) == {"@id"} else None
    if isinstance(ref, str) and (ref.startswith(_READING_BASE) or not _is_absolute_iri(ref)):
        return {"@value": ref.removeprefix(_READING_BASE), "@type": UNDEFINED_VALUE}
    return {k: v if k == "@value" else _mark_undefined_references(v) for k, v in node.items()}


def read_quads(document: dict[str, Any], substitutes: dict[str, Any] | None = None
               ) -> ReadingQuads:
    """Quads of ``document`` for reading what it says, leniently: a context we do not hold is
    left out (its terms then read as undefined), a context in ``substitutes`` (a published
    context known to be invalid JSON-LD) is replaced by its corrected copy, and undefined
    terms are dropped and listed instead of refused. Raises ProofError when the JSON-LD
    cannot be processed at all. Never used for proofs: those stay strict."""
    substituted: list[str] = []
    unavailable: list[str] = []
    prepared = _with_reading_contexts(document, substitutes or {}, substituted, unavailable)
    try:
        text = _inlined_document_text(prepared)
    except UnknownContextError as exc:  # a scoped context URL we do not hold
        raise ProofError(ProofError.CONTEXT_NOT_ALLOWED, str(exc)) from None
    except _NeedsReferencePath:
        text = None
    dropped: list[str | None] = []
    try:
        if text is not None:
            parsed = _parse_json_ld(text)
        else:
            processor = jsonld.JsonLdProcessor(on_property_dropped=dropped.append)
            # A base of our own: pyld would otherwise resolve undefined words against its
            # default http://example.org/base/ and make them look defined.
            expanded = _mark_undefined_references(
                processor.expand(prepared, {**_OPTIONS, "base": _READING_BASE}))
            nquads = jsonld.to_rdf(expanded, {**_OPTIONS, "format": "application/n-quads"})
            parsed = list(pyoxigraph.parse(nquads, pyoxigraph.RdfFormat.N_QUADS))
    except jsonld.JsonLdError as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise ProofError(ProofError.INVALID_JSONLD,
                         f"JSON-LD processing failed: {message}") from None
    except (SyntaxError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ProofError(ProofError.INVALID_JSONLD,
                         f"JSON-LD processing failed: {exc or type(exc).__name__}") from None
    kept: list[pyoxigraph.Quad] = []
    undefined: set[str] = {str(d) for d in dropped if d}
    for quad in parsed:
        bad = [t.value for t in (quad.subject, quad.predicate)
               if isinstance(t, pyoxigraph.NamedNode) and _undefined_iri(t.value)]
        if bad:
            undefined.update(bad)
            continue
        obj = quad.object
        if isinstance(obj, pyoxigraph.NamedNode) and _undefined_iri(obj.value):
            word = obj.value.removeprefix(_READING_BASE)
            undefined.add(word)
            quad = pyoxigraph.Quad(quad.subject, quad.predicate,
                                   pyoxigraph.Literal(word, datatype=_UNDEFINED),
                                   quad.graph_name)
        kept.append(quad)
    return ReadingQuads(kept, tuple(dict.fromkeys(substituted)), tuple(dict.fromkeys(unavailable)),
                        tuple(sorted(undefined)))
