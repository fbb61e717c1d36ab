"""The store-backed sync: one request when nothing changed, nothing lost or doubled, throttling
storms survived within the limits, revoked sign-ins flagged once. SQLite and real PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select, text

from assistant.accounts.cache import SyncOutcome, cached_fetch
from assistant.accounts.google import sync_window
from assistant.accounts.graph_access import GraphAccess
from assistant.accounts.microsoft import (
    ConnectionState,
    connect_microsoft,
    sync_all_microsoft,
    sync_microsoft_connection,
    withdraw_microsoft_block,
    write_microsoft_block,
)
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Base, CachedEvent, Connection
from assistant.store.repositories import load_connection_token, upsert_leader
from connectors.microsoft.auth import (
    APPLICATION_SCOPES,
    AppRegistration,
    StoredAuthorisation,
    begin_sign_in,
    delegated_scopes,
    finish_sign_in,
    load_cache,
    make_app,
)
from connectors.microsoft.errors import RetriesExhaustedError
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.source import MicrosoftSource
from connectors.microsoft.throttle import MailboxLimiter, Retrier, RetryPolicy
from connectors.microsoft.writer import Block
from tests.connectors.microsoft.events import meeting
from tests.connectors.microsoft.test_auth import Rewriting
from tests.contracts.source import AMSTERDAM, SECRET
from tests.fakes.microsoft_graph import FakeGraph

NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # a Wednesday
LEADER = "leader@example.org"
OTHER = "other@example.org"
REGISTRATION = AppRegistration("client-1", "tenant1", "secret")


@pytest.fixture
def store(engine: Engine) -> Iterator[Engine]:
    yield engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DELETE FROM {table.name}"))


class Shell:
    """The use cases wired to the fake server, with msal for real and no real sleep."""

    def __init__(self, store: Engine, fake: FakeGraph, http: httpx.Client, login: Rewriting):
        self.store, self.fake, self.login = store, fake, login
        self.cipher = SecretBox([Fernet.generate_key()])
        self.sleeps: list[float] = []
        self.limiter = MailboxLimiter()
        self.access = GraphAccess(
            REGISTRATION,
            http,
            graph_url=fake.graph_url,
            login_http_client=login,
            limiter=self.limiter,
        )
        with session_scope(store) as session:
            upsert_leader(session, LEADER, timezone="Europe/Amsterdam", now=NOW)
            upsert_leader(session, OTHER, timezone="Europe/Amsterdam", now=NOW)

    def connect(self) -> int:
        """The leader signs in (auth-code flow through msal and the fake Entra ID)."""
        cache = load_cache(None)
        app = make_app(REGISTRATION, cache, http_client=self.login)
        scopes = delegated_scopes(write_back=True)
        flow = begin_sign_in(app, scopes, redirect_uri="http://localhost:8400/")
        username = finish_sign_in(app, flow, self.fake.approve(flow["auth_uri"]))
        stored = StoredAuthorisation("delegated", username, tuple(scopes), cache.serialize())
        return connect_microsoft(self.store, LEADER, stored, self.cipher, now=NOW)

    def connect_application(self, leader: str = OTHER) -> int:
        stored = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
        return connect_microsoft(self.store, leader, stored, self.cipher, now=NOW)

    def retrier(self, **policy: Any) -> Retrier:
        return Retrier(RetryPolicy(**policy), sleep=self.sleeps.append, jitter=lambda: 0.5)

    def sync(
        self, connection_id: int, retrier: Retrier | None = None, **policy: Any
    ) -> SyncOutcome:
        return sync_microsoft_connection(
            self.store,
            connection_id,
            cipher=self.cipher,
            now=NOW,
            access=self.access,
            retrier=retrier or self.retrier(**policy),
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

    def graph_requests(self) -> int:
        return self.fake.count(path_part="/v1.0/")


@pytest.fixture
def shell(store: Engine, fake: FakeGraph, http: httpx.Client) -> Iterator[Shell]:
    with Rewriting(fake.url) as login:
        yield Shell(store, fake, http, login)


def fill(fake: FakeGraph, count: int, mailbox: str | None = None) -> None:
    """`count` meetings spread over the 26 weeks before NOW, working hours only."""
    first = datetime(2025, 12, 1, 8, 0, tzinfo=AMSTERDAM)
    for number in range(count):
        day = first + timedelta(days=(number // 18) % 182)
        fake.put(meeting(number, day + timedelta(minutes=30 * (number % 18))), mailbox)


def test_after_a_full_sync_no_change_costs_one_request_and_one_change_one(
    shell: Shell, fake: FakeGraph
) -> None:
    fill(fake, 3000)
    connection_id = shell.connect()

    first = shell.sync(connection_id)
    assert (first.status, first.kind, first.kept) == ("synced", "first", 3000)
    assert shell.graph_requests() == 6  # 500 a page
    assert len(shell.cache(connection_id)) == 3000

    fake.reset_counts()
    quiet = shell.sync(connection_id)
    assert (quiet.kind, quiet.kept, quiet.removed, quiet.requests) == ("incremental", 0, 0, 1)
    assert fake.count() == 1  # and no token request: msal answered from its cache

    moved_to = datetime(2026, 5, 20, 16, 0, tzinfo=AMSTERDAM)
    fake.change("AAMk0000042=", **meeting(42, moved_to, minutes=60))
    fake.reset_counts()
    one = shell.sync(connection_id)
    assert (one.kind, one.kept, one.removed) == ("incremental", 1, 0)
    assert fake.count() == 1
    cached = shell.cache(connection_id)
    assert len(cached) == 3000
    assert cached["AAMk0000042="].start == moved_to
    assert cached["AAMk0000042="].end == moved_to + timedelta(hours=1)


def test_removed_events_leave_the_cache(shell: Shell, fake: FakeGraph) -> None:
    fill(fake, 20)
    connection_id = shell.connect()
    shell.sync(connection_id)

    fake.delete("AAMk0000003=")
    fake.change("AAMk0000004=", isCancelled=True)
    result = shell.sync(connection_id)

    assert (result.kept, result.removed) == (0, 2)
    assert set(shell.cache(connection_id)) == set(fake.live()) - {"AAMk0000004="}


@pytest.mark.parametrize("status", [400, 410])
def test_an_expired_delta_token_resyncs_without_losing_or_doubling(
    shell: Shell, fake: FakeGraph, status: int
) -> None:
    fill(fake, 300)
    connection_id = shell.connect()
    shell.sync(connection_id)
    row_ids_before = {k: row.id for k, row in shell.cache(connection_id).items()}

    fake.delete("AAMk0000010=")
    fake.put(meeting(9999, datetime(2026, 5, 5, 9, 0, tzinfo=AMSTERDAM)))
    fake.change("AAMk0000020=", showAs="free")
    fake.expiry_status = status
    fake.expire_delta_tokens()
    result = shell.sync(connection_id)

    assert result.kind == "token_expired"
    cached = shell.cache(connection_id)
    assert set(cached) == set(fake.live())
    assert len(cached) == 300  # -1 deleted, +1 new
    assert cached["AAMk0000020="].busy is False
    # Reconciled by id: rows that stayed kept their identity.
    assert all(cached[k].id == row_id for k, row_id in row_ids_before.items() if k in cached)
    assert shell.sync(connection_id).kind == "incremental"


def test_a_throttling_storm_ends_in_a_complete_sync_within_the_retry_after_given(
    shell: Shell, fake: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    fill(fake, 1500)
    connection_id = shell.connect()

    def every_second_request_429(number: int, method: str, path: str) -> tuple[int, str] | None:
        return (429, "TooManyRequests") if number <= 16 and number % 2 == 0 else None

    fake.retry_after = "2.128"
    caplog.set_level(logging.INFO)
    with fake.failing(every_second_request_429):
        first = shell.sync(connection_id)
        fake.put(meeting(5000, datetime(2026, 5, 6, 9, 0, tzinfo=AMSTERDAM)))
        second = shell.sync(connection_id)

    assert (first.status, first.kept) == ("synced", 1500)
    assert (second.status, second.kept) == ("synced", 1)
    assert len(shell.cache(connection_id)) == 1501
    assert shell.sleeps
    assert all(pause == 2.128 for pause in shell.sleeps)
    assert first.waited_seconds + second.waited_seconds == pytest.approx(sum(shell.sleeps))
    assert any("waited" in r.getMessage() for r in caplog.records)


def test_a_storm_on_concurrent_requests_never_has_more_than_four_in_flight_per_mailbox(
    shell: Shell, fake: FakeGraph
) -> None:
    fill(fake, 300)
    fill(fake, 50, mailbox=OTHER)
    mine = shell.connect()
    theirs = shell.connect_application()
    fake.delay_seconds = 0.03
    fake.retry_after = "1.5"
    storm = lambda number, method, path: (  # noqa: E731
        (429, "ApplicationThrottled") if number % 3 == 0 and "/v1.0/" in path else None
    )
    window = sync_window(NOW, AMSTERDAM)
    outcomes: list[SyncOutcome] = []
    fetched: list[int] = []
    retrier = shell.retrier()

    def fetch_slices() -> None:  # a full listing in weekly slices, many threads, same mailbox
        tokens = lambda force_refresh=False: "app-token"  # noqa: E731
        client = GraphClient(
            shell.access.http, tokens, base_url=fake.graph_url, limiter=shell.limiter
        )
        source = MicrosoftSource(
            client,
            zone=AMSTERDAM,
            mailbox=LEADER,
            slice_days=7,
            parallel=12,
            page_size=25,
            retrier=retrier,
        )
        fetched.append(len(source.fetch(window)))

    with fake.failing(storm):
        threads = [threading.Thread(target=fetch_slices) for _ in range(2)]
        threads += [
            threading.Thread(target=lambda c=c: outcomes.append(shell.sync(c, retrier)))
            for c in (mine, theirs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert fetched == [300, 300]
    assert sorted((o.status, o.kept) for o in outcomes) == [("synced", 50), ("synced", 300)]
    assert fake.violations == []
    assert fake.max_in_flight[LEADER] == 4  # concurrency was real, and capped
    assert shell.sleeps
    assert set(shell.sleeps) == {1.5}


def test_a_storm_that_does_not_end_gives_up_within_the_budget(
    shell: Shell, fake: FakeGraph
) -> None:
    fill(fake, 10)
    connection_id = shell.connect()
    with (
        fake.failing(lambda n, m, p: (503, "ServiceUnavailable") if "/v1.0/" in p else None),
        pytest.raises(RetriesExhaustedError, match="gave up after 4 attempts"),
    ):
        shell.sync(connection_id, max_attempts_per_call=4)
    assert shell.graph_requests() == 4
    assert all(pause <= 8 for pause in shell.sleeps)  # jittered exponential backoff, bounded
    assert shell.connection(connection_id).last_error is not None


def test_a_revoked_sign_in_flags_the_connection_once_and_says_so(
    shell: Shell, fake: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    fill(fake, 10)
    flagged = shell.connect()
    healthy = shell.connect_application()
    fake.rejected_tokens.add("user-1")  # the access token from the sign-in
    fake.revoked = True

    outcomes = sync_all_microsoft(
        shell.store, cipher=shell.cipher, now=NOW, access=shell.access, retrier=shell.retrier()
    )

    assert [(o.connection_id, o.status) for o in outcomes] == [
        (flagged, "needs_reauthorisation"),
        (healthy, "synced"),
    ]
    assert f"connect microsoft --leader {LEADER}" in outcomes[0].message
    connection = shell.connection(flagged)
    assert connection.status == "needs_reauthorisation"
    assert "invalid_grant" in (connection.last_error or "")
    assert fake.count("POST", "/oauth2/v2.0/token") == 3  # sign-in, one refresh, app token

    fake.reset_counts()
    again = shell.sync(flagged)
    assert again.status == "skipped"
    assert "needs re-authorisation" in again.message
    assert fake.count() == 0
    assert "needs re-authorisation" in caplog.text


def test_a_401_refreshes_once_and_msals_changed_cache_is_stored_encrypted(
    shell: Shell, fake: FakeGraph
) -> None:
    fill(fake, 5)
    connection_id = shell.connect()
    before = shell.connection(connection_id).token_ciphertext
    fake.rejected_tokens.add("user-1")

    result = shell.sync(connection_id)

    assert result.status == "synced"
    assert fake.count("POST", "/oauth2/v2.0/token") == 2  # the sign-in and one refresh
    connection = shell.connection(connection_id)
    assert connection.token_ciphertext not in (None, before)
    assert b"refresh-" not in (connection.token_ciphertext or b"")
    stored = load_connection_token(connection, shell.cipher)
    assert stored is not None
    assert "user-2" in StoredAuthorisation.from_bytes(stored).cache_text

    fake.reset_counts()
    shell.sync(connection_id)
    assert fake.count("POST", "/oauth2/v2.0/token") == 0  # the stored cache is used
    assert shell.connection(connection_id).token_ciphertext == connection.token_ciphertext


def test_the_cache_keeps_no_titles_and_reads_back_as_a_source(
    shell: Shell, fake: FakeGraph
) -> None:
    event = meeting(1, datetime(2026, 6, 1, 9, 0, tzinfo=AMSTERDAM), subject=SECRET)
    event["bodyPreview"] = SECRET
    event["categories"] = [SECRET]
    fake.put(event)
    connection_id = shell.connect()
    shell.sync(connection_id)

    with shell.store.connect() as connection:
        dump = repr(connection.execute(text("SELECT * FROM event_cache")).all())
        dump += repr(connection.execute(text("SELECT sync_state FROM connections")).all())
    week = sync_window(NOW, AMSTERDAM, 0, 0)
    events = cached_fetch(shell.store, connection_id, week).events

    assert SECRET not in dump
    assert [e.id for e in events] == ["AAMk0000001="]
    assert events[0].start == datetime(2026, 6, 1, 9, 0, tzinfo=AMSTERDAM)
    assert events[0].source == "microsoft"


def test_an_empty_answer_for_a_calendar_with_history_is_flagged_not_applied(
    shell: Shell, fake: FakeGraph
) -> None:
    fill(fake, 10)
    connection_id = shell.connect()
    shell.sync(connection_id)
    with fake.lock:
        fake.events.clear()
    fake.expire_delta_tokens()

    result = shell.sync(connection_id)

    assert result.status == "flagged"
    assert len(shell.cache(connection_id)) == 10
    state = ConnectionState.loads(shell.connection(connection_id).sync_state, LEADER)
    assert state.delta_link is None


def test_writing_and_withdrawing_blocks_through_the_store(shell: Shell, fake: FakeGraph) -> None:
    connection_id = shell.connect()
    start = datetime(2026, 6, 9, 8, 30, tzinfo=AMSTERDAM)
    block = Block("k1", 0, start, start + timedelta(minutes=90), "Reflectie", AMSTERDAM)

    def write() -> Any:
        return write_microsoft_block(
            shell.store, connection_id, block, cipher=shell.cipher, access=shell.access
        )

    def withdraw() -> bool:
        return withdraw_microsoft_block(
            shell.store, connection_id, "k1", 0, cipher=shell.cipher, access=shell.access
        )

    first, again = write(), write()

    assert (first.created, again.created, first.event_id) == (True, False, again.event_id)
    assert len(fake.live()) == 1
    assert (withdraw(), withdraw()) == (True, False)
    assert fake.live() == {}
    assert fake.count("DELETE") == 1
