"""SMTP delivery of the weekly email: STARTTLS or SSL with auth, configured from the environment.

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
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Literal

log = logging.getLogger("assistant.mail")

Security = Literal["starttls", "ssl", "none"]
TRANSIENT = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)
SEND_ATTEMPTS = 3
PLAIN_LOGIN = (
    "AGENDA_REGIE_SMTP_USER is set but AGENDA_REGIE_SMTP_SECURITY is none, so the password would "
    "cross the network unencrypted; use starttls or ssl"
)


class MailError(Exception):
    """Base class of the mail errors; the message is one sentence a person can act on."""


class SmtpSettingsError(MailError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class SmtpRefusedError(MailError):
    """The SMTP server refused our login or its certificate failed the check: retrying the same
    settings cannot help, so it is not retried."""


class SendFailedError(MailError):
    def __init__(self, leader: str, week: str, problem: str) -> None:
        self.leader, self.week, self.problem = leader, week, problem
        super().__init__(
            f"the weekly review of {leader} for {week} could not be sent: {problem}; "
            "it is recorded as failed and the next run tries again"
        )


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    sender: str
    user: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    ca_file: str | None = None  # PEM file of the CA(s) to trust instead of the system's

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """AGENDA_REGIE_SMTP_HOST/PORT/USER/PASSWORD/SECURITY/FROM/CA_FILE; all problems at once."""
        env = os.environ if environ is None else environ
        problems = []
        host = env.get("AGENDA_REGIE_SMTP_HOST", "")
        sender = env.get("AGENDA_REGIE_SMTP_FROM", "")
        security = env.get("AGENDA_REGIE_SMTP_SECURITY", "starttls").lower()
        if not host:
            problems.append("AGENDA_REGIE_SMTP_HOST is not set (the SMTP server's name)")
        if "@" not in sender:
            problems.append("AGENDA_REGIE_SMTP_FROM must be the sender's address")
        if security not in ("starttls", "ssl", "none"):
            problems.append("AGENDA_REGIE_SMTP_SECURITY must be starttls, ssl or none")
        default_port = {"ssl": 465, "starttls": 587}.get(security, 25)
        port_text = env.get("AGENDA_REGIE_SMTP_PORT", str(default_port))
        port = int(port_text) if port_text.isdigit() else 0
        if not 0 < port < 65536:
            problems.append(f"AGENDA_REGIE_SMTP_PORT {port_text!r} is not a port number")
        user = env.get("AGENDA_REGIE_SMTP_USER") or None
        password = env.get("AGENDA_REGIE_SMTP_PASSWORD") or None
        if user and not password:
            problems.append("AGENDA_REGIE_SMTP_USER is set but AGENDA_REGIE_SMTP_PASSWORD is not")
        if user and security == "none":
            problems.append(PLAIN_LOGIN)
        ca_file = env.get("AGENDA_REGIE_SMTP_CA_FILE") or None
        if ca_file and not os.path.isfile(ca_file):
            problems.append(f"AGENDA_REGIE_SMTP_CA_FILE {ca_file!r} is not a readable file")
        if problems:
            raise SmtpSettingsError(problems)
        return cls(
            host,
            port,
            security,  # type: ignore[arg-type]
            sender,
            user,
            password,
            ca_file=ca_file,
        )

    def tls_context(self) -> ssl.SSLContext:
        """Verifies the server's certificate and name: the system's CAs, or only `ca_file`."""
        if self.ca_file:
            return ssl.create_default_context(cafile=self.ca_file)
        return ssl.create_default_context()


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
            f"the SMTP server {settings.host}:{settings.port} refused the SMTP login of "
            f"{settings.user!r} ({error.smtp_code}); check AGENDA_REGIE_SMTP_USER and "
            "AGENDA_REGIE_SMTP_PASSWORD"
        ) from error
    except smtplib.SMTPNotSupportedError as error:
        raise SmtpRefusedError(
            f"the SMTP server {settings.host}:{settings.port} offers no SMTP login (AUTH) "
            f"here ({error}); leave AGENDA_REGIE_SMTP_USER unset if it needs none"
        ) from error
    except ssl.SSLCertVerificationError as error:
        trusted = settings.ca_file or "the system's trusted CAs"
        raise SmtpRefusedError(
            f"the certificate of the SMTP server {settings.host}:{settings.port} is not "
            f"trusted ({error.verify_message}); checked against {trusted}, see "
            "AGENDA_REGIE_SMTP_CA_FILE"
        ) from error


def _send_once(
    message: EmailMessage, settings: SmtpSettings, context: ssl.SSLContext | None
) -> None:
    if settings.user and settings.security == "none":
        # Settings made in code skip `from_environ`; the password still never goes out in clear.
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
    status: Literal["sent", "already_sent", "failed", "paused"]
    message_id: str
    sent_at: datetime | None = None
    paused_until: datetime | None = None  # "paused": when the pause ends (None: when resumed)
