"""Console fixtures: an https test client (the session cookie is Secure under an https base
URL, as in production), staff accounts made through the accounts service, and sign-in as a
browser does it (the form's CSRF token read from the page)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.console import accounts
from app.deps import Services
from app.issuers.service import get_issuer
from app.main import create_app
from tests.conftest import BASE_URL

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_INVITE = re.compile(r'id="invite-link" type="text" readonly value="([^"]+)"')


def csrf_on(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    form = client.get("/console/login")
    assert form.status_code == 200
    return client.post("/console/login", data={"email": email, "password": password,
                                                "csrf": csrf_on(form.text), "next": "/console"},
                       follow_redirects=False)


def post_form(client: TestClient, page: str, action: str, data: dict[str, Any],
              **kwargs: Any) -> Any:
    """Submit a form of ``page`` to ``action`` as a browser would: with the page's token."""
    token = csrf_on(client.get(page).text)
    return client.post(action, data={"csrf": token, **data}, follow_redirects=False, **kwargs)


def invitation_on(html: str) -> str:
    """The path of the one-time invitation link a page shows."""
    found = _INVITE.search(html)
    assert found, "no invitation link on the page"
    return found.group(1).removeprefix(BASE_URL)


def accept_invitation(client: TestClient, path: str, password: str = PASSWORD) -> Any:
    """Open the invitation link and choose the password, as the invited person does."""
    assert client.get(path).status_code == 200
    return client.post(path, data={"password": password, "confirm": password},
                       follow_redirects=False)


@pytest.fixture
def make_staff(svc: Services) -> Callable[..., None]:
    """``make_staff(email, issuer_slug=None, role=None, service_admin=False)``."""

    def make(email: str, slug: str | None = None, role: str | None = None,
             service_admin: bool = False, password: str | None = PASSWORD) -> None:
        with svc.db.session() as session:
            user = accounts.find_user(session, email) or accounts.create_user(
                session, email, password=password, service_admin=service_admin, actor="test")
            if slug and role:
                accounts.set_role(session, get_issuer(session, slug), user, role, actor="test")

    return make


@pytest.fixture
def browser(svc: Services) -> Iterator[TestClient]:
    """A client at the https base URL that keeps cookies, as a browser does."""
    with TestClient(create_app(svc=svc), base_url=BASE_URL, raise_server_exceptions=False,
                    headers={"Accept": "text/html"}) as test_client:
        yield test_client


def open_browser(svc: Services) -> TestClient:
    return TestClient(create_app(svc=svc), base_url=BASE_URL, raise_server_exceptions=False,
                      headers={"Accept": "text/html"})


@pytest.fixture
def registrar(browser: TestClient, issuer: dict, make_staff: Callable[..., None]) -> TestClient:
    """The browser, signed in as an issuer admin of uni-tartu (registrar@ut.ee)."""
    make_staff("registrar@ut.ee", "uni-tartu", "admin")
    assert sign_in(browser, "registrar@ut.ee").status_code == 303
    return browser
