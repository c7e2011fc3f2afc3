"""Key proofs of the credential request (OpenID4VCI 1.0 §8.2.1, Appendix F): the wallet shows
it holds the key the credential will be bound to, over a c_nonce of ours.

``jwt``: typ ``openid4vci-proof+jwt``, EdDSA or ES256, the key as exactly one of ``jwk`` or
``kid`` (a did:key DID URL); ``aud`` our issuer identifier, a recent ``iat``, ``nonce`` a c_nonce.
``di_vp``: a Verifiable Presentation with an eddsa-rdfc-2022 DataIntegrityProof for
``authentication``, ``domain`` our issuer identifier, ``challenge`` a c_nonce."""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey

from app.dids.resolver import DidResolver
from app.proofs.dataintegrity import DATA_INTEGRITY_PROOF, RDFC, verify_document
from app.proofs.multikey import ED25519_PUB_PREFIX, decode_base58btc
from app.wallets.holder import P256_PUB_PREFIX, HolderKeyError, check_holder_did, did_from_jwk
from app.wallets.oid4vci.configurations import HolderKey
from app.wallets.oid4vci.errors import OAuthError
from app.wallets.oid4vci.nonces import MAX_NONCE_LENGTH

PROOF_TYP = "openid4vci-proof+jwt"
MAX_JWT_LENGTH = 8192
IAT_FUTURE_SECONDS = 60  # clock skew allowed
_KEY_TYPES = {"EdDSA": ("OKP", "Ed25519"), "ES256": ("EC", "P-256")}
# Header parameters that name the key in another way than the two we read: refused, not
# ignored. A `key_attestation` is ignored instead: none is required (the metadata asks for
# none), and the credential is bound to the key of `jwk` / `kid` either way.
_OTHER_KEY_PARAMETERS = ("x5c", "trust_chain")


# c_nonce → True if it is ours, unexpired and unused (it is used from then on)
NonceCheck = Callable[[str], bool]


def invalid_proof(description: str) -> OAuthError:
    return OAuthError("invalid_proof", description)


def _b64url(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")


def jwk_of_did_key(did: str) -> dict[str, str]:
    """The public JWK an Ed25519 or P-256 did:key names (the inverse of ``did_from_jwk``)."""
    data = decode_base58btc(check_holder_did(did).removeprefix("did:key:"))
    if data.startswith(ED25519_PUB_PREFIX):
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(data[2:])}
    assert data.startswith(P256_PUB_PREFIX)
    try:
        numbers = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data[2:]) \
            .public_numbers()
    except ValueError:
        raise HolderKeyError("the did:key is not a point on P-256") from None
    return {"kty": "EC", "crv": "P-256", "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big"))}


def _json_part(part: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (binascii.Error, ValueError):
        raise invalid_proof(f"the proof JWT's {name} is not base64url JSON") from None
    if not isinstance(value, dict):
        raise invalid_proof(f"the proof JWT's {name} is not a JSON object")
    return value


def _holder_of_header(header: dict[str, Any]) -> HolderKey:
    has_jwk, has_kid = "jwk" in header, "kid" in header
    if has_jwk == has_kid:
        raise invalid_proof("the proof JWT header must carry exactly one of 'jwk' and 'kid'")
    if any(name in header for name in _OTHER_KEY_PARAMETERS):
        raise invalid_proof("only 'jwk' or a did:key 'kid' may name the proof key")
    try:
        if has_jwk:
            jwk = header["jwk"]
            did = did_from_jwk(jwk)
            return HolderKey({k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk}, did)
        kid = header["kid"]
        if not isinstance(kid, str) or "#" not in kid:
            raise invalid_proof("'kid' must be a did:key DID URL (did:key:z…#z…)")
        did, fragment = kid.split("#", 1)
        if fragment != did.removeprefix("did:key:"):
            raise invalid_proof("'kid' must name the did:key's own key (#z…)")
        return HolderKey(jwk_of_did_key(did), check_holder_did(did))
    except HolderKeyError as exc:
        raise invalid_proof(str(exc)) from None


def _number(value: Any) -> bool:
    """A finite JSON number (json.loads reads NaN and Infinity, which compare as nothing)."""
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value)


