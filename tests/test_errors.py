"""Bad input answers 4xx problem+json naming the problem, and writes nothing."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.deps import Services
from app.issuers.models import Issuer
from tests.conftest import ISSUER_BODY


def _issuer_count(svc: Services) -> int:
    with svc.db.session() as session:
        return session.scalar(select(func.count(Issuer.id))) or 0


def test_malformed_json_is_400(client: TestClient, admin: dict, svc: Services) -> None:
    response = client.post("/admin/issuers", content=b'{"slug": "x",',
                           headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:mcred:problem:malformed-json"
    assert _issuer_count(svc) == 0


def test_each_offending_field_is_listed(client: TestClient, admin: dict, svc: Services) -> None:
    body = {**ISSUER_BODY, "country": "XX", "email": "not-an-email", "org_type": "bank",
            "url": 42, "colour": "blue"}
    response = client.post("/admin/issuers", json=body, headers=admin)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:mcred:problem:validation-error"
    assert {e["field"] for e in problem["errors"]} == {"country", "email", "org_type", "url",
                                                      "colour"}
    assert next(e for e in problem["errors"] if e["field"] == "colour")["code"] == "extra_forbidden"
    assert _issuer_count(svc) == 0


def test_wrong_type_is_named(client: TestClient, admin: dict) -> None:
    response = client.post("/admin/issuers", json={**ISSUER_BODY, "legal_name": ["a", "b"]},
                           headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["legal_name"]


def test_oversize_body_is_413_by_content_length(client: TestClient, admin: dict,
                                                svc: Services) -> None:
    big = b'{"slug": "' + b"a" * (svc.settings.max_body_bytes + 10) + b'"}'
    response = client.post("/admin/issuers", content=big,
                           headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["type"] == "urn:mcred:problem:payload-too-large"
    assert _issuer_count(svc) == 0


def test_oversize_chunked_body_is_413(client: TestClient, admin: dict, svc: Services) -> None:
    chunk = b" " * 65536

    def body():  # no Content-Length: the limit must count streamed bytes
        for _ in range(svc.settings.max_body_bytes // len(chunk) + 2):
            yield chunk

    response = client.post("/admin/issuers", content=body(),
                           headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert _issuer_count(svc) == 0


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:mcred:problem:not-found"


def test_method_not_allowed_is_problem(client: TestClient) -> None:
    response = client.delete("/health")
    assert response.status_code == 405
    assert response.json()["type"] == "urn:mcred:problem:method-not-allowed"


def test_unexpected_error_hides_the_trace(client: TestClient,
                                          caplog: pytest.LogCaptureFixture) -> None:
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    client.app.include_router(router)  # type: ignore[attr-defined]
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.json()["type"] == "urn:mcred:problem:internal-error"
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert "secret internal detail" in caplog.text  # logged for the operator
