"""Keys by URL: a verification method that is an https URL names a controller document at the
URL without its fragment, bound to its issuer by the same rules as a DID document."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey

from app.deps import Services
from app.dids.resolver import DidResolver
from app.outbound import OutboundPolicy
from app.proofs.dataintegrity import add_proof, verify_document
from app.proofs.errors import ProofError
from app.proofs.multikey import encode_public_key
from app.verify.pipeline import verify_credential
from tests import realworld

ISSUER = "https://example.edu/issuers/565049"
KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
VM = f"{ISSUER}#{KEY}"
CONTROLLER = realworld.load("support/controllers/example-edu-issuers-565049.json")


def resolver_with(document: dict[str, Any]) -> DidResolver:
    return DidResolver(controllers={ISSUER: document}.get)


def code_of(resolver: DidResolver, vm: str = VM, purpose: str = "assertionMethod") -> str:
    with pytest.raises(ProofError) as info:
        resolver.resolve_key(vm, purpose)
    return f"{info.value.code}: {info.value.message}"


def test_https_verification_method_resolves_from_its_controller_document() -> None:
    key = resolver_with(CONTROLLER).resolve_key(VM, "assertionMethod")
    assert key.id == VM
    assert key.controller == ISSUER
    assert encode_public_key(key.public_key) == KEY


@pytest.mark.parametrize("name", ["1edtech/ldp-ob-signed.json", "1edtech/ldp-clr-signed.json"])
def test_the_1edtech_signed_examples_verify_and_a_tampered_copy_does_not(name: str) -> None:
    signed = realworld.load(name)
    result = verify_document(signed, realworld.resolver().resolve_key)
    assert result.verified, result.errors
    assert [p.key.controller for p in result.proofs if p.key] == [ISSUER]
    tampered = copy.deepcopy(signed)
    achievement = tampered["credentialSubject"]["achievement"]
    # the OB credential has one achievement, the CLR (a transcript) a list of them
    (achievement[0] if isinstance(achievement, list) else achievement)["name"] = "Leadership"
    refused = verify_document(tampered, realworld.resolver().resolve_key)
    assert [e.code for e in refused.errors] == [ProofError.INVALID_SIGNATURE]


def test_pipeline_binds_the_https_issuer_to_its_key() -> None:
    report = verify_credential(realworld.load("1edtech/ldp-ob-signed.json"), realworld.context())
    proof = report.check("proof")
    assert proof is not None
    assert (proof.status, proof.message) == (
        "passed", f"signature verifies (eddsa-rdfc-2022) with a key of {ISSUER}")


def test_controller_document_must_carry_the_id_it_was_fetched_at() -> None:
    elsewhere = {**CONTROLLER, "id": "https://evil.example/issuers/565049"}
    assert code_of(resolver_with(elsewhere)) == (
        f"VERIFICATION_METHOD_UNRESOLVABLE: the controller document at {ISSUER} has id"
        " 'https://evil.example/issuers/565049', not https://example.edu/issuers/565049")


def test_method_controlled_by_someone_else_is_refused() -> None:
    document = copy.deepcopy(CONTROLLER)
    document["verificationMethod"][0]["controller"] = "https://evil.example/"
    assert code_of(resolver_with(document)) == (
        f"VERIFICATION_METHOD_NOT_AUTHORIZED: {VM} is controlled by 'https://evil.example/',"
        f" not {ISSUER}")


def test_method_not_listed_for_the_purpose_is_refused() -> None:
    assert code_of(resolver_with(CONTROLLER), purpose="authentication") == (
        f"VERIFICATION_METHOD_NOT_AUTHORIZED: {VM} is not authorised for authentication by"
        f" {ISSUER}")
    unlisted = {k: v for k, v in CONTROLLER.items() if k != "assertionMethod"}
    assert code_of(resolver_with(unlisted)).startswith("VERIFICATION_METHOD_NOT_AUTHORIZED")


def test_only_multikey_or_ed25519_2020_keys() -> None:
    document = copy.deepcopy(CONTROLLER)
    document["verificationMethod"][0]["type"] = "JsonWebKey"
    assert code_of(resolver_with(document)) == (
        f"VERIFICATION_METHOD_UNRESOLVABLE: {VM} has type 'JsonWebKey', expected Multikey")


def test_plain_http_controller_documents_are_refused_whatever_the_policy() -> None:
    lenient = DidResolver(policy=OutboundPolicy(allow_http=True, allow_private=True),
                          controllers={"http://example.edu/issuers/565049": CONTROLLER}.get)
    assert code_of(lenient, "http://example.edu/issuers/565049#key-1") == (
        "VERIFICATION_METHOD_UNRESOLVABLE: controller document"
        " 'http://example.edu/issuers/565049' is not an https URL; only https controller"
        " documents are fetched")


def test_without_a_local_copy_the_url_is_fetched_under_the_outbound_policy() -> None:
    # example.edu is not served here; a loopback name shows the guard is in the way
    assert code_of(DidResolver(), "https://localhost/issuers/1#key-1") == (
        "VERIFICATION_METHOD_UNRESOLVABLE: cannot fetch the controller document"
        " https://localhost/issuers/1: localhost has no public address we may connect to"
        " (non-public or unresolvable); refusing to connect")


def test_controller_document_served_over_https(client: TestClient, svc: Services,
                                               https_server: Any) -> None:
    """A credential whose issuer is an https URL, its controller document on a real local
    HTTPS server, verified through the service (MCRED_OUTBOUND_ALLOW_PRIVATE and
    MCRED_OUTBOUND_CA_FILE let it reach the test server)."""
    port, cert, routes = https_server
    issuer = f"https://localhost:{port}/issuers/42"
    key = SigningKey(b"\x2a" * 32)
    public = encode_public_key(bytes(key.verify_key))
    routes["/issuers/42"] = json.dumps({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer,
        "verificationMethod": [{"id": f"{issuer}#key-1", "type": "Multikey",
                                "controller": issuer, "publicKeyMultibase": public}],
        "assertionMethod": [f"{issuer}#key-1"]}).encode()
    vc = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential"], "issuer": issuer,
                    "validFrom": "2024-01-01T00:00:00Z",
                    "credentialSubject": {"name": "Jane Doe"}}, key, f"{issuer}#key-1")

    def proof_check() -> dict[str, Any]:
        body = client.post("/credentials/verify", json={"verifiableCredential": vc}).json()
        return next(c for c in body["report"]["checks"] if c["name"] == "proof")

    refused = proof_check()  # the default policy refuses a loopback host
    assert refused["status"] == "failed"
    assert "no public address we may connect to" in refused["message"]
    svc.settings = svc.settings.model_copy(update={"outbound_allow_private": True,
                                                   "outbound_ca_file": cert})
    assert proof_check() == {"name": "proof", "status": "passed",
                             "message": f"signature verifies (eddsa-rdfc-2022) with a key of"
                                        f" {issuer}"}
    # a document served at the URL but claiming another id does not bind the key
    routes["/issuers/43"] = routes["/issuers/42"]
    vc = add_proof({k: v for k, v in vc.items() if k != "proof"} | {
        "issuer": f"https://localhost:{port}/issuers/43"}, key,
        f"https://localhost:{port}/issuers/43#key-1")
    spoofed = proof_check()
    assert spoofed["status"] == "failed"
    assert spoofed["message"] == (f"the controller document at https://localhost:{port}/issuers"
                                  f"/43 has id '{issuer}', not https://localhost:{port}/issuers/43")
