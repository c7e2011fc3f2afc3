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

from tests.conftest import ADMIN_TOKEN
from tests.e2e.servers import free_port, mcred_server, server_env
from tests.e2e.test_accessibility import AXE, TAGS
from tests.e2e.test_browser import ARTIFACTS, browser  # noqa: F401

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


def _staff(folder: Path, email: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "app.cli", "staff", "add", email, *args],
                   cwd=folder, env={**server_env(dict(os.environ), folder),
                                    "MCRED_STAFF_PASSWORD": PASSWORD},
                   check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("console")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    mail = {"MCRED_SMTP_HOST": "127.0.0.1", "MCRED_SMTP_PORT": str(smtp.port),
            "MCRED_SMTP_STARTTLS": "false", "MCRED_MAIL_FROM": "credentials@ut.ee",
            "MCRED_MAIL_SEND_SECONDS": "1"}
    try:
        with mcred_server(folder, mail, ("--workers", "1")) as base, \
                httpx.Client(base_url=base, timeout=30) as api:
            admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            for slug, name, site in (("uni-tartu", "University of Tartu", "https://ut.ee"),
                                     ("tallinn-uni", "Tallinn University", "https://tlu.ee")):
                api.post("/admin/issuers", headers=admin, json={
                    "slug": slug, "legal_name": name, "country": "EE", "url": site,
                    "email": f"info@{site[8:]}"}).raise_for_status()
            _staff(folder, REGISTRAR, "--name", "Riina Registrar", "--issuer", "uni-tartu",
                   "--role", "admin")
            _staff(folder, VIEWER, "--issuer", "uni-tartu", "--role", "viewer")
            _staff(folder, OTHER, "--issuer", "tallinn-uni", "--role", "staff")
            yield {"base": base, "inbox": inbox, "folder": folder}
    finally:
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


def axe_violations(page: Page) -> list[Any]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           TAGS)
    assert result["passes"], "axe ran no rule"
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]]


def report_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _define(page: Page, base: str) -> str:
    """Fill the definition form as a registrar would; the new achievement's id."""
    page.goto(base + "/console/uni-tartu/achievements/new")
    summary = page.get_by_test_id("completeness-summary")
    before = summary.inner_text()
    page.fill("#f-title", "Data Literacy for Public Administration")
    page.fill("#f-description", "Reading, cleaning and presenting public-sector data.")
    page.fill("#f-learningOutcomes", "Clean a public data set\nPresent findings to officials")
    page.select_option("#f-fieldOfStudy", index=1)
    page.fill("#f-ects", "3")
    page.select_option("#f-eqfLevel", index=6)
    page.select_option("#f-assessmentType", index=1)
    page.locator("input[name=participation]").first.check()
    page.select_option("#f-qa-0-type", index=1)
    page.fill("#f-qa-0-agency", "EKKA")
    page.fill("#f-gradeScale", "A\nB\nC\nD\nE")
    # The completeness panel follows the form as it is filled (the check runs on the server):
    # every mandatory element is there or given when issuing (learner, date).
    todo = page.locator("[data-testid=completeness] li.todo")
    expect(todo).to_have_count(0, timeout=10_000)
    expect(summary).not_to_have_text(before)
    page.get_by_test_id("save").click()
    page.wait_for_load_state()
    found = page.url.rsplit("/achievements/", 1)
    assert len(found) == 2 and len(found[1]) == 32, page.url
    return found[1]


def test_a_registrar_issues_and_revokes(browser: Browser, console: dict[str, Any],  # noqa: F811
                                        tmp_path: Path) -> None:
    base, inbox = console["base"], console["inbox"]
    page = _page(browser)
    sign_in(page, base, REGISTRAR)
    achievement = _define(page, base)
    pages = console.setdefault("pages", {})
    pages["achievement"] = page.url
    pages["achievement-edit"] = page.url + "/edit"
    pages["achievement-preview"] = page.url + "/preview"

    # One award, from the form, with the e-mail to the learner.
    page.goto(f"{base}/console/uni-tartu/issue?achievement={achievement}")
    page.fill("#f-name", "Mari Maasikas")
    page.fill("#f-email", "mari@example.ee")
    page.select_option("#f-grade", "A")
    expect(page.locator("#f-notify")).to_be_checked()
    page.get_by_test_id("issue").click()
    expect(page.get_by_test_id("issued")).to_be_visible()
    link = page.get_by_test_id("share-link").input_value()
    pages["issued"] = page.url
    assert link.startswith(base + "/c/")
    mail = inbox.wait_for("mari@example.ee")
    body = mail.get_body(("plain",))
    assert body is not None and link in body.get_content()
    assert "Data Literacy for Public Administration" in str(mail["Subject"])

    # A 200-row cohort: preview, confirm, watch it finish, download the report.
    rows = "".join(f"Learner {n},learner{n}@example.ee,S{n:04d},2026-06-30,B\n"
                   for n in range(200))
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("name;email;student id;awarded on;grade\n".replace(";", ",") + rows)
    page.goto(f"{base}/console/uni-tartu/cohorts/new?achievement={achievement}")
    page.locator("#f-notify").uncheck()
    page.set_input_files("#f-file", str(cohort))
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("summary-line")).to_contain_text("200 ready, 0 with problems")
    page.get_by_test_id("confirm").click()
    progress = page.get_by_test_id("progress")
    expect(progress).to_have_attribute("data-done", "yes", timeout=120_000)
    pages["cohort-report"] = page.url
    assert page.get_by_test_id("count-issued").inner_text() == "200"
    with page.expect_download() as download:
        page.get_by_test_id("report-csv").click()
    report = report_rows(Path(download.value.path()).read_text(encoding="utf-8-sig"))
    assert len(report) == 200
    links = {row[key] for row in report for key in row if key and "link" in key.lower()}
    assert len(links) == 200 and all(value.startswith(base + "/c/") for value in links)

    # Revoke Mari's award with a reason; the public page says it.
    page.goto(f"{base}/console/uni-tartu/credentials?q=Mari")
    page.get_by_test_id("award").first.get_by_role("link").first.click()
    page.select_option("#f-action", "revoke")
    page.select_option("#f-reason", "error")
    page.fill("#f-details", "Awarded to the wrong cohort.")
    page.get_by_test_id("status-next").click()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("status")).to_have_text("Revoked")
    pages["credential-revoked"] = page.url
    public = _page(browser)
    public.goto(link)
    expect(public.get_by_test_id("banner")).to_be_visible()
    expect(public.get_by_test_id("status-reason")).to_contain_text("Awarded to the wrong cohort.")
    public.context.close()
    page.context.close()


