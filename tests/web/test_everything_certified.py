"""Everything the credential certifies is on its page (issue 15): what it is about, the
criteria, how it was assessed, the language, ESCO skills, the QA description, the end of
validity; addresses become links only when they are http(s)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from app.web.render import linked
from tests.samples import award_body
from tests.verify.test_pipeline import UT, trust

HTML = {"Accept": "text/html", "Accept-Language": "en-GB"}


def _row(html: str, element: str) -> str:
    match = re.search(rf'<tr data-element="{element}">(.*?)</tr>', html, flags=re.S)
    assert match, element
    return match.group(1)


def test_share_page_shows_everything_certified(client: TestClient, api_key: dict,
                                               achievement: dict, admin: dict,
                                               issuer: dict) -> None:
    trust(client, admin, UT, "University of Tartu", "EE")
    issued = client.post("/credentials/issue", headers=api_key,
                         json=award_body(achievement["id"], validUntil="2030-06-30")).json()
    html = client.get(urlsplit(issued["shareLink"]["url"]).path, headers=HTML).text
    assert "Learners analyse public-sector datasets" in _row(html, "description")
    assert "Pass the final project with at least grade E." in _row(html, "criteria")
    assert "Final data analysis report and two online quizzes" in \
        _row(html, "assessmentDescription")
    assert "English" in _row(html, "language")
    esco = "http://data.europa.eu/esco/skill/4dcb6d5f-4b3b-4a5e-9b64-4a7b4b1e2f11"
    assert f'<a href="{esco}" rel="nofollow noopener">' in _row(html, "learningOutcomeAlignments")
    assert "Institutional accreditation, valid until 2029" in _row(html, "qualityAssurance")
    assert "30 June 2030" in _row(html, "validUntil")
    assert '<a href="https://ut.ee/micro/data-literacy"' in _row(html, "furtherInformation")
    # what it is about comes first
    assert html.index('data-element="description"') < html.index('data-element="workload"')


def test_german_language_name(client: TestClient, api_key: dict, achievement: dict,
                              admin: dict, issuer: dict) -> None:
    issued = client.post("/credentials/issue", headers=api_key,
                         json=award_body(achievement["id"])).json()
    html = client.get(urlsplit(issued["shareLink"]["url"]).path,
                      headers={"Accept": "text/html", "Accept-Language": "de"}).text
    assert "Englisch" in _row(html, "language") and "Worum es geht" in html


def test_only_web_addresses_become_links() -> None:
    assert str(linked("see https://ut.ee/x.")) == \
        'see <a href="https://ut.ee/x" rel="nofollow noopener">https://ut.ee/x</a>.'
    for text in ("javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://ut.ee/x",
                 "mailto:a@ut.ee"):
        assert "<a " not in str(linked(text)), text
    assert str(linked("<b>https://x.y/</b>")).startswith("&lt;b&gt;")
    assert '"onmouseover' not in str(linked('https://x.y/"onmouseover=1 z'))


def test_field_of_study_in_both_renderings(client: TestClient, api_key: dict,
                                           achievement: dict, admin: dict,
                                           issuer: dict) -> None:
    """ISCED-F is read by meaning: the OB 3.0 alignment's code and the ELM thematic area
    concept give the same row (the share page shows OBv3; the ELM download, verified by its
    address, shows the ELM rendering)."""
    trust(client, admin, UT, "University of Tartu", "EE")
    issued = client.post("/credentials/issue", headers=api_key,
                         json=award_body(achievement["id"])).json()
    link = issued["shareLink"]["url"]
    pages = {"ob3": client.get(urlsplit(link).path, headers=HTML),
             "elm": client.get("/verify", params={"url": f"{link}/elm.json"}, headers=HTML)}
    assert "Data Literacy" in pages["elm"].text and pages["elm"].status_code == 200
    for rendering, page in pages.items():
        html = page.text
        row = _row(html, "fieldOfStudy")
        assert "Field of study" in row and "0688 " in row and "(ISCED-F 2013)" in row, rendering
