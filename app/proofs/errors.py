"""Proof errors: every failure has a stable code, so callers can report it precisely."""

from __future__ import annotations


class ProofError(Exception):
    """A proof could not be created or verified; ``code`` says why."""

    # Codes (stable; used in verification reports and problem+json):
    MALFORMED_PROOF = "MALFORMED_PROOF"  # a required proof field is missing or of the wrong type
    UNKNOWN_CRYPTOSUITE = "UNKNOWN_CRYPTOSUITE"
    UNSUPPORTED_PROOF_TYPE = "UNSUPPORTED_PROOF_TYPE"
    MALFORMED_MULTIBASE = "MALFORMED_MULTIBASE"  # proofValue or key not valid multibase
    INVALID_SIGNATURE = "INVALID_SIGNATURE"  # the signature does not match the data
    WRONG_PROOF_PURPOSE = "WRONG_PROOF_PURPOSE"  # not the purpose the verifier expects
    VM_NOT_AUTHORIZED = "VERIFICATION_METHOD_NOT_AUTHORIZED"  # key not listed for the purpose
    VM_RESOLUTION = "VERIFICATION_METHOD_UNRESOLVABLE"
    CONTEXT_NOT_ALLOWED = "CONTEXT_NOT_ALLOWED"  # a JSON-LD context URL outside the manifest
    DATA_LOSS = "JSONLD_DATA_LOSS"  # a term JSON-LD would drop, or a relative IRI
    INVALID_JSONLD = "INVALID_JSONLD"  # any other JSON-LD processing error
    CONTEXT_MISMATCH = "PROOF_CONTEXT_MISMATCH"  # proof @context not a prefix of the document's
    INVALID_DOMAIN = "INVALID_DOMAIN_ERROR"
    INVALID_CHALLENGE = "INVALID_CHALLENGE_ERROR"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
