"""A minimal wallet side for the TestClient tests: keys, jwt key proofs, the flow's requests.

(The independent wallet is tests/interop/oid4vci_wallet.mjs, OpenWallet Foundation's
@openid4vc libraries; this one exists to send the broken requests a library will not build.)"""

from __future__ import annotations

import json
import time
import warnings
from typing import Any

from fastapi.testclient import TestClient
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey

from app.wallets.holder import did_from_jwk
from app.wallets.oid4vci.offers import PRE_AUTHORIZED_GRANT
from tests.conftest import BASE_URL

Key = OKPKey | ECKey


def new_key(curve: str = "Ed25519") -> Key:
    return OKPKey.generate_key("Ed25519") if curve == "Ed25519" else ECKey.generate_key("P-256")


def public_jwk(key: Key) -> dict[str, Any]:
    return {k: v for k, v in key.as_dict(private=False).items() if k in ("kty", "crv", "x", "y")}


def did_of(key: Key) -> str:
    return did_from_jwk(public_jwk(key))


def proof_jwt(key: Key, nonce: str, *, aud: str = BASE_URL, iat: float | None = None,
              header: dict[str, Any] | None = None, kid: bool = False) -> str:
    alg = "EdDSA" if isinstance(key, OKPKey) else "ES256"
    protected: dict[str, Any] = {"alg": alg, "typ": "openid4vci-proof+jwt"}
    if kid:
        did = did_of(key)
        protected["kid"] = f"{did}#{did.removeprefix('did:key:')}"
    else:
        protected["jwk"] = public_jwk(key)
    protected.update(header or {})
    claims = {"aud": aud, "iat": int(iat if iat is not None else time.time()), "nonce": nonce}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jws.serialize_compact(protected, json.dumps(claims).encode(), key,
                                     algorithms=[alg])


def offer(client: TestClient, api_key: dict[str, str], award_id: str) -> dict[str, Any]:
    response = client.post(f"/awards/{award_id}/offer", headers=api_key)
    assert response.status_code == 201, response.text
    return response.json()


def offer_document(client: TestClient, created: dict[str, Any]) -> dict[str, Any]:
    response = client.get(created["credentialOfferUri"].removeprefix(BASE_URL))
    assert response.status_code == 200, response.text
    return response.json()


def code_of(client: TestClient, created: dict[str, Any]) -> str:
    grant = offer_document(client, created)["grants"][PRE_AUTHORIZED_GRANT]
    return str(grant["pre-authorized_code"])


def token_request(client: TestClient, code: str, tx_code: str | None, **extra: str) -> Any:
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, **extra}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return client.post("/oid4vci/token", data=form)


def access_token(client: TestClient, created: dict[str, Any]) -> str:
    response = token_request(client, code_of(client, created), created["txCode"])
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def nonce(client: TestClient) -> str:
    response = client.post("/oid4vci/nonce")
    assert response.status_code == 200, response.text
    return str(response.json()["c_nonce"])


def credential_request(client: TestClient, token: str, proofs: dict[str, Any],
                       config_id: str = "micro_credential_ldp_vc", **extra: Any) -> Any:
    return client.post("/oid4vci/credential", headers={"Authorization": f"Bearer {token}"},
                       json={"credential_configuration_id": config_id, "proofs": proofs, **extra})
