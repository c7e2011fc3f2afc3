"""Plain language on the pages (issue 15): what a reader sees before opening "Technical
details" has no scores as fractions, no "n/a", no rubric name, no DIDs, no ISO dates and no
vocabulary jargon; the traffic light comes with a legend and advice; dates follow the reader."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from app.elements.extract import Found
from app.elements.vocabularies import PARTICIPATION_MODES
from app.web.i18n import translator
from app.web.present import day, rows

HTML = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def visible(html: str) -> str:
    """The page without its folded technical details, form fields and link targets."""
    html = re.sub(r'<details class="card technical".*?</details>', "", html, flags=re.S)
    html = re.sub(r"<textarea.*?</textarea>", "", html, flags=re.S)
    return re.sub(r'(href|src|value)="[^"]*"', "", html)


def _assert_plain(text: str) -> None:
    for jargon in (" / 3", "n/a", "rubric", "did:web", "did:key", "Presential", "T00:00"):
        assert jargon not in text, jargon
    assert not ISO_DATE.search(text), ISO_DATE.search(text)


def test_share_page_speaks_plainly(client: TestClient, shared: dict) -> None:
    html = client.get(shared["path"], headers=HTML).text
    shown = visible(html)
    _assert_plain(shown)
    assert "30 June 2026" in shown  # the date awarded, as the reader writes dates
    assert "Strong" in shown  # a criterion's rating in words, not "3 / 3"
    assert 'data-testid="legend"' in shown and "Lisbon Recognition Convention" in shown
    assert 'data-testid="advice"' in shown
    # the technical details are still there, folded
    assert '<details class="card technical"' in html and 'data-check="proof"' in html


def test_verification_page_names_the_learner_and_speaks_plainly(
        client: TestClient, shared: dict) -> None:
    response = client.post("/verify", data={"credential": json.dumps(shared["credential"])},
                           headers=HTML)
    shown = visible(response.text)
    _assert_plain(shown)
    assert 'data-testid="learner">Mari Maasikas<' in shown
    assert 'data-testid="issuer">University of Tartu (Estonia)<' in shown
    assert "3 ECTS credits (75 hours)" in shown


def test_german_dates_and_ratings(client: TestClient, shared: dict) -> None:
    html = client.get(shared["path"], headers={"Accept": "text/html",
                                               "Accept-Language": "de-DE"}).text
    shown = visible(html)
    assert "30. Juni 2026" in shown and "Stark" in shown and "Was die Farben bedeuten" in shown


def test_on_site_not_presential() -> None:
    onsite = PARTICIPATION_MODES["onsite"].uri
    found = {"participationForm": Found([onsite], "participationForm")}
    assert rows(found, translator("en")) == [("participationForm", "On site", None)]
    assert rows(found, translator("de")) == [("participationForm", "Vor Ort", None)]
    assert rows(found, translator("fr")) == [("participationForm", "Sur place", None)]
    assert rows(found, translator("nl")) == [("participationForm", "Ter plaatse", None)]


def test_dates_follow_the_locale() -> None:
    assert day("2026-06-30", "en_GB") == "30 June 2026"
    assert day("2026-06-30", "en_US") == "June 30, 2026"
    assert day("2021-12-31T23:00:00Z", "de_DE") == "31. Dezember 2021"
    assert day("not a date", "en_GB") == "not a date"
