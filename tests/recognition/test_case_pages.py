"""The console's recognition case pages: open a case from pasted, uploaded or linked
credentials, read its recommendation, criteria and outcome coverage, record the decision,
print it; bad input comes back with everything typed; roles and institutions kept apart."""

from __future__ import annotations

import html as markup
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import Services
from app.recognition import cases as case_store
from app.web.baking import badge_png, bake_png
from tests.console.conftest import post_form, sign_in
from tests.recognition.conftest import load
from tests.recognition.test_cases import _issue, _target, gent  # noqa: F401  (fixture)
from tests.recognition.test_pages import error_of

BASE = "/console/uni-tartu/cases"


@pytest.fixture
def hank_ob3(client: TestClient, gent: dict[str, str]) -> dict[str, Any]:  # noqa: F811
    """Hank's micro-credential from Ghent, as issued (its documents and share link)."""
    return _issue(client, gent, load("hank_credential.json"), "Hank")


def textarea(html: str, name: str) -> str:
    """What a textarea of the page holds, as the browser shows it."""
    found = re.search(rf'<textarea id="f-{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, name
    return markup.unescape(found.group(1))


def _typed(target_id: str, **fields: str) -> dict[str, str]:
    return {"targetId": target_id, "purpose": "exemption", "applicant": "", "pasted": "",
            "links": "", **fields}


def _rows(html: str, testid: str) -> list[str]:
    return re.findall(rf'<tr data-testid="{testid}"[^>]*>(.*?)</tr>', html, re.S)


def test_a_pasted_credential_opens_a_case_whose_page_explains_the_recommendation(
        registrar: TestClient, client: TestClient, api_key: dict[str, str],
        hank: dict[str, Any], hank_ob3: dict[str, Any]) -> None:
    target = _target(client, api_key, hank)
    form = registrar.get(f"{BASE}/new?target={target['id']}")
    assert form.status_code == 200
    assert f'<option value="{target["id"]}" selected>BHS-NUT-201' in form.text
    typed = _typed(target["id"], applicant="Hank (file 2026-117)",
                   pasted=json.dumps(hank_ob3["credentials"]["ob3"]))
    opened = post_form(registrar, f"{BASE}/new", BASE, typed)
    assert opened.status_code == 303, opened.text
    case_url = opened.headers["location"]
    html = registrar.get(case_url).text
    # The recommendation in plain words first, then the criteria, outcomes, credentials.
    order = [html.index(f'data-testid="{name}"') for name in
             ("recommendation", "criteria", "coverage", "credential", "rpl", "decision-form")]
    assert order == sorted(order)
    assert 'data-testid="recommended">Recognise in part<' in html
    assert "Substantial differences: recognise what is covered" in html
    criteria = dict(re.findall(r'data-criterion="(\w+)" data-result="([\w-]+)"', html))
    assert criteria["identification"] == "not-met" and criteria["learningOutcomes"] == "partly"
    assert re.search(r'data-result="not-met"><th scope="row">Identification of the learner'
                     r'</th><td><span class="pill failed">Not met</span>', html)
    # the vocabulary keys the reasons name are said in words too
    assert ("Required: Supervised with onsite ID verification. Presented: Supervised with"
            " online ID verification.") in html
    rows = _rows(html, "coverage-row")
    covered = re.findall(r'data-testid="coverage-row" data-covered="(\w+)"', html)
    assert covered == ["yes", "yes", "yes", "yes", "no"] and len(rows) == 5
    assert "shared words" in rows[0] and "macronutrients" in rows[0]
    assert "Critically appraise nutrition claims" in rows[4]
    assert "No outcome of the presented credentials covers it." in rows[4]
    assert "Credential 1: Voeding en gezondheid" in html
    assert 'data-testid="headline">Verified<' in html
    assert "Hank (file 2026-117)" in html
    french = registrar.get(f"{case_url}?lang=fr").text
    assert "Reconnaître en partie" in french and "Les attestations présentées" in french
    # the stored reasons and advice, said again in French
    assert "Différences substantielles : 4 acquis d&#39;apprentissage de la cible couverts sur 5" \
        in french
    assert "acquis d&#39;apprentissage non démontré : Critically appraise" in french
    assert "la cible exige : Surveillée, avec vérification d&#39;identité sur place" in french
    # the decision form preselects the recommendation
    assert re.search(r'value="partial" checked> Recognise in part', html)
    listing = registrar.get(BASE).text
    [row] = _rows(listing, "case-row")
    assert "BHS-NUT-201" in row and "Hank (file 2026-117)" in row and "Not decided yet" in row
    assert "Exemption from a course" in row and "Recognise in part" in row


def test_a_share_link_and_a_baked_badge_open_cases_listed_newest_first(
        registrar: TestClient, client: TestClient, api_key: dict[str, str],
        gent: dict[str, str], betty: dict[str, Any], hank: dict[str, Any],  # noqa: F811
        hank_ob3: dict[str, Any]) -> None:
    programme = _target(client, api_key, betty)
    course = _target(client, api_key, hank)
    betty_issued = _issue(client, gent, load("betty_credential.json"), "Betty")
    by_link = post_form(registrar, f"{BASE}/new", BASE,
                        _typed(programme["id"], purpose="admission",
                               links=betty_issued["shareLink"]["url"] + "\n"))
    assert by_link.status_code == 303, by_link.text
    html = registrar.get(by_link.headers["location"]).text
    assert 'data-decision="recognise"' in html
    assert "Lisbon Recognition Convention" in html
    assert "(entry requirement)" in html and 'data-testid="rpl"' not in html
    baked = bake_png(badge_png("Voeding en gezondheid"),
                     json.dumps(hank_ob3["credentials"]["ob3"]))
    by_file = post_form(registrar, f"{BASE}/new", BASE, _typed(course["id"], purpose="credit"),
                        files=[("files", ("badge.png", baked, "image/png"))])
    assert by_file.status_code == 303, by_file.text
    assert "Voeding en gezondheid" in registrar.get(by_file.headers["location"]).text
    rows = _rows(registrar.get(BASE).text, "case-row")
    assert ["BHS-NUT-201" in rows[0], "MSC-SFS" in rows[1]] == [True, True]
    assert "Credit towards a course" in rows[0] and "Admission to a programme" in rows[1]


def test_no_connection_is_held_while_the_form_s_credentials_are_verified(
        registrar: TestClient, client: TestClient, api_key: dict[str, str], svc: Services,
        hank: dict[str, Any], hank_ob3: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    target = _target(client, api_key, hank)
    held: list[int] = []
    verify = case_store.verify_credential

    def watched(document: Any, context: Any) -> Any:
        held.append(svc.db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return verify(document, context)

    monkeypatch.setattr(case_store, "verify_credential", watched)
    opened = post_form(registrar, f"{BASE}/new", BASE, _typed(
        target["id"], pasted=json.dumps(hank_ob3["credentials"]["ob3"])))
    assert opened.status_code == 303, opened.text
    assert held == [0]


def test_bad_input_comes_back_on_its_field_with_everything_typed(
        registrar: TestClient, client: TestClient, api_key: dict[str, str],
        hank: dict[str, Any]) -> None:
    target = _target(client, api_key, hank)
    typed = _typed(target["id"], purpose="credit", applicant="Hank <file 7>",
                   pasted='{"@context": [oops', links="http://127.0.0.1:9/credential.json")
    bad = post_form(registrar, f"{BASE}/new", BASE, typed)
    assert bad.status_code == 422
    assert error_of(bad.text, "pasted").startswith("This is not JSON")
    assert 'value="Hank &lt;file 7&gt;"' in bad.text
    assert textarea(bad.text, "pasted") == '{"@context": [oops'
    assert textarea(bad.text, "links") == "http://127.0.0.1:9/credential.json"
    assert 'value="credit" checked' in bad.text
    assert f'<option value="{target["id"]}" selected>' in bad.text
    # the paste mended, the link that cannot be read is the links field's error
    link = post_form(registrar, f"{BASE}/new", BASE, {**typed, "pasted": ""})
    assert link.status_code == 422
    assert "could not be read" in error_of(link.text, "links")
    assert 'value="Hank &lt;file 7&gt;"' in link.text
    # no target, no purpose, nothing presented, a file that holds no credential
    empty = post_form(registrar, f"{BASE}/new", BASE, {**_typed(""), "purpose": ""})
    assert empty.status_code == 422
    assert error_of(empty.text, "credentials").startswith("Give at least one credential")
    not_one = post_form(registrar, f"{BASE}/new", BASE, _typed(target["id"]),
                        files=[("files", ("notes.txt", b"hello", "text/plain"))])
    assert "notes.txt: it holds no JSON credential" in error_of(not_one.text, "files")
    nothing_chosen = post_form(registrar, f"{BASE}/new", BASE,
                               {**_typed(""), "purpose": "", "pasted": "{}"})
    assert error_of(nothing_chosen.text, "targetId")
    assert error_of(nothing_chosen.text, "purpose")
    eleven = post_form(registrar, f"{BASE}/new", BASE, _typed(
        target["id"], links="\n".join(f"https://example.org/{n}" for n in range(11))))
    assert "At most 10 credentials" in error_of(eleven.text, "credentials")
    assert client.get("/recognition/cases", headers=api_key).json()["total"] == 0


def test_the_decision_is_recorded_and_printed(
        registrar: TestClient, client: TestClient, api_key: dict[str, str],
        hank: dict[str, Any], hank_ob3: dict[str, Any]) -> None:
    target = _target(client, api_key, hank)
    case = client.post("/recognition/cases", headers=api_key, json={
        "targetId": target["id"], "purpose": "exemption",
        "credentials": [hank_ob3["credentials"]["ob3"]]}).json()
    page_url = f"{BASE}/{case['id']}"
    printed = registrar.get(f"{page_url}/print").text
    assert "University of Tartu" in printed and "Not decided yet." in printed
    assert "<form" not in printed and "console-nav" not in printed
    # departing from the recommendation (partial) without a note is refused, on the note
    departing = {"decision": "recognise", "note": " ", "officer": "J. Tamm"}
    refused = post_form(registrar, page_url, f"{page_url}/decision", departing)
    assert refused.status_code == 422
    assert "the decision departs from the recommendation (Recognise in part)" in \
        error_of(refused.text, "note")
    assert 'value="J. Tamm"' in refused.text and 'value="recognise" checked' in refused.text
    assert client.get(f"/recognition/cases/{case['id']}", headers=api_key).json()[
        "decision"] is None
    note = "Hank's employer certifies the missing outcome."
    decided = post_form(registrar, page_url, f"{page_url}/decision",
                        {**departing, "note": note})
    assert decided.status_code == 303, decided.text
    stored = client.get(f"/recognition/cases/{case['id']}", headers=api_key).json()["decision"]
    assert (stored["decision"], stored["by"], stored["note"]) == ("recognise", "J. Tamm", note)
    html = registrar.get(page_url).text
    assert 'data-testid="recorded"' in html and "Hank&#39;s employer certifies" in html
    assert "Recorded by J. Tamm" in html
    printed = registrar.get(f"{page_url}/print").text
    assert "Not decided yet." not in printed and "Recorded by J. Tamm" in printed
    assert registrar.get(f"{BASE}?undecided=1").text.count('data-testid="case-row"') == 0
    assert registrar.get(BASE).text.count('data-testid="case-row"') == 1


def test_viewers_read_but_do_not_decide_and_other_institutions_see_nothing(
        browser: TestClient, client: TestClient, api_key: dict[str, str],
        gent: dict[str, str], make_staff: Callable[..., None],  # noqa: F811
        hank: dict[str, Any], hank_ob3: dict[str, Any]) -> None:
    target = _target(client, api_key, hank)
    body = {"targetId": target["id"], "purpose": "exemption",
            "credentials": [hank_ob3["credentials"]["ob3"]]}
    case = client.post("/recognition/cases", headers=api_key, json=body).json()
    ghent_target = _target(client, gent, hank)
    ghent_case = client.post("/recognition/cases", headers=gent,
                             json={**body, "targetId": ghent_target["id"]}).json()
    make_staff("viewer@ut.ee", "uni-tartu", "viewer")
    assert sign_in(browser, "viewer@ut.ee").status_code == 303
    page = browser.get(f"{BASE}/{case['id']}")
    assert page.status_code == 200 and 'data-testid="recommendation"' in page.text
    assert 'data-testid="decision-form"' not in page.text
    assert 'data-testid="new-case"' not in browser.get(BASE).text
    assert browser.get(f"{BASE}/new").status_code == 403
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, "the sign-out form carries the token"
    refused = browser.post(f"{BASE}/{case['id']}/decision", follow_redirects=False,
                           data={"csrf": token.group(1), "decision": "partial"})
    assert refused.status_code == 403
    opened = browser.post(BASE, follow_redirects=False, data={
        "csrf": token.group(1), **_typed(target["id"], pasted="{}")})
    assert opened.status_code == 403
    assert client.get("/recognition/cases", headers=api_key).json()["total"] == 1
    # Ghent's case is not there under Tartu, nor are Ghent's pages for Tartu's staff
    assert browser.get(f"{BASE}/{ghent_case['id']}").status_code == 404
    assert browser.get(f"{BASE}/{ghent_case['id']}/print").status_code == 404
    assert browser.get(f"/console/uni-gent/cases/{ghent_case['id']}").status_code == 404
    assert browser.get(f"{BASE}/{'0' * 32}").status_code == 404
