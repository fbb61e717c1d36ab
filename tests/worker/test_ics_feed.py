"""A leader's iCalendar feed as a calendar connection: connected once, then synced with
conditional requests against a local feed server that answers as calendar servers do (ETag,
Last-Modified, 304). An unchanged feed costs one request and no parse; a changed one is parsed
once and replaces the cache; a failing one says since when; a gone one needs a new address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

import connectors.ics.source
from assistant.accounts.ics import IcsAccount, connect_ics, describe
from assistant.app import pipeline
from assistant.app.status import pipeline_status
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Connection
from assistant.store.repositories.events import count_cached_events
from assistant.store.repositories.leaders import find_leader
from connectors.ics.fetch import FeedError
from tests.fakes.ics_feed import FEED_PATH, FakeIcsFeed
from tests.worker.conftest import (
    SECRET_KEY,
    WEEKLY_MEETING,
    add_leader,
    redis_db,
    worker_environment,
)
from tests.worker.test_commands import agenda_regie, refused

__all__ = ["redis_db"]

LEADER = "tokyo@example.org"
JOINED = datetime(2026, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
CIPHER = SecretBox([SECRET_KEY])
EXTRA_EVENT = """BEGIN:VEVENT
UID:extra@agenda-regie.test
DTSTAMP:20261101T000000Z
DTSTART:20261125T010000Z
DTEND:20261125T030000Z
SUMMARY:Board
ORGANIZER:mailto:someone@example.org
ATTENDEE;PARTSTAT=ACCEPTED:mailto:colleague@example.org
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the iCalendar parser's runs (the real parser runs; each call is recorded)."""
    calls: list[int] = []
    real = connectors.ics.source.parse

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(connectors.ics.source, "parse", counted)
    return calls


@pytest.fixture(params=["etag", "last-modified"])
def feed(request: pytest.FixtureRequest) -> Iterator[FakeIcsFeed]:
    server = FakeIcsFeed(
        WEEKLY_MEETING.read_text(), etag=request.param == "etag", last_modified=True
    ).start()
    yield server
    server.stop()


def connected(store: Engine, feed: FakeIcsFeed) -> int:
    add_leader(store, LEADER, "Asia/Tokyo", "monday", "08:00", JOINED, calendar=None)
    connection_id, events = connect_ics(store, LEADER, feed.url, CIPHER, now=NOW)
    assert events > 0
    return connection_id


def sync(store: Engine, connection_id: int, now: datetime) -> Any:
    return IcsAccount().sync(store, connection_id, cipher=CIPHER, now=now)


def cached(store: Engine, connection_id: int) -> int:
    with session_scope(store) as session:
        connection = session.get(Connection, connection_id)
        return count_cached_events(session, connection)


def test_an_unchanged_feed_costs_one_request_answered_304_and_no_parse(
    store: Engine, feed: FakeIcsFeed, parses: list[int]
) -> None:
    connection_id = connected(store, feed)
    feed.reset_counts()
    parses.clear()

    first = sync(store, connection_id, NOW)
    assert (first.status, first.kind, len(parses), feed.full_answers) == ("synced", "full", 1, 2)
    events = cached(store, connection_id)
    assert events > 0

    for minutes in (15, 30):
        again = sync(store, connection_id, NOW + timedelta(minutes=minutes))
        assert (again.status, again.kind, again.requests) == ("synced", "unchanged", 1)
    assert feed.count("GET") == 3  # one request per sync
    assert feed.not_modified == 2
    assert len(parses) == 1  # the unchanged answers were not parsed
    asked = feed.requests[-1].headers
    if feed.with_etag:
        assert asked["if-none-match"] == feed.etag
    else:
        assert "if-none-match" not in asked
        assert asked["if-modified-since"].endswith(" GMT")
    assert cached(store, connection_id) == events

    [line] = pipeline_status(store, NOW + timedelta(minutes=31)).connections
    assert line.detail == "feed checks 3: unchanged 2 (not parsed), parsed 1"
    assert (line.status, line.last_sync_at) == ("ok", NOW + timedelta(minutes=30))


def test_a_changed_feed_is_parsed_once_and_replaces_the_cache(
    store: Engine, feed: FakeIcsFeed, parses: list[int]
) -> None:
    connection_id = connected(store, feed)
    sync(store, connection_id, NOW)
    before = cached(store, connection_id)
    parses.clear()

    changed = WEEKLY_MEETING.read_text().replace("END:VCALENDAR\n", EXTRA_EVENT)
    feed.publish(changed, NOW + timedelta(minutes=5))
    outcome = sync(store, connection_id, NOW + timedelta(minutes=15))
    assert (outcome.kind, len(parses)) == ("full", 1)
    assert cached(store, connection_id) == before + 1
    unchanged = sync(store, connection_id, NOW + timedelta(minutes=30))
    assert (unchanged.kind, len(parses)) == ("unchanged", 1)


