"""The fast canonicaliser is never stricter or looser than the pyld reference: where pyoxigraph
cannot process a document, or could be wrong, the reference decides; bad JSON-LD is a clear
422, never a raw error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.proofs import jsonld
from app.proofs.errors import ProofError

V2 = "https://www.w3.org/ns/credentials/v2"
REALWORLD = Path(__file__).resolve().parents[1] / "data" / "realworld"
BASE: dict[str, Any] = {
    "type": ["VerifiableCredential"], "issuer": "did:example:issuer",
    "validFrom": "2024-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:subject", "ex:degree": "BSc"},
}


def _both(document: dict[str, Any]) -> tuple[str, str]:
    return jsonld.canonize(document), jsonld.canonize_reference(document)


def test_context_object_nested_in_the_context_array_is_canonicalised_like_pyld() -> None:
    """Shape of the vc-di-eddsa proof-chain vectors: pyoxigraph refuses it, pyld accepts it."""
    document = {"@context": [V2, {"@context": {"ex": "https://example.org/vocab#"}}], **BASE}
    fast, reference = _both(document)
    assert fast == reference
    assert '<https://example.org/vocab#degree> "BSc"' in fast


def _realworld_documents() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(REALWORLD.glob("*/*.json")):
        document = json.loads(path.read_text())
        if "@context" not in document:
            continue  # the JAdES envelope is not JSON-LD
        document.pop("proof", None)
        out.append((str(path.relative_to(REALWORLD)), document))
    return out


@pytest.mark.parametrize(("name", "document"), _realworld_documents(),
                         ids=[n for n, _ in _realworld_documents()])
def test_real_world_documents_canonicalise_alike_on_both_paths(name: str,
                                                               document: dict[str, Any]) -> None:
    outcomes = []
    for path in (jsonld.canonize, jsonld.canonize_reference):
        try:
            outcomes.append(path(document))
        except ProofError as exc:  # e.g. upgraded-ob2's undefined alsoKnownAs: both refuse
            outcomes.append(exc.code)
    assert outcomes[0] == outcomes[1]


def test_named_graphs_are_left_to_the_reference() -> None:
    """complete-ob embeds endorsement credentials whose proofs sit in named graphs; pyoxigraph's
    RDFC-1.0 gave other N-Quads than pyld (and jsonld.js) for it."""
    document = json.loads((REALWORLD / "1edtech" / "complete-ob.json").read_text())
    fast = jsonld.canonize(document)
    assert fast == jsonld.canonize_reference(document)
    assert fast.count("_:c14n") > 0 and " _:c14n" in fast.split("\n")[0] + fast


@pytest.mark.parametrize("document", [
    {"@context": [V2, {"@language": "Abcdefghij"}], **BASE, "name": "Degree"},
    {"@context": [V2], **BASE, "name": {"@value": "Degree", "@language": "en_GB_toolong"}},
], ids=["context-language", "value-language"])
def test_malformed_language_tag_is_refused_on_both_paths(document: dict[str, Any]) -> None:
    for path in (jsonld.canonize, jsonld.canonize_reference):
        with pytest.raises(ProofError) as info:
            path(document)
        assert info.value.code == ProofError.INVALID_JSONLD
        assert "is not a well-formed BCP 47 tag" in info.value.message


def test_relative_ids_are_data_loss_on_the_reference_path_too() -> None:
    """pyld resolves relative IRIs against http://example.org/base/ by default."""
    document = {"@context": [V2], **BASE, "id": "credentials/42"}
    for path in (jsonld.canonize, jsonld.canonize_reference):
        with pytest.raises(ProofError) as info:
            path(document)
        assert info.value.code == ProofError.DATA_LOSS
        assert "credentials/42" in info.value.message
        assert "example.org" not in info.value.message


def test_hostile_context_error_names_no_python_exception() -> None:
    with pytest.raises(ProofError) as info:
        jsonld.expand({"@context": [V2, {"@vocab": None}], **BASE})
    assert info.value.code == ProofError.INVALID_JSONLD
    assert "KeyError" not in info.value.message
    assert "cannot be processed" in info.value.message


def test_bad_language_tag_is_422_at_issue_and_at_verify(client: TestClient,
                                                        api_key: dict[str, str]) -> None:
    credential = {"@context": [V2, {"@language": "Abcdefghij"}], "type": ["VerifiableCredential"],
                  "credentialSubject": {"id": "did:example:subject"}, "name": "Degree"}
    issued = client.post("/credentials/issue", json={"credential": credential}, headers=api_key)
    assert issued.status_code == 422
    assert issued.json()["type"] == "urn:mcred:problem:invalid-credential"
    assert "BCP 47" in issued.json()["detail"]
    signed = client.post("/credentials/issue", json={"credential": {
        **credential, "@context": [V2]}}, headers=api_key).json()["verifiableCredential"]
    signed["@context"] = [V2, {"@language": "Abcdefghij"}]
    verified = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert verified.status_code == 422
    assert verified.json()["verified"] is False
    proof = next(e for e in verified.json()["errors"] if e["check"] == "proof")
    assert "BCP 47" in proof["message"]
