"""The staff console in Debian's Chromium against a real mcred server and a real SMTP server
(aiosmtpd on 127.0.0.1): a registrar signs in, defines a micro-credential, issues one award,
uploads a 200-row cohort and watches it finish, downloads the report, revokes an award with a
reason that the public page then shows, and the learner's e-mail arrives. A viewer cannot
issue; issuer B's staff see nothing of issuer A. Every console page passes axe-core; each is
photographed at 1280 and 390 px wide (artifacts/console-*.png)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, expect

from app import migrate
from tests.conftest import ADMIN_TOKEN, KEY_SECRET
from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import ARTIFACTS, ROOT, _free_port, browser  # noqa: F401

PASSWORD = "correct horse battery staple"
REGISTRAR, VIEWER, OTHER = "registrar@ut.ee", "viewer@ut.ee", "staff@tlu.ee"


class Inbox:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, to: str, timeout: float = 30) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in str(message["To"]):
                    return message
            time.sleep(0.2)
        raise AssertionError(f"no e-mail to {to} within {timeout} s")


def _staff(env: dict[str, str], folder: Path, email: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "app.cli", "staff", "add", email, *args],
                   cwd=folder, env={**env, "MCRED_STAFF_PASSWORD": PASSWORD}, check=True,
                   capture_output=True, text=True)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("console")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{folder / 'mcred.db'}"
    migrate.upgrade(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCRED_")}
    env.update({"MCRED_DATABASE_URL": url, "MCRED_KEYS_DIR": str(folder / "keys"),
                "MCRED_KEY_SECRET": KEY_SECRET, "MCRED_ADMIN_TOKEN": ADMIN_TOKEN,
                "MCRED_PUBLIC_BASE_URL": base, "MCRED_LOG_LEVEL": "WARNING",
                "MCRED_SMTP_HOST": "127.0.0.1", "MCRED_SMTP_PORT": str(smtp.port),
                "MCRED_MAIL_FROM": "credentials@ut.ee", "PYTHONPATH": str(ROOT)})
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port),
                                "--workers", "1"],
                               cwd=folder, env=env, stderr=subprocess.PIPE, text=True)
    try:
        with httpx.Client(base_url=base, timeout=30) as api:
            for _ in range(150):
                try:
                    if api.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            for slug, name, site in (("uni-tartu", "University of Tartu", "https://ut.ee"),
                                     ("tallinn-uni", "Tallinn University", "https://tlu.ee")):
                api.post("/admin/issuers", headers=admin, json={
                    "slug": slug, "legal_name": name, "country": "EE", "url": site,
                    "email": f"info@{site[8:]}"}).raise_for_status()
        _staff(env, folder, REGISTRAR, "--name", "Riina Registrar", "--issuer", "uni-tartu",
               "--role", "admin")
        _staff(env, folder, VIEWER, "--issuer", "uni-tartu", "--role", "viewer")
        _staff(env, folder, OTHER, "--issuer", "tallinn-uni", "--role", "staff")
        yield {"base": base, "inbox": inbox, "folder": folder}
    finally:
        process.terminate()
        process.wait(timeout=20)
        smtp.stop()


def _page(browser: Browser, width: int = 1280) -> Page:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                  accept_downloads=True, bypass_csp=False)
    return context.new_page()


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/console")
    expect(page).to_have_url(f"{base}/console/login?next=/console")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/console")


def photograph(browser: Browser, base: str, email: str, path: str, name: str) -> None:  # noqa: F811
    """The page at 1280 and 390 px, signed in as ``email``; at 390 px nothing may be wider
    than the screen (no sideways scrolling on a phone)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page = _page(browser, width)
        sign_in(page, base, email)
        page.goto(base + path)
        page.screenshot(path=str(ARTIFACTS / f"console-{name}-{width}.png"), full_page=True)
        if width == 390:
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= 390, f"{path} is {overflow} px wide on a phone"
        page.context.close()


def axe_violations(page: Page) -> list[Any]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    assert result["passes"], "axe ran no rule"
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]]


def report_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
