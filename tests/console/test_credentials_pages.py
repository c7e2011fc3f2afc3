"""The console's issued-credentials pages: the list with search, filters and pages; an
award's record; revoke / suspend / unsuspend with a reason and a confirmation step (the
reason then on the public share page); roles and issuers kept apart."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.credentials import issued
from app.deps import Services
from app.issuers.service import get_issuer
from app.status.models import StatusEntry
from tests import samples
from tests.conftest import ADMIN_TOKEN, ISSUER_BODY
from tests.console.conftest import open_browser, post_form, sign_in

LIST = "/console/uni-tartu/credentials"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def issue(client: TestClient, api_key: dict, achievement_id: str, **extra: Any) -> str:
    response = client.post("/credentials/issue", json=samples.award_body(achievement_id, **extra),
                           headers=api_key)
    assert response.status_code == 201, response.text
    return str(response.json()["awardId"])


def shown_awards(html: str) -> list[str]:
    return re.findall(r'data-testid="award" data-award="([0-9a-f]+)"', html)


@pytest.fixture
def three(client: TestClient, api_key: dict, achievement: dict) -> dict[str, str]:
    """Three awards of uni-tartu: Mari (June), Jüri (May, another achievement), Anna (July)."""
    spec = {**samples.FULL_SPEC, "title": "Statistics for Historians"}
    other = client.post("/achievements", json=spec, headers=api_key).json()["id"]
    return {
        "mari": issue(client, api_key, achievement["id"]),
        "juri": issue(client, api_key, other, awardedOn="2026-05-02",
                      learner={"name": "Jüri Õun", "email": "juri@example.ee",
                               "studentId": "C777"}),
        "anna": issue(client, api_key, achievement["id"], awardedOn="2026-07-15",
                      learner={"name": "Anna Tamm", "studentId": "A42"}),
        "other_achievement": other,
    }


def test_the_list_shows_every_award_with_its_facts(registrar: TestClient,
                                                   three: dict[str, str]) -> None:
    page = registrar.get(LIST)
    assert page.status_code == 200
    assert sorted(shown_awards(page.text)) == sorted(three[k] for k in ("mari", "juri", "anna"))
    assert "Mari Maasikas" in page.text and "Statistics for Historians" in page.text
    assert samples.FULL_SPEC["title"] in page.text
    assert "30 June 2026" in page.text
    assert 'aria-current="page"' in page.text and "3 credentials" in page.text
    assert 'data-testid="mail-not-configured"' in page.text  # no SMTP host in these settings


@pytest.mark.parametrize("text, who", [("maasikas", "mari"), ("JURI@EXAMPLE", "juri"),
                                       ("jüri õun", "juri"), ("a42", "anna"), ("B123", "mari")])
def test_search_by_name_email_or_student_id(registrar: TestClient, three: dict[str, str],
                                            text: str, who: str) -> None:
    page = registrar.get(LIST, params={"q": text})
    assert page.status_code == 200 and shown_awards(page.text) == [three[who]]


def test_search_reads_learner_fields_only(registrar: TestClient, three: dict[str, str]) -> None:
    # "awardedOn" and the grade are in the stored request too, but are not the learner.
    assert shown_awards(registrar.get(LIST, params={"q": "awardedOn"}).text) == []
    assert shown_awards(registrar.get(LIST, params={"q": "100%_"}).text) == []


def test_filters_by_achievement_dates_and_status(registrar: TestClient, client: TestClient,
                                                 three: dict[str, str]) -> None:
    by_achievement = registrar.get(LIST, params={"achievement": three["other_achievement"]})
    assert shown_awards(by_achievement.text) == [three["juri"]]
    june_on = registrar.get(LIST, params={"from": "2026-06-01"})
    assert sorted(shown_awards(june_on.text)) == sorted([three["mari"], three["anna"]])
    until_june = registrar.get(LIST, params={"from": "2026-05-01", "to": "2026-06-30"})
    assert sorted(shown_awards(until_june.text)) == sorted([three["mari"], three["juri"]])
    _revoke(registrar, three["anna"], reason="error", details="")
    revoked = registrar.get(LIST, params={"status": "revoked"})
    assert shown_awards(revoked.text) == [three["anna"]]
    assert 'data-testid="status">Revoked' in revoked.text
    active = registrar.get(LIST, params={"status": "active"})
    assert sorted(shown_awards(active.text)) == sorted([three["mari"], three["juri"]])


def test_bad_filters_are_field_errors_not_failures(registrar: TestClient,
                                                   three: dict[str, str]) -> None:
    page = registrar.get(LIST, params={"from": "30/06/2026", "status": "lost",
                                       "achievement": "nope", "page": "x\x00"})
    assert page.status_code == 422
    for field in ("from", "status", "achievement"):
        assert f'data-testid="error-{field}"' in page.text
    assert 'value="30/06/2026"' in page.text
    # Control characters are dropped from what was typed (PostgreSQL refuses a NUL).
    nul = registrar.get(LIST, params={"q": "Mari\x00", "from": "2026\x00-01-01"})
    assert nul.status_code == 200 and shown_awards(nul.text) == [three["mari"]]
    backwards = registrar.get(LIST, params={"from": "2026-07-01", "to": "2026-06-01"})
    assert backwards.status_code == 422 and 'data-testid="error-to"' in backwards.text


def test_pages_of_awards(svc: Services, three: dict[str, str]) -> None:
    with svc.db.session(read_only=True) as session:
        issuer = get_issuer(session, "uni-tartu")
        first = issued.search(session, issuer, issued.AwardQuery(), per_page=2)
        second = issued.search(session, issuer, issued.AwardQuery(page=2), per_page=2)
        beyond = issued.search(session, issuer, issued.AwardQuery(page=99), per_page=2)
        searched = issued.search(session, issuer, issued.AwardQuery(text="example.ee", page=2),
                                 per_page=1)
    assert (first.total, first.pages, second.page) == (3, 2, 2)
    ids = [r.award.id for r in first.rows + second.rows]
    assert sorted(ids) == sorted(three[k] for k in ("mari", "juri", "anna"))
    assert [r.award.id for r in beyond.rows] == [r.award.id for r in second.rows]
    assert (searched.total, searched.pages, len(searched.rows)) == (2, 2, 1)


def test_the_list_links_its_next_page(registrar: TestClient, client: TestClient, api_key: dict,
                                      achievement: dict) -> None:
    for n in range(issued.PER_PAGE + 1):
        issue(client, api_key, achievement["id"],
              learner={"name": f"Learner {n}", "studentId": f"S{n}"})
    first = registrar.get(LIST)
    assert len(shown_awards(first.text)) == issued.PER_PAGE
    assert 'data-testid="next-page"' in first.text and "Page 1 of 2" in first.text
    assert len(shown_awards(registrar.get(LIST, params={"page": "2"}).text)) == 1


def test_the_record_shows_elements_link_status_and_history(registrar: TestClient,
                                                           client: TestClient, api_key: dict,
                                                           achievement: dict) -> None:
    award_id = issue(client, api_key, achievement["id"])
    page = registrar.get(f"{LIST}/{award_id}")
    assert page.status_code == 200
    assert "Mari.Maasikas@example.ee" in page.text and "B123456" in page.text
    link = re.search(r'data-testid="share-link">([^<]+)<', page.text)
    assert link and link.group(1).startswith("https://mcred.test/c/")
    assert client.get(link.group(1).removeprefix("https://mcred.test")).status_code == 200
    assert 'data-testid="status">Active' in page.text
    assert 'data-action="credential.issue"' in page.text


def _revoke(browser: TestClient, award_id: str, reason: str = "error",
            details: str = "sent to the wrong learner", action: str = "revoke") -> Any:
    page = f"{LIST}/{award_id}"
    fields = {"action": action, "reason": reason, "details": details}
    confirm = post_form(browser, page, page + "/status", fields)
    assert confirm.status_code == 200, confirm.text
    assert 'data-testid="confirm-form"' in confirm.text
    done = post_form(browser, page, page + "/status", {**fields, "confirm": "yes"})
    assert done.status_code == 303, done.text
    return done


def test_revoke_with_a_reason_shows_on_the_public_page(registrar: TestClient,
                                                       client: TestClient, api_key: dict,
                                                       achievement: dict) -> None:
    answer = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                         headers=api_key).json()
    award_id, url = answer["awardId"], answer["shareLink"]["url"]
    page = f"{LIST}/{award_id}"
    first = post_form(registrar, page, page + "/status",
                      {"action": "revoke", "reason": "error", "details": "wrong learner"})
    assert first.status_code == 200 and 'data-testid="confirm-reason">Issued in error: wrong' \
        ' learner<' in first.text
    assert 'data-testid="status">Active' in registrar.get(page).text  # nothing changed yet
    done = post_form(registrar, page, page + "/status", {"action": "revoke", "reason": "error",
                                                         "details": "wrong learner",
                                                         "confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=revoke")
    after = registrar.get(page)
    assert 'data-testid="status">Revoked' in after.text
    assert 'data-testid="status-form"' not in after.text  # revocation is final
    assert 'data-action="credential.revoke"' in after.text
    public = client.get(url.removeprefix("https://mcred.test"), headers={"Accept": "text/html"})
    reason = re.search(r'data-testid="status-reason">([^<]+)<', public.text)
    assert reason is not None
    assert reason.group(1).startswith("Revoked on ") and "by the issuer: Issued in error:" \
        " wrong learner" in reason.group(1)


def test_the_status_entry_keeps_reason_and_time(registrar: TestClient, client: TestClient,
                                                api_key: dict, achievement: dict,
                                                svc: Services) -> None:
    award_id = issue(client, api_key, achievement["id"])
    _revoke(registrar, award_id, reason="other", details="Duplicate of an earlier award")
    with svc.db.session(read_only=True) as session:
        entry = session.query(StatusEntry).filter_by(subject=award_id).one()
    assert (entry.state, entry.reason) == ("revoked", "Duplicate of an earlier award")
    assert entry.changed_at is not None


def test_suspend_then_unsuspend(registrar: TestClient, client: TestClient, api_key: dict,
                                achievement: dict, svc: Services) -> None:
    with svc.db.session() as session:
        get_issuer(session, "uni-tartu").suspension = True
    answer = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                         headers=api_key).json()
    award_id, path = answer["awardId"], answer["shareLink"]["url"].removeprefix(
        "https://mcred.test")
    _revoke(registrar, award_id, action="suspend", reason="investigation", details="")
    assert 'data-testid="status">Suspended' in registrar.get(f"{LIST}/{award_id}").text
    public = client.get(path, headers={"Accept": "text/html"})
    assert "by the issuer: Under investigation" in public.text
    _revoke(registrar, award_id, action="unsuspend", reason="result", details="cleared")
    assert 'data-testid="status">Active' in registrar.get(f"{LIST}/{award_id}").text
    assert 'data-testid="status-reason"' not in client.get(path, headers={
        "Accept": "text/html"}).text


@pytest.mark.parametrize("fields, field", [
    ({"action": "revoke", "reason": "", "details": ""}, "reason"),
    ({"action": "revoke", "reason": "other", "details": "  "}, "details"),
    ({"action": "revoke", "reason": "error", "details": "x" * 501}, "details"),
    ({"action": "explode", "reason": "error", "details": ""}, "action"),
    ({"action": "revoke\x00", "reason": "other\x00", "details": "\x00"}, "details"),
    ({"action": "suspend", "reason": "error", "details": ""}, "action"),  # no suspension entry
])
def test_a_reason_is_required_and_bounded(registrar: TestClient, client: TestClient,
                                          api_key: dict, achievement: dict,
                                          fields: dict[str, str], field: str) -> None:
    award_id = issue(client, api_key, achievement["id"])
    page = f"{LIST}/{award_id}"
    response = post_form(registrar, page, page + "/status", {**fields, "confirm": "yes"})
    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in response.text
    assert 'data-testid="status">Active' in response.text


def test_a_viewer_sees_no_write_buttons_and_cannot_revoke(client: TestClient, api_key: dict,
                                                         achievement: dict, svc: Services,
                                                         make_staff: Callable[..., None]) -> None:
    award_id = issue(client, api_key, achievement["id"])
    make_staff("viewer@ut.ee", "uni-tartu", "viewer")
    with open_browser(svc) as viewer:
        sign_in(viewer, "viewer@ut.ee")
        page = viewer.get(f"{LIST}/{award_id}")
        assert page.status_code == 200 and "Mari Maasikas" in page.text
        assert 'data-testid="status-form"' not in page.text
        assert 'data-testid="resend"' not in page.text
        for action in ("status", "resend"):
            refused = post_form(viewer, f"{LIST}/{award_id}", f"{LIST}/{award_id}/{action}",
                                {"action": "revoke", "reason": "error", "confirm": "yes"})
            assert refused.status_code == 403
    with svc.db.session(read_only=True) as session:
        assert session.query(StatusEntry).filter_by(subject=award_id).one().state == "active"


def test_another_issuers_staff_get_404(client: TestClient, api_key: dict, achievement: dict,
                                       svc: Services, make_staff: Callable[..., None]) -> None:
    award_id = issue(client, api_key, achievement["id"])
    other = {**ISSUER_BODY, "slug": "uni-b", "legal_name": "University B"}
    assert client.post("/admin/issuers", json=other, headers=ADMIN).status_code == 201
    make_staff("staff@uni-b.eu", "uni-b", "admin")
    with open_browser(svc) as stranger:
        sign_in(stranger, "staff@uni-b.eu")
        mine = "/console/uni-b/credentials"
        assert stranger.get(mine).status_code == 200
        assert award_id not in stranger.get(mine).text
        assert stranger.get(f"{mine}/{award_id}").status_code == 404
        assert stranger.get(f"{LIST}/{award_id}").status_code == 404  # not their issuer
        for action in ("status", "resend"):
            response = post_form(stranger, mine, f"{mine}/{award_id}/{action}",
                                 {"action": "revoke", "reason": "error", "confirm": "yes"})
            assert response.status_code == 404
    with svc.db.session(read_only=True) as session:
        assert session.query(StatusEntry).filter_by(subject=award_id).one().state == "active"


def test_unknown_award_ids_are_404(registrar: TestClient, issuer: dict) -> None:
    for award_id in ("0" * 32, "x" * 300, "%00"):
        assert registrar.get(f"{LIST}/{award_id}").status_code == 404


def test_the_pages_fit_a_phone_and_label_every_field(registrar: TestClient,
                                                     three: dict[str, str]) -> None:
    for path in (LIST, f"{LIST}/{three['mari']}", "/console/uni-tartu/settings/email"):
        html = registrar.get(path).text
        ids = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', html)
        assert ids, path
        for field_id in ids:
            assert f'<label for="{field_id}"' in html, (path, field_id)
        assert '<th scope="col">' in html or "settings" in path
        assert html.count("<h1") == 1
