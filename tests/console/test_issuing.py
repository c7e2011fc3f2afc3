"""The console's issuing pages: one award from the form, and a cohort from a CSV file through
preview, confirm, the bulk worker, progress and the report."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.credentials import batch
from app.credentials.cohort_models import Cohort
from app.credentials.models import AwardRecord, BulkJob, BulkRow
from app.credentials.service import Issuing
from app.deps import Services
from tests.conftest import BASE_URL
from tests.console.conftest import csrf_on, open_browser, post_form, sign_in

SLUG = "uni-tartu"
ISSUE = f"/console/{SLUG}/issue"
NEW_COHORT = f"/console/{SLUG}/cohorts/new"
HEADER = "name,email,student_id,awarded_on,grade\n"


def _count(svc: Services, model: Any) -> int:
    with svc.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _form(achievement_id: str, **changes: str) -> dict[str, str]:
    return {"achievement": achievement_id, "name": "Mari Maasikas",
            "email": "mari@example.ee", "student_id": "B123456", "did": "",
            "awarded_on": "2026-06-30", "grade": "B", "valid_until": "", "evidence_url": "",
            **changes}


def _upload(browser: TestClient, achievement_id: str, data: bytes,
            filename: str = "cohort.csv") -> Any:
    return post_form(browser, NEW_COHORT, NEW_COHORT, {"achievement": achievement_id},
                     files={"file": (filename, data, "text/csv")})


def _drafted(browser: TestClient, achievement_id: str, data: bytes, **kw: str) -> str:
    """Upload ``data``; the job id of the draft it became."""
    response = _upload(browser, achievement_id, data, **kw)
    assert response.status_code == 303, response.text
    found = re.fullmatch(rf"/console/{SLUG}/cohorts/([0-9a-f]+)", response.headers["location"])
    assert found
    return found.group(1)


def _confirm(browser: TestClient, job_id: str) -> None:
    page = f"/console/{SLUG}/cohorts/{job_id}"
    response = post_form(browser, page, f"{page}/confirm", {})
    assert response.status_code == 303
    assert response.headers["location"] == page


def _drain(svc: Services) -> int:
    return batch.run_worker(svc.db, Issuing(svc.keystore, svc.settings.public_base_url),
                            exit_when_idle=True, processes=1)


def _report(browser: TestClient, job_id: str) -> list[list[str]]:
    response = browser.get(f"/console/{SLUG}/cohorts/{job_id}/report.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- one award ---------------------------------------------------------------------------

def test_issue_form_offers_the_achievements_grade_scale(registrar: TestClient,
                                                         achievement: dict) -> None:
    page = registrar.get(f"{ISSUE}?achievement={achievement['id']}")
    assert page.status_code == 200
    assert f'<option value="{achievement["id"]}" selected>' in page.text
    grades = re.search(r'<select id="f-grade" name="grade".*?</select>', page.text, re.S)
    assert grades is not None
    assert re.findall(r'<option value="([A-F])"', grades.group(0)) == list("ABCDEF")
    assert 'id="f-awarded_on" name="awarded_on" type="date" value="20' in page.text


def test_issuing_one_award_shows_the_share_link_and_qr(registrar: TestClient,
                                                       achievement: dict, svc: Services) -> None:
    response = post_form(registrar, ISSUE, ISSUE, _form(achievement["id"]))
    assert response.status_code == 303
    done = response.headers["location"]
    assert re.fullmatch(rf"{ISSUE}/[0-9a-f]{{32}}", done)
    page = registrar.get(done)
    assert page.status_code == 200
    assert 'data-testid="issued"' in page.text
    link = re.search(r'id="share-link" type="text" readonly value="([^"]+)"', page.text)
    assert link and link.group(1).startswith(f"{BASE_URL}/c/")
    token = link.group(1).rsplit("/", 1)[1]
    assert f'src="/c/{token}/qr.svg"' in page.text
    assert '<script src="/static/copy.js" defer></script>' in page.text
    assert registrar.get(f"/c/{token}/qr.svg").status_code == 200
    shared = registrar.get(f"/c/{token}")
    assert shared.status_code == 200 and "Mari Maasikas" in shared.text
    with svc.db.session() as session:
        award = session.scalars(select(AwardRecord)).one()
        assert award.request["grade"] == "B"
        assert award.request["learner"]["studentId"] == "B123456"


def test_the_same_award_again_says_already_issued(registrar: TestClient, achievement: dict,
                                                  svc: Services) -> None:
    first = post_form(registrar, ISSUE, ISSUE, _form(achievement["id"]))
    again = post_form(registrar, ISSUE, ISSUE, _form(achievement["id"]))
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"] + "?repeat=1"
    page = registrar.get(again.headers["location"])
    assert 'data-testid="already-issued"' in page.text
    assert _count(svc, AwardRecord) == 1


def test_form_errors_are_per_field_and_keep_what_was_typed(registrar: TestClient,
                                                           achievement: dict,
                                                           svc: Services) -> None:
    response = post_form(registrar, ISSUE, ISSUE, _form(
        achievement["id"], name="", email="not-an-address", awarded_on="30.06.2026",
        did="someone", evidence_url="javascript alert"))
    assert response.status_code == 422
    for field in ("name", "email", "awarded_on", "did", "evidence_url"):
        assert f'data-testid="error-{field}"' in response.text, field
    assert 'value="not-an-address"' in response.text
    assert 'value="30.06.2026"' in response.text
    assert _count(svc, AwardRecord) == 0


def test_a_grade_off_the_scale_is_refused_on_the_form(registrar: TestClient,
                                                      achievement: dict, svc: Services) -> None:
    response = post_form(registrar, ISSUE, ISSUE, _form(achievement["id"], grade="G"))
    assert response.status_code == 422
    error = re.search(r'data-testid="error-grade">([^<]+)<', response.text)
    assert error and "A, B, C, D, E, F" in error.group(1)
    assert _count(svc, AwardRecord) == 0


def test_valid_until_before_the_award_is_its_own_field_error(registrar: TestClient,
                                                             achievement: dict) -> None:
    response = post_form(registrar, ISSUE, ISSUE, _form(achievement["id"],
                                                        valid_until="2026-01-01"))
    assert response.status_code == 422
    assert 'data-testid="error-valid_until"' in response.text


def test_an_unknown_achievement_is_a_field_error_not_a_500(registrar: TestClient,
                                                           achievement: dict) -> None:
    response = post_form(registrar, ISSUE, ISSUE, _form("no-such-achievement"))
    assert response.status_code == 422
    assert 'data-testid="error-achievement"' in response.text


def test_a_viewer_may_not_issue(registrar: TestClient, achievement: dict, svc: Services,
                                make_staff: Callable[..., None]) -> None:
    make_staff("viewer@ut.ee", SLUG, "viewer")
    with open_browser(svc) as viewer:
        assert sign_in(viewer, "viewer@ut.ee").status_code == 303
        assert viewer.get(ISSUE).status_code == 403
        token = csrf_on(viewer.get("/console").text)
        response = viewer.post(ISSUE, data={"csrf": token, **_form(achievement["id"])},
                               follow_redirects=False)
        assert response.status_code == 403
        assert viewer.get(f"/console/{SLUG}/cohorts").status_code == 403
    assert _count(svc, AwardRecord) == 0


def test_another_issuers_award_page_is_not_found(registrar: TestClient, achievement: dict,
                                                 client: TestClient, admin: dict,
                                                 make_staff: Callable[..., None],
                                                 svc: Services) -> None:
    done = post_form(registrar, ISSUE, ISSUE, _form(achievement["id"])).headers["location"]
    award_id = done.rsplit("/", 1)[1]
    _other_issuer(client, admin, make_staff)
    with open_browser(svc) as other:
        assert sign_in(other, "staff@lu.lv").status_code == 303
        assert other.get(f"/console/uni-b/issue/{award_id}").status_code == 404
        assert other.get(done).status_code == 404


# --- cohorts -----------------------------------------------------------------------------

def _other_issuer(client: TestClient, admin: dict, make_staff: Callable[..., None]) -> None:
    body = {"slug": "uni-b", "legal_name": "University B", "country": "LV",
            "url": "https://www.lu.lv", "email": "office@lu.lv", "org_type": "hei"}
    assert client.post("/admin/issuers", json=body, headers=admin).status_code == 201
    make_staff("staff@lu.lv", "uni-b", "staff")


def _cohort_csv(n: int) -> bytes:
    lines = [HEADER] + [f"Learner {i},learner{i}@example.ee,S{i:05d},2026-06-30,"
                        f"{'ABCDEF'[i % 6]}\n" for i in range(1, n + 1)]
    return "".join(lines).encode()


def test_a_200_row_cohort_from_preview_to_report(registrar: TestClient, achievement: dict,
                                                 svc: Services) -> None:
    job_id = _drafted(registrar, achievement["id"], _cohort_csv(200))
    page = f"/console/{SLUG}/cohorts/{job_id}"
    preview = registrar.get(page)
    assert preview.status_code == 200
    assert "200 ready, 0 with problems." in preview.text
    assert 'data-testid="row-100"' in preview.text
    assert 'data-testid="row-101"' not in preview.text  # the first 100 only
    assert "The first 100 of 200 rows." in preview.text
    # Nothing is issued before confirm, and no worker takes a draft's rows.
    assert _drain(svc) == 0
    assert _count(svc, AwardRecord) == 0

    _confirm(registrar, job_id)
    before = registrar.get(f"{page}/progress", headers={"Accept": "application/json"}).json()
    assert (before["total"], before["pending"], before["done"]) == (200, 200, False)
    running = registrar.get(page)
    assert '<progress id="bar" class="progress" max="200" value="0"' in running.text
    assert '<script src="/static/cohort-progress.js" defer></script>' in running.text
    assert 'data-testid="refresh"' in running.text

    assert _drain(svc) == 200
    after = registrar.get(f"{page}/progress", headers={"Accept": "application/json"}).json()
    assert (after["issued"], after["pending"], after["done"]) == (200, 0, True)
    finished = registrar.get(page)
    assert 'value="200"' in finished.text and 'data-testid="report-row-200"' in finished.text
    assert "cohort-progress.js" not in finished.text

    rows = _report(registrar, job_id)
    assert rows[0][:3] == ["row", "outcome", "name"]
    links = {row[5] for row in rows[1:] if row[1] == "issued"}
    assert len(rows) == 201 and len(links) == 200
    assert all(link.startswith(f"{BASE_URL}/c/") for link in links)
    assert rows[1][2:5] == ["Learner 1", "learner1@example.ee", "S00001"]
    assert registrar.get(next(iter(links))).status_code == 200

    listing = registrar.get(f"/console/{SLUG}/cohorts")
    assert f'data-testid="cohort-{job_id}"' in listing.text
    assert "200 issued, 0 duplicates, 0 rejected" in listing.text


def test_semicolons_a_bom_and_header_aliases(registrar: TestClient, achievement: dict) -> None:
    data = ("\ufeffName;E-mail;Student ID;Awarded on;Grade;Faculty\n"
            "Jaan Tamm;jaan@example.ee;S1;2026-06-30;A;Science\n"
            "Mai Kask;mai@example.ee;S2;2026-06-30;C;Arts\n").encode()
    preview = _preview(registrar, achievement["id"], data)
    assert "UTF-8, separated by semicolon" in preview
    assert "2 ready, 0 with problems." in preview
    assert "Jaan Tamm" in preview and "mai@example.ee" in preview
    assert 'data-testid="unknown-columns"' in preview and "Faculty" in preview


def _preview(browser: TestClient, achievement_id: str, data: bytes) -> str:
    job_id = _drafted(browser, achievement_id, data)
    response = browser.get(f"/console/{SLUG}/cohorts/{job_id}")
    assert response.status_code == 200
    return response.text


def test_a_windows_1252_file_is_read_and_said_so(registrar: TestClient,
                                                 achievement: dict) -> None:
    # é, ü, ñ and ë exist in Windows-1252 (õ does not: an Estonian name would not fit).
    data = (HEADER + "Jürgen Müller,jurgen@example.de,S1,2026-06-30,A\n"
            "José Ñúñez,jose@example.es,S2,2026-06-30,B\n"
            "Zoë Lefèvre,zoe@example.fr,S3,2026-06-30,C\n").encode("cp1252")
    preview = _preview(registrar, achievement["id"], data)
    assert 'data-testid="encoding-note"' in preview
    assert "read as Windows-1252" in preview
    for name in ("Jürgen Müller", "José Ñúñez", "Zoë Lefèvre"):
        assert name in preview
    assert "3 ready, 0 with problems." in preview


def test_a_utf16_unicode_text_file(registrar: TestClient, achievement: dict) -> None:
    text = ("name\temail\tawarded_on\tgrade\r\n"
            "Tõnu Õunapuu\ttonu@example.ee\t2026-06-30\tA\r\n"
            "Ülle Äär\tulle@example.ee\t2026-06-30\tB\r\n")
    preview = _preview(registrar, achievement["id"], text.encode("utf-16"))  # with its BOM
    assert "UTF-16, separated by tab" in preview
    assert "Tõnu Õunapuu" in preview and "Ülle Äär" in preview
    assert "2 ready, 0 with problems." in preview


def test_problem_rows_are_shown_and_only_good_rows_issued(registrar: TestClient,
                                                          achievement: dict,
                                                          svc: Services) -> None:
    data = (HEADER + "Good One,good@example.ee,S1,2026-06-30,A\n"
            ",noname@example.ee,S2,2026-06-30,A\n"
            "Bad Mail,not-an-address,S3,2026-06-30,A\n"
            "Bad Date,date@example.ee,S4,30/06/2026,A\n"
            "Bad Grade,grade@example.ee,S5,2026-06-30,G\n"
            "Good One,good@example.ee,S1,2026-06-30,A\n").encode()
    job_id = _drafted(registrar, achievement["id"], data)
    page = registrar.get(f"/console/{SLUG}/cohorts/{job_id}").text
    assert "1 ready, 5 with problems." in page
    assert "Issue the 1 good rows" in page
    problems = {n: re.search(rf'data-testid="problems-{n}">(.*?)</ul>', page, re.S)
                for n in range(2, 7)}
    assert all(problems.values())
    assert "learner.name" in problems[2].group(1)  # type: ignore[union-attr]
    assert "learner.email" in problems[3].group(1)  # type: ignore[union-attr]
    assert "awardedOn" in problems[4].group(1)  # type: ignore[union-attr]
    assert "A, B, C, D, E, F" in problems[5].group(1)  # type: ignore[union-attr]
    assert "the same award as row 1" in problems[6].group(1)  # type: ignore[union-attr]

    _confirm(registrar, job_id)
    _drain(svc)
    rows = _report(registrar, job_id)
    assert [row[1] for row in rows[1:]] == ["issued"] + ["rejected"] * 5
    assert rows[1][5].startswith(f"{BASE_URL}/c/")
    assert "A, B, C, D, E, F" in rows[5][8]
    assert _count(svc, AwardRecord) == 1


def test_formula_cells_stay_text_and_are_defused_in_the_report(registrar: TestClient,
                                                               achievement: dict,
                                                               svc: Services) -> None:
    data = (HEADER + '"=HYPERLINK(""https://evil.example"",""x"")",f@example.ee,S1,2026-06-30,A\n'
            "@SUM(1+1),g@example.ee,+3725550000,2026-06-30,B\n"
            "Plain Name,p@example.ee,S3,2026-06-30,C\n").encode()
    job_id = _drafted(registrar, achievement["id"], data)
    page = registrar.get(f"/console/{SLUG}/cohorts/{job_id}").text
    assert 'data-testid="formula-warning"' in page and "2 rows have cells" in page
    assert 'data-testid="formula-1"' in page and 'data-testid="formula-2"' in page
    assert 'data-testid="formula-3"' not in page
    assert "=HYPERLINK(&#34;https://evil.example&#34;,&#34;x&#34;)" in page  # shown as text
    _confirm(registrar, job_id)
    _drain(svc)
    rows = _report(registrar, job_id)
    assert rows[1][2] == "'=HYPERLINK(\"https://evil.example\",\"x\")"
    assert rows[2][2] == "'@SUM(1+1)" and rows[2][4] == "'+3725550000"
    assert rows[3][2] == "Plain Name"
    with svc.db.session() as session:  # the credential itself carries the text as given
        names = {a.request["learner"]["name"] for a in session.scalars(select(AwardRecord))}
    assert "=HYPERLINK(\"https://evil.example\",\"x\")" in names and "@SUM(1+1)" in names


def test_more_than_50000_rows_are_refused_and_nothing_is_kept(registrar: TestClient,
                                                              achievement: dict,
                                                              svc: Services) -> None:
    data = HEADER.encode() + b"".join(b"L %d,,,2026-06-30,A\n" % i for i in range(50_001))
    assert len(data) > 1_048_576  # above the console's usual body limit: the upload's own
    response = _upload(registrar, achievement["id"], data)
    assert response.status_code == 422
    error = re.search(r'data-testid="error-file">([^<]+)<', response.text)
    assert error and "at most 50,000" in error.group(1)
    assert (_count(svc, BulkJob), _count(svc, BulkRow), _count(svc, Cohort)) == (0, 0, 0)


@pytest.mark.parametrize(("data", "says"), [
    (b"", "The file is empty"),
    (b"\r\n \r\n", "The file is empty"),
    (b"Mari Maasikas,mari@example.ee,2026-06-30\n", "names none of them"),
    (b"name,email\nMari,mari@example.ee\n", "awarded_on"),
])
def test_files_that_cannot_be_a_cohort_are_clear_errors(registrar: TestClient,
                                                        achievement: dict, svc: Services,
                                                        data: bytes, says: str) -> None:
    response = _upload(registrar, achievement["id"], data)
    assert response.status_code == 422
    error = re.search(r'data-testid="error-file">([^<]+)<', response.text)
    assert error and says in error.group(1)
    assert _count(svc, BulkJob) == 0


def test_the_upload_needs_an_achievement_and_a_file(registrar: TestClient,
                                                    achievement: dict) -> None:
    response = post_form(registrar, NEW_COHORT, NEW_COHORT, {"achievement": ""},
                         files={"file": ("", b"", "text/csv")})
    assert response.status_code == 422
    assert 'data-testid="error-achievement"' in response.text
    assert 'data-testid="error-file"' in response.text


def test_cancel_deletes_the_draft(registrar: TestClient, achievement: dict,
                                  svc: Services) -> None:
    job_id = _drafted(registrar, achievement["id"], _cohort_csv(3))
    page = f"/console/{SLUG}/cohorts/{job_id}"
    response = post_form(registrar, page, f"{page}/cancel", {})
    assert response.status_code == 303
    assert registrar.get(page).status_code == 404
    assert (_count(svc, BulkJob), _count(svc, BulkRow), _count(svc, Cohort)) == (0, 0, 0)
    assert _count(svc, AwardRecord) == 0


def test_a_confirmed_cohort_cannot_be_cancelled_or_confirmed_twice(registrar: TestClient,
                                                                   achievement: dict,
                                                                   svc: Services) -> None:
    job_id = _drafted(registrar, achievement["id"], _cohort_csv(2))
    page = f"/console/{SLUG}/cohorts/{job_id}"
    _confirm(registrar, job_id)
    token = csrf_on(registrar.get(f"/console/{SLUG}/cohorts").text)
    assert registrar.post(f"{page}/cancel", data={"csrf": token},
                          follow_redirects=False).status_code == 409
    _confirm(registrar, job_id)  # a second confirm (a double click) changes nothing
    assert _drain(svc) == 2
    assert _count(svc, AwardRecord) == 2


def test_another_issuers_staff_gets_404_for_a_cohort(registrar: TestClient, achievement: dict,
                                                     client: TestClient, admin: dict,
                                                     make_staff: Callable[..., None],
                                                     svc: Services) -> None:
    job_id = _drafted(registrar, achievement["id"], _cohort_csv(2))
    _other_issuer(client, admin, make_staff)
    with open_browser(svc) as other:
        assert sign_in(other, "staff@lu.lv").status_code == 303
        for path in ("", "/progress", "/report.csv"):
            assert other.get(f"/console/uni-b/cohorts/{job_id}{path}").status_code == 404
            assert other.get(f"/console/{SLUG}/cohorts/{job_id}{path}").status_code == 404
        token = csrf_on(other.get("/console/uni-b/cohorts").text)
        assert other.post(f"/console/uni-b/cohorts/{job_id}/confirm", data={"csrf": token},
                          follow_redirects=False).status_code == 404
    assert _count(svc, AwardRecord) == 0


def test_a_job_from_the_bulk_api_is_not_a_cohort(registrar: TestClient, achievement: dict,
                                                 client: TestClient, api_key: dict) -> None:
    response = client.post(f"/credentials/bulk?achievementId={achievement['id']}",
                           content=_cohort_csv(1), headers={**api_key,
                                                            "Content-Type": "text/csv"})
    job_id = response.json()["jobId"]
    assert registrar.get(f"/console/{SLUG}/cohorts/{job_id}").status_code == 404
    assert registrar.get(f"/console/{SLUG}/cohorts/{'x' * 300}").status_code == 404


def test_only_the_upload_takes_large_bodies(registrar: TestClient, achievement: dict) -> None:
    token = csrf_on(registrar.get(ISSUE).text)
    big = {"csrf": token, **_form(achievement["id"], name="x" * 1_100_000)}
    assert registrar.post(ISSUE, data=big, follow_redirects=False).status_code == 413


def test_the_issue_form_tells_the_learner_in_their_language(registrar: TestClient,
                                                            achievement: dict,
                                                            svc: Services) -> None:
    from app.mail.models import OutboxMessage

    form = registrar.get(ISSUE).text
    assert 'name="notify" type="checkbox" value="yes" checked' in form  # on by default
    assert post_form(registrar, ISSUE, ISSUE, _form(achievement["id"], notify="yes",
                                                    language="de")).status_code == 303
    assert post_form(registrar, ISSUE, ISSUE, _form(achievement["id"], name="Jaan Tamm",
                                                    email="jaan@example.ee",
                                                    student_id="B2")).status_code == 303
    with svc.db.session() as session:
        queued = session.scalars(select(OutboxMessage)).all()
        assert [(m.to_address, m.language) for m in queued] == [("mari@example.ee", "de")]


def test_a_cohort_can_tell_every_learner(registrar: TestClient, achievement: dict,
                                         svc: Services) -> None:
    from app.mail.models import OutboxMessage

    data = (HEADER + "Mari Maasikas,mari@example.ee,B1,2026-06-30,B\n"
            "Jaan Tamm,,B2,2026-06-30,A\n").encode()
    response = post_form(registrar, NEW_COHORT, NEW_COHORT,
                         {"achievement": achievement["id"], "notify": "yes"},
                         files={"file": ("cohort.csv", data, "text/csv")})
    assert response.status_code == 303
    _confirm(registrar, response.headers["location"].rsplit("/", 1)[1])
    assert _drain(svc) == 2
    with svc.db.session() as session:
        assert [m.to_address for m in session.scalars(select(OutboxMessage))] == \
            ["mari@example.ee"]  # the learner without an address is not written to
