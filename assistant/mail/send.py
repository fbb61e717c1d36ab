"""SMTP delivery of the weekly email: STARTTLS or SSL with auth, configured by `SmtpSettings`.

The server's certificate is checked against the system's trusted CAs (OpenSSL's defaults, which
honour `SSL_CERT_FILE`), or only against `AGENDA_REGIE_SMTP_CA_FILE` when that is set (a private
CA). A refused login or certificate is not retried: it fails at once with a sentence naming it.
A login is only ever sent over TLS: `none` with a user is a settings problem.

One message per (leader, ISO week): the Message-ID is derived from both, and a week already
recorded as sent is not sent again unless forced. A failed attempt is recorded (`failed`) and the
next run tries again. `smtp_send_once` is one SMTP conversation: `assistant.app.delivery.deliver`
retries connection-level failures a bounded number of times with a growing pause, outside the
leader's lock; the workers leave the retries to Celery. Either way the lock is held for one SMTP
conversation at a time.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Literal

from assistant.core.reasons import Reason
from assistant.errors import UserError
from assistant.settings import SMTP_PLAIN_LOGIN
from assistant.settings import Security as Security
from assistant.settings import SmtpSettings as SmtpSettings
from assistant.settings import SmtpSettingsError as SmtpSettingsError

log = logging.getLogger("assistant.mail")

TRANSIENT = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)
SEND_ATTEMPTS = 3
PLAIN_LOGIN = SMTP_PLAIN_LOGIN


class MailError(UserError):
    """Base class of the mail errors; the message is one sentence a person can act on (the
    settings or the server: exit 2 on the command line)."""


class SmtpRefusedError(MailError):
    """The SMTP server refused our login or its certificate failed the check: retrying the same
    settings cannot help, so it is not retried."""


class SendFailedError(MailError):
    def __init__(self, leader: str, week: str, problem: str) -> None:
        self.leader, self.week, self.problem = leader, week, problem
        super().__init__(
            "the weekly review of %(leader)s for %(week)s could not be sent: %(problem)s; "
            "it is recorded as failed and the next run tries again",
            leader=leader,
            week=week,
            problem=problem,
        )


def message_id(leader_email: str, week: str, sender: str) -> str:
    """The same Message-ID for every attempt at one leader's week (no address in clear)."""
    digest = hashlib.sha256(f"{leader_email.strip().lower()}\x00{week}".encode()).hexdigest()[:24]
    domain = sender.rsplit("@", 1)[-1].strip(">") or "agenda-regie.local"
    return f"<review.{week}.{digest}@{domain}>"


def retry_pause_seconds(attempt: int) -> float:
    """The pause after failed attempt `attempt` (1, 2, ...): growing, at most 30 seconds."""
    return min(30.0, 2.0**attempt)


def smtp_send_once(
    message: EmailMessage, settings: SmtpSettings, *, context: ssl.SSLContext | None = None
) -> None:
    """One SMTP conversation, bounded by the settings' timeout; a refused login or certificate
    is a `SmtpRefusedError`, a connection-level failure one of `TRANSIENT`."""
    with _refusals(settings), _open(settings, context) as client:
        client.send_message(message)


class SmtpConnections:
    """The SMTP connections of one process, kept open between messages (the workers send one
    review after another to the same server).

    A connection is taken for one message at a time (so threads never share one) and given back
    after the server accepted it. Before a kept connection carries a message it must answer a
    NOOP: one the server closed while it was idle (its idle timeout, a restart) is dropped
    before any message goes over it and a new one is opened, so nothing is sent twice or lost
    there. A connection on which anything failed is closed, never reused, and the failure is
    raised as `smtp_send_once` raises it: the caller records the attempt as failed and retries
    it (a failure after the message went out is the one window of docs/workers.md, the same as
    with a new connection per message). After `max_messages` a connection is closed and a new
    one opened, as many servers limit messages per connection."""

    def __init__(self, *, max_messages: int = 100, idle_seconds: float = 60.0) -> None:
        self.max_messages = max_messages
        self.idle_seconds = idle_seconds
        self.opened = 0  # connections opened (the benchmark and the tests read it)
        self._idle: dict[tuple[object, ...], list[tuple[smtplib.SMTP, int, float]]] = {}
        self._lock = threading.Lock()

    def send(self, message: EmailMessage, settings: SmtpSettings) -> None:
        key = _key(settings)
        client, used = self._take(key)
        with _refusals(settings):
            try:
                if client is None:
                    client, used = _connect(settings, None), 0
                    with self._lock:
                        self.opened += 1
                client.send_message(message)
            except BaseException:
                if client is not None:
                    _drop(client)
                raise
        used += 1
        if used >= self.max_messages:
            _quit(client)
            return
        with self._lock:
            self._idle.setdefault(key, []).append((client, used, time.monotonic()))

    def close(self) -> None:
        """Say goodbye on every kept connection (a worker process that ends)."""
        with self._lock:
            kept = [entry[0] for entries in self._idle.values() for entry in entries]
            self._idle.clear()
        for client in kept:
            _quit(client)

    def _take(self, key: tuple[object, ...]) -> tuple[smtplib.SMTP | None, int]:
        while True:
            with self._lock:
                entries = self._idle.get(key)
                if not entries:
                    return None, 0
                client, used, since = entries.pop()
            if time.monotonic() - since > self.idle_seconds:
                _quit(client)  # servers close idle connections after a while anyway
                continue
            try:
                alive = client.noop()[0] == 250
            except (smtplib.SMTPException, OSError):
                alive = False
            if alive:
                return client, used
            _drop(client)


