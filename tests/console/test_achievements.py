"""The console's micro-credential pages: defining one through the form (and every kind of
error), versions made by edits, retiring, who may do what, the live completeness check, the
badge image and the preview page."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from app.console.achievement_form import typed_from_spec
from app.deps import Services
from tests.conftest import ISSUER_BODY
from tests.console.conftest import csrf_on, open_browser, post_form, sign_in
from tests.samples import FULL_SPEC, award_body

BASE = "/console/uni-tartu/achievements"


def full_form(**changes: Any) -> dict[str, Any]:
    """The README's full definition as the form posts it."""
    return {**typed_from_spec(FULL_SPEC), **changes}


def create(client: TestClient, **changes: Any) -> Any:
    return post_form(client, f"{BASE}/new", BASE, full_form(**changes))


def created_id(response: Any) -> str:
    assert response.status_code == 303, response.text
    found = re.fullmatch(rf"{BASE}/([0-9a-f]{{32}})", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def value_of(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert found, f"no field {name}"
    return found.group(1)


def error_of(html: str, name: str) -> str | None:
    found = re.search(rf'data-testid="error-{re.escape(name)}">([^<]*)<', html)
    return found.group(1) if found else None


def test_create_through_the_form_stores_the_definition_as_the_api_would(
        registrar: TestClient, client: TestClient) -> None:
    new_id = created_id(create(registrar))
    api = client.get(f"/achievements/{new_id}").json()
    # Every element, the ESCO alignment and the QA row included:
    assert api["spec"] == {**FULL_SPEC, "components": []}
    assert (api["version"], api["status"], api["currentVersion"]) == (1, "active", new_id)
    detail = registrar.get(f"{BASE}/{new_id}")
    assert detail.status_code == 200
    assert "Data Literacy for Public Administration" in detail.text
    assert 'data-state="active"' in detail.text and 'data-testid="edit-link"' in detail.text


def test_form_pickers_come_from_the_vocabularies(registrar: TestClient) -> None:
    html = registrar.get(f"{BASE}/new").text
    assert '<option value="0688">' in html  # ISCED-F
    assert '<option value="supervised-online-id">' in html
    assert '<option value="external-programme">' in html
    assert 'value="work-based"' in html and 'value="8">' in html


def test_missing_elements_are_named_on_their_fields_and_typed_values_stay(
        registrar: TestClient) -> None:
    response = create(registrar, ects="", participation=[], title="Data Ethics <b>now</b>")
    assert response.status_code == 422
    html = response.text
    assert error_of(html, "ects") == "Field required"
    assert error_of(html, "participation")
    assert value_of(html, "title") == "Data Ethics &lt;b&gt;now&lt;/b&gt;"
    assert value_of(html, "qa-0-agency") == "EKKA"
    assert 'data-element="workload" data-status="missing"' in html
    no_level = create(registrar, eqfLevel="", qfEheaCycle="")
    assert no_level.status_code == 422
    assert error_of(no_level.text, "eqfLevel") == "level: give eqfLevel (1-8) and/or qfEheaCycle"
    assert 'data-element="level" data-status="missing"' in no_level.text


def test_malformed_values_are_refused_with_one_message_per_field(registrar: TestClient) -> None:
    response = create(registrar, ects="lots", country="XX", **{
        "qa-0-deqarReport": "not a url", "learningOutcomes": "ok"})
    assert response.status_code == 422
    html = response.text
    assert "valid number" in error_of(html, "ects")
    assert "ISO 3166-1" in error_of(html, "country")
    assert "URL" in error_of(html, "qa-0-deqarReport")
    assert "at least 3 characters" in error_of(html, "learningOutcomes")
    assert value_of(html, "ects") == "lots" and value_of(html, "country") == "XX"
    assert html.count('data-testid="error-ects"') == 1


def test_unknown_vocabulary_keys_and_components_never_500(registrar: TestClient) -> None:
    response = create(registrar, assessmentType="guesswork", fieldOfStudy="12345",
                      participation=["online", "telepathy"])
    assert response.status_code == 422
    assert error_of(response.text, "assessmentType") and error_of(response.text, "fieldOfStudy")
    assert error_of(response.text, "participation")
    response = create(registrar, components="0123456789abcdef0123456789abcdef")
    assert response.status_code == 422
    assert "does not exist" in error_of(response.text, "components")


def test_an_edit_makes_version_2_and_earlier_credentials_keep_version_1(
        registrar: TestClient, client: TestClient, api_key: dict[str, str]) -> None:
    v1 = created_id(create(registrar))
    issued = client.post("/credentials/issue", json=award_body(v1), headers=api_key)
    assert issued.status_code == 201
    before = issued.json()["verifiableCredential"]
    edit = registrar.get(f"{BASE}/{v1}/edit")
    assert value_of(edit.text, "title") == FULL_SPEC["title"]
    response = post_form(registrar, f"{BASE}/{v1}/edit", f"{BASE}/{v1}/edit",
                         full_form(title="Data Literacy II", ects="4"))
    v2 = created_id(response)
    assert v2 != v1
    new, old = client.get(f"/achievements/{v2}").json(), client.get(f"/achievements/{v1}").json()
    assert (new["version"], new["supersedes"], new["spec"]["ects"]) == (2, v1, 4)
    assert (old["status"], old["supersededBy"], old["currentVersion"]) == ("superseded", v2, v2)
    stored = client.get(f"/credentials/{before['id']}").json()
    assert stored == before
    assert stored["credentialSubject"]["achievement"]["id"].endswith(f"/achievements/{v1}")
    page = registrar.get(f"{BASE}/{v2}").text
    assert 'data-version="1"' in page and 'data-version="2"' in page
    assert registrar.get(f"{BASE}/{v1}").text.count('data-testid="superseded-note"') == 1


def test_a_superseded_version_is_refused_at_issue_naming_the_current_one(
        registrar: TestClient, client: TestClient, api_key: dict[str, str]) -> None:
    v1 = created_id(create(registrar))
    v2 = created_id(post_form(registrar, f"{BASE}/{v1}/edit", f"{BASE}/{v1}/edit",
                              full_form(title="Data Literacy II")))
    refused = client.post("/credentials/issue", json=award_body(v1), headers=api_key)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "urn:mcred:problem:achievement-superseded"
    assert problem["current"] == v2 and v2 in problem["detail"]
    assert client.post("/credentials/issue", json=award_body(v2),
                       headers=api_key).status_code == 201
    again = post_form(registrar, f"{BASE}/{v2}", f"{BASE}/{v1}/edit", full_form())
    assert again.status_code == 409  # an old version is not edited into a branch


def test_retired_refuses_issuing_by_api_and_is_listed_as_retired(
        registrar: TestClient, client: TestClient, api_key: dict[str, str]) -> None:
    aid = created_id(create(registrar))
    ask = registrar.get(f"{BASE}/{aid}/retire")
    assert 'data-testid="confirm"' in ask.text
    unconfirmed = post_form(registrar, f"{BASE}/{aid}/retire", f"{BASE}/{aid}/retire", {})
    assert unconfirmed.status_code == 303
    assert client.get(f"/achievements/{aid}").json()["status"] == "active"
    done = post_form(registrar, f"{BASE}/{aid}/retire", f"{BASE}/{aid}/retire",
                     {"confirm": "yes"})
    assert done.status_code == 303
    assert client.get(f"/achievements/{aid}").json()["status"] == "retired"
    refused = client.post("/credentials/issue", json=award_body(aid), headers=api_key)
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:mcred:problem:achievement-retired"
    listed = registrar.get(f"{BASE}?status=retired").text
    assert f'data-id="{aid}" data-status="retired"' in listed
    assert aid not in registrar.get(f"{BASE}?status=active").text
    assert 'data-testid="edit-link"' not in registrar.get(f"{BASE}/{aid}").text


def test_list_searches_titles_newest_first_with_pages(registrar: TestClient) -> None:
    ids = [created_id(create(registrar, title=f"Course {n:02d} 100%")) for n in range(3)]
    created_id(create(registrar, title="Something else"))
    html = registrar.get(f"{BASE}?q=course").text
    assert [m for m in re.findall(r'data-id="([0-9a-f]{32})"', html)] == ids[::-1]
    assert registrar.get(f"{BASE}?q=100%25").text.count('data-testid="achievement-row"') == 3
    assert registrar.get(f"{BASE}?q=_").text.count('data-testid="achievement-row"') == 0
    assert 'data-testid="pages"' not in html
    assert registrar.get(f"{BASE}?page=99").status_code == 200


def test_list_counts_awards(registrar: TestClient, client: TestClient,
                            api_key: dict[str, str]) -> None:
    aid = created_id(create(registrar))
    for name in ("Mari", "Jaan"):
        body = award_body(aid, learner={"name": name, "email": f"{name}@example.ee"})
        assert client.post("/credentials/issue", json=body, headers=api_key).status_code == 201
    html = registrar.get(BASE).text
    assert re.search(rf'data-id="{aid}".*?data-testid="awards">2<', html, re.S)


def test_viewer_reads_but_sees_no_write_buttons_and_gets_403_on_post(
        registrar: TestClient, svc: Services, make_staff: Callable[..., None]) -> None:
    aid = created_id(create(registrar))
    make_staff("reader@ut.ee", "uni-tartu", "viewer")
    viewer = open_browser(svc)
    assert sign_in(viewer, "reader@ut.ee").status_code == 303
    listing = viewer.get(BASE)
    assert listing.status_code == 200 and 'data-testid="new-achievement"' not in listing.text
    detail = viewer.get(f"{BASE}/{aid}")
    assert detail.status_code == 200
    for testid in ("edit-link", "retire-link", "issue-link", "image-form"):
        assert f'data-testid="{testid}"' not in detail.text
    assert 'data-testid="preview-link"' in detail.text
    token = csrf_on(detail.text)
    for action, data in ((BASE, full_form()), (f"{BASE}/{aid}/edit", full_form()),
                         (f"{BASE}/{aid}/retire", {"confirm": "yes"}),
                         (f"{BASE}/check", full_form())):
        assert viewer.post(action, data={"csrf": token, **data},
                           follow_redirects=False).status_code == 403, action
    assert viewer.get(f"{BASE}/new").status_code == 403


def test_staff_of_another_issuer_get_404(registrar: TestClient, svc: Services, client: TestClient,
                                         make_staff: Callable[..., None]) -> None:
    aid = created_id(create(registrar))
    other = {**ISSUER_BODY, "slug": "uni-gent", "legal_name": "Ghent University", "country": "BE"}
    from tests.conftest import ADMIN_TOKEN

    assert client.post("/admin/issuers", json=other,
                       headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 201
    make_staff("staff@ugent.be", "uni-gent", "staff")
    gent = open_browser(svc)
    assert sign_in(gent, "staff@ugent.be").status_code == 303
    mine = "/console/uni-gent/achievements"
    for path in (f"{mine}/{aid}", f"{mine}/{aid}/edit", f"{mine}/{aid}/preview",
                 f"{BASE}/{aid}", f"{mine}/nope"):
        assert gent.get(path).status_code == 404, path
    token = csrf_on(gent.get(mine).text)
    assert gent.post(f"{mine}/{aid}/retire", data={"csrf": token, "confirm": "yes"},
                     follow_redirects=False).status_code == 404
    assert client.get(f"/achievements/{aid}").json()["status"] == "active"


def test_completeness_endpoint_answers_as_a_submit_would(registrar: TestClient) -> None:
    token = csrf_on(registrar.get(f"{BASE}/new").text)
    full = registrar.post(f"{BASE}/check", data={"csrf": token, **full_form()})
    assert full.status_code == 200
    answer = full.json()
    assert answer["valid"] and answer["complete"] and answer["errors"] == {}
    assert [e["element"] for e in answer["elements"]] == [
        "learner", "title", "country", "awardingBody", "dateOfIssuing", "learningOutcomes",
        "workload", "level", "assessmentType", "participationForm", "qualityAssurance"]
    states = {e["element"]: e["status"] for e in answer["elements"]}
    assert states["learner"] == "at-issue" and states["workload"] == "present"
    partial = registrar.post(f"{BASE}/check", data={
        "csrf": token, "title": "Data ethics", "ects": "3"}).json()
    done = {e["element"]: e["done"] for e in partial["elements"]}
    assert not partial["valid"] and not partial["complete"]
    assert done["title"] and done["workload"] and not done["level"]
    assert not done["qualityAssurance"] and not done["participationForm"]
    assert partial["errors"]["assessmentType"] == "Field required"
    assert registrar.post(f"{BASE}/check", data=full_form()).status_code == 403  # no token


def test_the_form_page_loads_its_script_and_renders_the_panel(registrar: TestClient) -> None:
    html = registrar.get(f"{BASE}/new").text
    assert '<script src="/static/achievement-form.js" defer></script>' in html
    assert f'data-check-url="{BASE}/check"' in html
    assert html.count('data-status="missing"') >= 5
    assert registrar.get("/static/achievement-form.js").status_code == 200


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "PNG")
    return out.getvalue()


def test_badge_image_upload_is_checked_and_kept_by_the_next_version(
        registrar: TestClient, client: TestClient) -> None:
    aid = created_id(create(registrar))
    page = registrar.get(f"{BASE}/{aid}").text
    token = csrf_on(page)
    bad = registrar.post(f"{BASE}/{aid}/image", data={"csrf": token},
                         files={"image": ("x.png", b"not an image", "image/png")})
    assert bad.status_code == 422 and error_of(bad.text, "image")
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           b'<script>alert(1)</script><rect width="10" height="10"/></svg>')
    good = registrar.post(f"{BASE}/{aid}/image", data={"csrf": token},
                          files={"image": ("b.svg", svg, "image/svg+xml")},
                          follow_redirects=False)
    assert good.status_code == 303
    image_url = client.get(f"/achievements/{aid}").json()["image"]
    stored = client.get(_path(image_url))
    assert stored.status_code == 200 and b"script" not in stored.content
    v2 = created_id(post_form(registrar, f"{BASE}/{aid}/edit", f"{BASE}/{aid}/edit",
                              full_form(title="Data Literacy II")))
    kept = client.get(f"/achievements/{v2}").json()["image"]
    assert kept and kept != image_url
    assert client.get(_path(kept)).content == stored.content
    png = registrar.post(f"{BASE}/{v2}/image", data={"csrf": token},
                         files={"image": ("b.png", _png(), "image/png")}, follow_redirects=False)
    assert png.status_code == 303
    assert client.get(f"/achievements/{v2}").json()["image"].endswith(".png")
    assert client.get(f"/achievements/{aid}").json()["image"] == image_url  # v1 keeps its own


def test_preview_renders_the_credential_page_with_a_sample_learner(
        registrar: TestClient, client: TestClient, svc: Services) -> None:
    aid = created_id(create(registrar))
    response = registrar.get(f"{BASE}/{aid}/preview")
    assert response.status_code == 200
    html = response.text
    assert 'data-testid="preview-banner"' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert re.search(r'data-testid="learner">Alex Example<', html)
    assert re.search(r'data-testid="title"[^>]*>Data Literacy for Public Administration<', html)
    assert 'data-element="learningOutcomes"' in html and "EKKA" in html
    assert 'data-testid="share"' not in html  # nothing to share: nothing was issued
    with svc.db.session(read_only=True) as session:
        from sqlalchemy import func, select

        from app.credentials.models import AwardRecord, CredentialRecord

        assert session.scalar(select(func.count(AwardRecord.id))) == 0
        assert session.scalar(select(func.count(CredentialRecord.id))) == 0


def test_bad_ids_are_404_and_odd_queries_never_500(registrar: TestClient) -> None:
    for path in (f"{BASE}/nope", f"{BASE}/nope/edit", f"{BASE}/nope/preview",
                 f"{BASE}/nope/retire"):
        assert registrar.get(path).status_code == 404, path
    assert registrar.get(f"{BASE}?status=bogus&q=%00").status_code in (200, 422)
    assert registrar.get(f"{BASE}?page=abc").status_code == 422
    token = csrf_on(registrar.get(BASE).text)
    assert registrar.post(f"{BASE}/nope/edit", data={"csrf": token, **full_form()},
                          follow_redirects=False).status_code == 404
    assert json.loads(registrar.post(f"{BASE}/check", data={"csrf": token}).text)["valid"] is False


def test_migration_0013_makes_existing_definitions_version_1_of_their_own_family(
        database_url: str, client: TestClient, achievement: dict[str, Any],
        api_key: dict[str, str], svc: Services) -> None:
    from sqlalchemy import create_engine, inspect, text

    from app import migrate

    assert client.post("/credentials/issue", json=award_body(achievement["id"]),
                       headers=api_key).status_code == 201
    svc.db.dispose()
    # Down and up again with an award referencing the row: no table rebuild trips its key.
    migrate.downgrade(database_url, "0012_console")
    engine = create_engine(database_url)
    try:
        assert "family_id" not in {c["name"] for c in inspect(engine).get_columns("achievements")}
        migrate.upgrade(database_url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT id, family_id, version, title, retired_at"
                                    " FROM achievements")).one()
    finally:
        engine.dispose()
    assert tuple(row) == (achievement["id"], achievement["id"], 1, FULL_SPEC["title"], None)


