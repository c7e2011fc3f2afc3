"""Errors are content-negotiated everywhere: problem+json for API clients, the site's error page
for browsers; the same problem ``type`` either way."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from app.errors import prefers_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
API_ACCEPTS = ["application/json", "application/problem+json", "*/*", "",
               "application/json, text/html", "text/html;q=0, application/json"]


@pytest.mark.parametrize("accept", API_ACCEPTS)
def test_verify_form_bad_input_is_problem_json_for_api_clients(client: TestClient,
                                                               accept: str) -> None:
    response = client.post("/verify", data={"credential": "{not json"},
                           headers={"Accept": accept})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:mcred:problem:bad-request"
    assert problem["status"] == 400 and problem["instance"] == "/verify"
    assert "Expecting property name" in problem["detail"]


def test_verify_form_empty_is_problem_json(client: TestClient) -> None:
    response = client.post("/verify", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["detail"] == "paste a credential or choose a file"


def test_verify_form_bad_input_is_the_page_for_browsers(client: TestClient) -> None:
    response = client.post("/verify", data={"credential": "{not json"},
                           headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in response.text and 'name="credential"' in response.text


def test_unknown_route_is_the_error_page_for_browsers(client: TestClient) -> None:
    page = client.get("/no/such/page", headers={"Accept": BROWSER,
                                                "Accept-Language": "de"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-language"] == "de"
    assert "accept" in page.headers["vary"].lower()
    html = page.text
    assert '<html lang="de">' in html and "/static/mcred.css" in html
    assert 'data-problem="urn:mcred:problem:not-found"' in html
    assert "<h1 id=\"error-h\">Nicht gefunden</h1>" in html  # the title in the language
    api = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["type"] == "urn:mcred:problem:not-found"


def test_validation_error_page_names_the_field(client: TestClient) -> None:
    page = client.get("/verify", params={"url": "https://x.example/" + "a" * 3000},
                      headers={"Accept": BROWSER})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-problem="urn:mcred:problem:validation-error"' in page.text
    assert "query.url" in page.text


def test_error_page_escapes_what_the_client_sent(client: TestClient) -> None:
    page = client.post("/admin/issuers", json={"<script>x</script>": 1},
                       headers={"Accept": BROWSER, "Authorization": "Bearer x"})
    assert "<script>x" not in page.text


def test_oversize_body_is_the_error_page_for_browsers(client: TestClient) -> None:
    big = b"x" * (client.app.state.services.settings.max_body_bytes + 1)  # type: ignore[attr-defined]
    page = client.post("/verify", files={"file": ("badge.png", big, "image/png")},
                       headers={"Accept": BROWSER})
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-problem="urn:mcred:problem:payload-too-large"' in page.text
    api = client.post("/verify", files={"file": ("badge.png", big, "image/png")},
                      headers={"Accept": "application/json"})
    assert api.status_code == 413
    assert api.json()["type"] == "urn:mcred:problem:payload-too-large"


def test_unexpected_error_is_the_error_page_for_browsers(client: TestClient) -> None:
    router = APIRouter()

    @router.get("/boom-page")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    client.app.include_router(router)  # type: ignore[attr-defined]
    page = client.get("/boom-page", headers={"Accept": BROWSER})
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-problem="urn:mcred:problem:internal-error"' in page.text
    assert "secret internal detail" not in page.text and "Traceback" not in page.text


@pytest.mark.parametrize(("accept", "html"), [
    (BROWSER, True), ("text/html", True), ("text/html, application/json", True),
    ("application/json", False), ("application/problem+json", False), ("*/*", False),
    ("", False), ("application/json, text/html", False), ("text/html;q=0, */*", False),
    ("application/json;q=0.5, text/html", True), ("application/ld+json", False),
])
def test_who_gets_html(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html
