"""A service account with domain-wide delegation: stored encrypted as the connection's token,
then sync, write and withdraw act as the leader; a delegation an administrator did not grant
flags the connection once, saying what to do. The token endpoint is the fake's: it checks the
JWT's signature with the key's public half, and its `sub` and `scope`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from assistant.accounts.google import (
    connect_google,
    sync_google_connection,
    withdraw_google_block,
    write_google_block,
)
from assistant.store import migrations
from assistant.store.crypto import SecretBox
from assistant.store.database import make_engine, session_scope
from assistant.store.models import Connection
from assistant.store.repositories import load_connection_token
from connectors.google.auth import (
    DELEGATION_KIND,
    SCOPE_OWNED,
    SCOPE_READ,
    Delegation,
    build_service,
    stored_authorisation,
)
from connectors.google.errors import NeedsReauthorisationError
from connectors.google.writer import Block, FocusTimeOptions
from tests.connectors.google.command import run_command
from tests.connectors.google.conftest import LEADER, NOW, Shell
from tests.connectors.google.events import fill
from tests.contracts.source import AMSTERDAM
from tests.fakes.google_calendar import FakeGoogleCalendar

BOTH_SCOPES = {SCOPE_READ, SCOPE_OWNED}
CLIENT_ID = "104857600000000000001"  # the key's client_id, what an admin enters
START = datetime(2026, 6, 9, 8, 30, tzinfo=AMSTERDAM)
BLOCK = Block("k1", 0, START, START + timedelta(minutes=90), "Reflectie", AMSTERDAM)


def connect_delegated(shell: Shell, granted: set[str], *, write_back: bool = True) -> int:
    key = shell.fake.service_account(scopes=granted)
    delegation = Delegation(key=key, subject=LEADER, write_back=write_back)
    return connect_google(shell.store, LEADER, LEADER, delegation, shell.cipher, now=NOW)


def write(shell: Shell, connection_id: int) -> Any:
    return write_google_block(
        shell.store,
        connection_id,
        BLOCK,
        cipher=shell.cipher,
        focus_time=FocusTimeOptions(),
        service_factory=shell.factory,
    )


def calendar_subjects(fake: FakeGoogleCalendar) -> set[str]:
    return {
        fake.token_subjects[seen.authorization.removeprefix("Bearer ")]
        for seen in fake.requests
        if "/events" in seen.path
    }


def test_a_service_account_syncs_writes_and_withdraws_as_the_leader(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    fill(fake, 40)
    connection_id = connect_delegated(shell, BOTH_SCOPES)
    ciphertext = shell.connection(connection_id).token_ciphertext

    synced = shell.sync(connection_id)
    written = write(shell, connection_id)
    withdrawn = withdraw_google_block(
        shell.store, connection_id, "k1", 0, cipher=shell.cipher, service_factory=shell.factory
    )

    assert (synced.status, synced.kept) == ("synced", 40)
    assert len(shell.cache(connection_id)) == 40
    assert (written.created, written.focus_time, withdrawn) == (True, True, True)
    # Every call to the calendar carried a token Google minted for the leader, asked with a
    # JWT signed by the key, for the leader and exactly the scopes of write-back.
    assert calendar_subjects(fake) == {LEADER}
    assert len(fake.assertions) == 3  # one token per use case, no loop
    assert {claims["sub"] for claims in fake.assertions} == {LEADER}
    assert all(set(claims["scope"].split()) == BOTH_SCOPES for claims in fake.assertions)
    # The key is stored encrypted, marked as a delegation, and not rewritten by a sync.
    connection = shell.connection(connection_id)
    assert connection.token_ciphertext == ciphertext
    assert ciphertext is not None
    assert b"PRIVATE KEY" not in ciphertext
    stored = load_connection_token(connection, shell.cipher)
    assert stored is not None
    assert json.loads(stored)["kind"] == DELEGATION_KIND
    assert stored_authorisation(stored).delegation == Delegation(
        key=json.loads(stored)["key"], subject=LEADER, write_back=True
    )


def test_read_only_delegation_asks_only_the_read_scope(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    fill(fake, 3)
    connection_id = connect_delegated(shell, {SCOPE_READ}, write_back=False)

    assert shell.sync(connection_id).status == "synced"
    assert [claims["scope"] for claims in fake.assertions] == [SCOPE_READ]


def test_delegation_not_granted_flags_the_connection_once_and_says_what_to_do(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    fill(fake, 5)
    connection_id = connect_delegated(shell, {SCOPE_READ})  # the admin forgot the write scope

    outcome = shell.sync(connection_id)

    assert outcome.status == "needs_reauthorisation"
    for words in ("domain-wide delegation", CLIENT_ID, SCOPE_OWNED, "Manage domain-wide"):
        assert words in outcome.message
    assert f"connect google --leader {LEADER} --service-account" in outcome.message
    connection = shell.connection(connection_id)
    assert connection.status == "needs_reauthorisation"
    assert "unauthorized_client" in (connection.last_error or "")
    assert fake.count("POST", "/token") == 1
    assert fake.count("GET", "/events") == 0

    fake.reset_counts()
    again = shell.sync(connection_id)
    with pytest.raises(NeedsReauthorisationError, match="domain-wide delegation"):
        write(shell, connection_id)
    assert again.status == "skipped"
    assert "domain-wide delegation" in again.message
    assert fake.count() == 0  # nothing loops


def test_a_grant_withdrawn_later_stops_a_write_and_flags_the_connection(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    connection_id = connect_delegated(shell, BOTH_SCOPES)
    assert shell.sync(connection_id).status == "synced"
    for granted in fake.delegated_scopes.values():
        granted.clear()  # an administrator removed the entry
    fake.reset_counts()

    with pytest.raises(NeedsReauthorisationError, match="domain-wide delegation") as raised:
        write(shell, connection_id)

    assert CLIENT_ID in str(raised.value)
    assert shell.connection(connection_id).status == "needs_reauthorisation"
    assert fake.count("POST", "/token") == 1
    assert fake.live() == {}


# --- `agenda-regie connect google --service-account`, the installed command -------------------


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def test_connect_google_with_a_service_account_end_to_end(
    fake: FakeGoogleCalendar, tmp_path: Path, sqlite_store: tuple[str, Engine]
) -> None:
    url, engine = sqlite_store
    secret_key = Fernet.generate_key().decode()
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(fake.service_account(scopes=BOTH_SCOPES)))
    fill(fake, 12)

    done = run_command(
        [
            "connect",
            "google",
            "--leader",
            "Leader@Example.org",
            "--service-account",
            str(key_file),
            "--write-back",
        ],
        database_url=url,
        secret_keys=secret_key,
    )

    assert done.returncode == 0, done.stderr
    assert "agenda@project.iam.gserviceaccount.com" in done.stdout
    assert [claims["sub"] for claims in fake.assertions] == [LEADER]  # checked at once
    with session_scope(engine) as session:
        connection = session.scalars(select(Connection)).one()
        connection_id = connection.id
        assert connection.token_ciphertext is not None
        assert b"PRIVATE KEY" not in connection.token_ciphertext
    outcome = sync_google_connection(
        engine,
        connection_id,
        cipher=SecretBox([secret_key]),
        now=NOW,
        service_factory=lambda c: build_service(c, api_endpoint=fake.url),
    )
    assert (outcome.status, outcome.kept) == ("synced", 12)
    assert calendar_subjects(fake) == {LEADER}


def test_connect_google_says_in_one_line_when_delegation_is_not_granted(
    fake: FakeGoogleCalendar, tmp_path: Path, sqlite_store: tuple[str, Engine]
) -> None:
    url, engine = sqlite_store
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(fake.service_account(scopes=set())))

    done = run_command(
        ["connect", "google", "--leader", LEADER, "--service-account", str(key_file)],
        database_url=url,
        secret_keys=Fernet.generate_key().decode(),
    )

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    for words in ("unauthorized_client", "domain-wide delegation", CLIENT_ID, SCOPE_READ):
        assert words in line
    with session_scope(engine) as session:
        assert session.scalars(select(Connection)).all() == []
