"""E-mail to learners: an award that asks for it queues one message in its own transaction,
the sender delivers it over SMTP (a real aiosmtpd server on 127.0.0.1) in the learner's
language, retries with backoff while the server is down, fails at once on a permanent
refusal, and staff can send it again."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from app.config import Settings
from app.credentials import batch
from app.credentials.service import Issuing, award
from app.db import utcnow
from app.deps import Services
from app.elements.model import AwardRequest
from app.issuers.service import get_issuer
from app.mail import sender, service, texts
from app.mail.models import OutboxMessage
from app.web.i18n import translations
from tests import samples
from tests.conftest import make_settings
from tests.console.conftest import post_form, sign_in

TITLE = samples.FULL_SPEC["title"]
SMTP_PASSWORD = "smtp-secret-password-42"


class Inbox:
    """An aiosmtpd handler keeping what it receives; it refuses RCPT to nobody@… (550)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_smtp(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp_port: int) -> Settings:
    """The suite's settings with an SMTP server at ``smtp_port`` (plain: a test server), the
    sender driven by the tests (no background thread)."""
    return make_settings(database_url, tmp_path / "keys", smtp_host="127.0.0.1",
                         smtp_port=smtp_port, smtp_starttls=False, mail_send_seconds=0,
                         mail_from="University of Tartu <registrar@ut.ee>")


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    controller, received = start_smtp(smtp_port)
    yield received
    controller.stop()


def issue(client: TestClient, api_key: dict, achievement: dict, **extra: Any) -> dict:
    body = samples.award_body(achievement["id"], **extra)
    response = client.post("/credentials/issue", json=body, headers=api_key)
    assert response.status_code == 201, response.text
    return response.json()


def outbox(svc: Services) -> list[OutboxMessage]:
    with svc.db.session(read_only=True) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_an_award_with_notify_learner_delivers_one_mail(client: TestClient, api_key: dict,
                                                        achievement: dict, svc: Services,
                                                        inbox: Inbox) -> None:
    answer = issue(client, api_key, achievement, notifyLearner=True)
    assert sender.send_due(svc.db, svc.settings) == 1
    assert sender.send_due(svc.db, svc.settings) == 0  # sent once, not again
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["Mari.Maasikas@example.ee"]
    assert message["To"] == "Mari.Maasikas@example.ee"
    assert message["From"] == "University of Tartu <registrar@ut.ee>"
    assert message["Subject"] == f"Your micro-credential: {TITLE}"
    assert message["Content-Language"] == "en"
    text = body_text(message)
    share = answer["shareLink"]["url"]
    assert share in text and "Dear Mari Maasikas" in text and "University of Tartu" in text
    assert answer["shareLink"]["manageKey"] not in message.as_string()  # the public URL only
    wallet = f"{svc.settings.public_base_url}/me/awards/{answer['awardId']}/wallet"
    assert wallet in text  # "Add to wallet", behind the learner's own sign-in
    html = message.get_body(preferencelist=("html",))
    assert html is not None and f'<a href="{share}">' in str(html.get_content())
    assert f'<a href="{wallet}">' in str(html.get_content())
    [row] = outbox(svc)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None


def test_without_notify_learner_nothing_is_queued(client: TestClient, api_key: dict,
                                                  achievement: dict, svc: Services) -> None:
    issue(client, api_key, achievement)
    issue(client, api_key, achievement, notifyLearner=True,
          learner={"name": "No Mail", "studentId": "S1"})  # no address: nothing to send
    assert outbox(svc) == []


def test_an_award_rolled_back_sends_nothing(client: TestClient, api_key: dict,
                                            achievement: dict, svc: Services) -> None:
    request = AwardRequest.model_validate(samples.award_body(achievement["id"],
                                                             notifyLearner=True))
    with pytest.raises(RuntimeError), svc.db.session() as session:
        award(session, Issuing(svc.keystore, svc.settings.public_base_url),
              get_issuer(session, "uni-tartu"), request, "test")
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        raise RuntimeError("the caller fails after the award")
    assert outbox(svc) == []