def _claims_check(claims: dict[str, Any], issuer_id: str, iat_window: int) -> str:
    """The nonce of proof claims that are otherwise right."""
    aud = claims.get("aud")
    if not (aud == issuer_id or (isinstance(aud, list) and issuer_id in aud)):
        raise invalid_proof(f"the proof's 'aud' must be the credential issuer {issuer_id}")
    iat, now = claims.get("iat"), time.time()
    if not _number(iat):
        raise invalid_proof("the proof needs a numeric 'iat'")
    if iat > now + IAT_FUTURE_SECONDS or iat < now - iat_window:
        raise invalid_proof(f"the proof's 'iat' is not within the last {iat_window} seconds")
    exp = claims.get("exp")
    if exp is not None and (not _number(exp) or exp <= now):
        raise invalid_proof("the proof expired")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise invalid_proof("the proof must carry a c_nonce from the nonce endpoint")
    return nonce


def verify_jwt_proof(nonces: NonceCheck, proof: Any, issuer_id: str, algorithms: list[str],
                     iat_window: int) -> HolderKey:
    """The holder key of a valid ``jwt`` key proof whose c_nonce is now used."""
    if not isinstance(proof, str) or len(proof) > MAX_JWT_LENGTH or proof.count(".") != 2:
        raise invalid_proof(f"a jwt proof is a compact JWS of at most {MAX_JWT_LENGTH} characters")
    header = _json_part(proof.split(".", 1)[0], "header")
    if header.get("typ") != PROOF_TYP:
        raise invalid_proof(f"the proof JWT's typ must be {PROOF_TYP}")
    alg = header.get("alg")
    if alg not in algorithms:
        raise invalid_proof(f"the proof JWT's alg must be one of {algorithms}")
    holder = _holder_of_header(header)
    if (holder.jwk["kty"], holder.jwk["crv"]) != _KEY_TYPES[alg]:
        raise invalid_proof(f"alg {alg} does not fit a {holder.jwk['crv']} key")
    key = OKPKey.import_key(holder.jwk) if alg == "EdDSA" else ECKey.import_key(holder.jwk)
    try:
        with warnings.catch_warnings():  # joserfc flags EdDSA (RFC 9864); OpenID4VCI names it
            warnings.simplefilter("ignore")
            signed = jws.deserialize_compact(proof, key, algorithms=[alg])
    except (JoseError, ValueError):
        raise invalid_proof("the proof JWT's signature does not verify with its key") from None
    try:
        claims = json.loads(signed.payload)
    except ValueError:
        raise invalid_proof("the proof JWT's payload is not JSON") from None
    if not isinstance(claims, dict):
        raise invalid_proof("the proof JWT's payload is not a JSON object")
    nonce = _claims_check(claims, issuer_id, iat_window)
    if not nonces(nonce):
        raise OAuthError("invalid_nonce", "the c_nonce is unknown, used or expired;"
                                          " get a new one from the nonce endpoint")
    return holder


def verify_di_vp_proof(nonces: NonceCheck, proof: Any, issuer_id: str) -> HolderKey:
    """The holder key of a valid ``di_vp`` key proof whose c_nonce (challenge) is now used."""
    if not isinstance(proof, dict) or "VerifiablePresentation" not in _as_list(proof.get("type")):
        raise invalid_proof("a di_vp proof is a Verifiable Presentation (JSON object)")
    proofs = _as_list(proof.get("proof"))
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise invalid_proof("the presentation must carry exactly one proof")
    di = proofs[0]
    if di.get("type") != DATA_INTEGRITY_PROOF or di.get("cryptosuite") != RDFC:
        raise invalid_proof(f"the presentation's proof must be a {RDFC} {DATA_INTEGRITY_PROOF}")
    method = di.get("verificationMethod")
    if not isinstance(method, str) or not method.startswith("did:key:"):
        raise invalid_proof("the presentation must be signed by a did:key")
    challenge = di.get("challenge")
    if not isinstance(challenge, str) or not challenge or len(challenge) > MAX_NONCE_LENGTH:
        raise invalid_proof("the presentation's proof must carry a c_nonce as its challenge")
    result = verify_document(proof, DidResolver().resolve_key, expected_purpose="authentication",
                             domain=issuer_id, challenge=challenge)
    if not result.verified:
        errors = "; ".join(str(e) for e in result.errors) or "it does not verify"
        raise invalid_proof(f"the presentation's proof: {errors}"[:300])
    key = result.proofs[0].key
    assert key is not None
    try:
        did = check_holder_did(key.controller)
    except HolderKeyError as exc:
        raise invalid_proof(str(exc)) from None
    if proof.get("holder") not in (None, did):
        raise invalid_proof("the presentation's holder is not the key that signed it")
    if not nonces(challenge):
        raise OAuthError("invalid_nonce", "the c_nonce is unknown, used or expired;"
                                          " get a new one from the nonce endpoint")
    return HolderKey(jwk_of_did_key(did), did)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]
