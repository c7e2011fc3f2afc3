"""Learner-home fixtures: an SMTP test server (aiosmtpd on 127.0.0.1, as the mail tests use),
a browser-like client at the https base URL, two issuers, and sign-in as a learner does it:
ask for the link, take it from the outbox, open it, confirm."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.deps import Services
from app.mail.models import OutboxMessage
from app.main import create_app
from tests import samples
from tests.conftest import BASE_URL, make_settings
from tests.console.test_mail import Inbox, free_port, start_smtp

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_LINK = re.compile(re.escape(BASE_URL) + r"(/me/link/[A-Za-z0-9_-]+)")
LEARNER = samples.LEARNER["email"]
LEIDEN = {"slug": "uni-leiden", "legal_name": "Leiden University", "country": "NL",
          "url": "https://www.universiteitleiden.nl", "email": "registrar@leiden.nl",
          "org_type": "hei"}


def csrf_on(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def link_in(text: str) -> str:
    found = _LINK.search(text)
    assert found, f"no sign-in link in {text!r}"
    return found.group(1)


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp_port: int) -> Settings:
    return make_settings(database_url, tmp_path / "keys", smtp_host="127.0.0.1",
                         smtp_port=smtp_port, smtp_starttls=False, mail_send_seconds=0,
                         mail_from="mcred <noreply@mcred.test>")


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    controller, received = start_smtp(smtp_port)
    yield received
    controller.stop()


@pytest.fixture
def browser(svc: Services) -> Iterator[TestClient]:
    """A client at the https base URL that keeps cookies, as a browser does."""
    with TestClient(create_app(svc=svc), base_url=BASE_URL, raise_server_exceptions=False,
                    headers={"Accept": "text/html"}) as test_client:
        yield test_client


def sign_in_outbox(svc: Services) -> list[OutboxMessage]:
    with svc.db.session(read_only=True) as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sign-in")
                                    .order_by(OutboxMessage.id)))


def ask_for_link(client: TestClient, email: str, **kwargs: Any) -> Any:
    form = client.get("/me")
    assert form.status_code == 200
    return client.post("/me/sign-in", data={"email": email, "csrf": csrf_on(form.text)},
                       follow_redirects=False, **kwargs)


def confirm(client: TestClient, path: str) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(path, data={"csrf": csrf_on(page.text)}, follow_redirects=False)


@pytest.fixture
def sign_in(svc: Services) -> Callable[[TestClient, str], None]:
    """``sign_in(client, email)``: the whole walk, with the link read from the outbox."""

    def walk(client: TestClient, email: str) -> None:
        assert ask_for_link(client, email).status_code == 200
        link = link_in(sign_in_outbox(svc)[-1].text_body)
        answer = confirm(client, link)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/me"

    return walk


@pytest.fixture
def leiden_key(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    assert client.post("/admin/issuers", json=LEIDEN, headers=admin).status_code == 201
    token = client.post("/admin/issuers/uni-leiden/api-keys", headers=admin).json()["apiKey"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def leiden_achievement(client: TestClient, leiden_key: dict[str, str]) -> dict[str, Any]:
    spec = {**samples.FULL_SPEC, "title": "Data Stewardship"}
    response = client.post("/achievements", json=spec, headers=leiden_key)
    assert response.status_code == 201, response.text
    return response.json()


def issue(client: TestClient, key: dict[str, str], achievement: dict, **extra: Any) -> dict:
    response = client.post("/credentials/issue",
                           json=samples.award_body(achievement["id"], **extra), headers=key)
    assert response.status_code == 201, response.text
    return response.json()


def share_path(answer: dict) -> str:
    return urlsplit(answer["shareLink"]["url"]).path
