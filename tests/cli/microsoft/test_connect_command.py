"""`agenda-regie connect microsoft` run the way an operator runs it: a subprocess with its own
database and secret key, the real msal inside it, against a fake Entra ID that is the authority
itself (https on 127.0.0.1 with a private CA, because msal accepts only https authorities, and no
instance discovery, because msal would ask login.microsoftonline.com to vouch for the host). The
test plays the browser: it opens the printed URL, the fake's authorize page answers as Entra ID
does, and the browser submits that answer to the command's redirect listener. Afterwards the
stored connection syncs through the fake Graph, in this process, from the same settings.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select

from assistant.accounts.cache import SyncOutcome
from assistant.accounts.graph_access import graph_access_from_settings
from assistant.accounts.microsoft import sync_microsoft_connection
from assistant.settings import Settings
from assistant.store import migrations
from assistant.store.crypto import SecretBox
from assistant.store.database import make_engine, session_scope
from assistant.store.models import Connection
from assistant.store.repositories import load_connection_token
from connectors.microsoft.auth import StoredAuthorisation
from connectors.microsoft.throttle import MailboxLimiter, Retrier
from tests.connectors.microsoft.events import meeting
from tests.contracts.source import AMSTERDAM
from tests.fakes.microsoft_graph import FakeGraph
from tests.tls import PrivateCA

AGENDA_REGIE = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "agenda-regie"
LEADER = "leader@example.org"
ASSISTANT = "assistant@example.org"
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
COMMAND_SECONDS = 60.0


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> PrivateCA:
    return PrivateCA(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def entra(ca: PrivateCA) -> Iterator[FakeGraph]:
    """Entra ID and Graph, both on one https server that only our private CA vouches for."""
    server = FakeGraph(LEADER, tls=ca.server_context()).start()
    server.put(meeting(1, datetime(2026, 6, 1, 9, 0, tzinfo=AMSTERDAM)))
    server.put(meeting(2, datetime(2026, 6, 2, 14, 0, tzinfo=AMSTERDAM), minutes=90))
    yield server
    server.stop()


@dataclass
class Deployment:
    """One operator's environment: a SQLite database, a Fernet key, the app, the cloud."""

    env: dict[str, str]
    engine: Engine
    cipher: SecretBox

    def settings(self) -> Settings:
        return Settings.from_environ(self.env)

    def connections(self) -> list[Connection]:
        with session_scope(self.engine) as session:
            return list(session.scalars(select(Connection).order_by(Connection.id)))

    def count(self) -> int:
        with session_scope(self.engine) as session:
            return int(session.scalar(select(func.count(Connection.id))) or 0)

    def stored(self, connection: Connection) -> StoredAuthorisation:
        token = load_connection_token(connection, self.cipher)
        assert token is not None
        return StoredAuthorisation.from_bytes(token)


@pytest.fixture
def deployment(
    tmp_path: Path, ca: PrivateCA, entra: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    database_url = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    migrations.upgrade(database_url)
    key = Fernet.generate_key().decode()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AGENDA_REGIE_") and name != "DATABASE_URL"
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "AGENDA_REGIE_SECRET_KEYS": key,
            "AGENDA_REGIE_MICROSOFT_CLIENT_ID": "client-1",
            "AGENDA_REGIE_MICROSOFT_TENANT": "tenant1",
            "AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST": entra.login_host,
            "AGENDA_REGIE_MICROSOFT_GRAPH_URL": entra.graph_url,
            # What a deployment behind its own CA sets: requests (msal) and httpx trust it.
            "REQUESTS_CA_BUNDLE": str(ca.ca_file),
            "SSL_CERT_FILE": str(ca.ca_file),
        }
    )
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(name, str(ca.ca_file))
    engine = make_engine(database_url)
    yield Deployment(env, engine, SecretBox([key]))
    engine.dispose()


