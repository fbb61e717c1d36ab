"""`agenda-regie connect google --client-file`, end to end: the installed command prints the
consent URL, the test plays the browser against the fake OAuth server, the command exchanges the
code (client secret and PKCE checked) and stores the connection encrypted; a sync then works."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from assistant.accounts.google import sync_google_connection
from assistant.store import migrations
from assistant.store.crypto import SecretBox
from assistant.store.database import make_engine, session_scope
from assistant.store.models import Connection
from assistant.store.repositories import load_connection_token
from connectors.google.auth import SCOPE_OWNED, SCOPE_READ, build_service, credentials_from_json
from tests.connectors.google.command import Running
from tests.connectors.google.conftest import LEADER, NOW
from tests.connectors.google.events import fill
from tests.fakes.google_calendar import FakeGoogleCalendar

# The browser: no proxy between it and 127.0.0.1, redirects followed as a browser does.
BROWSER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
OPTIONS = ("--write-back", "--no-browser")


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


@pytest.fixture
def client_file(fake: FakeGoogleCalendar, tmp_path: Path) -> Path:
    path = tmp_path / "client.json"
    path.write_text(json.dumps(fake.client_config()))
    return path


def start_connect(client_file: Path, url: str, secret_key: str) -> Running:
    return Running(
        ["connect", "google", "--leader", LEADER, "--client-file", str(client_file), *OPTIONS],
        database_url=url,
        secret_keys=secret_key,
    )


def test_signing_in_in_a_browser_stores_the_connection_and_a_sync_works(
    fake: FakeGoogleCalendar, client_file: Path, sqlite_store: tuple[str, Engine]
) -> None:
    url, engine = sqlite_store
    secret_key = Fernet.generate_key().decode()
    fill(fake, 25)
    command = start_connect(client_file, url, secret_key)
    try:
        consent_url = command.line_starting(fake.auth_uri)
        with BROWSER.open(consent_url, timeout=30) as page:
            shown = page.read().decode()
        code, stdout, stderr = command.finish()
    finally:
        command.stop()

    assert code == 0, stderr
    assert f"connected Google calendar of {LEADER}" in stdout
    assert "close this window" in shown
    asked = {name: values[0] for name, values in parse_qs(urlsplit(consent_url).query).items()}
    assert set(asked["scope"].split()) == {SCOPE_READ, SCOPE_OWNED}
    assert (asked["access_type"], asked["login_hint"]) == ("offline", LEADER)
    assert asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"].startswith("http://127.0.0.1:")
    assert fake.codes == {}  # the code was exchanged (once)

    with session_scope(engine) as session:
        connection = session.scalars(select(Connection)).one()
        connection_id = connection.id
        assert connection.token_ciphertext is not None
        assert b"refresh-from-consent" not in connection.token_ciphertext
        stored = load_connection_token(connection, SecretBox([secret_key]))
    assert stored is not None
    credentials = credentials_from_json(stored)
    assert (credentials.refresh_token, credentials.token_uri) == (
        "refresh-from-consent",
        fake.token_uri,
    )

    outcome = sync_google_connection(
        engine,
        connection_id,
        cipher=SecretBox([secret_key]),
        now=NOW,
        service_factory=lambda c: build_service(c, api_endpoint=fake.url),
    )
    assert (outcome.status, outcome.kept) == ("synced", 25)
    assert credentials.token is not None
    assert credentials.token.startswith("consented-")
    assert {seen.authorization for seen in fake.requests if "/events" in seen.path} == {
        f"Bearer {credentials.token}"
    }


def test_a_refused_consent_is_one_clear_line_and_nothing_is_stored(
    fake: FakeGoogleCalendar, client_file: Path, sqlite_store: tuple[str, Engine]
) -> None:
    url, engine = sqlite_store
    fake.deny_consent = True
    command = start_connect(client_file, url, Fernet.generate_key().decode())
    try:
        consent_url = command.line_starting(fake.auth_uri)
        with BROWSER.open(consent_url, timeout=30) as page:
            page.read()
        code, _stdout, stderr = command.finish()
    finally:
        command.stop()

    assert code == 2
    assert "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    assert "access_denied" in line
    assert "choose Allow" in line
    assert fake.count("POST", "/token") == 0
    with session_scope(engine) as session:
        assert session.scalars(select(Connection)).all() == []