def _key(settings: SmtpSettings) -> tuple[object, ...]:
    return (
        settings.host,
        settings.port,
        settings.security,
        settings.user,
        settings.password,
        settings.ca_file,
        settings.timeout_seconds,
    )


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        _drop(client)


def _drop(client: smtplib.SMTP) -> None:
    with suppress(OSError):
        client.close()


@contextmanager
def _refusals(settings: SmtpSettings) -> Iterator[None]:
    """A refused login or certificate as a `SmtpRefusedError` naming the setting to check."""
    try:
        yield
    except smtplib.SMTPAuthenticationError as error:
        raise SmtpRefusedError(
            "the SMTP server %(host)s:%(port)s refused the SMTP login of %(user)r (%(code)s); "
            "check AGENDA_REGIE_SMTP_USER and AGENDA_REGIE_SMTP_PASSWORD",
            host=settings.host,
            port=settings.port,
            user=settings.user,
            code=error.smtp_code,
        ) from error
    except smtplib.SMTPNotSupportedError as error:
        raise SmtpRefusedError(
            "the SMTP server %(host)s:%(port)s offers no SMTP login (AUTH) here (%(said)s); "
            "leave AGENDA_REGIE_SMTP_USER unset if it needs none",
            host=settings.host,
            port=settings.port,
            said=error,
        ) from error
    except ssl.SSLCertVerificationError as error:
        if settings.ca_file:
            raise SmtpRefusedError(
                "the certificate of the SMTP server %(host)s:%(port)s is not trusted "
                "(%(said)s); checked against %(ca_file)s, see AGENDA_REGIE_SMTP_CA_FILE",
                host=settings.host,
                port=settings.port,
                said=error.verify_message,
                ca_file=settings.ca_file,
            ) from error
        raise SmtpRefusedError(
            "the certificate of the SMTP server %(host)s:%(port)s is not trusted (%(said)s); "
            "checked against the system's trusted CAs, see AGENDA_REGIE_SMTP_CA_FILE",
            host=settings.host,
            port=settings.port,
            said=error.verify_message,
        ) from error


@contextmanager
def _open(settings: SmtpSettings, context: ssl.SSLContext | None) -> Iterator[smtplib.SMTP]:
    """A connection for one conversation, closed (QUIT) when it ends."""
    client = _connect(settings, context)
    with client:
        yield client


def _connect(settings: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    """A connection, greeted, secured and logged in as the settings say."""
    if settings.user and settings.security == "none":
        # Settings made in code skip the environment's checks; the password still never goes
        # out in clear.
        raise SmtpRefusedError(PLAIN_LOGIN)
    context = context or settings.tls_context()
    client: smtplib.SMTP
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_seconds, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    try:
        client.ehlo()
        if settings.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.user and settings.password:
            client.login(settings.user, settings.password)
    except BaseException:
        _drop(client)
        raise
    return client


@dataclass(frozen=True)
class Delivery:
    status: Literal["sent", "already_sent", "failed", "paused", "no_calendar", "no_data"]
    message_id: str
    sent_at: datetime | None = None
    paused_until: datetime | None = None  # "paused": when the pause ends (None: when resumed)
    reason: str | None = None  # "no_calendar": why the leader's calendar does not cover the week
    # "no_data": why the week has no data (core.coverage), worded by whoever shows it
    why: Reason | None = None
