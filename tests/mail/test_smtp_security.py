"""SMTP over STARTTLS and implicit TLS, with a login, against a real aiosmtpd server that has a
certificate from a CA made in the test; the operator trusts that CA with
AGENDA_REGIE_SMTP_CA_FILE (or OpenSSL's SSL_CERT_FILE)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine

from assistant.app.delivery import PreparedEmail, deliver, prepare_email
from assistant.core.review import WeeklyReview
from assistant.mail.links import LinkSigner
from assistant.mail.send import SendFailedError, SmtpSettings, SmtpSettingsError
from assistant.store.database import session_scope
from assistant.store.repositories import find_leader, review_delivery
from tests.mail.fixtures import LEADER, NOW, SECRET, WEEK, Inbox, free_port
from tests.tls import PrivateCA

USER, PASSWORD = "review-sender", "correct horse battery staple"
SENDER = "review@regie.example.org"


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> PrivateCA:
    """A private CA and a server certificate for 127.0.0.1 and localhost that it signed."""
    return PrivateCA(tmp_path_factory.mktemp("tls"))


@dataclass
class Logins:
    """The server's authenticator: one user and password; records every attempt."""

    attempts: list[str] = field(default_factory=list)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = data.login.decode()
        self.attempts.append(login)
        ok = login == USER and data.password.decode() == PASSWORD
        # handled=False: aiosmtpd answers a refusal with 535 (True: it would wait for us to).
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


@dataclass
class SecureInbox(Inbox):
    """Also records whether each message came over TLS and after a login."""

    sessions: list[tuple[bool, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sessions.append((session.ssl is not None, bool(session.authenticated)))
        return await super().handle_DATA(server, session, envelope)


@dataclass
class SecureServer:
    port: int
    inbox: SecureInbox
    logins: Logins


def _serve(**options: Any) -> Iterator[SecureServer]:
    inbox, logins = SecureInbox(), Logins()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=logins, **options)
    controller.start()
    yield SecureServer(port, inbox, logins)
    controller.stop()


@pytest.fixture
def starttls_server(certificates: PrivateCA) -> Iterator[SecureServer]:
    # STARTTLS is required before anything else, and AUTH only after it (aiosmtpd's default).
    yield from _serve(
        tls_context=certificates.server_context(), require_starttls=True, auth_required=True
    )


@pytest.fixture
def implicit_tls_server(certificates: PrivateCA) -> Iterator[SecureServer]:
    # With implicit TLS aiosmtpd cannot tell the connection is encrypted, so it must be told
    # to allow AUTH (auth_require_tls=False); the whole connection is TLS from the first byte.
    yield from _serve(ssl_context=certificates.server_context(), auth_require_tls=False)


@pytest.fixture
def prepared(reviews: dict[str, WeeklyReview], store: Engine) -> PreparedEmail:
    signer = LinkSigner(SECRET, "https://regie.example.org")
    return prepare_email(store, reviews["en"], leader_email=LEADER, signer=signer, now=NOW)


def _settings(
    server: SecureServer, security: str, ca: Path | None, password: str = PASSWORD
) -> SmtpSettings:
    return SmtpSettings(
        "127.0.0.1",
        server.port,
        security,  # type: ignore[arg-type]
        SENDER,
        USER,
        password,
        timeout_seconds=10.0,
        ca_file=str(ca) if ca else None,
    )


def _recorded(store: Engine) -> str | None:
    with session_scope(store) as session:
        leader = find_leader(session, LEADER)
        assert leader is not None
        delivery = review_delivery(session, leader, WEEK)
        return None if delivery is None else delivery.delivery_status


def _no_sleep(_seconds: float) -> None:
    return None


def test_starttls_with_a_login_delivers_once_over_tls(
    starttls_server: SecureServer,
    certificates: PrivateCA,
    prepared: PreparedEmail,
    store: Engine,
) -> None:
    settings = _settings(starttls_server, "starttls", certificates.ca_file)
    assert deliver(store, prepared, settings, now=NOW).status == "sent"
    assert len(starttls_server.inbox.messages) == 1
    assert starttls_server.inbox.sessions == [(True, True)]  # encrypted, logged in
    assert starttls_server.logins.attempts == [USER]
    assert _recorded(store) == "sent"


def test_implicit_tls_with_a_login_delivers_once(
    implicit_tls_server: SecureServer,
    certificates: PrivateCA,
    prepared: PreparedEmail,
    store: Engine,
) -> None:
    settings = _settings(implicit_tls_server, "ssl", certificates.ca_file)
    assert deliver(store, prepared, settings, now=NOW).status == "sent"
    [received] = implicit_tls_server.inbox.messages
    assert received["Message-ID"] == prepared_message_id(prepared)
    assert implicit_tls_server.logins.attempts == [USER]
    assert implicit_tls_server.inbox.sessions[0][1]  # logged in
    assert _recorded(store) == "sent"


def prepared_message_id(prepared: PreparedEmail) -> str:
    from assistant.mail.send import message_id

    return message_id(prepared.leader, str(prepared.review.week), SENDER)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_wrong_password_names_the_smtp_login_and_nothing_is_sent(
    security: str,
    starttls_server: SecureServer,
    implicit_tls_server: SecureServer,
    certificates: PrivateCA,
    prepared: PreparedEmail,
    store: Engine,
) -> None:
    server = starttls_server if security == "starttls" else implicit_tls_server
    settings = _settings(server, security, certificates.ca_file, password="wrong")
    with pytest.raises(SendFailedError) as caught:
        deliver(store, prepared, settings, now=NOW, sleep=_no_sleep)
    message = str(caught.value)
    assert "refused the SMTP login of 'review-sender'" in message
    assert "AGENDA_REGIE_SMTP_PASSWORD" in message
    assert "wrong" not in message  # the password is never shown
    assert server.inbox.messages == []
    # One login, not retried: smtplib tries each mechanism the server offers (PLAIN, LOGIN) once.
    assert server.logins.attempts == [USER, USER]
    assert _recorded(store) == "failed"  # recorded, but not as sent: the next run tries again


def test_a_certificate_from_an_untrusted_ca_is_refused_with_the_setting_to_use(
    starttls_server: SecureServer, prepared: PreparedEmail, store: Engine
) -> None:
    settings = _settings(starttls_server, "starttls", None)
    with pytest.raises(SendFailedError) as caught:
        deliver(store, prepared, settings, now=NOW)
    assert "is not trusted" in str(caught.value)
    assert "AGENDA_REGIE_SMTP_CA_FILE" in str(caught.value)
    assert starttls_server.inbox.messages == []
    assert starttls_server.logins.attempts == []  # the password never left over a bad TLS
    assert _recorded(store) == "failed"


def test_openssls_ssl_cert_file_is_honoured_without_our_setting(
    implicit_tls_server: SecureServer,
    certificates: PrivateCA,
    prepared: PreparedEmail,
    store: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))
    settings = _settings(implicit_tls_server, "ssl", None)
    assert deliver(store, prepared, settings, now=NOW).status == "sent"
    assert len(implicit_tls_server.inbox.messages) == 1


