"""Console accounts and sessions: argon2id passwords, sign-in throttling, sessions that end
on sign-out (everywhere), CSRF on every form, roles per issuer, and one issuer's staff not
seeing another's."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.console import accounts
from app.console.models import ConsoleSession, StaffUser
from app.deps import Services
from tests.conftest import ADMIN_TOKEN, ISSUER_BODY
from tests.console.conftest import (
    PASSWORD,
    accept_invitation,
    csrf_on,
    invitation_on,
    open_browser,
    post_form,
    sign_in,
)


def test_passwords_are_argon2id_hashes(svc: Services, make_staff: Callable[..., None]) -> None:
    make_staff("a@ut.ee")
    with svc.db.session(read_only=True) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == "a@ut.ee"))
        assert user is not None and user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_sign_in_sets_a_secure_http_only_cookie(browser: TestClient, issuer: dict,
                                                make_staff: Callable[..., None]) -> None:
    make_staff("registrar@ut.ee", "uni-tartu", "staff")
    response = sign_in(browser, "registrar@ut.ee")
    assert response.status_code == 303 and response.headers["location"] == "/console"
    cookie = next(h for h in response.headers.get_list("set-cookie")
                  if h.startswith("__Host-mcred-console="))
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= attributes
    home = browser.get("/console")
    assert home.status_code == 200 and "University of Tartu" in home.text


def test_wrong_password_keeps_the_address_and_says_why(browser: TestClient,
                                                       make_staff: Callable[..., None]) -> None:
    make_staff("a@ut.ee")
    response = sign_in(browser, "a@ut.ee", "wrong password!!")
    assert response.status_code == 401
    assert 'value="a@ut.ee"' in response.text
    assert "The e-mail address or the password is not right." in response.text
    # An unknown account gets the very same answer.
    unknown = sign_in(browser, "nobody@ut.ee", "wrong password!!")
    assert unknown.status_code == 401 and "is not right" in unknown.text
    assert browser.get("/console", follow_redirects=False).status_code == 303


def test_sign_in_is_throttled_per_account(browser: TestClient,
                                          make_staff: Callable[..., None]) -> None:
    make_staff("a@ut.ee")
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert sign_in(browser, "a@ut.ee", "wrong password!!").status_code == 401
    # Locked now, even with the right password, and it says for how long.
    locked = sign_in(browser, "a@ut.ee")
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60 + 1
    assert "Too many failed sign-ins" in locked.text


def test_sign_in_form_needs_its_own_token(browser: TestClient,
                                          make_staff: Callable[..., None]) -> None:
    make_staff("a@ut.ee")
    response = browser.post("/console/login", data={"email": "a@ut.ee", "password": PASSWORD,
                                                     "csrf": "forged"}, follow_redirects=False)
    assert response.status_code == 403 and "sign-in form expired" in response.text


def test_pages_send_strangers_to_sign_in_and_back(browser: TestClient, issuer: dict) -> None:
    response = browser.get("/console/uni-tartu/members", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/uni-tartu/members"
    api = browser.get("/console", headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert api.json()["type"] == "urn:mcred:problem:unauthenticated"


def test_sign_in_goes_back_only_to_console_pages(browser: TestClient,
                                                 make_staff: Callable[..., None]) -> None:
    make_staff("a@ut.ee")
    for target, landing in (("//evil.example/x", "/console"), ("https://evil.example", "/console"),
                            ("/console/account", "/console/account"), ("/\\evil", "/console")):
        form = browser.get("/console/login")
        response = browser.post("/console/login", data={
            "email": "a@ut.ee", "password": PASSWORD, "csrf": csrf_on(form.text),
            "next": target}, follow_redirects=False)
        assert response.headers["location"] == landing, target


def test_forms_refuse_missing_tokens_and_other_sites(registrar: TestClient) -> None:
    members = "/console/uni-tartu/members"
    data = {"email": "new@ut.ee", "role": "viewer", "password": PASSWORD}
    assert registrar.post(members, data=data).status_code == 403
    assert registrar.post(members, data={**data, "csrf": "x" * 43}).status_code == 403
    token = csrf_on(registrar.get(members).text)
    cross = registrar.post(members, data={**data, "csrf": token},
                           headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and "Cross-site" in cross.text
    fetch = registrar.post(members, data={**data, "csrf": token},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert fetch.status_code == 403
    ok = registrar.post(members, data={**data, "csrf": token},
                        headers={"Origin": "https://mcred.test"}, follow_redirects=False)
    assert ok.status_code == 201 and 'data-testid="invite-link"' in ok.text
    assert "new@ut.ee" in registrar.get(members).text


def test_sign_out_ends_the_session_on_the_server(registrar: TestClient, svc: Services) -> None:
    cookie = registrar.cookies.get("__Host-mcred-console")
    assert post_form(registrar, "/console", "/console/logout", {}).status_code == 303
    assert registrar.get("/console", follow_redirects=False).status_code == 303
    # The old cookie, replayed, signs nobody in: the row is gone.
    replay = open_browser(svc)
    replay.cookies.set("__Host-mcred-console", cookie or "", domain="mcred.test")
    assert replay.get("/console", follow_redirects=False).status_code == 303


def test_sign_out_everywhere(svc: Services, issuer: dict,
                             make_staff: Callable[..., None]) -> None:
    make_staff("registrar@ut.ee", "uni-tartu", "admin")
    laptop, phone = open_browser(svc), open_browser(svc)
    for browser in (laptop, phone):
        assert sign_in(browser, "registrar@ut.ee").status_code == 303
    assert post_form(phone, "/console/account", "/console/logout-everywhere",
                     {}).status_code == 303
    assert laptop.get("/console", follow_redirects=False).status_code == 303
    with svc.db.session(read_only=True) as session:
        assert session.scalars(select(ConsoleSession)).all() == []


def test_change_password_needs_the_current_one(registrar: TestClient) -> None:
    wrong = post_form(registrar, "/console/account", "/console/account/password",
                      {"current": "not it at all", "password": "a new long password",
                       "confirm": "a new long password"})
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    short = post_form(registrar, "/console/account", "/console/account/password",
                      {"current": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 12 characters" in short.text
    done = post_form(registrar, "/console/account", "/console/account/password",
                     {"current": PASSWORD, "password": "a new long password",
                      "confirm": "a new long password"})
    assert done.status_code == 303


def test_roles_decide_what_a_member_may_open(svc: Services, issuer: dict,
                                             make_staff: Callable[..., None]) -> None:
    make_staff("viewer@ut.ee", "uni-tartu", "viewer")
    viewer = open_browser(svc)
    sign_in(viewer, "viewer@ut.ee")
    overview = viewer.get("/console/uni-tartu")
    assert overview.status_code == 200 and "/console/uni-tartu/members" not in overview.text
    assert viewer.get("/console/uni-tartu/members").status_code == 403


def test_staff_of_one_issuer_see_nothing_of_another(svc: Services, client: TestClient,
                                                    issuer: dict,
                                                    make_staff: Callable[..., None]) -> None:
    other = {**ISSUER_BODY, "slug": "uni-gent", "legal_name": "Ghent University"}
    assert client.post("/admin/issuers", json=other, headers={
        "Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 201
    make_staff("admin@ugent.be", "uni-gent", "admin")
    ghent = open_browser(svc)
    sign_in(ghent, "admin@ugent.be")
    home = ghent.get("/console").text
    assert "Ghent University" in home and "University of Tartu" not in home
    for path in ("/console/uni-tartu", "/console/uni-tartu/members"):
        response = ghent.get(path)
        assert response.status_code == 404, path  # not 403: it is not there for them
    assert ghent.get("/console/admin/issuers").status_code == 403


def test_the_last_admin_stays(registrar: TestClient, svc: Services) -> None:
    with svc.db.session(read_only=True) as session:
        me = session.scalar(select(StaffUser).where(StaffUser.email == "registrar@ut.ee"))
        assert me is not None
    response = post_form(registrar, "/console/uni-tartu/members",
                         f"/console/uni-tartu/members/{me.id}", {"role": "viewer"})
    assert response.status_code == 422 and "at least one admin" in response.text


def test_service_admin_registers_an_institution(svc: Services,
                                                make_staff: Callable[..., None]) -> None:
    make_staff("ops@mcred.eu", service_admin=True)
    ops = open_browser(svc)
    sign_in(ops, "ops@mcred.eu")
    page = "/console/admin/issuers"
    bad = post_form(ops, page, page, {**ISSUER_BODY, "slug": "Not A Slug", "country": "XX",
                                      "admin_email": "head@ut.ee"})
    assert bad.status_code == 422
    assert 'value="Not A Slug"' in bad.text and 'data-testid="error-slug"' in bad.text
    assert 'data-testid="error-country"' in bad.text
    good = post_form(ops, page, page, {**ISSUER_BODY, "admin_email": "head@ut.ee"})
    assert good.status_code == 201
    head = open_browser(svc)
    assert accept_invitation(head, invitation_on(good.text)).status_code == 303
    assert head.get("/console/uni-tartu/members").status_code == 200



def test_the_password_hash_cost_follows_the_setting(svc: Services,
                                                    make_staff: Callable[..., None]) -> None:
    """Tests hash with 1 MiB (MCRED_PASSWORD_HASH_MEMORY_KIB); the default is 64 MiB, and a
    cheaper hash is made at the dearer cost when its owner next signs in."""
    make_staff("a@ut.ee")
    with svc.db.session(read_only=True) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == "a@ut.ee"))
        assert user is not None and user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$v=19$m=1024,t=3,p=4$")
    try:
        accounts.use_memory_cost(65536)
        assert accounts.hash_password(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        with svc.db.session() as session:
            assert accounts.authenticate(session, "a@ut.ee", PASSWORD, "127.0.0.1") is not None
        with svc.db.session(read_only=True) as session:
            user = session.scalar(select(StaffUser).where(StaffUser.email == "a@ut.ee"))
            assert user is not None and user.password_hash is not None
            assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    finally:
        accounts.use_memory_cost(svc.settings.password_hash_memory_kib)