def test_the_feed_is_read_in_full_when_the_window_moves_a_week(
    store: Engine, feed: FakeIcsFeed, parses: list[int]
) -> None:
    connection_id = connected(store, feed)
    sync(store, connection_id, NOW)
    feed.reset_counts()
    parses.clear()

    next_week = sync(store, connection_id, NOW + timedelta(days=7))
    assert (next_week.kind, len(parses)) == ("full", 1)
    [seen] = feed.requests
    assert "if-none-match" not in seen.headers
    assert "if-modified-since" not in seen.headers
    assert sync(store, connection_id, NOW + timedelta(days=7, minutes=15)).kind == "unchanged"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failing_feed_says_since_when_and_recovers(
    store: Engine, feed: FakeIcsFeed, smtp: Any
) -> None:
    connection_id = connected(store, feed)
    sync(store, connection_id, NOW)
    later = NOW + timedelta(hours=2)
    with feed.failing(lambda _n, _m, _p: (500, "broken")):
        with pytest.raises(FeedError) as first:
            sync(store, connection_id, NOW + timedelta(hours=1))
        with pytest.raises(FeedError) as second:
            sync(store, connection_id, later)
    since = "has failed since 2026-11-30 10:00 UTC (HTTP status 500)"
    assert since in str(first.value)
    assert since in str(second.value)  # still the first failure's moment
    assert FEED_PATH.split("/")[3] not in str(second.value)  # the feed's secret is not shown
    # The workers' retries are spent: the connection shows `error` with the reason.
    pipeline.mark_connection_failed(store, connection_id, str(second.value), later)

    status = pipeline_status(store, later)
    [line] = status.connections
    assert line.status == "error"
    assert since in (line.last_error or "")
    [(leader, why)] = status.without_calendar
    assert leader == LEADER
    assert why.startswith("the ics connection fails (last good sync 2026-11-30T09:00+00:00): ")
    assert since in why

    recovered = pipeline.sync_connection(services(store, smtp), connection_id, later)
    assert recovered == "synced"
    [line] = pipeline_status(store, later).connections
    assert (line.status, line.last_error) == ("ok", None)
    assert pipeline_status(store, later).without_calendar == []


def test_a_gone_feed_needs_a_new_address_and_is_not_asked_again(
    store: Engine, feed: FakeIcsFeed
) -> None:
    connection_id = connected(store, feed)
    feed.gone = True
    outcome = sync(store, connection_id, NOW)
    assert outcome.status == "needs_reauthorisation"
    assert "answers HTTP 404: the calendar is no longer published at this address" in (
        outcome.message
    )
    assert f"agenda-regie connect ics URL --leader {LEADER}" in outcome.message
    asked = feed.count("GET")
    assert sync(store, connection_id, NOW + timedelta(minutes=15)).status == "skipped"
    assert feed.count("GET") == asked
    [(leader, why)] = pipeline_status(store, NOW).without_calendar
    assert leader == LEADER
    assert why.startswith("the ics connection needs re-authorisation: ")


def test_the_feed_address_is_stored_encrypted_and_shown_without_its_secret(
    store: Engine, feed: FakeIcsFeed
) -> None:
    connection_id = connected(store, feed)
    secret = FEED_PATH.split("/")[3]
    with session_scope(store) as session:
        connection = session.get(Connection, connection_id)
        assert connection is not None
        assert connection.provider == "ics"
        assert secret not in connection.account
        assert connection.token_ciphertext is not None
        assert secret.encode() not in connection.token_ciphertext
        assert CIPHER.decrypt(connection.token_ciphertext) == feed.url.encode()
    assert describe(None) == "feed checks 0: unchanged 0 (not parsed), parsed 0"


def services(store: Engine, smtp: Any) -> pipeline.Services:
    from assistant.mail.links import LinkSigner
    from assistant.mail.send import SmtpSettings

    return pipeline.Services(
        engine=store,
        smtp=SmtpSettings("127.0.0.1", smtp.port, "none", "agenda-regie@example.org"),
        signer=LinkSigner("test-link-secret-0123456789abcdef", "http://127.0.0.1:8000"),
        cipher=CIPHER,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_connect_ics_run_once_and_status_from_the_command_line(
    store: Engine, database_url: str, feed: FakeIcsFeed, smtp: Any, redis_db: Any
) -> None:
    environment = worker_environment(database_url, smtp.port)
    missing = feed.base_url + "/calendar/ical/nothing-here/basic.ics"
    line = refused(environment, "connect", "ics", missing, "--leader", LEADER, "--tz", "Asia/Tokyo")
    assert line == f"agenda-regie: {missing}: HTTP status 404"
    assert pipeline_status(store, NOW).connections == []
    with session_scope(store) as session:
        assert find_leader(session, LEADER) is None  # nothing stored

    connected = agenda_regie(
        environment, "connect", "ics", feed.url, "--leader", LEADER, "--tz", "Asia/Tokyo"
    )
    assert connected.startswith(
        f"agenda-regie: connected the iCalendar feed {feed.base_url}/calendar/ical/…/basic.ics "
        f"of {LEADER} (connection 1, "
    )
    sent = agenda_regie(environment, "run-once", "--leader", LEADER)
    assert ": sent (<" in sent
    assert smtp.inbox.recipients() == [LEADER]
    status = agenda_regie(environment, "status")
    assert f"#1 {LEADER} ics ok, last sync 20" in status
    assert "(feed checks 1: unchanged 0 (not parsed), parsed 1)" in status
    assert FEED_PATH.split("/")[3] not in connected + sent + status
