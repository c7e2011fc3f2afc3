"""The learner home: awards from two issuers for one address and nobody else's, the sharing
switch (the share page answers 404 while off, as sharing.py makes an off link look like no
link), downloads, collections verified live (a revoked credential shows revoked), and the
e-mail index backfilled by the migration for awards made before it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url

from app import migrate
from app.credentials.models import CredentialRecord
from app.deps import Services
from app.learners.models import LearnerAward
from app.web import baking
from tests.learners.conftest import LEARNER, csrf_on, issue, share_path

SignIn = Callable[[TestClient, str], None]
OTHER = {"name": "Jaan Tamm", "email": "jaan.tamm@example.ee"}
_COLLECTION = re.compile(r'href="(/p/[A-Za-z0-9_-]+)" data-testid="collection-link"')


def awards_on(html: str) -> list[str]:
    return re.findall(r'data-testid="award" data-award="([0-9a-f]+)"', html)


def post(browser: TestClient, action: str, data: dict[str, Any] | list[tuple[str, str]]) -> Any:
    body: dict[str, list[str]] = {"csrf": [csrf_on(browser.get("/me").text)]}
    for name, value in (data.items() if isinstance(data, dict) else data):
        body.setdefault(name, []).append(value)
    return browser.post(action, data=body, follow_redirects=False)


def test_home_lists_the_learners_awards_from_two_issuers(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        leiden_key: dict, leiden_achievement: dict, sign_in: SignIn) -> None:
    tartu = issue(client, api_key, achievement)
    # A DID makes learner_key ignore the address: the e-mail index still finds the award.
    leiden = issue(client, leiden_key, leiden_achievement,
                   learner={"name": "Mari Maasikas", "email": LEARNER.upper(),
                            "did": "did:example:mari"})
    someone_else = issue(client, api_key, achievement, learner=OTHER)
    sign_in(browser, LEARNER)
    home = browser.get("/me")
    assert home.status_code == 200
    assert sorted(awards_on(home.text)) == sorted([tartu["awardId"], leiden["awardId"]])
    assert someone_else["awardId"] not in home.text
    assert "University of Tartu" in home.text and "Leiden University" in home.text
    assert "Data Stewardship" in home.text
    assert home.text.count('data-state="active"') == 2
    assert home.text.count('data-testid="wallet-actions"') == 2
    # Someone else's award is not there for this learner, whatever is tried.
    theirs = someone_else["awardId"]
    assert browser.get(f"/me/awards/{theirs}/credential.json").status_code == 404
    assert post(browser, f"/me/awards/{theirs}/sharing", {"enabled": "false"}).status_code == 404
    assert client.get(share_path(someone_else)).status_code == 200


def test_the_sharing_switch_turns_the_share_page_off_and_on(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        sign_in: SignIn) -> None:
    answer = issue(client, api_key, achievement)
    award, page = answer["awardId"], share_path(answer)
    sign_in(browser, LEARNER)
    off = post(browser, f"/me/awards/{award}/sharing", {"enabled": "false"})
    assert off.status_code == 303 and off.headers["location"].startswith("/me?done=unshared")
    assert client.get(page).status_code == 404
    assert client.get(f"{page}/credential.json").status_code == 404
    home = browser.get("/me")
    assert 'data-shared="false"' in home.text and "Turn sharing on" in home.text
    # Downloads from the home keep working while the link is off.
    own = browser.get(f"/me/awards/{award}/credential.json")
    assert own.status_code == 200 and json.loads(own.content) == answer["credentials"]["ob3"]
    on = post(browser, f"/me/awards/{award}/sharing", {"enabled": "true"})
    assert on.status_code == 303
    assert client.get(page).status_code == 200
    assert 'data-shared="true"' in browser.get("/me").text


def test_downloads(browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
                   svc: Services, sign_in: SignIn) -> None:
    answer = issue(client, api_key, achievement)
    award = answer["awardId"]
    sign_in(browser, LEARNER)
    with svc.db.session(read_only=True) as session:
        stored = {r.profile: r.document for r in session.scalars(
            select(CredentialRecord).where(CredentialRecord.award_id == award))}
    ob3 = browser.get(f"/me/awards/{award}/credential.json")
    assert ob3.content == stored["ob3"]
    assert ob3.headers["content-disposition"] == 'attachment; filename="credential.json"'
    elm = browser.get(f"/me/awards/{award}/elm.json")
    assert elm.content == stored["elm"]
    png = browser.get(f"/me/awards/{award}/badge.png")
    assert png.headers["content-type"] == "image/png"
    assert baking.extract_png(png.content) == stored["ob3"].decode("utf-8")
    assert TestClient(browser.app, base_url=str(browser.base_url)).get(
        f"/me/awards/{award}/badge.png").status_code == 401


def test_a_collection_verifies_each_credential_and_shows_a_revoked_one(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        leiden_key: dict, leiden_achievement: dict, admin: dict, sign_in: SignIn) -> None:
    kept = issue(client, api_key, achievement)
    revoked = issue(client, leiden_key, leiden_achievement)
    change = client.post(f"/admin/credentials/{revoked['credentials']['ob3']['id']}/status",
                         json={"action": "revoke", "reason": "issued in error"}, headers=admin)
    assert change.status_code == 200, change.text
    sign_in(browser, LEARNER)
    assert 'data-state="revoked"' in browser.get("/me").text
    made = post(browser, "/me/collections", [("name", "  Applications 2026 "),
                                            ("award", kept["awardId"]),
                                            ("award", revoked["awardId"])])
    assert made.status_code == 303
    home = browser.get("/me")
    [path] = _COLLECTION.findall(home.text)
    public = TestClient(browser.app, base_url=str(browser.base_url),
                        headers={"Accept": "text/html"})
    page = public.get(path)
    assert page.status_code == 200
    assert "Applications 2026" in page.text
    verdicts = re.findall(r'data-testid="item" data-verified="(true|false)"', page.text)
    assert verdicts == ["true", "false"]
    assert 'data-reason="verified"' in page.text and 'data-reason="revoked"' in page.text
    assert "Revoked by the issuer" in page.text
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert f'href="{share_path(kept)}"' in page.text  # details of the valid one
    # Unpublished: gone; published again: back; deleted: gone for good.
    collection_id = re.search(r'id="collection-(\d+)"', home.text).group(1)  # type: ignore[union-attr]
    assert post(browser, f"/me/collections/{collection_id}/published",
                {"published": "false"}).status_code == 303
    assert public.get(path).status_code == 404
    assert post(browser, f"/me/collections/{collection_id}/published",
                {"published": "true"}).status_code == 303
    assert public.get(path).status_code == 200
    assert post(browser, f"/me/collections/{collection_id}/delete", {}).status_code == 303
    assert public.get(path).status_code == 404
    assert 'data-testid="collection"' not in browser.get("/me").text


def test_a_collection_takes_only_the_learners_own_awards(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        sign_in: SignIn) -> None:
    mine = issue(client, api_key, achievement)
    theirs = issue(client, api_key, achievement, learner=OTHER)
    sign_in(browser, LEARNER)
    someone_elses = post(browser, "/me/collections", [
        ("name", "X"), ("award", mine["awardId"]), ("award", theirs["awardId"])])
    assert someone_elses.status_code == 404
    for fields, says in (([("name", " "), ("award", mine["awardId"])], "Give the collection a"),
                         ([("name", "x" * 201), ("award", mine["awardId"])], "at most 200"),
                         ([("name", "Nothing")], "Choose at least one")):
        refused = post(browser, "/me/collections", fields)
        assert refused.status_code == 422
        assert 'data-testid="collection-error"' in refused.text and says in refused.text
    kept = post(browser, "/me/collections", [("name", "x" * 201), ("award", mine["awardId"])])
    assert f'value="{"x" * 201}"' in kept.text and "checked" in kept.text  # the form re-shown
    assert 'data-testid="collection"' not in browser.get("/me").text
    assert TestClient(browser.app).get("/p/" + "a" * 32).status_code == 404
    # Another learner cannot touch this learner's collection.
    assert post(browser, "/me/collections", [("name", "Mine"),
                                             ("award", mine["awardId"])]).status_code == 303
    collection_id = re.search(r'id="collection-(\d+)"',  # type: ignore[union-attr]
                              browser.get("/me").text).group(1)
    other = TestClient(browser.app, base_url=str(browser.base_url),
                       headers={"Accept": "text/html"})
    sign_in(other, OTHER["email"])
    assert 'data-testid="collection"' not in other.get("/me").text
    for action, fields in ((f"/me/collections/{collection_id}/delete", {}),
                           (f"/me/collections/{collection_id}/published",
                            {"published": "false"})):
        assert post(other, action, fields).status_code == 404
    [path] = _COLLECTION.findall(browser.get("/me").text)
    assert other.get(path).status_code == 200  # still published


def test_the_migration_backfills_the_index_for_older_awards(
        client: TestClient, api_key: dict, achievement: dict, svc: Services) -> None:
    mine = issue(client, api_key, achievement)
    issue(client, api_key, achievement, learner={"name": "No Mail", "studentId": "S9"})
    with svc.db.session() as session:
        session.execute(delete(LearnerAward))
    url = make_url(svc.settings.database_url).render_as_string(hide_password=False)
    svc.db.dispose()
    migrate.downgrade(url, "0017_audit_issuer")
    migrate.upgrade(url)
    with svc.db.session(read_only=True) as session:
        rows = list(session.scalars(select(LearnerAward)))
    assert [row.award_id for row in rows] == [mine["awardId"]]


def test_odd_input_gets_a_clear_answer_never_a_5xx(browser: TestClient, client: TestClient,
                                                   api_key: dict, achievement: dict,
                                                   sign_in: SignIn) -> None:
    answer = issue(client, api_key, achievement)
    for email in ("", "not an address", "a@b", "x" * 5000 + "@example.org", "\x00@\x00",
                  "mari@exämple.ee", "<script>@example.org"):
        got = client.post("/me/sign-in", data={"email": email, "csrf": "x"})
        assert got.status_code < 500, (email, got.status_code)
    sign_in(browser, LEARNER)
    for path in ("/me/awards/%00/credential.json", "/me/awards/" + "f" * 65 + "/elm.json",
                 "/me/awards/ZZ/badge.png", "/p/%00", "/p/" + "a" * 101, "/me/link/%20"):
        got = browser.get(path)
        assert 400 <= got.status_code < 500, (path, got.status_code)
    for action, fields in (
            ("/me/collections", [("name", "\x00" * 10), ("award", "\x00")]),
            ("/me/collections", [("name", "A"), ("award", "f" * 5000)]),
            ("/me/collections/99999999999/delete", []),
            ("/me/collections/0/published", [("published", "maybe")]),
            (f"/me/awards/{answer['awardId']}/sharing", [("enabled", "\x00")])):
        got = post(browser, action, fields)
        assert got.status_code < 500, (action, got.status_code)
    problem = browser.get("/me/awards/ffff/credential.json", headers={"Accept": "application/json"})
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["type"] == "urn:mcred:problem:not-found"
