"""The console's OpenID Connect client: discovery, the Authorization Code flow with PKCE, the
code exchange and the ID token checks. No database here: every function is outbound HTTP
(through app.outbound's guarded client) or pure computation, so callers can fetch first and
open the database afterwards.

Why Authlib for the protocol pieces (PKCE challenge, client authentication, the ID token's
claim rules in authlib.oidc.core): it is a well-kept implementation that follows the
specifications closely (RFC 7636, RFC 6749 §2.3, OpenID Connect Core §3.1.3.7), and ID
token validation is where hand-written code goes wrong (algorithm confusion, "none",
audience lists, nonce replay). The JWS signature and JWK set go through joserfc, the JOSE
library Authlib itself now uses for this (its own OpenID client decodes ID tokens with it;
authlib.jose is deprecated in its favour). We only choose the inputs: which keys, which
algorithms, which issuer, audience and nonce.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from app import outbound
from app.messages import Message, msg

# Asymmetric signatures only: the OP's keys from its JWKS. HS256 (keyed with our client secret)
# and "none" are refused, so a token is never checked against something we hold ourselves.
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                       "ES256", "ES384", "ES512", "EdDSA", "Ed25519")
SCOPE = "openid email profile"
LEEWAY_SECONDS = 60  # clock skew between us and the OP


class SsoError(Exception):
    """A sign-in or discovery that cannot go on; ``message`` says why, in words for people.
    ``detail`` is technical context for the log (never a secret)."""

    def __init__(self, message: Message, detail: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Provider:
    """What discovery told us about an OpenID Provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    auth_methods: tuple[str, ...]

    def token_auth_method(self) -> str:
        """client_secret_basic when offered (the default when nothing is said, RFC 8414),
        else client_secret_post."""
        if not self.auth_methods or "client_secret_basic" in self.auth_methods:
            return "client_secret_basic"
        if "client_secret_post" in self.auth_methods:
            return "client_secret_post"
        raise SsoError(msg("The identity provider offers no client authentication mcred"
                           " supports (client_secret_basic or client_secret_post)."))


@dataclass(frozen=True)
class Pending:
    """One sign-in in progress, kept by the browser (sealed) between start and callback."""

    slug: str
    state: str
    nonce: str
    verifier: str
    next: str
    expires: int  # Unix time


def _json(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise SsoError(msg("The identity provider's %(what)s is not JSON.", what=what)) from None
    if not isinstance(data, dict):
        raise SsoError(msg("The identity provider's %(what)s is not a JSON object.", what=what))
    return data


def _get(url: str, policy: outbound.OutboundPolicy, what: str) -> dict[str, Any]:
    try:
        body, _type = outbound.fetch(url, policy)
    except outbound.OutboundError as exc:
        raise SsoError(msg("Could not fetch the identity provider's %(what)s.", what=what),
                       str(exc)) from None
    return _json(body, what)


def discovery_url(issuer: str) -> str:
    """OpenID Connect Discovery §4: the issuer with /.well-known/openid-configuration."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def discover(issuer: str, policy: outbound.OutboundPolicy) -> Provider:
    """Fetch and check the provider's discovery document (its ``issuer`` must be exactly the
    one configured, §4.3, or tokens could be accepted from another issuer)."""
    doc = _get(discovery_url(issuer), policy, "discovery document")
    if doc.get("issuer") != issuer:
        raise SsoError(msg("The discovery document names another issuer (%(found)s); use"
                           " exactly that address.", found=str(doc.get("issuer"))[:200]))
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = doc.get(name)
        if not isinstance(value, str) or urlsplit(value).scheme != "https":
            raise SsoError(msg("The discovery document has no https %(name)s.", name=name))
        endpoints[name] = value
    methods = doc.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise SsoError(msg("The identity provider does not support PKCE with S256."))
    auth = doc.get("token_endpoint_auth_methods_supported")
    provider = Provider(issuer=issuer, auth_methods=tuple(str(m) for m in auth)
                        if isinstance(auth, list) else (), **endpoints)
    provider.token_auth_method()  # refuses a provider we could not authenticate to
    return provider


def begin(provider: Provider, client_id: str, redirect_uri: str, *, slug: str, next_: str,
          now: int, lifetime: int = 600) -> tuple[str, Pending]:
    """The authorization request URL (code flow, PKCE S256, state, nonce) and what the
    callback must find again."""
    pending = Pending(slug=slug, state=generate_token(32), nonce=generate_token(32),
                      verifier=generate_token(64), next=next_, expires=now + lifetime)
    query = urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "scope": SCOPE, "state": pending.state, "nonce": pending.nonce,
        "code_challenge": create_s256_code_challenge(pending.verifier),
        "code_challenge_method": "S256"})
    separator = "&" if urlsplit(provider.authorization_endpoint).query else "?"
    return provider.authorization_endpoint + separator + query, pending


def exchange_code(provider: Provider, client_id: str, client_secret: str, code: str,
                  redirect_uri: str, verifier: str,
                  policy: outbound.OutboundPolicy) -> dict[str, Any]:
    """The token response for ``code`` (RFC 6749 §4.1.3 with the PKCE verifier)."""
    body = urlencode({"grant_type": "authorization_code", "code": code,
                      "redirect_uri": redirect_uri, "code_verifier": verifier})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    _uri, headers, body = ClientAuth(client_id, client_secret, provider.token_auth_method()) \
        .prepare("POST", provider.token_endpoint, headers, body)
    try:
        status, answer, _type = outbound.post_form(
            provider.token_endpoint, dict(_pairs(body)), policy, headers=headers)
    except outbound.OutboundError as exc:
        raise SsoError(msg("Could not reach the identity provider's token endpoint."),
                       str(exc)) from None
    tokens = _json(answer, "token response")
    if status != 200:
        raise SsoError(msg("The identity provider refused the sign-in code."),
                       f"HTTP {status}: {str(tokens.get('error'))[:100]}")
    if not isinstance(tokens.get("id_token"), str):
        raise SsoError(msg("The identity provider sent no ID token."))
    return tokens


def _pairs(body: str) -> list[tuple[str, str]]:
    return parse_qsl(body, keep_blank_values=True)


def fetch_keys(provider: Provider, policy: outbound.OutboundPolicy) -> dict[str, Any]:
    return _get(provider.jwks_uri, policy, "key set")


def validate_id_token(id_token: str, keys: dict[str, Any], *, issuer: str, client_id: str,
                      nonce: str, access_token: str | None = None,
                      now: int | None = None) -> dict[str, Any]:
    """The ID token's claims once its signature (against the OP's key set), ``iss``, ``aud``,
    ``azp``, ``exp``, ``iat``, ``nonce`` and ``at_hash`` hold (OIDC Core §3.1.3.7)."""
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys), registry=JWSRegistry(
            algorithms=list(ID_TOKEN_ALGORITHMS), strict_check_header=False))
        claims = CodeIDToken(token.claims, token.header,
                             {"iss": {"essential": True, "value": issuer},
                              "aud": {"essential": True, "value": client_id},
                              "exp": {"essential": True}},
                             {"nonce": nonce, "client_id": client_id,
                              "access_token": access_token})
        claims.validate(now=now, leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SsoError(msg("The identity provider's answer could not be verified."),
                       f"ID token refused: {type(exc).__name__}: {str(exc)[:200]}") from None
    return dict(claims)
