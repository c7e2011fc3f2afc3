"""What a security review of the console found, each kept fixed by a test: no admin ever
sets another person's password (invitation links instead), one throttle per address however
it is spelled, a new password ends the other sessions, signed-in pages are never cached,
control characters and out-of-range ids are refused with a clear answer, weak passwords are
refused, the idle limit counts page views."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.audit import AuditEvent
from app.console import accounts
from app.console.models import ConsoleSession, StaffUser
from app.db import utcnow
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

MEMBERS = "/console/uni-tartu/members"


def _other_issuer(client: TestClient) -> None:
    body = {**ISSUER_BODY, "slug": "uni-b", "legal_name": "Uni B", "url": "https://b.org",
            "email": "info@b.org"}
    assert client.post("/admin/issuers", json=body,
                       headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 201


def test_a_new_member_chooses_their_own_password(registrar: TestClient, svc: Services) -> None:
    added = post_form(registrar, MEMBERS, MEMBERS,
                      {"email": "new@ut.ee", "role": "staff", "password": "admin's choice!!"})
    assert added.status_code == 201
    with svc.db.session() as session:
        user = accounts.find_user(session, "new@ut.ee")
        assert user is not None and user.password_hash is None  # the typed password is ignored
        assert user.invite_sha256 is not None
    link = invitation_on(added.text)
    assert link.startswith("/console/welcome/")
    newcomer = open_browser(svc)
    weak = newcomer.post(link, data={"password": "a" * 20, "confirm": "a" * 20})
    assert weak.status_code == 422 and "different characters" in weak.text
    assert accept_invitation(newcomer, link).status_code == 303
    assert newcomer.get("/console/uni-tartu").status_code == 200
    # The link works once.
    again = open_browser(svc)
    assert again.get(link).status_code == 404
    assert again.post(link, data={"password": "another password 1",
                                  "confirm": "another password 1"}).status_code == 404
    assert sign_in(again, "new@ut.ee", "another password 1").status_code == 401


def test_an_admin_cannot_take_over_an_account_another_issuer_uses(
        registrar: TestClient, svc: Services, client: TestClient,
        make_staff: Callable[..., None]) -> None:
    """The review's F1: an admin of uni-tartu makes an account for bob, removes him, and
    waits for uni-b to make bob its admin. Bob's account has no password anyone chose for
    him, and uni-tartu's admin cannot mint an invitation for it once bob belongs to uni-b."""
    _other_issuer(client)
    added = post_form(registrar, MEMBERS, MEMBERS, {"email": "bob@b.org", "role": "viewer"})
    stale_link = invitation_on(added.text)
    with svc.db.session() as session:
        bob = accounts.find_user(session, "bob@b.org")
        assert bob is not None
        bob_id = bob.id
    make_staff("boss@b.org", "uni-b", "admin")
    boss = open_browser(svc)
    sign_in(boss, "boss@b.org")
    existing = post_form(boss, "/console/uni-b/members", "/console/uni-b/members",
                         {"email": "bob@b.org", "role": "admin"})
    assert existing.status_code == 201
    assert "has an account already" in existing.text and "invite-link" not in existing.text
    # uni-tartu's admin may no longer hand out a link for bob (he belongs to uni-b too) …
    refused = post_form(registrar, MEMBERS, f"{MEMBERS}/{bob_id}/invite", {})
    assert refused.status_code == 409
    assert f"reinvite-{bob_id}" not in registrar.get(MEMBERS).text
    # … but bob can still use the link he was given by uni-tartu (it is his, not the admin's).
    bob_browser = open_browser(svc)
    assert accept_invitation(bob_browser, stale_link).status_code == 303
    assert bob_browser.get("/console/uni-b/members").status_code == 200


def test_throttling_counts_every_spelling_of_an_address(browser: TestClient,
                                                        make_staff: Callable[..., None]) -> None:
    make_staff("victim@ut.ee")
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert sign_in(browser, "victim@ut.ee", "wrong password!!").status_code == 401
    # Full-width letters and an ideographic full stop normalise to the same address.
    for variant in ("victim@\uff55t.ee", "VICTIM@ut\u3002ee", " victim@ut.ee "):
        assert sign_in(browser, variant, PASSWORD).status_code == 429