class Command:
    """`agenda-regie connect microsoft ...` running; killed when it outlives COMMAND_SECONDS."""

    def __init__(self, deployment: Deployment, *args: str) -> None:
        self.process = subprocess.Popen(
            [str(AGENDA_REGIE), "connect", "microsoft", "--leader", LEADER, *args],
            env=deployment.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._timer = threading.Timer(COMMAND_SECONDS, self.process.kill)
        self._timer.start()
        self.printed: list[str] = []

    def sign_in_url(self) -> str:
        """The URL the command prints for the person to open."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.printed.append(line)
            if line.startswith("https://"):
                return line.strip()
        raise AssertionError(f"no sign-in URL printed: {self.printed} {self.finish()}")

    def finish(self) -> tuple[int, str, str]:
        """(exit code, everything printed, everything said on stderr)."""
        out, err = self.process.communicate(timeout=COMMAND_SECONDS)
        self._timer.cancel()
        return self.process.returncode, "".join(self.printed) + out, err


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = values["action"]
        elif tag == "input":
            self.fields[values["name"]] = values["value"]


def browse(url: str, ca: PrivateCA) -> httpx.Response:
    """A browser with the sign-in done: it loads the page Entra ID answers with, asks the
    redirect host for a favicon as browsers do, and submits the form that the page posts back."""
    with httpx.Client(verify=ca.client_context(), trust_env=False, timeout=30.0) as browser:
        page = browser.get(url)
        if page.is_redirect:  # response_mode=query
            return browser.get(page.headers["Location"])
        assert page.status_code == 200, page.text
        form = _Form()
        form.feed(page.text)
        stray = browser.get(form.action.rstrip("/") + "/favicon.ico")
        assert stray.status_code == 404
        return browser.post(form.action, data=form.fields)


def sync(deployment: Deployment, connection_id: int) -> SyncOutcome:
    """A worker's sync of the stored connection, with the access built from the settings."""
    access = graph_access_from_settings(deployment.settings(), limiter=MailboxLimiter())
    try:
        return sync_microsoft_connection(
            deployment.engine,
            connection_id,
            cipher=deployment.cipher,
            now=NOW,
            access=access,
            retrier=Retrier(sleep=lambda _seconds: None),
        )
    finally:
        access.http.close()


def bearer_of_last_graph_request(fake: FakeGraph) -> str:
    graph = [seen for seen in fake.requests if seen.path.startswith("/v1.0/")]
    return graph[-1].headers["authorization"].removeprefix("Bearer ")


def assert_one_line_refusal(code: int, err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("agenda-regie: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


def test_a_leader_signs_in_in_the_browser_and_the_stored_connection_syncs(
    deployment: Deployment, entra: FakeGraph, ca: PrivateCA
) -> None:
    command = Command(deployment, "--no-browser", "--write-back")
    url = command.sign_in_url()
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{entra.login_host}/tenant1/oauth2/v2.0/authorize?")
    assert query["response_mode"] == ["form_post"]
    assert query["login_hint"] == [LEADER]
    # A national cloud's tokens are for its own Graph: the scope names the configured one.
    assert f"{entra.url}/Calendars.ReadWrite" in query["scope"][0].split()

    landed = browse(url, ca)
    code, out, err = command.finish()

    assert landed.status_code == 200
    assert "you may close this window" in landed.text
    assert (code, err) == (0, "")
    assert f"connected the Microsoft 365 calendar of {LEADER} through {LEADER}" in out
    assert "refresh-" not in out  # no token is ever printed
    [connection] = deployment.connections()
    ciphertext = connection.token_ciphertext or b""
    assert b"refresh-" not in ciphertext  # encrypted at rest
    assert b"user-" not in ciphertext
    stored = deployment.stored(connection)
    assert (stored.mode, stored.username) == ("delegated", LEADER)
    assert stored.scopes == (f"{entra.url}/Calendars.ReadWrite",)
    assert '"refresh-' in stored.cache_text

    first = sync(deployment, connection.id)
    assert (first.status, first.kind, first.kept) == ("synced", "first", 2)
    signed_in_token = bearer_of_last_graph_request(entra)
    assert signed_in_token.startswith("user-")

    # The access token is revoked: the worker renews it with the stored refresh token, at the
    # configured authority and nowhere else.
    entra.rejected_tokens.add(signed_in_token)
    entra.put(meeting(3, datetime(2026, 6, 3, 9, 0, tzinfo=AMSTERDAM)))
    entra.reset_counts()
    second = sync(deployment, connection.id)
    assert (second.status, second.kind, second.kept) == ("synced", "incremental", 1)
    assert entra.count("POST", "/tenant1/oauth2/v2.0/token") == 1
    assert bearer_of_last_graph_request(entra) not in {signed_in_token, ""}


def test_an_assistant_with_delegate_rights_reads_the_leaders_mailbox(
    deployment: Deployment, entra: FakeGraph, ca: PrivateCA
) -> None:
    entra.signs_in_as = ASSISTANT
    command = Command(deployment, "--no-browser", "--assistant")
    browse(command.sign_in_url(), ca)
    code, out, err = command.finish()

    assert (code, err) == (0, "")
    assert f"through {ASSISTANT}" in out
    [connection] = deployment.connections()
    stored = deployment.stored(connection)
    assert (stored.username, stored.scopes) == (ASSISTANT, (f"{entra.url}/Calendars.Read.Shared",))
    outcome = sync(deployment, connection.id)
    assert (outcome.status, outcome.kept) == ("synced", 2)
    assert entra.count("GET", f"/v1.0/users/{LEADER}/calendarView/delta") == 1


def test_signing_in_as_someone_else_without_assistant_is_refused_and_nothing_is_stored(
    deployment: Deployment, entra: FakeGraph, ca: PrivateCA
) -> None:
    entra.signs_in_as = ASSISTANT
    command = Command(deployment, "--no-browser")
    browse(command.sign_in_url(), ca)
    code, _out, err = command.finish()

    assert_one_line_refusal(code, err, f"signed in as {ASSISTANT}, not as {LEADER}", "--assistant")
    assert deployment.count() == 0


def test_a_declined_consent_is_one_clear_line_and_nothing_is_stored(
    deployment: Deployment, entra: FakeGraph, ca: PrivateCA
) -> None:
    entra.consent_denied = True
    command = Command(deployment, "--no-browser")
    landed = browse(command.sign_in_url(), ca)
    code, _out, err = command.finish()

    assert "did not complete" in landed.text
    assert_one_line_refusal(code, err, "access_denied", "AADSTS65004", "admin consent")
    assert deployment.count() == 0
    assert entra.count("POST", "/oauth2/v2.0/token") == 0


def test_application_permissions_connect_without_a_browser_and_sync(
    deployment: Deployment, entra: FakeGraph
) -> None:
    deployment.env["AGENDA_REGIE_MICROSOFT_CLIENT_SECRET"] = "secret"
    code, out, err = Command(deployment, "--application").finish()

    assert (code, err) == (0, "")
    assert "through the organisation's application permissions" in out
    assert "Open this URL" not in out
    [connection] = deployment.connections()
    stored = deployment.stored(connection)
    assert (stored.mode, stored.username, stored.scopes) == (
        "application",
        None,
        (f"{entra.url}/.default",),
    )
    token_requests = entra.count("POST", "/oauth2/v2.0/token")
    assert token_requests == 1

    outcome = sync(deployment, connection.id)
    assert (outcome.status, outcome.kept) == ("synced", 2)
    assert bearer_of_last_graph_request(entra).startswith("app-")
    assert entra.count("POST", "/oauth2/v2.0/token") == token_requests  # from the stored cache


@pytest.mark.parametrize(
    ("secret", "admin_consent", "said"),
    [
        ("secret", False, "AADSTS65001"),
        ("expired", True, "invalid_client"),
    ],
    ids=["no-admin-consent", "refused-secret"],
)
def test_application_permissions_without_admin_consent_name_it_and_store_nothing(
    deployment: Deployment, entra: FakeGraph, secret: str, admin_consent: bool, said: str
) -> None:
    deployment.env["AGENDA_REGIE_MICROSOFT_CLIENT_SECRET"] = secret
    entra.admin_consent = admin_consent
    code, out, err = Command(deployment, "--application").finish()

    assert_one_line_refusal(code, err, said, "admin consent", "client-1", "tenant1")
    assert out == ""
    assert deployment.count() == 0


@pytest.mark.parametrize(
    ("refusal", "said"),
    [
        (
            {
                "error": "unauthorized_client",
                "error_description": "AADSTS700016: Application with identifier 'client-1' was "
                "not found in the directory 'tenant1'.",
                "error_codes": [700016],
            },
            ("Entra ID does not know app client-1 in tenant1", "check the client id and tenant"),
        ),
        (
            {
                "error": "invalid_resource",
                "error_description": "AADSTS500011: The resource principal named "
                "https://graph.microsoft.us was not found in the tenant named tenant1.",
                "error_codes": [500011],
            },
            ("Entra ID does not know the Graph resource", "same cloud as the authority"),
        ),
    ],
    ids=["unknown-app", "graph-of-another-cloud"],
)
def test_an_unknown_app_or_a_graph_of_another_cloud_is_named_and_nothing_is_stored(
    deployment: Deployment, entra: FakeGraph, refusal: dict[str, Any], said: tuple[str, str]
) -> None:
    deployment.env["AGENDA_REGIE_MICROSOFT_CLIENT_SECRET"] = "secret"
    entra.app_token_refusal = refusal
    code, out, err = Command(deployment, "--application").finish()

    assert_one_line_refusal(code, err, *said)
    assert out == ""
    assert deployment.count() == 0


def test_an_app_that_may_not_read_the_mailbox_is_refused_at_connect_and_nothing_is_stored(
    deployment: Deployment, entra: FakeGraph
) -> None:
    # A token without roles, or an application access policy that leaves this mailbox out:
    # Entra ID gives the token, Graph refuses the calendar. Found now, not at the first sync.
    deployment.env["AGENDA_REGIE_MICROSOFT_CLIENT_SECRET"] = "secret"
    entra.forbidden_mailboxes.add(LEADER)
    code, out, err = Command(deployment, "--application").finish()

    assert_one_line_refusal(
        code,
        err,
        f"Graph refused to read the calendar of {LEADER}",
        "admin consent",
        "application access policy",
    )
    assert out == ""
    assert deployment.count() == 0
    assert entra.count("GET", f"/v1.0/users/{LEADER}/calendar/calendarView") == 1


def test_an_assistant_without_delegate_access_is_told_to_ask_for_it(
    deployment: Deployment, entra: FakeGraph, ca: PrivateCA
) -> None:
    entra.signs_in_as = ASSISTANT
    entra.forbidden_mailboxes.add(LEADER)
    command = Command(deployment, "--no-browser", "--assistant")
    browse(command.sign_in_url(), ca)
    code, _out, err = command.finish()

    assert_one_line_refusal(code, err, f"{ASSISTANT} may not read it", "delegate access")
    assert deployment.count() == 0


def test_a_bad_authority_host_stops_before_anyone_signs_in(
    deployment: Deployment, entra: FakeGraph
) -> None:
    deployment.env["AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST"] = entra.url.replace("https", "http")
    code, out, err = Command(deployment, "--no-browser").finish()

    assert_one_line_refusal(code, err, "AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST", "https://")
    assert "Open this URL" not in out
    assert len(entra.requests) == 0


def test_a_database_without_tables_stops_before_anyone_signs_in(
    tmp_path: Path, deployment: Deployment, entra: FakeGraph
) -> None:
    deployment.env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    code, out, err = Command(deployment, "--no-browser").finish()

    assert_one_line_refusal(code, err, "db upgrade")
    assert "Open this URL" not in out
    assert len(entra.requests) == 0


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_that_does_not_exist_is_refused_before_anything_else(
    deployment: Deployment, entra: FakeGraph, port: str
) -> None:
    code, out, err = Command(deployment, "--no-browser", "--port", port).finish()

    assert code == 2, err
    assert f"argument --port: {port} is not a port (0 to 65535)" in err
    assert "Traceback" not in err
    assert "fault in agenda-regie" not in err
    assert "Open this URL" not in out
    assert len(entra.requests) == 0


def test_a_busy_port_is_one_clear_line_and_nothing_is_stored(
    deployment: Deployment, entra: FakeGraph
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = Command(deployment, "--no-browser", "--port", str(port)).finish()

    assert_one_line_refusal(code, err, f"127.0.0.1:{port}", "--port")
    assert "fault in agenda-regie" not in err
    assert "Open this URL" not in out
    assert deployment.count() == 0
