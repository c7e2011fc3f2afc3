"""DID documents with Multikey verification methods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


@dataclass(frozen=True)
class VerificationMethod:
    """One Multikey verification method: ``{controller}#{fragment}``."""

    controller: str
    fragment: str
    public_key_multibase: str

    @property
    def id(self) -> str:
        return f"{self.controller}#{self.fragment}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": "Multikey", "controller": self.controller,
                "publicKeyMultibase": self.public_key_multibase}


def did_document(did: str, methods: Sequence[VerificationMethod],
                 relationships: Sequence[str] = ("assertionMethod",)) -> dict[str, Any]:
    """A DID document listing ``methods`` under each verification relationship."""
    doc: dict[str, Any] = {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [m.to_json() for m in methods],
    }
    for relationship in relationships:
        doc[relationship] = [m.id for m in methods]
    return doc
