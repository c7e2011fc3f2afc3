"""What a DID document (or its host) says about a key's validity, as the resolver reads it:
CID 1.0 ``revoked`` refuses a method outright; a host's retirement time travels with the key
(security review, issue 14, item A)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nacl.signing import SigningKey

from app.dids.didkey import resolve_did_key
from app.dids.document import VerificationMethod, did_document
from app.dids.resolver import DidResolver, HostedDocument, HostedKey
from app.proofs.errors import ProofError
from app.proofs.multikey import encode_public_key

DID = "did:web:uni.example"
MB = encode_public_key(bytes(SigningKey(b"\x07" * 32).verify_key))
MB2 = encode_public_key(bytes(SigningKey(b"\x08" * 32).verify_key))
RETIRED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_revoked_method_is_listed_but_in_no_relationship() -> None:
    doc = did_document(DID, [VerificationMethod(DID, "key-1", MB, "2026-03-01T12:00:00Z"),
                             VerificationMethod(DID, "key-2", MB2)],
                       ("assertionMethod", "authentication"))
    assert doc["verificationMethod"][0]["revoked"] == "2026-03-01T12:00:00Z"
    assert "revoked" not in doc["verificationMethod"][1]
    assert doc["assertionMethod"] == doc["authentication"] == [f"{DID}#key-2"]


def test_revoked_method_is_refused_even_where_a_relationship_still_lists_it() -> None:
    # another host's document, written carelessly: revoked, yet under assertionMethod
    doc = did_document(DID, [VerificationMethod(DID, "key-1", MB)])
    doc["verificationMethod"][0]["revoked"] = "2026-03-01T12:00:00Z"
    resolver = DidResolver(local={DID: doc}.get)
    with pytest.raises(ProofError, match="revoked") as info:
        resolver.resolve_key(f"{DID}#key-1", "assertionMethod")
    assert info.value.code == ProofError.VM_NOT_AUTHORIZED


def test_a_hosts_retirement_time_travels_with_the_key() -> None:
    doc = did_document(DID, [VerificationMethod(DID, "key-1", MB),
                             VerificationMethod(DID, "key-2", MB2)])
    hosted = HostedDocument(doc, {f"{DID}#key-1": RETIRED})
    resolver = DidResolver(local={DID: hosted}.get)
    old = resolver.resolve_key(f"{DID}#key-1", "assertionMethod")
    assert isinstance(old, HostedKey) and old.retired_at == RETIRED
    assert old.controller == DID
    current = resolver.resolve_key(f"{DID}#key-2", "assertionMethod")
    assert not isinstance(current, HostedKey)
    assert resolver.resolve(DID) == doc


def test_did_key_asks_the_local_lookup_first() -> None:
    did = f"did:key:{MB}"
    vm = f"{did}#{MB}"
    compromised = HostedDocument(resolve_did_key(did, "2026-03-01T12:00:00Z"))
    with pytest.raises(ProofError, match="revoked"):
        DidResolver(local={did: compromised}.get).resolve_key(vm, "assertionMethod")
    retired = HostedDocument(resolve_did_key(did), {vm: RETIRED})
    key = DidResolver(local={did: retired}.get).resolve_key(vm, "assertionMethod")
    assert isinstance(key, HostedKey) and key.retired_at == RETIRED
    # not held locally: the key expands as always
    plain = DidResolver(local={}.get).resolve_key(vm, "assertionMethod")
    assert plain.controller == did and not isinstance(plain, HostedKey)
