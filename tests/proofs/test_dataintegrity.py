"""Create/verify round trips and every failure mode, each with its own error code."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from nacl.signing import SigningKey

from app.dids.didkey import did_key_verification_method
from app.dids.document import VerificationMethod, did_document
from app.dids.resolver import DidResolver
from app.proofs.dataintegrity import JCS, RDFC, add_proof, verify_document
from app.proofs.errors import ProofError
from app.proofs.multikey import encode_public_key
from tests.conftest import VC_DI_EDDSA

UNSIGNED = json.loads((VC_DI_EDDSA / "unsigned.json").read_text())
KEY = SigningKey(b"\x01" * 32)
PUBLIC = encode_public_key(bytes(KEY.verify_key))
VM = did_key_verification_method(PUBLIC)
resolver = DidResolver()


def sign(document: dict[str, Any] | None = None, suite: str = RDFC, **kw: Any) -> dict[str, Any]:
    return add_proof(copy.deepcopy(document or UNSIGNED), KEY, VM, cryptosuite=suite, **kw)


def error_code(document: dict[str, Any], **kw: Any) -> str | None:
    result = verify_document(document, resolver.resolve_key, **kw)
    assert not result.verified
    return result.errors[0].code


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_round_trip(suite: str) -> None:
    signed = sign(suite=suite)
    result = verify_document(signed, resolver.resolve_key)
    assert result.verified
    assert result.proofs[0].key.controller == f"did:key:{PUBLIC}"


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_changed_claim_fails_signature(suite: str) -> None:
    signed = sign(suite=suite)
    signed["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    assert error_code(signed) == ProofError.INVALID_SIGNATURE


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_changed_proof_option_fails_signature(suite: str) -> None:
    signed = sign(suite=suite)
    signed["proof"]["created"] = "2020-01-01T00:00:00Z"
    assert error_code(signed) == ProofError.INVALID_SIGNATURE


def test_wrong_key_fails_signature() -> None:
    other = SigningKey(b"\x02" * 32)
    signed = add_proof(copy.deepcopy(UNSIGNED), other, VM)  # signed by another key, claims ours
    assert error_code(signed) == ProofError.INVALID_SIGNATURE


def test_wrong_proof_purpose() -> None:
    assert error_code(sign(), expected_purpose="authentication") == ProofError.WRONG_PROOF_PURPOSE


def test_key_not_authorised_for_purpose() -> None:
    did = "did:web:uni.example"
    doc = did_document(did, [VerificationMethod(did, "key-1", PUBLIC)], ("authentication",))
    local = DidResolver(local=lambda d: doc if d == did else None)
    signed = add_proof(copy.deepcopy(UNSIGNED), KEY, f"{did}#key-1")
    result = verify_document(signed, local.resolve_key)
    assert result.errors[0].code == ProofError.VM_NOT_AUTHORIZED


def test_did_web_key_resolved_locally() -> None:
    did = "did:web:uni.example:issuers:x"
    doc = did_document(did, [VerificationMethod(did, "key-1", PUBLIC)])
    local = DidResolver(local=lambda d: doc if d == did else None)
    signed = add_proof(copy.deepcopy(UNSIGNED), KEY, f"{did}#key-1")
    assert verify_document(signed, local.resolve_key).verified


def test_unknown_cryptosuite() -> None:
    signed = sign()
    signed["proof"]["cryptosuite"] = "eddsa-2099"
    assert error_code(signed) == ProofError.UNKNOWN_CRYPTOSUITE
    with pytest.raises(ProofError) as info:
        sign(suite="eddsa-2099")
    assert info.value.code == ProofError.UNKNOWN_CRYPTOSUITE


def test_unsupported_proof_type() -> None:
    signed = sign()
    signed["proof"]["type"] = "RsaSignature2018"
    assert error_code(signed) == ProofError.UNSUPPORTED_PROOF_TYPE


def test_context_not_in_manifest() -> None:
    document = copy.deepcopy(UNSIGNED)
    document["@context"] = [*document["@context"], "https://evil.example/context.jsonld"]
    with pytest.raises(ProofError) as info:
        sign(document)
    assert info.value.code == ProofError.CONTEXT_NOT_ALLOWED
    assert "https://evil.example/context.jsonld" in info.value.message
    signed = sign()
    signed["@context"].append("https://evil.example/context.jsonld")
    assert error_code(signed) == ProofError.CONTEXT_NOT_ALLOWED


@pytest.mark.parametrize("value", ["not-multibase", "z0OIl", "zabc", "u" + "A" * 86])
def test_malformed_proof_value(value: str) -> None:
    signed = sign()
    signed["proof"]["proofValue"] = value
    assert error_code(signed) == ProofError.MALFORMED_MULTIBASE


def test_malformed_key_in_verification_method() -> None:
    signed = add_proof(copy.deepcopy(UNSIGNED), KEY, "did:key:z6MkBAD#z6MkBAD")
    assert error_code(signed) in (ProofError.VM_RESOLUTION, ProofError.MALFORMED_MULTIBASE)


@pytest.mark.parametrize("field", ["verificationMethod", "proofPurpose", "proofValue"])
def test_missing_proof_field(field: str) -> None:
    signed = sign()
    del signed["proof"][field]
    assert error_code(signed) == ProofError.MALFORMED_PROOF


def test_bad_created_timestamp() -> None:
    signed = sign()
    signed["proof"]["created"] = "yesterday"
    assert error_code(signed) == ProofError.MALFORMED_PROOF


def test_no_proof_at_all() -> None:
    assert error_code(copy.deepcopy(UNSIGNED)) == ProofError.MALFORMED_PROOF


def test_domain_and_challenge() -> None:
    signed = add_proof(copy.deepcopy(UNSIGNED), KEY, VM, proof_purpose="authentication",
                       domain="employer.example", challenge="c-123")
    ok = verify_document(signed, resolver.resolve_key, expected_purpose="authentication",
                         domain="employer.example", challenge="c-123")
    assert ok.verified
    assert error_code(signed, expected_purpose="authentication", domain="evil.example",
                      challenge="c-123") == ProofError.INVALID_DOMAIN
    assert error_code(signed, expected_purpose="authentication", domain="employer.example",
                      challenge="other") == ProofError.INVALID_CHALLENGE


def test_undefined_term_is_data_loss() -> None:
    document = {"@context": ["https://www.w3.org/2018/credentials/v1"],
                "id": "urn:uuid:1", "type": ["VerifiableCredential"],
                "issuer": "did:example:1", "issuanceDate": "2024-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:2", "undefinedTerm": "x"}}
    with pytest.raises(ProofError) as info:
        sign(document)
    assert info.value.code == ProofError.DATA_LOSS
    assert "undefinedTerm" in info.value.message


def test_protected_term_redefinition_is_refused() -> None:
    document = copy.deepcopy(UNSIGNED)
    document["@context"] = [*document["@context"], {"name": "https://evil.example/name"}]
    with pytest.raises(ProofError) as info:
        sign(document)
    assert info.value.code == ProofError.INVALID_JSONLD


def test_proof_context_must_prefix_document_context() -> None:
    signed = sign(suite=JCS)
    signed["proof"]["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    assert error_code(signed) == ProofError.CONTEXT_MISMATCH


def test_non_object_document() -> None:
    result = verify_document(["not", "a", "credential"], resolver.resolve_key)
    assert not result.verified
    assert result.error.code == ProofError.MALFORMED_PROOF
