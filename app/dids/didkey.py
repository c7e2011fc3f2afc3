"""did:key for Ed25519 Multikeys (did:key method v0.7): the DID is the key."""

from __future__ import annotations

from typing import Any

from app.dids.document import VerificationMethod, did_document
from app.proofs.multikey import decode_public_key

DID_KEY_RELATIONSHIPS = ("authentication", "assertionMethod", "capabilityInvocation",
                         "capabilityDelegation")


def did_key_for(public_key_multibase: str) -> str:
    """``z6Mk…`` → ``did:key:z6Mk…``."""
    decode_public_key(public_key_multibase)  # refuse anything but an Ed25519 Multikey
    return f"did:key:{public_key_multibase}"


def did_key_verification_method(public_key_multibase: str) -> str:
    """The verification method id: ``did:key:z6Mk…#z6Mk…``."""
    return f"{did_key_for(public_key_multibase)}#{public_key_multibase}"


def resolve_did_key(did: str, revoked: str | None = None) -> dict[str, Any]:
    """The DID document a did:key expands to (no I/O). ``revoked``: what the host of a key it
    knows to be compromised says of it (the key's method then has no relationship)."""
    if not did.startswith("did:key:"):
        raise ValueError(f"not a did:key: {did}")
    multibase = did.removeprefix("did:key:")
    decode_public_key(multibase)
    method = VerificationMethod(did, multibase, multibase, revoked)
    return did_document(did, [method], DID_KEY_RELATIONSHIPS)
