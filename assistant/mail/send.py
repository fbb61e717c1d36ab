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
    try:
        _send_once(message, settings, context)
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


def _send_once(
    message: EmailMessage, settings: SmtpSettings, context: ssl.SSLContext | None
) -> None:
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
    with client:
        client.ehlo()
        if settings.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.user and settings.password:
            client.login(settings.user, settings.password)
        client.send_message(message)


@dataclass(frozen=True)
class Delivery:
    status: Literal["sent", "already_sent", "failed", "paused", "no_calendar", "no_data"]
    message_id: str
    sent_at: datetime | None = None
    paused_until: datetime | None = None  # "paused": when the pause ends (None: when resumed)
    reason: str | None = None  # "no_calendar": why the leader's calendar does not cover the week
    # "no_data": why the week has no data (core.coverage), worded by whoever shows it
    why: Reason | None = None
