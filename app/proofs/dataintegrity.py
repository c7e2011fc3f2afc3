"""W3C Data Integrity proofs: DataIntegrityProof with eddsa-rdfc-2022 / eddsa-jcs-2022
(create and verify) and the legacy Ed25519Signature2020 (verify only).

Each step follows vc-di-eddsa 1.0 §3: proof configuration → transformation (RDFC-1.0 or
JCS) → hashing (SHA-256 of the proof configuration ‖ SHA-256 of the document) → Ed25519 →
``proofValue`` as multibase base58btc. Proof sets and chains (``previousProof``) verify per DI 1.0.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from app.proofs import jsonld
from app.proofs.errors import ProofError
from app.proofs.multikey import MultibaseError, decode_base58btc, encode_base58btc

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
CRYPTOSUITES = (RDFC, JCS)
DATA_INTEGRITY_PROOF = "DataIntegrityProof"
ED25519_2020 = "Ed25519Signature2020"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"

# XML Schema dateTimeStamp as Data Integrity requires for `created` / `expires`.
_DATETIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$"
)


@dataclass(frozen=True)
class ResolvedKey:
    """A verification method resolved for a purpose: its controller and raw Ed25519 key."""

    id: str
    controller: str
    public_key: bytes


# (verification method id, proof purpose) → ResolvedKey; raises ProofError when it cannot.
KeyResolver = Callable[[str, str], ResolvedKey]


@dataclass
class ProofResult:
    """The outcome of verifying one proof."""

    verified: bool
    proof: dict[str, Any]
    key: ResolvedKey | None = None
    error: ProofError | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verified": self.verified,
            "verificationMethod": self.proof.get("verificationMethod"),
        }
        if self.key:
            out["controller"] = self.key.controller
        if self.error:
            out["error"] = self.error.to_json()
        return out


@dataclass
class VerificationResult:
    """All proofs on a document; verified only if there is at least one and every one holds."""

    proofs: list[ProofResult] = field(default_factory=list)
    error: ProofError | None = None  # a failure before any single proof could be checked

    @property
    def verified(self) -> bool:
        return self.error is None and bool(self.proofs) and all(p.verified for p in self.proofs)

    @property
    def errors(self) -> list[ProofError]:
        found = [self.error] if self.error else []
        return found + [p.error for p in self.proofs if p.error]


def now_timestamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sha256(text: str | bytes) -> bytes:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).digest()


def _transform(document: dict[str, Any], suite: str) -> str | bytes:
    if suite == JCS:
        try:
            return rfc8785.dumps(document)
        except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
            message = f"JCS canonicalisation failed: {exc}"
            raise ProofError(ProofError.INVALID_JSONLD, message) from None
    return jsonld.canonize(document)


def hash_data(document: dict[str, Any], proof_config: dict[str, Any], suite: str) -> bytes:
    """SHA-256(canonical proof configuration) ‖ SHA-256(canonical document)."""
    document_hash = _sha256(_transform(document, suite))  # first: its errors matter most
    return _sha256(_transform(proof_config, suite)) + document_hash


def _without_proof(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def add_proof(
    document: dict[str, Any],
    key: SigningKey,
    verification_method: str,
    *,
    cryptosuite: str = RDFC,
    proof_purpose: str = "assertionMethod",
    created: str | None = None,
    domain: str | None = None,
    challenge: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
    proof_array: bool = False,
) -> dict[str, Any]:
    """Return a copy of ``document`` secured with one more DataIntegrityProof.

    An existing proof makes a proof set; ``previous_proof`` (ids in that set) makes a chain.
    """
    if cryptosuite not in CRYPTOSUITES:
        raise ProofError(ProofError.UNKNOWN_CRYPTOSUITE, f"unknown cryptosuite {cryptosuite!r}")
    existing = _as_list(document.get("proof"))
    unsecured = _without_proof(document)
    options: dict[str, Any] = {"id": proof_id} if proof_id else {}
    options |= {
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": cryptosuite,
        "created": created or now_timestamp(),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if domain is not None:
        options["domain"] = domain
    if challenge is not None:
        options["challenge"] = challenge
    if previous_proof is not None:
        options["previousProof"] = previous_proof
    config = dict(options)
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    to_sign = dict(unsecured)
    if previous_proof is not None:
        wanted = _as_list(previous_proof)
        to_sign["proof"] = [p for p in existing if isinstance(p, dict) and p.get("id") in wanted]
        if len(to_sign["proof"]) != len(wanted):
            raise ProofError(ProofError.MALFORMED_PROOF, "previousProof names an unknown proof")
    signature = key.sign(hash_data(to_sign, config, cryptosuite)).signature
    # eddsa-jcs-2022 keeps the proof's @context in the output (as the spec's vectors do).
    proof = {
        **(config if cryptosuite == JCS else options),
        "proofValue": encode_base58btc(signature),
    }
    # Shallow: nested objects are shared with the input, which is never modified here.
    secured = dict(unsecured)
    # proof_array: a lone proof as a one-element array (the OBv3 JSON Schema requires it).
    secured["proof"] = [*existing, proof] if existing or proof_array else proof
    return secured


def _check_proof_shape(proof: Any) -> tuple[str, str]:
    """(proof type, suite name) of a well-formed proof, or MALFORMED_PROOF / UNKNOWN_*."""
    if not isinstance(proof, dict):
        raise ProofError(ProofError.MALFORMED_PROOF, "a proof must be a JSON object")
    proof_type = proof.get("type")
    if proof_type == DATA_INTEGRITY_PROOF:
        suite = proof.get("cryptosuite")
        if not isinstance(suite, str):
            raise ProofError(ProofError.MALFORMED_PROOF, "DataIntegrityProof without cryptosuite")
        if suite not in CRYPTOSUITES:
            raise ProofError(
                ProofError.UNKNOWN_CRYPTOSUITE,
                f"cryptosuite {suite!r} is not supported (use {', '.join(CRYPTOSUITES)})",
            )
    elif proof_type == ED25519_2020:
        suite = ED25519_2020
    else:
        raise ProofError(
            ProofError.UNSUPPORTED_PROOF_TYPE, f"proof type {proof_type!r} is not supported"
        )
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            raise ProofError(ProofError.MALFORMED_PROOF, f"proof.{name} must be a non-empty string")
    for name in ("created", "expires"):
        if name in proof and (not isinstance(proof[name], str) or not _DATETIME.match(proof[name])):
            raise ProofError(
                ProofError.MALFORMED_PROOF, f"proof.{name} is not an XML Schema dateTimeStamp"
            )
    return proof_type, suite


def _signature(proof: dict[str, Any]) -> bytes:
    try:
        signature = decode_base58btc(proof["proofValue"])
    except MultibaseError as exc:
        raise ProofError(ProofError.MALFORMED_MULTIBASE, f"proofValue: {exc}") from None
    if len(signature) != 64:
        raise ProofError(
            ProofError.MALFORMED_MULTIBASE,
            f"proofValue decodes to {len(signature)} bytes, an Ed25519 signature has 64",
        )
    return signature


def _check_options(
    proof: dict[str, Any], expected_purpose: str, domain: str | None, challenge: str | None
) -> None:
    if proof["proofPurpose"] != expected_purpose:
        raise ProofError(
            ProofError.WRONG_PROOF_PURPOSE,
            f"proofPurpose is {proof['proofPurpose']!r}, expected {expected_purpose!r}",
        )
    if domain is not None and domain not in _as_list(proof.get("domain")):
        raise ProofError(
            ProofError.INVALID_DOMAIN, "proof.domain does not match the expected domain"
        )
    if challenge is not None and proof.get("challenge") != challenge:
        raise ProofError(ProofError.INVALID_CHALLENGE, "proof.challenge does not match")
    expires = proof.get("expires")
    if expires and expires < now_timestamp():
        raise ProofError(ProofError.MALFORMED_PROOF, f"the proof expired at {expires}")


def _proof_config(unsecured: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in config:
        # DI 1.0: the document's @context must start with the proof's @context, in order.
        proof_ctx, doc_ctx = _as_list(config["@context"]), _as_list(unsecured.get("@context"))
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            raise ProofError(
                ProofError.CONTEXT_MISMATCH,
                "the proof's @context is not a prefix of the document's @context",
            )
    elif "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    return config


def _verify_one(
    document: dict[str, Any],
    proof: dict[str, Any],
    all_proofs: list[Any],
    resolve_key: KeyResolver,
    expected_purpose: str,
    domain: str | None,
    challenge: str | None,
) -> ProofResult:
    try:
        proof_type, suite = _check_proof_shape(proof)
        signature = _signature(proof)
        _check_options(proof, expected_purpose, domain, challenge)
        unsecured = _without_proof(document)
        previous = _as_list(proof.get("previousProof"))
        if previous:
            matching = [p for p in all_proofs if isinstance(p, dict) and p.get("id") in previous]
            if len(matching) != len(previous):
                raise ProofError(
                    ProofError.MALFORMED_PROOF,
                    "previousProof names a proof that is not in the proof set",
                )
            unsecured["proof"] = matching
        if suite == ED25519_2020 and ED25519_2020_CONTEXT not in _as_list(
            unsecured.get("@context")
        ):
            raise ProofError(
                ProofError.MALFORMED_PROOF,
                f"Ed25519Signature2020 needs {ED25519_2020_CONTEXT} in @context",
            )
        config = _proof_config(unsecured, proof)
        data = hash_data(unsecured, config, JCS if suite == JCS else RDFC)
        key = resolve_key(proof["verificationMethod"], expected_purpose)
        try:
            VerifyKey(key.public_key).verify(data, signature)
        except BadSignatureError:
            raise ProofError(
                ProofError.INVALID_SIGNATURE,
                f"the {proof_type} signature does not match the document",
            ) from None
        return ProofResult(True, proof, key=key)
    except ProofError as exc:
        return ProofResult(False, proof if isinstance(proof, dict) else {}, error=exc)


def verify_document(
    document: Any,
    resolve_key: KeyResolver,
    *,
    expected_purpose: str = "assertionMethod",
    domain: str | None = None,
    challenge: str | None = None,
) -> VerificationResult:
    """Verify every proof on ``document``; never raises for bad input."""
    if not isinstance(document, dict):
        return VerificationResult(
            error=ProofError(
                ProofError.MALFORMED_PROOF, "the secured document must be a JSON object"
            )
        )
    proofs = _as_list(document.get("proof"))
    if not proofs:
        return VerificationResult(
            error=ProofError(ProofError.MALFORMED_PROOF, "the document has no proof")
        )
    results = [
        _verify_one(document, p, proofs, resolve_key, expected_purpose, domain, challenge)
        for p in proofs
    ]
    return VerificationResult(proofs=results)
