"""First run of the service: home page, favicon, offline API docs."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests import samples
from tests.samples import award_body
from tests.test_cli import run, workdir  # noqa: F401  (fixture)

BROWSER = {"Accept": "text/html,*/*;q=0.8"}


def test_home_page_for_browsers(client: TestClient) -> None:
    response = client.get("/", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "Verify a credential" in html
    assert 'action="/verify"' in html and 'name="url"' in html
    assert 'href="/verify"' in html and 'href="/docs"' in html
    assert 'href="/registry.json"' in html
    assert 'rel="icon"' in html


def test_home_page_in_german(client: TestClient) -> None:
    response = client.get("/", headers={**BROWSER, "Accept-Language": "de"})
    assert response.status_code == 200
    assert response.headers["content-language"] == "de"
    html = response.text
    for german in ("Nachweis prüfen", "Für Entwickler", "API-Dokumentation",
                   "Hochschulen stellen signierte Micro-Credentials für ihre Kurse aus."):
        assert german in html
    for english in ("Verify a credential", "For developers", "Universities issue"):
        assert english not in html


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


def test_init_completes_an_env_holding_only_the_base_url(
        workdir: tuple[Path, dict[str, str]]) -> None:  # noqa: F811
    cwd, env = workdir
    env_file = cwd / ".env"
    first = "MCRED_PUBLIC_BASE_URL=http://127.0.0.1:8123"  # no newline at the end
    env_file.write_text(first, "utf-8")
    result = run(cwd, "init", env=env)
    assert result.returncode == 0, result.stderr
    lines = env_file.read_text("utf-8").splitlines()
    assert lines[0] == first
    names = [line.split("=", 1)[0] for line in lines if "=" in line]
    assert names == ["MCRED_PUBLIC_BASE_URL", "MCRED_KEY_SECRET", "MCRED_ADMIN_TOKEN"]
    assert "did:web:127.0.0.1%3A8123:issuers:demo-university" in result.stdout
    # a re-run keeps every line, secrets included; a secret set elsewhere is not added
    before = env_file.read_text("utf-8")
    assert run(cwd, "init", env=env).returncode == 0
    assert env_file.read_text("utf-8") == before
    other = cwd / "other"
    other.mkdir()
    (other / ".env").write_text(first + "\nMCRED_ADMIN_TOKEN=kept-as-it-is-1234567890abcdef\n")
    assert run(other, "init", "--no-demo", env=env).returncode == 0
    text = (other / ".env").read_text("utf-8")
    assert text.count("MCRED_ADMIN_TOKEN=") == 1 and "kept-as-it-is-1234567890abcdef" in text
    assert text.count("MCRED_KEY_SECRET=") == 1


def test_init_trusts_the_demo_issuer_marked_demo(
        workdir: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    cwd, env = workdir
    first = run(cwd, "init", env=env)
    assert first.returncode == 0, first.stderr
    assert "to the trusted issuer registry (marked demo)" in first.stdout
    second = run(cwd, "init", env=env)  # idempotent: no second entry
    assert second.returncode == 0 and "trusted issuer registry" not in second.stdout
    token = run(cwd, "issuer", "api-key", "demo-university", env=env).stdout.strip()
    monkeypatch.chdir(cwd)  # the service reads .env and ./keys from here, as `mcred serve`
    monkeypatch.setenv("MCRED_DATABASE_URL", env["MCRED_DATABASE_URL"])
    key = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        achievement = client.post("/achievements", json=samples.FULL_SPEC, headers=key)
        assert achievement.status_code == 201, achievement.text
        issued = client.post("/credentials/issue", headers=key,
                             json=award_body(achievement.json()["id"]))
        assert issued.status_code == 201, issued.text
        report = client.post("/credentials/verify",
                             json={"verifiableCredential": issued.json()["credentials"]["ob3"]}
                             ).json()["report"]
    registry = next(c for c in report["checks"] if c["name"] == "registry")
    assert registry["status"] == "passed", registry
    assert report["registry"]["entry"]["legalName"].endswith("(demo)")
    assert report["registry"]["entry"]["source"] == "demo"
