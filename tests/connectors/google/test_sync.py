"""The store-backed sync: few requests, nothing lost or doubled, storms survived, revoked tokens
flagged once. Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select, text

from assistant.google_sync import (
    ConnectionState,
    cached_fetch,
    connect_google,
    sync_all_google,
    sync_google_connection,
    sync_window,
    write_google_block,
)
from assistant.secrets import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Base, CachedEvent, Connection
from assistant.store.repository import load_connection_token, upsert_leader
from connectors.google.auth import build_service, credentials_from_json
from connectors.google.retry import Retrier, RetryPolicy
from connectors.google.writer import Block, FocusTimeOptions
from tests.connectors.contract import AMSTERDAM, SECRET
from tests.connectors.google.conftest import user_credentials
from tests.connectors.google.events import meeting
from tests.connectors.google.fake_server import FakeGoogleCalendar

NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # a Wednesday
LEADER = "leader@example.org"


@pytest.fixture
def store(engine: Engine) -> Iterator[Engine]:
    yield engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DELETE FROM {table.name}"))


@pytest.fixture
def cipher() -> SecretBox:
    return SecretBox([Fernet.generate_key()])


class Shell:
    """The sync and write use cases wired to the fake server, with a clock and no real sleep."""

    def __init__(self, store: Engine, fake: FakeGoogleCalendar, cipher: SecretBox) -> None:
        self.store, self.fake, self.cipher = store, fake, cipher
        self.sleeps: list[float] = []
        with session_scope(store) as session:
            upsert_leader(session, LEADER, timezone="Europe/Amsterdam", now=NOW)

    def connect(self, leader: str = LEADER, token: str = "first-token") -> int:
        return connect_google(
            self.store, leader, leader, user_credentials(self.fake, token), self.cipher, now=NOW
        )

    def factory(self, credentials: Any) -> Any:
        return build_service(credentials, api_endpoint=self.fake.url)

    def retrier(self, **policy: Any) -> Retrier:
        return Retrier(RetryPolicy(**policy), sleep=self.sleeps.append, jitter=lambda: 0.5)

    def sync(self, connection_id: int, **policy: Any) -> Any:
        return sync_google_connection(
            self.store,
            connection_id,
            cipher=self.cipher,
            now=NOW,
            service_factory=self.factory,
            retrier=self.retrier(**policy),
        )

    def cache(self, connection_id: int) -> dict[str, CachedEvent]:
        with session_scope(self.store) as session:
            rows = session.scalars(
                select(CachedEvent).where(CachedEvent.connection_id == connection_id)
            ).all()
            return {row.provider_event_id: row for row in rows}

    def connection(self, connection_id: int) -> Connection:
        with session_scope(self.store) as session:
            found = session.get(Connection, connection_id)
            assert found is not None
            return found


@pytest.fixture
def shell(store: Engine, fake: FakeGoogleCalendar, cipher: SecretBox) -> Shell:
    return Shell(store, fake, cipher)


def fill(fake: FakeGoogleCalendar, count: int) -> None:
    """`count` meetings spread over the 26 weeks before NOW, working hours only."""
    first = datetime(2025, 12, 1, 8, 0, tzinfo=AMSTERDAM)
    for number in range(count):
        day = first + timedelta(days=(number // 18) % 182)
        fake.put(meeting(number, day + timedelta(minutes=30 * (number % 18))))


def test_after_a_full_sync_no_change_costs_one_request_and_one_change_one(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    fill(fake, 3000)
    connection_id = shell.connect()

    first = shell.sync(connection_id)
    assert (first.status, first.kind, first.kept) == ("synced", "first", 3000)
    assert fake.count("GET", "/events") == 2  # 2,500 a page
    assert len(shell.cache(connection_id)) == 3000

    fake.reset_counts()
    quiet = shell.sync(connection_id)
    assert (quiet.kind, quiet.kept, quiet.removed) == ("incremental", 0, 0)
    assert fake.count() == 1

    moved_to = datetime(2026, 5, 20, 16, 0, tzinfo=AMSTERDAM)
    fake.change(
        "m0000042",
        start={"dateTime": moved_to.isoformat()},
        end={"dateTime": (moved_to + timedelta(hours=1)).isoformat()},
    )
    fake.reset_counts()
    one = shell.sync(connection_id)
    assert (one.kind, one.kept, one.removed) == ("incremental", 1, 0)
    assert fake.count() == 1
    cached = shell.cache(connection_id)
    assert len(cached) == 3000
    assert cached["m0000042"].start == moved_to
    assert cached["m0000042"].end == moved_to + timedelta(hours=1)


def test_cancelled_occurrences_leave_the_cache(shell: Shell, fake: FakeGoogleCalendar) -> None:
    fill(fake, 20)
    connection_id = shell.connect()
    shell.sync(connection_id)

    fake.cancel("m0000003")
    result = shell.sync(connection_id)

    assert (result.kept, result.removed) == (0, 1)
    assert "m0000003" not in shell.cache(connection_id)
    assert len(shell.cache(connection_id)) == 19


def test_an_expired_sync_token_resyncs_without_losing_or_doubling(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    fill(fake, 300)
    connection_id = shell.connect()
    shell.sync(connection_id)
    row_ids_before = {k: row.id for k, row in shell.cache(connection_id).items()}

    fake.cancel("m0000010")
    fake.put(meeting(9999, datetime(2026, 5, 5, 9, 0, tzinfo=AMSTERDAM)))
    fake.change("m0000020", transparency="transparent")
    fake.expire_sync_tokens()
    result = shell.sync(connection_id)

    assert result.kind == "token_expired"
    cached = shell.cache(connection_id)
    assert set(cached) == set(fake.live())
    assert len(cached) == 300  # -1 cancelled, +1 new
    assert cached["m0000020"].busy is False
    # Reconciled by id: rows that stayed kept their identity.
    assert all(cached[k].id == row_id for k, row_id in row_ids_before.items() if k in cached)
    assert shell.sync(connection_id).kind == "incremental"


def test_a_rate_limit_storm_ends_in_a_complete_sync_with_bounded_logged_waiting(
    shell: Shell, fake: FakeGoogleCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    fill(fake, 3000)
    connection_id = shell.connect()

    def every_second_request_429(number: int, method: str, path: str) -> tuple[int, str] | None:
        if number > 40 or number % 2:
            return None
        return (429, "rateLimitExceeded") if number % 4 else (403, "userRateLimitExceeded")

    fake.retry_after = "2"
    caplog.set_level(logging.INFO)
    with fake.failing(every_second_request_429):
        first = shell.sync(connection_id)
        fake.put(meeting(5000, datetime(2026, 5, 6, 9, 0, tzinfo=AMSTERDAM)))
        second = shell.sync(connection_id)

    assert (first.status, first.kept) == ("synced", 3000)
    assert (second.status, second.kept) == ("synced", 1)
    assert len(shell.cache(connection_id)) == 3001
    assert 0 < sum(shell.sleeps) <= 2 * 300  # within each sync's budget
    assert all(2 <= pause <= 32 for pause in shell.sleeps)  # Retry-After honoured, capped
    assert first.waited_seconds + second.waited_seconds == pytest.approx(sum(shell.sleeps))
    assert any(
        "waited" in r.getMessage() and "incremental" in r.getMessage() for r in caplog.records
    )


def test_a_storm_that_does_not_end_gives_up_within_the_budget(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    from connectors.google.errors import RetriesExhaustedError

    fill(fake, 10)
    connection_id = shell.connect()
    with (
        fake.failing(lambda n, m, p: (503, "backendError")),
        pytest.raises(RetriesExhaustedError, match="gave up after 4 attempts"),
    ):
        shell.sync(connection_id, max_attempts_per_call=4)
    assert fake.count() == 4
    assert shell.connection(connection_id).last_error is not None


def test_a_revoked_token_flags_the_connection_once_and_says_so(
    shell: Shell, fake: FakeGoogleCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    fill(fake, 10)
    flagged = shell.connect()
    with session_scope(shell.store) as session:
        upsert_leader(session, "other@example.org", now=NOW)
    healthy = shell.connect("other@example.org", token="other-token")
    fake.rejected_tokens.add("first-token")
    fake.revoked = True

    outcomes = sync_all_google(
        shell.store,
        cipher=shell.cipher,
        now=NOW,
        service_factory=shell.factory,
        retrier=shell.retrier(),
    )

    assert [(o.connection_id, o.status) for o in outcomes] == [
        (flagged, "needs_reauthorisation"),
        (healthy, "synced"),
    ]
    assert f"connect google --leader {LEADER}" in outcomes[0].message
    connection = shell.connection(flagged)
    assert connection.status == "needs_reauthorisation"
    assert "invalid_grant" in (connection.last_error or "")
    assert fake.count("POST", "/token") == 1  # refreshed once, no loop

    fake.reset_counts()
    again = shell.sync(flagged)
    assert again.status == "skipped"
    assert "needs re-authorisation" in again.message
    assert fake.count() == 0
    assert "needs re-authorisation" in caplog.text


def test_a_401_refreshes_once_and_the_fresh_token_is_stored_encrypted(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    fill(fake, 5)
    connection_id = shell.connect()
    fake.rejected_tokens.add("first-token")

    result = shell.sync(connection_id)

    assert result.status == "synced"
    assert fake.count("POST", "/token") == 1
    connection = shell.connection(connection_id)
    assert connection.token_ciphertext is not None
    assert b"refresh-1" not in connection.token_ciphertext
    stored = load_connection_token(connection, shell.cipher)
    assert stored is not None
    assert credentials_from_json(stored).token == "fresh-1"


def test_the_cache_keeps_no_titles_and_reads_back_as_a_source(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    fake.put(
        meeting(
            1,
            datetime(2026, 6, 1, 9, 0, tzinfo=AMSTERDAM),
            summary=SECRET,
            description=SECRET,
            location=SECRET,
        )
    )
    connection_id = shell.connect()
    shell.sync(connection_id)

    with shell.store.connect() as connection:
        dump = repr(connection.execute(text("SELECT * FROM event_cache")).all())
    week = sync_window(NOW, AMSTERDAM, 0, 0)
    events = cached_fetch(shell.store, connection_id, week).events

    assert SECRET not in dump
    assert [e.id for e in events] == ["m0000001"]
    assert events[0].start == datetime(2026, 6, 1, 9, 0, tzinfo=AMSTERDAM)
    assert events[0].start.utcoffset() == timedelta(hours=2)


def test_an_empty_answer_for_a_calendar_with_history_is_flagged_not_applied(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    fill(fake, 10)
    connection_id = shell.connect()
    shell.sync(connection_id)
    with fake.lock:
        fake.events.clear()
    fake.expire_sync_tokens()

    result = shell.sync(connection_id)

    assert result.status == "flagged"
    assert len(shell.cache(connection_id)) == 10


def test_writing_blocks_through_the_store_remembers_refused_focus_time(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    connection_id = shell.connect()
    fake.refuse_focus_time = True
    start = datetime(2026, 6, 9, 8, 30, tzinfo=AMSTERDAM)

    def write(key: str) -> Any:
        block = Block(key, 0, start, start + timedelta(minutes=90), "Reflectie", AMSTERDAM)
        return write_google_block(
            shell.store,
            connection_id,
            block,
            cipher=shell.cipher,
            focus_time=FocusTimeOptions(),
            service_factory=shell.factory,
        )

    first = write("k1")
    again = write("k1")
    fake.reset_counts()
    second = write("k2")

    assert (first.created, first.focus_time_refused) == (True, True)
    assert again.created is False
    assert len(fake.live()) == 2
    assert ConnectionState.loads(shell.connection(connection_id).sync_state).focus_time_refused
    assert (second.focus_time, fake.count("POST")) == (False, 1)