def test_a_viewer_cannot_issue(browser: Browser, console: dict[str, Any]) -> None:  # noqa: F811
    base = console["base"]
    page = _page(browser)
    sign_in(page, base, VIEWER)
    page.goto(base + "/console/uni-tartu")
    nav = page.get_by_role("navigation", name="Console")
    expect(nav.get_by_role("link", name="Micro-credentials")).to_be_visible()
    expect(nav.get_by_role("link", name="Issue", exact=True)).to_have_count(0)
    answer = page.goto(base + "/console/uni-tartu/issue")
    assert answer is not None and answer.status == 403
    page.context.close()


def test_staff_of_another_issuer_see_nothing(browser: Browser,  # noqa: F811
                                            console: dict[str, Any]) -> None:
    base = console["base"]
    page = _page(browser)
    sign_in(page, base, OTHER)
    expect(page.get_by_text("University of Tartu")).to_have_count(0)
    for path in ("/console/uni-tartu", "/console/uni-tartu/credentials",
                 "/console/uni-tartu/achievements"):
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 404, path
    page.context.close()


CONSOLE_PAGES = {
    "login": (None, "/console/login"),
    "home": (REGISTRAR, "/console"),
    "overview": (REGISTRAR, "/console/uni-tartu"),
    "achievements": (REGISTRAR, "/console/uni-tartu/achievements"),
    "achievement-new": (REGISTRAR, "/console/uni-tartu/achievements/new"),
    "issue": (REGISTRAR, "/console/uni-tartu/issue"),
    "cohort-new": (REGISTRAR, "/console/uni-tartu/cohorts/new"),
    "cohorts": (REGISTRAR, "/console/uni-tartu/cohorts"),
    "credentials": (REGISTRAR, "/console/uni-tartu/credentials"),
    "api-keys": (REGISTRAR, "/console/uni-tartu/api-keys"),
    "members": (REGISTRAR, "/console/uni-tartu/members"),
    "settings": (REGISTRAR, "/console/uni-tartu/settings"),
    "settings-email": (REGISTRAR, "/console/uni-tartu/settings/email"),
    "settings-sso": (REGISTRAR, "/console/uni-tartu/settings/sso"),
    "audit": (REGISTRAR, "/console/uni-tartu/audit"),
    "account": (REGISTRAR, "/console/account"),
    "viewer-overview": (VIEWER, "/console/uni-tartu"),
}


@pytest.mark.parametrize("name", list(CONSOLE_PAGES))
def test_console_pages_pass_axe_and_fit_a_phone(browser: Browser,  # noqa: F811
                                                console: dict[str, Any], name: str) -> None:
    who, path = CONSOLE_PAGES[name]
    _check_page(browser, console["base"], who, path, name)


WALKED = ("achievement", "achievement-edit", "achievement-preview", "issued", "cohort-report",
          "credential-revoked")


@pytest.mark.parametrize("name", WALKED)
def test_pages_of_the_walk_pass_axe_and_fit_a_phone(browser: Browser,  # noqa: F811
                                                    console: dict[str, Any], name: str) -> None:
    """The pages the registrar's walk went through, with its data on them."""
    url = console.get("pages", {}).get(name)
    assert url, "test_a_registrar_issues_and_revokes must run first (same module)"
    _check_page(browser, console["base"], REGISTRAR, url.removeprefix(console["base"]), name)


def _check_page(browser: Browser, base: str, who: str | None, path: str,  # noqa: F811
                name: str) -> None:
    # One context and one sign-in for both widths; the page is loaded afresh at each.
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  locale="en-GB", bypass_csp=True)
    page = context.new_page()
    if who:
        sign_in(page, base, who)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"console-{name}-{width}.png"), full_page=True)
        if width == 390:
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 390, f"{path} is {wide} px wide on a phone"
        else:
            assert axe_violations(page) == []
    context.close()
