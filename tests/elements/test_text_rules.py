"""Invisible and bidirectional formatting characters: refused in what mcred is given, removed
from what it shows of other issuers' credentials."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.elements.text import displayable, text_problem
from tests.elements import edubadges_fixtures as edubadges
from tests.samples import award_body

PERSIAN = "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627"  # Mohammad\u200cReza
TRICKS = ["\u202e", "\u200b", "\ufeff", "\u2028", "\u2066", "\u200f"]


@pytest.mark.parametrize("char", TRICKS)
def test_learner_name_with_formatting_tricks_is_refused(client: TestClient, api_key: dict,
                                                        achievement: dict, char: str) -> None:
    body = award_body(achievement["id"])
    body["learner"]["name"] = f"Mari{char}Maasikas"
    response = client.post("/credentials/issue", json=body, headers=api_key)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["element"] == "learner"
    assert f"U+{ord(char):04X}" in error["message"]


def test_zero_width_non_joiner_in_a_persian_name_is_kept(client: TestClient, api_key: dict,
                                                        achievement: dict) -> None:
    body = award_body(achievement["id"])
    body["learner"]["name"] = PERSIAN
    response = client.post("/credentials/issue", json=body, headers=api_key)
    assert response.status_code == 201, response.text
    assert text_problem(PERSIAN) is None


def test_displayable_removes_every_trick_and_keeps_the_letters() -> None:
    assert displayable("Gnirts\u202e\u200bMaasikas\ufeff\u2028") == "GnirtsMaasikas"
    assert displayable("Zoë Ñúñez") == "Zoë Ñúñez"


def test_verify_page_shows_a_foreign_title_without_the_override(client: TestClient) -> None:
    doc = edubadges.microcredential_ho()
    doc["credentialSubject"]["achievement"]["name"] = "Data Ethics \u202efdp.exe"
    response = client.post("/verify", data={"credential": json.dumps(doc)},
                           headers={"Accept": "text/html"})
    assert "\u202e" not in response.text.split("<textarea", 1)[0] + \
        response.text.split("</textarea>", 1)[-1]
    assert "Data Ethics fdp.exe" in response.text
