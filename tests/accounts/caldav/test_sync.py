"""CalDAV connections in the store, through the accounts registry as the workers reach them:
the password stored encrypted, an unchanged sync one request, a block written once and withdrawn
for good, a refused password flagged once. SQLite and real PostgreSQL, against a real Radicale
server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select, text

from assistant.accounts.cache import cached_fetch
from assistant.accounts.caldav import Credentials, connect_caldav
from assistant.accounts.registry import ProviderAccess, account_for
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Base, Connection
from assistant.store.repositories import load_connection_token, upsert_leader
from connectors import TimeWindow
from connectors.caldav import ServerLimiter
from connectors.model import Block
from rules import load_rules
from tests.contracts.source import AMSTERDAM, EventSpec
from tests.fakes.caldav_server import PASSWORD, USER, RadicaleServer, put_spec

NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # a Wednesday
LEADER = "leader@example.org"
WEEK = TimeWindow(datetime(2026, 6, 1, tzinfo=AMSTERDAM), datetime(2026, 6, 8, tzinfo=AMSTERDAM))
FOCUS = load_rules(None).google.focus_time


def meeting(day: int, hour: int) -> EventSpec:
    start = datetime(2026, 6, 1 + day, hour, tzinfo=AMSTERDAM)
    return EventSpec(start, start + timedelta(hours=1), other_attendees=2)


@pytest.fixture
def store(engine: Engine) -> Iterator[Engine]:
    with session_scope(engine) as session:
        upsert_leader(session, LEADER, timezone="Europe/Amsterdam", now=NOW)
    yield engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DELETE FROM {table.name}"))


class Shell:
    def __init__(self, store: Engine, server: RadicaleServer, **access: object) -> None:
        self.store, self.server = store, server
        self.cipher = SecretBox([Fernet.generate_key()])
        self.account = account_for(
            "caldav",
            ProviderAccess(sleep=lambda _s: None, **access),  # type: ignore[arg-type]
        )

    def connect(self, password: str = PASSWORD) -> int:
        return connect_caldav(
            self.store,
            LEADER,
            self.server.calendar_url(),
            Credentials(USER, password),
            self.cipher,
            now=NOW,
        )

    def sync(self, connection_id: int) -> object:
        return self.account.sync(self.store, connection_id, cipher=self.cipher, now=NOW)

    def block(self, key: str = "leader@example.org/2026-W23/focus/0") -> Block:
        start = datetime(2026, 6, 4, 9, tzinfo=AMSTERDAM)
        return Block(key, 0, start, start + timedelta(hours=2), "Focus", AMSTERDAM)


@pytest.fixture
def shell(store: Engine, radicale_server: RadicaleServer) -> Shell:
    return Shell(store, radicale_server, caldav_slots=ServerLimiter())


def test_the_password_is_stored_encrypted_and_reads_back(shell: Shell) -> None:
    connection_id = shell.connect()

    with session_scope(shell.store) as session:
        connection = session.get(Connection, connection_id)
        assert connection is not None
        assert connection.token_ciphertext is not None
        assert PASSWORD.encode() not in connection.token_ciphertext
        token = load_connection_token(connection, shell.cipher)
    assert token is not None
    assert Credentials.from_bytes(token) == Credentials(USER, PASSWORD)


def test_a_sync_fills_the_cache_and_an_unchanged_sync_is_one_request(shell: Shell) -> None:
    put_spec(shell.server, 0, meeting(0, 9))
    put_spec(shell.server, 1, meeting(2, 14))
    connection_id = shell.connect()

    first = shell.sync(connection_id)
    shell.server.seen.clear()
    again = shell.sync(connection_id)

    assert (first.status, first.kind, first.kept) == ("synced", "first", 2)  # type: ignore[attr-defined]
    assert (again.status, again.kind, again.requests) == ("synced", "incremental", 1)  # type: ignore[attr-defined]
    assert len(shell.server.seen) == 1
    cached = cached_fetch(shell.store, connection_id, WEEK)
    assert sorted(e.start.astimezone(AMSTERDAM).hour for e in cached) == [9, 14]


def test_a_change_and_a_deletion_reach_the_cache(shell: Shell) -> None:
    put_spec(shell.server, 0, meeting(0, 9))
    put_spec(shell.server, 1, meeting(2, 14))
    connection_id = shell.connect()
    shell.sync(connection_id)

    put_spec(shell.server, 0, meeting(1, 11))
    shell.server.remove("spec-1.ics")
    outcome = shell.sync(connection_id)

    assert outcome.kind == "incremental"  # type: ignore[attr-defined]
    cached = cached_fetch(shell.store, connection_id, WEEK)
    assert [(e.start.day, e.start.astimezone(AMSTERDAM).hour) for e in cached] == [(2, 11)]


def test_a_block_accepted_twice_exists_once_and_a_withdrawn_one_is_gone(shell: Shell) -> None:
    connection_id = shell.connect()
    block = shell.block()

    first = shell.account.write(
        shell.store, connection_id, block, cipher=shell.cipher, focus_time=FOCUS
    )
    second = shell.account.write(
        shell.store, connection_id, block, cipher=shell.cipher, focus_time=FOCUS
    )

    assert first == second
    assert len(shell.server.resources()) == 1
    stored = shell.server.get(shell.server.resources()[0])
    assert stored is not None
    assert "TRANSP:OPAQUE" in stored
    assert "CATEGORIES:agenda-regie" in stored
    shell.sync(connection_id)
    (ours,) = cached_fetch(shell.store, connection_id, WEEK).events
    assert (ours.ours, ours.kind.value) == (True, "protected")

    assert shell.account.withdraw(shell.store, connection_id, block.key, 0, cipher=shell.cipher)
    assert not shell.account.withdraw(shell.store, connection_id, block.key, 0, cipher=shell.cipher)
    assert shell.server.resources() == []


def test_two_accepts_at_the_same_moment_write_one_block(shell: Shell) -> None:
    connection_id = shell.connect()
    block = shell.block()
    start = threading.Barrier(2)
    results: list[str] = []

    def accept() -> None:
        start.wait()
        results.append(
            shell.account.write(
                shell.store, connection_id, block, cipher=shell.cipher, focus_time=FOCUS
            )
        )

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 2
    assert results[0] == results[1]
    assert len(shell.server.resources()) == 1


def test_a_refused_password_flags_the_connection_once(shell: Shell) -> None:
    put_spec(shell.server, 0, meeting(0, 9))
    connection_id = shell.connect(password="revoked-app-password")

    first = shell.sync(connection_id)
    shell.server.seen.clear()
    later = shell.sync(connection_id)

    assert first.status == "needs_reauthorisation"  # type: ignore[attr-defined]
    assert "agenda-regie connect caldav" in first.message  # type: ignore[attr-defined]
    assert later.status == "skipped"  # type: ignore[attr-defined]
    assert shell.server.seen == []
    with session_scope(shell.store) as session:
        status = session.scalars(select(Connection.status)).one()
    assert status == "needs_reauthorisation"


def test_the_write_queue_reaches_a_caldav_leader_and_withdraws_again(shell: Shell) -> None:
    from assistant.app.writers import WEB_RETRY_POLICY, provider_writers
    from assistant.store.repositories.leaders import find_leader

    shell.connect()
    writers = provider_writers(shell.cipher, retry_policy=WEB_RETRY_POLICY)
    with session_scope(shell.store) as session:
        leader = find_leader(session, LEADER)
        assert leader is not None
        leader_id = leader.id

    written = writers.write(shell.store, leader_id, shell.block())

    assert written is not None  # written to the calendar, not handed over as an .ics
    assert len(shell.server.resources()) == 1
    assert writers.withdraw(shell.store, leader_id, shell.block().key, 0) is True
    assert shell.server.resources() == []


def test_an_unusable_stored_cursor_lists_the_window_again(shell: Shell) -> None:
    put_spec(shell.server, 0, meeting(0, 9))
    connection_id = shell.connect()
    shell.sync(connection_id)
    with session_scope(shell.store) as session:
        connection = session.get(Connection, connection_id)
        assert connection is not None
        connection.sync_state = connection.sync_state.replace('"token"', '"lost"')  # type: ignore[union-attr]

    outcome = shell.sync(connection_id)

    assert (outcome.status, outcome.kind, outcome.kept) == ("synced", "first", 1)  # type: ignore[attr-defined]
