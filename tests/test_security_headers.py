"""Every response carries the security headers; HTML pages a strict Content-Security-Policy
(scripts only by hash, no inline styles, nothing from other origins); SVGs and JSON a policy
under which nothing at all runs."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
NOTHING_RUNS = "default-src 'none'"


def _csp(response: Any) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_common(response: Any) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert _csp(response)["frame-ancestors"] == ["'none'"]


def _inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def test_credential_page_policy_allows_only_our_script_files(client: TestClient,
                                                             shared: dict) -> None:
    response = client.get(shared["path"], headers=BROWSER)
    assert response.status_code == 200
    _assert_common(response)
    csp = _csp(response)
    assert csp["default-src"] == ["'none'"]
    assert _inline_scripts(response.text) == []  # the copy button's script is a file of ours
    assert '<script src="/static/copy.js" defer></script>' in response.text
    assert csp["script-src"] == ["'self'"]
    script = client.get("/static/copy.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert csp["style-src"] == ["'self'"]
    assert "'self'" in csp["img-src"]  # the QR code
    assert csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'none'"]
    assert all("unsafe" not in value for values in csp.values() for value in values)
    assert " style=" not in response.text  # no inline styles to allow


def test_verify_page_has_the_page_policy(client: TestClient) -> None:
    response = client.get("/verify", headers=BROWSER)
    _assert_common(response)
    assert _csp(response)["default-src"] == ["'none'"]
    assert _inline_scripts(response.text) == []


def test_svg_badge_and_qr_cannot_run_scripts(client: TestClient,
                                             shared: dict) -> None:
    for suffix in ("badge.svg", "qr.svg"):
        response = client.get(f"{shared['path']}/{suffix}")
        assert response.headers["content-type"] == "image/svg+xml"
        _assert_common(response)
        csp = _csp(response)
        assert csp["default-src"] == ["'none'"]
        assert "script-src" not in csp  # falls back to default-src 'none'
        assert "sandbox" in csp  # and no allow-scripts: scripts blocked even if inlined


@pytest.mark.parametrize("path", ["/health", "/issuers/uni-tartu/did.json", "/registry.json",
                                  "/contexts/mcred/v1", "/static/mcred.css"])
def test_api_and_static_responses_carry_the_headers(client: TestClient, issuer: dict,
                                                    path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    _assert_common(response)
    assert NOTHING_RUNS in response.headers["content-security-policy"]


def test_error_responses_carry_the_headers(client: TestClient, admin: dict) -> None:
    router = APIRouter()

    @router.get("/boom-headers")
    def boom() -> None:
        raise RuntimeError("boom")

    client.app.include_router(router)  # type: ignore[attr-defined]
    too_big = b"x" * (client.app.state.services.settings.max_body_bytes + 1)  # type: ignore
    for response in (client.get("/no/such"), client.get("/no/such", headers=BROWSER),
                     client.get("/boom-headers"), client.get("/boom-headers", headers=BROWSER),
                     client.post("/admin/issuers", content=too_big, headers=admin),
                     client.post("/admin/issuers", json={}, headers=admin)):
        assert response.status_code >= 400
        _assert_common(response)


def test_docs_page_allows_only_what_it_loads(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    _assert_common(response)
    csp = _csp(response)
    scripts = _inline_scripts(response.text)
    assert scripts and all(_sha256(s) in csp["script-src"] for s in scripts)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["connect-src"] == ["'self'"]  # it fetches /openapi.json
