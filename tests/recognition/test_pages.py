"""The console's recognition target pages: create and edit through the form (stored as the
API stores them), field errors re-shown, retire, and who may do what."""

from __future__ import annotations

import html as markup
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from app.console.target_form import typed_from_target
from tests.console.conftest import post_form, sign_in

BASE = "/console/uni-tartu/targets"


def error_of(html: str, name: str) -> str | None:
    found = re.search(rf'data-testid="error-{re.escape(name)}">([^<]*)<', html)
    return markup.unescape(found.group(1)) if found else None


def api_targets(client: TestClient, key: dict[str, str]) -> list[dict[str, Any]]:
    return client.get("/recognition/targets", headers=key).json()["targets"]


def stored_as(outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outcomes as the API stores them: the target's language filled in, URIs listed."""
    return [{"uris": [], "language": "en", **o} for o in outcomes]


def test_create_through_the_form_stores_what_the_api_would(
        registrar: TestClient, client: TestClient, api_key: dict[str, str],
        betty: dict[str, Any]) -> None:
    assert registrar.get(BASE).status_code == 200
    form = registrar.get(f"{BASE}/new")
    assert form.status_code == 200 and 'data-testid="target-form"' in form.text
    response = post_form(registrar, f"{BASE}/new", BASE, typed_from_target(betty))
    assert response.status_code == 303, response.text
    [stored] = [t for t in api_targets(client, api_key) if t["code"] == "MSC-SFS"]
    expected = {**betty, "learningOutcomes": stored_as(betty["learningOutcomes"]),
                "entry": {**betty["entry"],
                          "learningOutcomes": stored_as(betty["entry"]["learningOutcomes"])}}
    assert client.post("/recognition/targets", json={**betty, "code": "API-SFS"},
                       headers=api_key).json()["entry"] == expected["entry"]
    assert {k: stored[k] for k in expected} == expected
    listing = registrar.get(BASE).text
    assert "Master in Sustainable Food Systems" in listing and "MSC-SFS" in listing


def test_edit_round_trips_and_makes_a_new_version(
        registrar: TestClient, client: TestClient, api_key: dict[str, str],
        hank: dict[str, Any]) -> None:
    hank["learningOutcomes"][0]["uris"] = ["http://data.europa.eu/esco/skill/example"]
    target = client.post("/recognition/targets", json=hank, headers=api_key).json()
    edit_url = f"{BASE}/{target['id']}/edit"
    page = registrar.get(edit_url)
    assert page.status_code == 200
    assert "| http://data.europa.eu/esco/skill/example" in page.text
    typed = {**typed_from_target(hank), "ects": "7,5", "requiredAssessment": ["exam", "project"]}
    response = post_form(registrar, edit_url, edit_url, typed)
    assert response.status_code == 303, response.text
    got = client.get(f"/recognition/targets/{target['id']}", headers=api_key).json()
    assert got["version"] == 2 and got["ects"] == 7.5
    assert got["requiredAssessment"] == ["exam", "project"]
    assert got["learningOutcomes"] == target["learningOutcomes"]


def test_field_errors_are_shown_on_their_fields(registrar: TestClient, client: TestClient,
                                               api_key: dict[str, str],
                                               hank: dict[str, Any]) -> None:
    typed = {**typed_from_target(hank), "ects": "lots", "language": "xx", "eqfLevel": "",
             "qfEheaCycle": "", "learningOutcomes": ""}
    response = post_form(registrar, f"{BASE}/new", BASE, typed)
    assert response.status_code == 422
    html = response.text
    assert 'data-testid="form-errors"' in html
    for name in ("ects", "language", "learningOutcomes"):
        assert error_of(html, name), name
    no_level = {**typed_from_target(hank), "eqfLevel": "", "qfEheaCycle": ""}
    level = post_form(registrar, f"{BASE}/new", BASE, no_level)
    assert error_of(level.text, "eqfLevel") == "level: give eqfLevel (1-8) and/or qfEheaCycle"
    # the entry requirement's fields carry their own errors (outcomes are needed once begun)
    entry = post_form(registrar, f"{BASE}/new", BASE,
                      {**typed_from_target(hank), "entryEcts": "many", "entryEqfLevel": "6"})
    assert entry.status_code == 422
    assert error_of(entry.text, "entryEcts") and error_of(entry.text, "entryLearningOutcomes")
    assert 'value="many"' in entry.text
    assert 'value="BHS-NUT-201"' in html  # what was typed is re-shown
    assert api_targets(client, api_key) == []
    # a code already in use is the code field's error
    client.post("/recognition/targets", json=hank, headers=api_key)
    again = post_form(registrar, f"{BASE}/new", BASE, typed_from_target(hank))
    assert again.status_code == 422
    assert error_of(again.text, "code") == "code 'BHS-NUT-201' is already in use"


def test_retire_from_the_edit_page(registrar: TestClient, client: TestClient,
                                   api_key: dict[str, str], hank: dict[str, Any]) -> None:
    target = client.post("/recognition/targets", json=hank, headers=api_key).json()
    edit_url = f"{BASE}/{target['id']}/edit"
    response = post_form(registrar, edit_url, f"{BASE}/{target['id']}/retire", {})
    assert response.status_code == 303
    assert client.get(f"/recognition/targets/{target['id']}",
                      headers=api_key).json()["status"] == "retired"
    assert 'data-testid="retired-note"' in registrar.get(edit_url).text
    assert 'data-status="retired"' in registrar.get(f"{BASE}?status=retired").text


def test_roles_and_csrf(browser: TestClient, client: TestClient, api_key: dict[str, str],
                        make_staff: Callable[..., None], hank: dict[str, Any]) -> None:
    target = client.post("/recognition/targets", json=hank, headers=api_key).json()
    make_staff("viewer@ut.ee", "uni-tartu", "viewer")
    assert sign_in(browser, "viewer@ut.ee").status_code == 303
    listing = browser.get(BASE)
    assert listing.status_code == 200 and "BHS-NUT-201" in listing.text
    assert 'data-testid="new-target"' not in listing.text
    assert browser.get(f"{BASE}/new").status_code == 403
    assert browser.get(f"{BASE}/{target['id']}/edit").status_code == 403
    # not a member of another issuer: its pages are not there
    assert browser.get("/console/uni-gent/targets").status_code == 404
    # a form without the session's token is refused
    make_staff("staff@ut.ee", "uni-tartu", "staff")
    assert sign_in(browser, "staff@ut.ee").status_code == 303
    refused = browser.post(f"{BASE}/{target['id']}/retire", data={"csrf": "forged"},
                           follow_redirects=False)
    assert refused.status_code == 403
    assert client.get(f"/recognition/targets/{target['id']}",
                      headers=api_key).json()["status"] == "active"
