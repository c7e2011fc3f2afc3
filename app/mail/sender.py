"""Sending the outbox over SMTP: claim due messages and commit, talk SMTP with no database
transaction or connection held, then record each outcome in a short transaction of its own.

The client is the standard library's smtplib: one message at a time from a background thread
or a cron run needs nothing asynchronous, and it speaks STARTTLS, implicit TLS and AUTH with
no extra dependency to keep patched. (aiosmtpd is only the tests' SMTP server.)
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.config import Settings
from app.db import Database, utcnow
from app.mail import service

log = logging.getLogger("mcred.mail")
SMTP_TIMEOUT = 30  # seconds per SMTP operation: a hung server must not hold the sender


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


@dataclass(frozen=True)
class Outgoing:
    """What the sender needs of a claimed message, read before the claim's session closes."""

    id: int
    to: str
    language: str
    subject: str
    text: str
    html: str


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx reply): no retry."""


def sender_address(settings: Settings) -> str:
    if settings.mail_from:
        return settings.mail_from
    from urllib.parse import urlsplit

    return f"mcred <noreply@{urlsplit(settings.public_base_url).hostname}>"


def build(settings: Settings, item: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender_address(settings)
    message["To"] = item.to
    message["Subject"] = item.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender_address(settings).rsplit("@", 1)[-1]
                                       .rstrip(">"))
    message.set_content(item.text)
    message.add_alternative(item.html, subtype="html")
    # After the content: set_content() drops every Content-* header set before it.
    message["Content-Language"] = item.language
    return message


def _error_text(exc: BaseException, settings: Settings) -> str:
    text = f"{type(exc).__name__}: {exc}"
    secret = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    if secret:
        text = text.replace(secret, "***")  # a server echoing AUTH data must not store it
    return text[:500]


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Send one message; raises PermanentFailure on a 5xx refusal, OSError or
    smtplib.SMTPException on anything worth trying again."""
    host, port = settings.smtp_host or "", settings.smtp_port
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.smtp_ssl:
        client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
    with client:
        if settings.smtp_starttls and not settings.smtp_ssl:
            client.starttls(context=context)
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password \
                else ""
            client.login(settings.smtp_username, password)
        try:
            client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipient refused: {exc.recipients}") from None
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from None
            raise


def _claim(db: Database, now: datetime, limit: int) -> list[Outgoing]:
    with db.session() as session:
        return [Outgoing(m.id, m.to_address, m.language, m.subject, m.text_body, m.html_body)
                for m in service.claim_due(session, now, limit)]


def send_due(db: Database, settings: Settings, *, now: datetime | None = None,
             limit: int = 50) -> int:
    """Send the messages due at ``now``; returns how many were sent. Without an SMTP host
    nothing is claimed: messages stay queued until one is configured."""
    if not configured(settings):
        return 0
    sent = 0
    for item in _claim(db, now or utcnow(), limit):
        try:
            deliver(settings, build(settings, item))
        except (PermanentFailure, ValueError) as exc:  # ValueError: a header it cannot write
            outcome: tuple[str, bool] | None = (_error_text(exc, settings), True)
        except (OSError, smtplib.SMTPException) as exc:
            outcome = (_error_text(exc, settings), False)
        else:
            outcome = None
        with db.session() as session:
            finished = utcnow() if now is None else now
            if outcome is None:
                service.record_sent(session, item.id, finished)
                sent += 1
            else:
                log.warning("mail %s to learner not sent: %s", item.id, outcome[0])
                service.record_failure(session, item.id, outcome[0], permanent=outcome[1],
                                       now=finished)
    return sent


class BackgroundSender:
    """The service's sender thread (one per service, like the bulk worker)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self._db, self._settings = db, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="mcred-mail")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                send_due(self._db, self._settings)
            except Exception:  # keep serving; the messages stay due and are tried again
                log.exception("mail sender error")
            self._stop.wait(self._settings.mail_send_seconds)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=SMTP_TIMEOUT + 5)
