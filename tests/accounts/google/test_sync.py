"""The store-backed sync, write and withdraw: few requests, nothing lost or doubled, storms
survived, revoked tokens flagged once. Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta
from typing import Any

import pytest
from google.oauth2.credentials import Credentials
from sqlalchemy import text

from assistant.accounts.cache import cached_fetch
from assistant.accounts.google import (
    ConnectionState,
    connect_google,
    sync_all_google,
    sync_window,
    withdraw_google_block,
    write_google_block,
)
from assistant.store.database import session_scope
from assistant.store.repositories import load_connection_token, upsert_leader
from connectors.errors import ConnectorError
from connectors.google.auth import credentials_from_json
from connectors.google.errors import BadRequestError, NeedsReauthorisationError
from connectors.google.mapping import TAG_KEY
from connectors.google.writer import Block, BlockConflictError, FocusTimeOptions, block_event_id
from tests.connectors.google.conftest import LEADER, NOW, Shell
from tests.connectors.google.events import fill, meeting
from tests.contracts.source import AMSTERDAM, SECRET
from tests.fakes.google_calendar import FakeGoogleCalendar


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


UNAVAILABLE = (503, {"error": {"code": 503, "message": "The service is currently unavailable."}})
UNAVAILABLE_PAGE = (503, b"<html><body>Error 503 (Service Unavailable)</body></html>")


@pytest.mark.parametrize(
    "answers",
    [
        # google-auth tries a refresh three times itself; a single 503 never reaches us.
        [UNAVAILABLE],
        [UNAVAILABLE] * 3,
        [UNAVAILABLE_PAGE] * 3,  # google-auth calls a page that is not JSON "not retryable"
        [(400, {"error": "internal_failure", "error_description": "Backend error"})] * 3,
    ],
    ids=["once", "a-whole-refresh", "an-html-page", "internal-failure"],
)
def test_a_passing_fault_of_the_token_endpoint_is_retried_and_the_connection_stays_ok(
    shell: Shell, fake: FakeGoogleCalendar, answers: list[tuple[int, Any]]
) -> None:
    fill(fake, 10)
    connection_id = shell.connect()
    fake.rejected_tokens.add("first-token")
    fake.token_answers = list(answers)

    result = shell.sync(connection_id)

    assert (result.status, result.kept) == ("synced", 10)
    assert fake.token_answers == []
    connection = shell.connection(connection_id)
    assert (connection.status, connection.last_error) == ("ok", None)
    assert len(shell.sleeps) == len(answers) // 3  # one pause of ours per failed refresh


@pytest.mark.parametrize(
    "answer",
    [
        (401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}),
        (401, {"error": "deleted_client", "error_description": "The OAuth client was deleted."}),
        (401, {"error": "unauthorized_client", "error_description": "Unauthorized"}),
        (400, {"error": "invalid_grant", "error_description": "Token has been expired."}),
    ],
    ids=["invalid-client", "deleted-client", "unauthorized-client", "invalid-grant"],
)
def test_a_refresh_google_refuses_for_good_flags_the_connection_without_retrying(
    shell: Shell, fake: FakeGoogleCalendar, answer: tuple[int, dict[str, str]]
) -> None:
    fill(fake, 3)
    connection_id = shell.connect()
    fake.rejected_tokens.add("first-token")
    fake.token_answers = [answer]

    result = shell.sync(connection_id)

    assert result.status == "needs_reauthorisation"
    connection = shell.connection(connection_id)
    assert connection.status == "needs_reauthorisation"
    assert answer[1]["error"] in (connection.last_error or "")
    assert fake.count("POST", "/token") == 1
    assert shell.sleeps == []


def unreachable_port() -> int:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        return int(closed.getsockname()[1])


@pytest.mark.parametrize("where", ["token-endpoint", "everything"])
def test_an_unreachable_google_is_retried_then_reported_and_the_connection_stays_ok(
    shell: Shell, fake: FakeGoogleCalendar, where: str
) -> None:
    fill(fake, 3)
    if where == "token-endpoint":
        credentials = Credentials(
            token="first-token",
            refresh_token="refresh-1",
            token_uri=f"http://127.0.0.1:{unreachable_port()}/token",
            client_id="client-1.apps.googleusercontent.com",
            client_secret="secret",
        )
        connection_id = connect_google(
            shell.store, LEADER, LEADER, credentials, shell.cipher, now=NOW
        )
        fake.rejected_tokens.add("first-token")
    else:
        connection_id = shell.connect()
        fake.stop()

    with pytest.raises(
        ConnectorError, match=r"Google could not be reached \(ConnectionRefusedError: .*refused"
    ) as raised:
        shell.sync(connection_id, max_attempts_per_call=3)

    assert "gave up after 3 attempts" in str(raised.value)
    assert len(shell.sleeps) == 2
    connection = shell.connection(connection_id)
    assert connection.status == "ok"
    assert connection.last_error == str(raised.value)


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
    # The people met come back as the keyed hashes the sync made; no address is stored.
    assert len(events[0].people) == 3
    assert "example.org" not in dump


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


BLOCK_START = datetime(2026, 6, 9, 8, 30, tzinfo=AMSTERDAM)


def write(shell: Shell, connection_id: int, key: str = "k1") -> Any:
    block = Block(key, 0, BLOCK_START, BLOCK_START + timedelta(minutes=90), "Reflectie", AMSTERDAM)
    return write_google_block(
        shell.store,
        connection_id,
        block,
        cipher=shell.cipher,
        focus_time=FocusTimeOptions(),
        service_factory=shell.factory,
    )


def withdraw(shell: Shell, connection_id: int, key: str = "k1") -> bool:
    return withdraw_google_block(
        shell.store, connection_id, key, 0, cipher=shell.cipher, service_factory=shell.factory
    )


def test_connecting_again_asks_for_focus_time_again(shell: Shell, fake: FakeGoogleCalendar) -> None:
    connection_id = shell.connect()
    fake.refuse_focus_time = True
    assert write(shell, connection_id, key="k1").focus_time_refused

    fake.refuse_focus_time = False  # the Workspace edition was upgraded; the leader reconnects
    assert shell.connect() == connection_id
    again = write(shell, connection_id, key="k2")

    assert (again.focus_time, again.focus_time_refused) == (True, False)
    assert fake.live()[again.event_id]["eventType"] == "focusTime"
    assert not ConnectionState.loads(shell.connection(connection_id).sync_state).focus_time_refused


def test_another_bad_request_on_a_write_is_an_error_and_focus_time_is_not_given_up(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    connection_id = shell.connect()
    fake.refuse_focus_time = True
    fake.focus_time_refusal = (400, "invalid", "Invalid value for: Invalid time zone definition")

    with pytest.raises(BadRequestError, match="400 invalid: Invalid value"):
        write(shell, connection_id)

    assert fake.live() == {}
    assert not ConnectionState.loads(shell.connection(connection_id).sync_state).focus_time_refused


def test_withdrawing_through_the_store_deletes_the_block_once(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    connection_id = shell.connect()
    written = write(shell, connection_id)
    write(shell, connection_id, key="k2")
    fake.reset_counts()

    assert withdraw(shell, connection_id) is True
    assert written.event_id not in fake.live()
    assert list(fake.live()) == [block_event_id("k2", 0)]  # the other block stays
    assert fake.count("DELETE") == 1

    assert withdraw(shell, connection_id) is False
    assert withdraw(shell, connection_id, key="never-written") is False
    assert fake.count("DELETE") == 1  # nothing deleted twice


def test_withdrawing_leaves_an_event_that_is_not_ours_alone(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    connection_id = shell.connect()
    start = BLOCK_START.isoformat()
    fake.put({"id": block_event_id("k1", 0), "summary": SECRET, "start": {"dateTime": start}})

    with pytest.raises(BlockConflictError, match="left alone"):
        withdraw(shell, connection_id)

    assert fake.live()[block_event_id("k1", 0)]["summary"] == SECRET
    assert TAG_KEY not in str(fake.live())
    assert fake.count("DELETE") == 0
    assert shell.connection(connection_id).status == "ok"


def test_withdrawing_with_revoked_credentials_flags_the_connection_once(
    shell: Shell, fake: FakeGoogleCalendar
) -> None:
    connection_id = shell.connect()
    write(shell, connection_id)
    fake.rejected_tokens.add("first-token")
    fake.revoked = True
    fake.reset_counts()

    with pytest.raises(NeedsReauthorisationError, match="needs re-authorisation"):
        withdraw(shell, connection_id)

    connection = shell.connection(connection_id)
    assert connection.status == "needs_reauthorisation"
    assert "invalid_grant" in (connection.last_error or "")
    assert fake.count("POST", "/token") == 1  # refreshed once, no loop
    assert len(fake.live()) == 1  # the block is still there; nothing was deleted

    fake.reset_counts()
    with pytest.raises(NeedsReauthorisationError, match=f"connect google --leader {LEADER}"):
        withdraw(shell, connection_id)
    assert fake.count() == 0