def test_the_ca_file_comes_from_the_environment_and_must_exist(
    certificates: PrivateCA, tmp_path: Path
) -> None:
    base = {"AGENDA_REGIE_SMTP_HOST": "smtp.example.org", "AGENDA_REGIE_SMTP_FROM": SENDER}
    settings = SmtpSettings.from_environ(
        {**base, "AGENDA_REGIE_SMTP_CA_FILE": str(certificates.ca_file)}
    )
    assert settings.ca_file == str(certificates.ca_file)
    missing = tmp_path / "nowhere.pem"
    with pytest.raises(SmtpSettingsError, match="AGENDA_REGIE_SMTP_CA_FILE"):
        SmtpSettings.from_environ({**base, "AGENDA_REGIE_SMTP_CA_FILE": str(missing)})


def test_plain_smtp_with_a_login_is_refused_before_the_password_is_sent(
    smtp_server: Any, prepared: PreparedEmail, store: Engine
) -> None:
    """A login without TLS would send the password in clear: a settings problem, said at once."""
    environ = {
        "AGENDA_REGIE_SMTP_HOST": smtp_server.host,
        "AGENDA_REGIE_SMTP_PORT": str(smtp_server.port),
        "AGENDA_REGIE_SMTP_SECURITY": "none",
        "AGENDA_REGIE_SMTP_FROM": SENDER,
        "AGENDA_REGIE_SMTP_USER": USER,
        "AGENDA_REGIE_SMTP_PASSWORD": PASSWORD,
    }
    with pytest.raises(SmtpSettingsError) as caught:
        SmtpSettings.from_environ(environ)
    assert caught.value.problems == [
        "AGENDA_REGIE_SMTP_USER is set but AGENDA_REGIE_SMTP_SECURITY is none, so the password "
        "would cross the network unencrypted; use starttls or ssl"
    ]
    assert PASSWORD not in str(caught.value)

    # Settings made in code are held to the same rule: no connection is made at all.
    settings = SmtpSettings(
        smtp_server.host, smtp_server.port, "none", SENDER, USER, PASSWORD, timeout_seconds=10.0
    )
    with pytest.raises(SendFailedError, match="AGENDA_REGIE_SMTP_SECURITY is none") as sent:
        deliver(store, prepared, settings, now=NOW, sleep=_no_sleep)
    assert PASSWORD not in str(sent.value)
    assert smtp_server.inbox.messages == []
    assert _recorded(store) == "failed"
