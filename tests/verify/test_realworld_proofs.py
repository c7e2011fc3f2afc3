"""Every signed credential of the real-world corpus (tests/data/realworld) verifies with what it
references served locally from PROVENANCE.json (no network), and a tampered copy of each is
refused. Where the pipeline's issuer binding cannot pass, the exact reason is asserted."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from app.proofs.dataintegrity import verify_document
from app.proofs.errors import ProofError
from app.verify.pipeline import verify_credential
from tests import realworld

SIGNED = realworld.signed_files()
W3C_SIGNER = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_ISSUER = "https://vc.example/issuers/5678"

# The W3C vc-di-eddsa vectors test signatures, not issuers: their issuer is not the key that
# signed, so the pipeline's issuer binding (signer = issuer) refuses them, rightly.
ISSUER_MISMATCH = {
    "w3c/eddsa-rdfc-2022-alumni.json": f"signed by {W3C_SIGNER}, but the issuer is {W3C_ISSUER}",
    "w3c/eddsa-jcs-2022-alumni.json": f"signed by {W3C_SIGNER}, but the issuer is {W3C_ISSUER}",
    "w3c/ed25519-2020-alumni.json": f"signed by {W3C_SIGNER}, but the issuer is {W3C_ISSUER}",
    # issuer a P-256 did:key, signed with the Ed25519 vector key
    "w3c/eddsa-rdfc-2022-employment.json": f"signed by {W3C_SIGNER}, but the issuer is"
                                           " did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7"
                                           "TyfU76",
    # proof sets / chains by several vector keys
    "w3c/proof-set.json": "signed by did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E,"
                          " did:key:z6MktgKTsu1QhX6QPbyqG6geXdw6FQCZBPq7uQpieWbiQiG7, but the"
                          f" issuer is {W3C_ISSUER}",
    "w3c/proof-chain.json": "signed by did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E,"
                            " did:key:z6Mkm1S51iPHJvDEkJ9MRtxJmT8Pqo6wHipAFwBAjN83vntT,"
                            " did:key:z6MkmEq87wkHCYnWnNZkigeDMGTN7oUw1upkhzd77KuXERS1,"
                            " did:key:z6MktgKTsu1QhX6QPbyqG6geXdw6FQCZBPq7uQpieWbiQiG7, but the"
                            f" issuer is {W3C_ISSUER}",
}


def _verification_methods(doc: dict[str, Any]) -> list[str]:
    proofs = doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]
    return [p["verificationMethod"] for p in proofs]


def test_the_corpus_has_the_signed_credentials_it_should() -> None:
    assert len(SIGNED) == 18
    assert {name.split("/")[0] for name in SIGNED} == {"1edtech", "dcc", "w3c"}
    assert set(ISSUER_MISMATCH) <= set(SIGNED)


def test_every_key_is_did_key_or_held_locally() -> None:
    """So the proofs below verify without any network."""
    local = set(realworld.PROVENANCE["dids"]) | set(realworld.PROVENANCE["controllers"])
    for name in SIGNED:
        for vm in _verification_methods(realworld.load(name)):
            base = vm.split("#", 1)[0]
            assert base.startswith("did:key:") or base in local, (name, vm)


@pytest.mark.parametrize("name", SIGNED)
def test_proof_verifies(name: str) -> None:
    doc = realworld.load(name)
    result = verify_document(doc, realworld.resolver().resolve_key)
    assert result.verified, [e.to_json() for e in result.errors]
    assert len(result.proofs) == len(_verification_methods(doc))
    proof = verify_credential(doc, realworld.context()).check("proof")
    assert proof is not None
    if name in ISSUER_MISMATCH:
        assert (proof.status, proof.message, proof.details) == (
            "failed", ISSUER_MISMATCH[name], {"code": "ISSUER_MISMATCH"})
    else:
        issuer = doc["issuer"]["id"] if isinstance(doc["issuer"], dict) else doc["issuer"]
        assert proof.status == "passed", proof.message
        assert proof.message.endswith(f"with a key of {issuer}")


def _tamper(node: Any, path: str) -> str | None:
    """Change the first text value below ``node`` (not an id or a type); return its path."""
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, value in items:
        if key in ("id", "type", "@context", "proof"):
            continue
        where = f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"
        if isinstance(value, str):
            node[key] = value + "-forged"
            return where
        found = _tamper(value, where)
        if found:
            return found
    return None


@pytest.mark.parametrize("name", SIGNED)
def test_tampered_copy_is_refused(name: str) -> None:
    doc = realworld.load(name)
    changed = _tamper(doc["credentialSubject"], "credentialSubject")
    assert changed is not None
    result = verify_document(doc, realworld.resolver().resolve_key)
    assert not result.verified, changed
    assert {e.code for e in result.errors} == {ProofError.INVALID_SIGNATURE}, changed
    proof = verify_credential(doc, realworld.context()).check("proof")
    assert proof is not None and proof.status == "failed"
    assert proof.details == {"code": ProofError.INVALID_SIGNATURE}


def test_jades_signed_elm_credential_is_verified_by_its_seal() -> None:
    """The EDC sample is signed with JAdES (a JWS, RSA and an X.509 chain), not a Data Integrity
    proof: it has no `proof`, and its seal's checks (app.seals, tests/seals) take the proof's
    place."""
    doc = realworld.load("elm/Sample-MC-Annex1-signed-jades.json")
    assert sorted(doc) == ["payload", "signatures"] and "proof" not in doc
    header = json.loads(base64.urlsafe_b64decode(doc["signatures"][0]["protected"] + "=="))
    assert header["alg"] == "RS256"
    report = verify_credential(doc, realworld.context())
    assert [c.name for c in report.checks][:6] == ["format", "reading", "proof", "timestamps",
                                                   "certificate", "seal"]
    assert report.check("proof").status == "passed"
    assert report.verified is True and report.headline == "untrusted"
