"""Issuer and authorization server metadata (OpenID4VCI 1.0 §12.2, RFC 8414).

mcred is its own authorization server (no ``authorization_servers``), with the pre-authorized
code grant only. The issuer metadata is JSON, or, for ``Accept: application/jwt``, the same
claims as a JWT signed by the service's own DID key (§12.2.3: typ
``openidvci-issuer-metadata+jwt``, ``sub`` the issuer identifier, ``kid`` a DID URL that
resolves through ``/.well-known/did.json``)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from sqlalchemy.orm import Session

from app.errors import accept_ranks
from app.issuers import service as issuers
from app.issuers.keys import KeyStore
from app.wallets.oid4vci.configurations import supported
from app.wallets.oid4vci.offers import PRE_AUTHORIZED_GRANT

SIGNED_METADATA_TYP = "openidvci-issuer-metadata+jwt"
JWT_MEDIA_TYPE = "application/jwt"


def endpoints(base_url: str) -> dict[str, str]:
    return {"token_endpoint": f"{base_url}/oid4vci/token",
            "credential_endpoint": f"{base_url}/oid4vci/credential",
            "nonce_endpoint": f"{base_url}/oid4vci/nonce"}


def issuer_metadata(base_url: str) -> dict[str, Any]:
    """The Credential Issuer Metadata; the issuer identifier is the public base URL."""
    urls = endpoints(base_url)
    return {
        "credential_issuer": base_url,
        "credential_endpoint": urls["credential_endpoint"],
        "nonce_endpoint": urls["nonce_endpoint"],
        "display": [{"name": "mcred", "locale": "en",
                     "logo": {"uri": f"{base_url}/static/favicon.svg", "alt_text": "mcred"}}],
        "credential_configurations_supported": supported(base_url),
    }


def authorization_server_metadata(base_url: str) -> dict[str, Any]:
    """RFC 8414 metadata of the one grant we serve, open to wallets without client
    registration (``pre-authorized_grant_anonymous_access_supported``)."""
    return {
        "issuer": base_url,
        "token_endpoint": endpoints(base_url)["token_endpoint"],
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def _b64url_json(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signed_issuer_metadata(session: Session, keystore: KeyStore, base_url: str) -> str:
    """The issuer metadata as a compact JWS (EdDSA) by the service's DID key."""
    key = issuers.ensure_service_key(session, keystore)
    did = issuers.service_did(base_url)
    header = {"alg": "EdDSA", "typ": SIGNED_METADATA_TYP, "kid": f"{did}#{key.fragment}"}
    payload = {**issuer_metadata(base_url), "sub": base_url, "iss": did, "iat": int(time.time())}
    signing_input = f"{_b64url_json(header)}.{_b64url_json(payload)}"
    signature = keystore.signing_key(key.key_file).sign(signing_input.encode("ascii")).signature
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode('ascii')}"


def _jwt_or_json(media: str) -> str | None:
    if media == JWT_MEDIA_TYPE:
        return "jwt"
    return "json" if media in ("application/json", "*/*", "application/*") else None


def wants_jwt(accept: str | None) -> bool:
    """Whether the Accept header ranks application/jwt above JSON (first listed on a tie)."""
    best = accept_ranks(accept, _jwt_or_json)
    jwt = best.get("jwt")
    return jwt is not None and jwt[0] > 0 and jwt > best.get("json", (0.0, 0))
