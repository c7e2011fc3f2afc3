"""The fast canonicalisation path (contexts inlined, pyoxigraph) and the reference path (pyld)
give byte-identical RDFC-1.0 N-Quads over a corpus of documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.dids.document import VerificationMethod, did_document
from app.proofs import jsonld
from tests.conftest import VC_DI_EDDSA

VECTORS = VC_DI_EDDSA
V2 = "https://www.w3.org/ns/credentials/v2"
OB3_FILE = Path(__file__).resolve().parents[1] / "data" / "ob3_credential.json"
VOCAB = {"@vocab": "https://vocab.example/#"}


def _vector_documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in sorted(VECTORS.rglob("*.json")):
        document = json.loads(path.read_text())
        if "@context" not in document:
            continue  # key files and bare proof options are not JSON-LD documents
        docs.append((str(path.relative_to(VECTORS)), document))
    return docs


def _synthetic_documents() -> list[tuple[str, dict[str, Any]]]:
    base = {
        "@context": [V2, VOCAB],
        "id": "urn:uuid:3b4a7c1e-1111-4c3b-9d1e-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": "did:web:uni.example",
        "validFrom": "2025-01-01T00:00:00Z",
    }
    literals = {
        "integers": {"n": 3, "negative": -7, "zero": 0, "big": 12345678901234},
        "doubles": {"half": 1.5, "tiny": 1e-7, "huge": 1.0e21, "neg": -2.25},
        "booleans": {"yes": True, "no": False},
        "strings": {
            "quote": 'say "hi"',
            "backslash": "a\\b",
            "newline": "a\nb",
            "cr": "a\rb",
            "tab": "a\tb",
            "unicode": "Tartu Ülikool — ΕΚΠΑ — 東京",
            "emoji": "🎓",
        },
        "languages": {
            "title": [
                {"@value": "Data Literacy", "@language": "en"},
                {"@value": "Datenkompetenz", "@language": "de-DE"},
            ]
        },
        "typed": {
            "when": {"@value": "2025-02-03", "@type": "http://www.w3.org/2001/XMLSchema#date"}
        },
        "blank-nodes": {
            "credentialSubject": {
                "achievement": {"name": "A", "part": [{"name": "B"}, {"name": "C"}]}
            }
        },
        "lists": {"ordered": {"@list": ["first", "second", {"@id": "urn:x:third"}]}},
        "json-literal": {"payload": {"@value": {"b": 2, "a": [1, "x"]}, "@type": "@json"}},
    }
    docs = []
    for name, extra in literals.items():
        docs.append(
            (f"synthetic/{name}", {**base, "credentialSubject": {"id": "did:example:s"}, **extra})
        )
    vm = VerificationMethod(
        "did:web:uni.example:issuers:x", "key-1", "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    )
    docs.append(("did-document", did_document(vm.controller, [vm], ("assertionMethod",))))
    return docs


def _open_badges_documents() -> list[tuple[str, dict[str, Any]]]:
    ob3 = json.loads(
        (Path(__file__).resolve().parents[1] / "data" / "ob3_credential.json").read_text()
    )
    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/security/suites/ed25519-2020/v1",
        ],
        "id": "urn:uuid:7f1e0d2c-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2022-05-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    return [("ob3/context-3.0.3", ob3), ("vc-v1/ed25519-2020", v1)]


CORPUS = _vector_documents() + _synthetic_documents() + _open_badges_documents()


@pytest.mark.parametrize(("name", "document"), CORPUS, ids=[n for n, _ in CORPUS])
def test_fast_path_equals_reference(name: str, document: dict[str, Any]) -> None:
    fast = jsonld.canonize(document)
    assert fast == jsonld.canonize_reference(document)
    assert fast.endswith(" .\n")


def test_corpus_is_not_trivial() -> None:
    assert len(CORPUS) >= 20
    assert sum(jsonld.canonize(d).count("\n") for _, d in CORPUS) > 200


def test_reference_and_fast_paths_refuse_the_same_unknown_context() -> None:
    from app.proofs.errors import ProofError

    doc = {"@context": [V2, "https://unknown.example/ctx"], "type": ["VerifiableCredential"]}
    for path in (jsonld.canonize, jsonld.canonize_reference):
        with pytest.raises(ProofError) as info:
            path(doc)
        assert info.value.code == ProofError.CONTEXT_NOT_ALLOWED


def test_both_paths_refuse_a_protected_term_conflict_in_an_unused_term() -> None:
    """A type-scoped context redefines a protected `image` (the mistake of an early OB 3.0.2
    revision); the document never uses `image`, yet JSON-LD processors must refuse it,
    pruning or not."""
    from app.proofs.errors import ProofError

    context = {
        "@protected": True,
        "image": {"@id": "https://example.org/vocab#image", "@type": "@id"},
        "Badge": {
            "@id": "https://example.org/vocab#Badge",
            "@context": {"@protected": True,
                         "image": {"@id": "https://example.org/vocab#Image", "@type": "@id"}},
        },
    }
    document = {"@context": [V2, context], "id": "urn:uuid:1", "type": ["VerifiableCredential"],
                "issuer": "did:example:1", "validFrom": "2024-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:2", "type": "Badge"}}
    assert "image" not in json.dumps({k: v for k, v in document.items() if k != "@context"})
    for path in (jsonld.canonize, jsonld.canonize_reference):
        with pytest.raises(ProofError) as info:
            path(document)
        assert info.value.code == ProofError.INVALID_JSONLD
        assert "protected" in info.value.message


def test_genuine_ob_3_0_2_contexts_have_no_protected_conflict() -> None:
    """The published 3.0.2 context (the npm copy) defines `image` identically at every level:
    a DCC credential issued under it canonicalises on both paths."""
    document = json.loads((OB3_FILE.parent / "realworld" / "dcc" /
                           "v2__ed25519__didKey__legacy-noStatus-noExpiry-lcwExperience.json"
                           ).read_text())
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json" in document["@context"]
    document.pop("proof")
    assert jsonld.canonize(document) == jsonld.canonize_reference(document)


def test_two_type_scoped_contexts_on_one_node_read_as_json_ld_says() -> None:
    """JSON-LD 1.1 applies the scoped context of every type of a node; pyoxigraph 0.5 only the
    last one, which would silently give `b` the outer IRI. The fast path hands such documents
    to the reference processor, so both paths agree on the JSON-LD reading."""
    context = {
        "b": "https://vocab.example/#outer",
        "T": {"@id": "https://vocab.example/#T", "@context": {"b": "https://vocab.example/#b"}},
        "U": {"@id": "https://vocab.example/#U", "@context": {"a": "https://vocab.example/#a"}},
    }
    document = {"@context": [V2, context], "id": "urn:uuid:2", "type": ["VerifiableCredential"],
                "issuer": "did:example:1", "validFrom": "2024-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:2", "type": ["T", "U"],
                                      "a": "1", "b": "2"}}
    fast = jsonld.canonize(document)
    assert fast == jsonld.canonize_reference(document)
    assert '<did:example:2> <https://vocab.example/#b> "2" .' in fast
    assert "#outer" not in fast


def test_employment_vector_canonicalises_to_the_published_n_quads() -> None:
    """The vc-di-eddsa 'employ' vector (citizenship v4rc1 context, a subject typed Person and
    EmployablePerson, each with a scoped context) gives the vector's own canonical form."""
    folder = VECTORS / "eddsa-rdfc-2022" / "employ"
    document = json.loads((folder / "signedDataInt.json").read_text())
    document.pop("proof")
    assert jsonld.canonize(document) == (folder / "canonDocDataInt.txt").read_text()
