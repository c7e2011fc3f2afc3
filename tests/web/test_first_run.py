"""First run of the service: home page, favicon, offline API docs."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.web.i18n import TEXTS

BROWSER = {"Accept": "text/html,*/*;q=0.8"}


def test_home_page_for_browsers(client: TestClient) -> None:
    response = client.get("/", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert TEXTS["en"]["home.verify"] in html
    assert 'action="/verify"' in html and 'name="url"' in html
    assert 'href="/verify"' in html and 'href="/docs"' in html
    assert 'href="/registry.json"' in html
    assert 'rel="icon"' in html


def test_home_page_in_german(client: TestClient) -> None:
    response = client.get("/", headers={**BROWSER, "Accept-Language": "de"})
    assert response.status_code == 200
    assert response.headers["content-language"] == "de"
    html = response.text
    for key in (k for k in TEXTS["en"] if k.startswith("home.")):
        assert TEXTS["de"][key] != TEXTS["en"][key]
        assert TEXTS["de"][key] in html, key
    assert TEXTS["en"]["home.intro"] not in html


def test_home_for_api_clients(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "mcred" and body["version"]
    assert body["links"] == {"docs": "/docs", "verify": "/verify",
                             "credentialsVerify": "/credentials/verify"}
    assert client.get("/docs").status_code == 200
    assert client.get("/verify", headers=BROWSER).status_code == 200
    assert client.post("/credentials/verify", json={}).status_code != 404


def test_favicon(client: TestClient) -> None:
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/static/favicon.svg"
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


SWAGGER = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "swagger-ui"


def test_vendored_swagger_ui_matches_its_manifest() -> None:
    manifest = json.loads((SWAGGER / "manifest.json").read_text("utf-8"))
    assert manifest["source"].startswith("npm:swagger-ui-dist@")
    assert set(manifest["sha256"]) == {"swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"}
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((SWAGGER / name).read_bytes()).hexdigest() == digest, name


def test_docs_use_only_local_assets(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.text
    assets = re.findall(r'(?:src|href)="([^"]*)"', html) + re.findall(r"url: ?'([^']*)'", html)
    assert "/static/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/static/swagger-ui/swagger-ui.css" in assets
    assert [a for a in assets if re.match(r"(https?:)?//", a)] == []
    policy = response.headers["content-security-policy"]
    assert "http" not in policy and "cdn" not in policy.lower()
    assert "script-src 'self' 'sha256-" in policy
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/static/swagger-ui/{asset}").status_code == 200
    assert client.get("/redoc").status_code == 404
