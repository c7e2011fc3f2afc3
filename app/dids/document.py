"""DID documents with Multikey verification methods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


@dataclass(frozen=True)
class VerificationMethod:
    """One Multikey verification method: ``{controller}#{fragment}``.

    ``revoked`` (an XML Schema dateTimeStamp) marks a key its controller revoked: CID 1.0 §2.2
    "revoked ... specifying when the verification method MUST NOT be used"; the Multikey
    context defines the term. A revoked method is still listed, so verifiers can tell "revoked"
    from "unknown", but it is in no verification relationship (see ``did_document``)."""

    controller: str
    fragment: str
    public_key_multibase: str
    revoked: str | None = None

    @property
    def id(self) -> str:
        return f"{self.controller}#{self.fragment}"

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "type": "Multikey", "controller": self.controller,
               "publicKeyMultibase": self.public_key_multibase}
        if self.revoked is not None:
            out["revoked"] = self.revoked
        return out


def did_document(did: str, methods: Sequence[VerificationMethod],
                 relationships: Sequence[str] = ("assertionMethod",)) -> dict[str, Any]:
    """A DID document listing ``methods`` under each verification relationship, except the
    revoked ones: a verifier that knows nothing of ``revoked`` still refuses their proofs,
    because DI 1.0 accepts a proof only by a method of the relationship its purpose names."""
    doc: dict[str, Any] = {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [m.to_json() for m in methods],
    }
    for relationship in relationships:
        doc[relationship] = [m.id for m in methods if m.revoked is None]
    return doc
