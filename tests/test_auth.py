"""Admin endpoints need the admin token; failures are 401/403 problem+json."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ISSUER_BODY

ADMIN_CALLS = [("post", "/admin/issuers"), ("get", "/admin/issuers"),
               ("post", "/admin/issuers/uni-tartu/keys/rotate"),
               ("post", "/admin/issuers/uni-tartu/api-keys")]


@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
def test_missing_token_is_401(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json=ISSUER_BODY)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "urn:mcred:problem:unauthenticated"


@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
def test_wrong_token_is_403(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json=ISSUER_BODY,
                              headers={"Authorization": "Bearer not-the-admin-token"})
    assert response.status_code == 403
    assert response.json()["type"] == "urn:mcred:problem:forbidden"


def test_issuer_api_key_cannot_administer(client: TestClient, issuer: dict, admin: dict) -> None:
    token = client.post("/admin/issuers/uni-tartu/api-keys", headers=admin).json()["apiKey"]
    response = client.post("/admin/issuers/uni-tartu/keys/rotate",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    keys = client.get("/issuers/uni-tartu/did.json").json()["verificationMethod"]
    assert len(keys) == 1


def test_basic_auth_scheme_is_401(client: TestClient) -> None:
    response = client.get("/admin/issuers", headers={"Authorization": "Basic YWRtaW46eA=="})
    assert response.status_code == 401