def test_bulk_rows_of_an_achievement_retired_meanwhile_are_rejected(
        registrar: TestClient, client: TestClient, api_key: dict[str, str],
        svc: Services) -> None:
    from app.credentials import batch
    from app.credentials.service import Issuing

    aid = created_id(create(registrar))
    rows = b"name,email,awarded_on\nMari,mari@example.ee,2026-06-30\n"
    job = client.post(f"/credentials/bulk?achievementId={aid}", content=rows,
                      headers={**api_key, "Content-Type": "text/csv"})
    assert job.status_code == 202, job.text
    assert post_form(registrar, f"{BASE}/{aid}/retire", f"{BASE}/{aid}/retire",
                     {"confirm": "yes"}).status_code == 303
    batch.run_worker(svc.db, Issuing(svc.keystore, svc.settings.public_base_url),
                     exit_when_idle=True)
    report = client.get(f"/credentials/bulk/{job.json()['jobId']}/report",
                        headers=api_key).json()
    assert (report["issued"], report["rejected"]) == (0, 1)
    assert "retired" in report["rows"][0]["errors"][0]["message"]


def test_an_edit_keeps_every_quality_assurance_entry(registrar: TestClient,
                                                     client: TestClient,
                                                     api_key: dict[str, str]) -> None:
    """A definition made through the API with four QA entries (the form shows three empty
    rows by default): editing it in the console keeps all four."""
    qa = [{"type": kind, "agency": f"Agency {n}"} for n, kind in
          enumerate(("external-institutional", "internal", "external-programme", "internal"))]
    made = client.post("/achievements", headers=api_key,
                       json={**FULL_SPEC, "qualityAssurance": qa})
    assert made.status_code == 201, made.text
    v1 = made.json()["id"]
    edit = registrar.get(f"{BASE}/{v1}/edit").text
    assert value_of(edit, "qa-3-agency") == "Agency 3"
    typed = typed_from_spec(client.get(f"/achievements/{v1}").json()["spec"])
    form = {k: v for k, v in typed.items() if k != "participation"}
    response = post_form(registrar, f"{BASE}/{v1}/edit", f"{BASE}/{v1}/edit",
                         {**form, "title": "Four QA entries", "participation":
                          typed["participation"]})
    v2 = created_id(response)
    kept = client.get(f"/achievements/{v2}").json()["spec"]["qualityAssurance"]
    assert [entry["agency"] for entry in kept] == [f"Agency {n}" for n in range(4)]