def test_a_new_password_ends_the_other_sessions(svc: Services, registrar: TestClient) -> None:
    laptop = open_browser(svc)
    assert sign_in(laptop, "registrar@ut.ee").status_code == 303
    done = post_form(registrar, "/console/account", "/console/account/password",
                     {"current": PASSWORD, "password": "a new long password",
                      "confirm": "a new long password"})
    assert done.status_code == 303
    assert laptop.get("/console", follow_redirects=False).status_code == 303  # signed out
    assert registrar.get("/console", follow_redirects=False).status_code == 200  # a fresh one
    with svc.db.session() as session:
        assert session.scalar(select(ConsoleSession).join(StaffUser).where(
            StaffUser.email == "registrar@ut.ee")) is not None


def test_signing_in_again_ends_the_browsers_earlier_session(svc: Services,
                                                           registrar: TestClient) -> None:
    cookie = registrar.cookies.get("__Host-mcred-console")
    assert sign_in(registrar, "registrar@ut.ee").status_code == 303
    stale = open_browser(svc)
    stale.cookies.set("__Host-mcred-console", cookie)
    assert stale.get("/console", follow_redirects=False).status_code == 303


def test_signed_in_pages_are_not_cached(registrar: TestClient) -> None:
    for path in ("/console", MEMBERS, "/console/login"):
        response = registrar.get(path)
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert "cache-control" not in registrar.get("/verify").headers


def test_odd_input_gets_a_clear_answer(registrar: TestClient, browser: TestClient) -> None:
    nul = post_form(registrar, MEMBERS, MEMBERS, {"email": "x@ut.ee", "name": "a\x00b\x1b",
                                                  "role": "viewer"})
    assert nul.status_code == 201  # control characters dropped, the rest kept
    with registrar.app.state.services.db.session() as session:  # type: ignore[attr-defined]
        added = accounts.find_user(session, "x@ut.ee")
        assert added is not None and added.name == "ab"
    assert registrar.get("/console/%F0%9F%98%80%00").status_code == 404
    for user_id in ("0", "2147483648", "99999999999999999999"):
        response = post_form(registrar, MEMBERS, f"{MEMBERS}/{user_id}", {"role": "viewer"})
        assert response.status_code == 422, user_id
    missing_role = post_form(registrar, MEMBERS, f"{MEMBERS}/1", {})
    assert missing_role.status_code == 422
    # A sign-in with a NUL in the address (not signed in yet): refused before any query.
    token = csrf_on(browser.get("/console/login").text)
    signin = browser.post("/console/login", data={"email": "a\x00@ut.ee", "password": "x",
                                                  "csrf": token})
    assert signin.status_code == 401 and 'value="a@ut.ee"' in signin.text


def test_change_password_when_throttled_says_so(registrar: TestClient) -> None:
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        post_form(registrar, "/console/account", "/console/account/password",
                  {"current": "not it at all", "password": "a new long password",
                   "confirm": "a new long password"})
    locked = post_form(registrar, "/console/account", "/console/account/password",
                       {"current": PASSWORD, "password": "a new long password",
                        "confirm": "a new long password"})
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert int(locked.headers["retry-after"]) > 0


def test_weak_passwords_are_refused() -> None:
    for weak, why in (("            ", "different characters"),
                      ("abababababababab", "different characters"),
                      ("registrar-2026-long", "e-mail address")):
        try:
            accounts.check_password(weak, "registrar@ut.ee")
        except accounts.AccountError as exc:
            assert why in str(exc)
        else:
            raise AssertionError(f"{weak!r} was accepted")
    assert accounts.check_password("correct horse battery staple", "registrar@ut.ee")


def test_browsing_keeps_a_session_alive(svc: Services, registrar: TestClient) -> None:
    """The idle limit counts page views (GETs), not only form posts."""
    with svc.db.session() as session:
        session.execute(update(ConsoleSession).values(
            last_seen_at=utcnow() - timedelta(minutes=90)))
    assert registrar.get("/console").status_code == 200
    with svc.db.session() as session:
        seen = session.scalar(select(ConsoleSession.last_seen_at))
        assert seen is not None and utcnow() - seen < timedelta(minutes=1)


def test_cli_service_admin_grant_is_audited(svc: Services, make_staff: Callable[..., None],
                                            monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from app import cli

    make_staff("ops@mcred.eu")
    monkeypatch.setattr(cli, "_load_settings", lambda: svc.settings)
    monkeypatch.setattr(cli, "_services", lambda settings: svc)
    cli.main(["staff", "add", "ops@mcred.eu", "--service-admin"])
    with svc.db.session() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.subject == "staff:ops@mcred.eu")).all()
    assert "staff.service-admin" in actions


def test_reserved_names_are_not_issuer_slugs(client: TestClient) -> None:
    response = client.post("/admin/issuers", json={**ISSUER_BODY, "slug": "welcome"},
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 422 and "reserved" in response.text
