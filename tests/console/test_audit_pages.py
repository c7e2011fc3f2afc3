"""An issuer's audit log page: its own events only (by the audit log's issuer_id, which
every issuer-scoped event records and the migration backfills), newest first, filtered by
action and day, a page at a time, and never a secret."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app import audit, migrate
from app.deps import Services
from app.issuers.service import get_issuer
from tests import samples
from tests.console.conftest import open_browser, post_form, sign_in

AUDIT = "/console/uni-tartu/audit"
TLU = {"slug": "tlu", "legal_name": "Tallinn University", "country": "EE",
       "url": "https://tlu.ee", "email": "info@tlu.ee", "org_type": "hei"}


def actions_on(html: str) -> list[str]:
    return re.findall(r'<code data-testid="action">([^<]+)</code>', html)


def test_key_creation_is_logged_without_its_secret(registrar: TestClient) -> None:
    created = post_form(registrar, "/console/uni-tartu/api-keys", "/console/uni-tartu/api-keys",
                        {"label": "SIS"})
    token = re.search(r'value="(mcred_[0-9a-f]{16}_[A-Za-z0-9_-]+)"', created.text)
    assert token
    key_id, secret = token.group(1).split("_", 2)[1:]
    log = registrar.get(AUDIT)
    assert log.status_code == 200
    assert actions_on(log.text)[0] == "apikey.create"  # newest first
    assert "API key created" in log.text and key_id in log.text
    assert "staff:registrar@ut.ee" in log.text
    assert secret not in log.text and token.group(1) not in log.text


def test_another_issuers_events_are_not_shown(registrar: TestClient, client: TestClient,
                                              admin: dict, api_key: dict,
                                              achievement: dict) -> None:
    assert client.post("/admin/issuers", json=TLU, headers=admin).status_code == 201
    tlu_key = client.post("/admin/issuers/tlu/api-keys", headers=admin,
                          json={"label": "tlu-secret-label"}).json()
    tlu_auth = {"Authorization": f"Bearer {tlu_key['apiKey']}"}
    tlu_spec = client.post("/achievements", json=samples.FULL_SPEC, headers=tlu_auth).json()
    ours = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                       headers=api_key)
    assert ours.status_code == 201
    log = registrar.get(AUDIT).text
    assert "tlu-secret-label" not in log and tlu_key["keyId"] not in log
    assert tlu_spec["id"] not in log and "issuer.create" in actions_on(log)
    assert "Tallinn" not in log
    assert {"credential.issue", "achievement.create", "apikey.create", "key.create",
            "staff.role"} <= set(actions_on(log))


def test_viewer_reads_the_log(svc: Services, issuer: dict,
                              make_staff: Callable[..., None]) -> None:
    make_staff("viewer@ut.ee", "uni-tartu", "viewer")
    with open_browser(svc) as browser:
        assert sign_in(browser, "viewer@ut.ee").status_code == 303
        page = browser.get(AUDIT)
        assert page.status_code == 200
        assert "staff.role" in actions_on(page.text)
        assert page.text.count('method="post"') == 1  # the sign-out; nothing to change
        assert browser.get("/console/tlu/audit").status_code == 404


def _many(svc: Services, count: int) -> None:
    with svc.db.session() as session:
        issuer_id = get_issuer(session, "uni-tartu").id
        for n in range(count):
            audit.record(session, "test", "test.event", f"subject-{n}", issuer_id=issuer_id,
                         n=n)


def test_pages_are_newest_first_and_keep_the_filter(registrar: TestClient,
                                                    svc: Services) -> None:
    _many(svc, 60)
    first = registrar.get(AUDIT, params={"action": "test.event"})
    assert first.status_code == 200
    subjects = re.findall(r"<code>(subject-\d+)</code>", first.text)
    assert subjects[:2] == ["subject-59", "subject-58"] and len(subjects) == 50
    assert "60 events; page 1 of 2." in first.text
    older = re.search(r'href="([^"]+)" data-testid="next"', first.text)
    assert older and "action=test.event" in older.group(1)
    second = registrar.get(AUDIT + older.group(1).replace("&amp;", "&"))
    assert re.findall(r"<code>(subject-\d+)</code>", second.text) == \
        [f"subject-{n}" for n in range(9, -1, -1)]
    assert 'data-testid="next"' not in second.text and 'data-testid="previous"' in second.text
    # A page past the end shows the last one, not an error.
    assert "page 2 of 2" in registrar.get(AUDIT, params={"action": "test.event",
                                                          "page": 99}).text


def test_details_are_written_out(registrar: TestClient, svc: Services) -> None:
    with svc.db.session() as session:
        audit.record(session, "test", "issuer.update", "uni-tartu",
                     issuer_id=get_issuer(session, "uni-tartu").id,
                     changed={"country": ["EE", "FI"]})
    page = registrar.get(AUDIT, params={"action": "issuer.update"}).text
    assert "Institution details changed" in page
    assert "<dt>changed</dt><dd>{&#34;country&#34;: [&#34;EE&#34;, &#34;FI&#34;]}</dd>" in page


def test_days_filter_and_bad_dates(registrar: TestClient) -> None:
    today = datetime.now(UTC).date()
    shown = registrar.get(AUDIT, params={"since": today.isoformat(),
                                         "until": today.isoformat()})
    assert shown.status_code == 200 and "staff.role" in actions_on(shown.text)
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert actions_on(registrar.get(AUDIT, params={"since": tomorrow}).text) == []
    bad = registrar.get(AUDIT, params={"since": "31.12.2026"})
    assert bad.status_code == 422 and 'data-testid="error-since"' in bad.text
    assert 'value="31.12.2026"' in bad.text
    backwards = registrar.get(AUDIT, params={"since": today.isoformat(),
                                             "until": (today - timedelta(days=3)).isoformat()})
    assert backwards.status_code == 422 and 'data-testid="error-until"' in backwards.text
    assert registrar.get(AUDIT, params={"page": "x"}).status_code == 422
    assert registrar.get(AUDIT, params={"action": "\x00"}).status_code == 200


def test_migration_backfills_the_issuer_of_old_events(scratch_dbs) -> None:  # type: ignore[no-untyped-def]
    url = scratch_dbs.new()
    migrate.upgrade(url, "0012_console")
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for slug in ("uni-tartu", "tlu"):
            conn.execute(text("INSERT INTO issuers (slug, legal_name, country, url, email,"
                              " org_type, suspension, created_at) VALUES (:s, :s, 'EE',"
                              " 'https://x.ee', 'a@x.ee', 'hei', false, :at)"),
                         {"s": slug, "at": now})
        ids = dict(conn.execute(text("SELECT slug, id FROM issuers")).all())
        for action, subject, detail in [
                ("apikey.create", "tlu", {"keyId": "k"}),
                ("image.logo.set", str(ids["uni-tartu"]), {}),
                ("staff.role", "staff:a@ut.ee", {"issuer": "uni-tartu", "role": "admin"}),
                ("registry.add", "1", {}), ("staff.create", "staff:a@ut.ee", {})]:
            conn.execute(text("INSERT INTO audit_events (at, actor, action, subject, detail)"
                              " VALUES (:at, 'old', :a, :s, :d)"),
                         {"at": now, "a": action, "s": subject, "d": json.dumps(detail)})
    engine.dispose()
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT action, issuer_id FROM audit_events")).all())
    engine.dispose()
    assert found == {"apikey.create": ids["tlu"], "image.logo.set": ids["uni-tartu"],
                     "staff.role": ids["uni-tartu"], "registry.add": None,
                     "staff.create": None}