def test_the_default_subject_is_a_translatable_msgid(client: TestClient, api_key: dict,
                                                     achievement: dict, svc: Services,
                                                     inbox: Inbox) -> None:
    """A French learner without the issuer's own French text gets mcred's default subject
    through the French catalogue (translations come later: it may still read as English)."""
    assert texts.DEFAULT_SUBJECT == "Your micro-credential: %(title)s"
    learner = {**samples.LEARNER, "language": "fr-BE"}
    issue(client, api_key, achievement, notifyLearner=True, learner=learner)
    sender.send_due(svc.db, svc.settings)
    [(_to, message)] = inbox.messages
    expected = translations("fr").gettext(texts.DEFAULT_SUBJECT) % {"title": TITLE}
    assert message["Subject"] == expected and message["Content-Language"] == "fr"


def _german_texts(registrar: TestClient, **fields: str) -> Any:
    page = "/console/uni-tartu/settings/email"
    data = {"default_language": "en", "subject-de": "Ihr Nachweis: {title}",
            "body-de": "Hallo {learner_name},\n\n{issuer} verleiht Ihnen „{title}“.\n\n{link}",
            **fields}
    return post_form(registrar, page, page, data)


def test_a_german_learner_gets_the_issuers_german_text(registrar: TestClient, client: TestClient,
                                                       api_key: dict, achievement: dict,
                                                       svc: Services, inbox: Inbox) -> None:
    assert _german_texts(registrar).status_code == 303
    saved = registrar.get("/console/uni-tartu/settings/email")
    assert "Ihr Nachweis: {title}" in saved.text and 'data-testid="done"' not in saved.text
    answer = issue(client, api_key, achievement, notifyLearner=True,
                   learner={**samples.LEARNER, "language": "de-AT"})
    assert sender.send_due(svc.db, svc.settings) == 1
    [(_to, message)] = inbox.messages
    assert message["Subject"] == f"Ihr Nachweis: {TITLE}"
    assert message["Content-Language"] == "de"
    text = body_text(message)
    assert text.startswith("Hallo Mari Maasikas,") and answer["shareLink"]["url"] in text
    assert "University of Tartu verleiht Ihnen" in text
    html = message.get_body(preferencelist=("html",))
    assert html is not None and '<html lang="de">' in str(html.get_content())


def test_the_issuers_default_language_is_used_when_the_learners_is_not_ours(
        registrar: TestClient, client: TestClient, api_key: dict, achievement: dict,
        svc: Services, inbox: Inbox) -> None:
    assert _german_texts(registrar, default_language="de").status_code == 303
    issue(client, api_key, achievement, notifyLearner=True,
          learner={**samples.LEARNER, "language": "et"})  # Estonian: not a site language
    sender.send_due(svc.db, svc.settings)
    assert inbox.messages[0][1]["Subject"] == f"Ihr Nachweis: {TITLE}"


def test_an_unknown_placeholder_is_a_field_error(registrar: TestClient, svc: Services) -> None:
    response = _german_texts(registrar, **{"subject-de": "Ihr {titel}"})
    assert response.status_code == 422
    assert 'data-testid="error-subject-de"' in response.text
    assert "Unknown placeholder {titel}" in response.text
    assert 'value="Ihr {titel}"' in response.text  # what was typed is shown again
    stray = _german_texts(registrar, **{"body-de": "Hallo {learner_name"})
    assert stray.status_code == 422 and 'data-testid="error-body-de"' in stray.text
    attribute = _german_texts(registrar, **{"body-de": "{title.__class__}"})
    assert attribute.status_code == 422
    nul = _german_texts(registrar, **{"subject-de": "Ihr\x00 {nope}"})
    assert nul.status_code == 422 and 'value="Ihr {nope}"' in nul.text
    half = _german_texts(registrar, **{"body-de": ""})
    assert half.status_code == 422 and 'data-testid="error-body-de"' in half.text
    with svc.db.session(read_only=True) as session:
        assert service.own_texts(session, get_issuer(session, "uni-tartu")) == {}


