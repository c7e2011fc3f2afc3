"""The W3C vc-di-eddsa test vectors (tests/vectors/vc-di-eddsa), reproduced byte for byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from app.dids.resolver import DidResolver
from app.proofs import jsonld
from app.proofs.dataintegrity import JCS, RDFC, add_proof, hash_data, verify_document
from app.proofs.multikey import decode_base58btc, decode_private_key
from tests.conftest import VC_DI_EDDSA

VECTORS = VC_DI_EDDSA
KEYS = json.loads((VECTORS / "keyPair.json").read_text())
SIGNING_KEY = SigningKey(decode_private_key(KEYS["privateKeyMultibase"]))


def text(path: Path) -> str:
    return path.read_text("utf-8")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))


SUITES = {
    RDFC: ("eddsa-rdfc-2022", "DataInt"),
    JCS: ("eddsa-jcs-2022", "JCS"),
}


def vector(suite: str, name: str) -> Path:
    folder, tag = SUITES[suite]
    return VECTORS / folder / name.replace("{}", tag)


def canonical(document: dict[str, Any], suite: str) -> str:
    if suite == JCS:
        import rfc8785

        return rfc8785.dumps(document).decode("utf-8")
    return jsonld.canonize(document)


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_canonical_document(suite: str) -> None:
    assert canonical(load(VECTORS / "unsigned.json"), suite) == text(
        vector(suite, "canonDoc{}.txt")
    )


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_canonical_proof_configuration(suite: str) -> None:
    config = load(vector(suite, "proofConfig{}.json"))
    assert canonical(config, suite) == text(vector(suite, "proofCanon{}.txt"))


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_hashes(suite: str) -> None:
    document, config = load(VECTORS / "unsigned.json"), load(vector(suite, "proofConfig{}.json"))
    assert (
        hashlib.sha256(canonical(document, suite).encode()).hexdigest()
        == text(vector(suite, "docHash{}.txt")).strip()
    )
    assert (
        hashlib.sha256(canonical(config, suite).encode()).hexdigest()
        == text(vector(suite, "proofHash{}.txt")).strip()
    )
    assert (
        hash_data(document, config, suite).hex()
        == text(vector(suite, "combinedHash{}.txt")).strip()
    )


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_signature_and_signed_credential(suite: str) -> None:
    config = load(vector(suite, "proofConfig{}.json"))
    signed = add_proof(
        load(VECTORS / "unsigned.json"),
        SIGNING_KEY,
        config["verificationMethod"],
        cryptosuite=suite,
        created=config["created"],
    )
    expected = load(vector(suite, "signed{}.json"))
    assert signed == expected
    signature = decode_base58btc(signed["proof"]["proofValue"])
    assert signature.hex() == text(vector(suite, "sigHex{}.txt")).strip()
    assert signed["proof"]["proofValue"] == text(vector(suite, "sigBTC58{}.txt")).strip()


@pytest.mark.parametrize(
    "path",
    [
        "eddsa-rdfc-2022/signedDataInt.json",
        "eddsa-jcs-2022/signedJCS.json",
        "Ed25519Signature2020/signedEdSig.json",
    ],
)
def test_published_signed_credentials_verify(path: str) -> None:
    result = verify_document(load(VECTORS / path), DidResolver().resolve_key)
    assert result.verified, [e.to_json() for e in result.errors]
    assert [p.key.controller for p in result.proofs if p.key] == [
        f"did:key:{KEYS['publicKeyMultibase']}"
    ]


def test_ed25519_signature_2020_canonical_steps() -> None:
    folder = VECTORS / "Ed25519Signature2020"
    signed = load(folder / "signedEdSig.json")
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    assert jsonld.canonize(unsecured) == text(folder / "canonDocEdSig.txt")
    assert jsonld.canonize(load(folder / "proofConfigEdSig.json")) == text(
        folder / "proofCanonEdSig.txt"
    )
    assert (
        hash_data(unsecured, load(folder / "proofConfigEdSig.json"), RDFC).hex()
        == text(folder / "combinedHashEdSig.txt").strip()
    )


@pytest.mark.parametrize(
    "name",
    [
        "signedProofSet1.json",
        "signedProofSet2.json",
        "signedProofChain1.json",
        "signedProofChain2.json",
    ],
)
def test_proof_sets_and_chains_verify(name: str) -> None:
    document = load(VECTORS / "proof-set-chain" / name)
    result = verify_document(document, DidResolver().resolve_key)
    assert result.verified, [e.to_json() for e in result.errors]
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    assert len(result.proofs) == len(proofs)


@pytest.mark.parametrize("name", ["signedProofSet2.json", "signedProofChain2.json"])
def test_proof_sets_and_chains_are_reproduced(name: str) -> None:
    folder = VECTORS / "proof-set-chain"
    keys = {
        k["publicKeyMultibase"]: k["privateKeyMultibase"]
        for k in load(folder / "multiKeyPairs.json").values()
    }
    expected = load(folder / name)
    document = {k: v for k, v in expected.items() if k != "proof"}
    for proof in expected["proof"]:
        key = SigningKey(decode_private_key(keys[proof["verificationMethod"].split("#")[1]]))
        document = add_proof(
            document,
            key,
            proof["verificationMethod"],
            created=proof["created"],
            proof_id=proof.get("id"),
            previous_proof=proof.get("previousProof"),
        )
    assert document["proof"] == expected["proof"]
