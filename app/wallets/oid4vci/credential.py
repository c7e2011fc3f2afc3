"""The credential endpoint's request (OpenID4VCI 1.0 §8): one configuration, one key proof,
one credential bound to the proven key.

A token delivers each configuration of its offer once (``TokenUse``): the offer is one award
for one learner, and a second request with the same token would mint a second credential for a
key nobody has vouched for since the tx_code was typed. A wallet that wants the credential on
another key asks the issuer for a new offer."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import Settings
from app.credentials.service import Issuing
from app.errors import ProblemError
from app.wallets.oid4vci.configurations import REGISTRY, HolderKey
from app.wallets.oid4vci.errors import OAuthError
from app.wallets.oid4vci.models import AccessToken, Offer, TokenUse
from app.wallets.oid4vci.nonces import consume_nonce
from app.wallets.oid4vci.offers import configuration_ids
from app.wallets.oid4vci.proofs import invalid_proof, verify_di_vp_proof, verify_jwt_proof

MAX_CONFIGURATION_ID_LENGTH = 100
_KNOWN_FIELDS = {"credential_configuration_id", "credential_identifier", "proofs", "proof",
                 "credential_response_encryption"}


def _bad_request(description: str) -> OAuthError:
    return OAuthError("invalid_credential_request", description)


def _configuration_id(body: dict[str, Any], offer: Offer) -> str:
    if "credential_identifier" in body:
        raise _bad_request("this issuer hands out no credential identifiers; send"
                           " credential_configuration_id")
    if "credential_response_encryption" in body:
        raise OAuthError("invalid_encryption_parameters", "credential response encryption is"
                                                          " not supported")
    config_id = body.get("credential_configuration_id")
    if not isinstance(config_id, str) or not config_id \
            or len(config_id) > MAX_CONFIGURATION_ID_LENGTH:
        raise _bad_request("credential_configuration_id must be a string")
    if config_id not in REGISTRY or config_id not in configuration_ids(offer):
        raise OAuthError("unknown_credential_configuration",
                         f"the access token is for {configuration_ids(offer)}")
    return config_id


def _one_proof(body: dict[str, Any], metadata: dict[str, Any]) -> tuple[str, Any]:
    if "proof" in body:
        raise _bad_request("send 'proofs' (OpenID4VCI 1.0), not 'proof'")
    proofs = body.get("proofs")
    if not isinstance(proofs, dict) or len(proofs) != 1:
        raise invalid_proof("'proofs' must be an object with one proof type")
    [(proof_type, values)] = proofs.items()
    if proof_type not in metadata.get("proof_types_supported", {}):
        raise invalid_proof(f"proof type {str(proof_type)[:40]!r} is not supported here")
    if not isinstance(values, list) or len(values) != 1:
        raise invalid_proof("send exactly one key proof: this issuer has no batch issuance")
    return proof_type, values[0]


def issue_credential(session: Session, issuing: Issuing, settings: Settings,
                     token: AccessToken, offer: Offer, body: Any) -> dict[str, Any]:
    """The Credential Response for a request made with a live ``token``; OAuthError otherwise."""
    if not isinstance(body, dict):
        raise _bad_request("the credential request must be a JSON object")
    unknown = sorted(set(body) - _KNOWN_FIELDS)
    if unknown:
        raise _bad_request(f"unknown parameters: {', '.join(str(u)[:40] for u in unknown[:5])}")
    config_id = _configuration_id(body, offer)
    config = REGISTRY[config_id]
    metadata = config.metadata(issuing.base_url)
    proof_type, proof = _one_proof(body, metadata)
    secret = settings.key_secret.get_secret_value()

    def nonces(nonce: str) -> bool:
        return consume_nonce(session, secret, nonce)

    holder: HolderKey
    if proof_type == "jwt":
        algs = metadata["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
        holder = verify_jwt_proof(nonces, proof, issuing.base_url, algs,
                                  settings.oid4vci_nonce_seconds)
    else:
        holder = verify_di_vp_proof(nonces, proof, issuing.base_url)
    try:
        with session.begin_nested():
            session.add(TokenUse(token_hash=token.token_hash, configuration_id=config_id))
    except IntegrityError:
        raise OAuthError("credential_request_denied", "this access token already delivered"
                                                      f" {config_id}") from None
    try:
        credential = config.issue(session, issuing, offer.award_id, holder)
    except ProblemError as exc:  # revoked, suspended or gone since the offer was made
        raise OAuthError("credential_request_denied", exc.detail or exc.title) from None
    except ValueError as exc:  # a format that cannot bind this (proven) key
        raise invalid_proof(f"the proof's key cannot be bound: {exc}"[:300]) from None
    return {"credentials": [{"credential": credential}]}