def test_settings_are_for_issuer_admins(browser: TestClient, issuer: dict,
                                        make_staff: Callable[..., None]) -> None:
    make_staff("staff@ut.ee", "uni-tartu", "staff")
    sign_in(browser, "staff@ut.ee")
    assert browser.get("/console/uni-tartu/settings/email").status_code == 403


def test_smtp_down_keeps_the_message_queued_then_sends_it(client: TestClient, api_key: dict,
                                                          achievement: dict, svc: Services,
                                                          smtp_port: int) -> None:
    issue(client, api_key, achievement, notifyLearner=True)
    start = utcnow()
    assert sender.send_due(svc.db, svc.settings, now=start) == 0  # nothing listens yet
    [row] = outbox(svc)
    assert (row.state, row.attempts) == ("queued", 1)
    assert row.next_attempt_at == start + timedelta(minutes=1)
    assert row.last_error and "ConnectionRefusedError" in row.last_error
    # Not due again before the backoff has passed: not even an attempt.
    sender.send_due(svc.db, svc.settings, now=start + timedelta(seconds=30))
    assert outbox(svc)[0].attempts == 1
    controller, inbox = start_smtp(smtp_port)
    try:
        assert sender.send_due(svc.db, svc.settings, now=start + timedelta(seconds=61)) == 1
    finally:
        controller.stop()
    [row] = outbox(svc)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    assert [m["To"] for _r, m in inbox.messages] == ["Mari.Maasikas@example.ee"]


def test_a_message_fails_after_the_last_backoff(client: TestClient, api_key: dict,
                                                achievement: dict, svc: Services) -> None:
    issue(client, api_key, achievement, notifyLearner=True)
    now = utcnow()
    waits = []
    for _ in range(service.MAX_ATTEMPTS):
        sender.send_due(svc.db, svc.settings, now=now)
        row = outbox(svc)[0]
        if row.state == "queued":
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30)]
    row = outbox(svc)[0]
    assert (row.state, row.attempts) == ("failed", 4)
    assert sender.send_due(svc.db, svc.settings, now=now + timedelta(days=1)) == 0


def test_a_permanent_refusal_fails_at_once(client: TestClient, api_key: dict,
                                           achievement: dict, svc: Services,
                                           inbox: Inbox) -> None:
    issue(client, api_key, achievement, notifyLearner=True,
          learner={"name": "Nobody", "email": "nobody@example.ee"})
    assert sender.send_due(svc.db, svc.settings) == 0
    [row] = outbox(svc)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error and "550" in row.last_error
    assert inbox.messages == []


def test_the_smtp_password_never_reaches_the_outbox(client: TestClient, api_key: dict,
                                                    achievement: dict, svc: Services,
                                                    inbox: Inbox) -> None:
    """aiosmtpd offers no AUTH on a plain connection: the login fails, and is retried."""
    with_login = svc.settings.model_copy(update={"smtp_username": "mcred",
                                                 "smtp_password": SecretStr(SMTP_PASSWORD)})
    issue(client, api_key, achievement, notifyLearner=True)
    assert sender.send_due(svc.db, with_login) == 0
    [row] = outbox(svc)
    assert row.state == "queued" and row.last_error
    assert SMTP_PASSWORD not in row.last_error


def test_no_smtp_host_leaves_messages_queued(client: TestClient, api_key: dict,
                                             achievement: dict, svc: Services) -> None:
    issue(client, api_key, achievement, notifyLearner=True)
    unconfigured = svc.settings.model_copy(update={"smtp_host": None})
    assert sender.send_due(svc.db, unconfigured) == 0
    [row] = outbox(svc)
    assert (row.state, row.attempts) == ("queued", 0)


def test_send_again_queues_another_message(registrar: TestClient, client: TestClient,
                                           api_key: dict, achievement: dict, svc: Services,
                                           inbox: Inbox) -> None:
    answer = issue(client, api_key, achievement, notifyLearner=True)
    sender.send_due(svc.db, svc.settings)
    page = f"/console/uni-tartu/credentials/{answer['awardId']}"
    response = post_form(registrar, page, page + "/resend", {})
    assert response.status_code == 303 and response.headers["location"].endswith("done=resend")
    assert [m.state for m in outbox(svc)] == ["sent", "queued"]
    shown = registrar.get(page)
    assert shown.text.count('data-testid="delivery"') == 2
    assert 'data-state="queued"' in shown.text and 'data-state="sent"' in shown.text
    assert sender.send_due(svc.db, svc.settings) == 1
    assert len(inbox.messages) == 2
    assert inbox.messages[1][1]["Subject"] == inbox.messages[0][1]["Subject"]


def test_send_again_without_an_address_says_so(registrar: TestClient, client: TestClient,
                                               api_key: dict, achievement: dict,
                                               svc: Services) -> None:
    answer = issue(client, api_key, achievement, learner={"name": "No Mail", "studentId": "S9"})
    page = f"/console/uni-tartu/credentials/{answer['awardId']}"
    assert 'data-testid="resend"' not in registrar.get(page).text
    response = post_form(registrar, page, page + "/resend", {})
    assert response.status_code == 422 and 'data-testid="error-resend"' in response.text
    assert outbox(svc) == []


def test_bulk_rows_with_notify_and_language_queue_mail(client: TestClient, api_key: dict,
                                                       achievement: dict, svc: Services,
                                                       inbox: Inbox) -> None:
    data = (b"name,email,awarded_on,notify,language\n"
            b"Anna Tamm,anna@example.ee,2026-06-30,yes,nl\n"
            b"Peeter Kask,peeter@example.ee,2026-06-30,no,de\n")
    response = client.post(f"/credentials/bulk?achievementId={achievement['id']}", content=data,
                           headers={**api_key, "Content-Type": "text/csv"})
    assert response.status_code == 202, response.text
    batch.run_worker(svc.db, Issuing(svc.keystore, svc.settings.public_base_url),
                     exit_when_idle=True, processes=1)
    assert [(m.to_address, m.language) for m in outbox(svc)] == [("anna@example.ee", "nl")]
    assert sender.send_due(svc.db, svc.settings) == 1
    assert inbox.messages[0][0] == ["anna@example.ee"]


def test_the_cli_sends_due_mail(client: TestClient, api_key: dict, achievement: dict,
                                svc: Services, inbox: Inbox,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from app import cli

    issue(client, api_key, achievement, notifyLearner=True)
    monkeypatch.setattr(cli, "_load_settings", lambda: svc.settings)
    cli.main(["mail", "send-due"])
    assert len(inbox.messages) == 1 and outbox(svc)[0].state == "sent"


def test_a_message_left_sending_by_a_dead_sender_is_sent_later(client: TestClient,
                                                               api_key: dict,
                                                               achievement: dict,
                                                               svc: Services,
                                                               inbox: Inbox) -> None:
    issue(client, api_key, achievement, notifyLearner=True)
    start = utcnow()
    with svc.db.session() as session:  # claimed, then the sender died before sending
        assert len(service.claim_due(session, start, 10)) == 1
    assert sender.send_due(svc.db, svc.settings, now=start + timedelta(minutes=5)) == 0
    assert sender.send_due(svc.db, svc.settings, now=start + timedelta(minutes=11)) == 1
    assert outbox(svc)[0].attempts == 2 and len(inbox.messages) == 1


def test_the_service_runs_one_sender_in_the_background(client: TestClient, api_key: dict,
                                                       achievement: dict, svc: Services,
                                                       inbox: Inbox) -> None:
    import time

    from app.main import start_background

    issue(client, api_key, achievement, notifyLearner=True)
    running = Services(settings=svc.settings.model_copy(update={"mail_send_seconds": 1}),
                       db=svc.db, keystore=svc.keystore)
    stop = start_background(running)
    try:
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop()
    assert len(inbox.messages) == 1 and outbox(svc)[0].state == "sent"
