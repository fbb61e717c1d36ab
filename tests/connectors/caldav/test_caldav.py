"""The CalDAV connector beyond the contracts, against a real Radicale server: discovery, what a
wrong address, a wrong password or a failing server becomes, retries that honour Retry-After,
and the limit on requests in flight per server."""

from __future__ import annotations

import socket
import threading
from datetime import datetime, timedelta

import pytest

from connectors import TimeWindow
from connectors.backoff import RetryPolicy
from connectors.caldav import CalDavSource, NeedsReauthorisationError, Retrier, ServerLimiter
from connectors.caldav.client import CalDavClient
from connectors.caldav.errors import (
    CalDavError,
    NotACalendarError,
    NotFoundError,
    RetriesExhaustedError,
    ServerFaultError,
)
from tests.contracts.source import AMSTERDAM, ME, EventSpec
from tests.fakes.caldav_server import PASSWORD, USER, RadicaleServer, caldav_client, put_spec

MONDAY = datetime(2026, 6, 1, tzinfo=AMSTERDAM)


def week_source(client: CalDavClient, retrier: Retrier | None = None) -> CalDavSource:
    return CalDavSource(client, zone=AMSTERDAM, me=[ME], retrier=retrier)


def meeting(day: int, hour: int) -> EventSpec:
    start = MONDAY + timedelta(days=day, hours=hour)
    return EventSpec(start, start + timedelta(hours=1), other_attendees=1)


def quick(sleeps: list[float] | None = None, attempts: int = 3) -> Retrier:
    taken = sleeps if sleeps is not None else []
    return Retrier(policy=RetryPolicy(max_attempts_per_call=attempts), sleep=taken.append)


def test_discovery_from_the_server_finds_the_calendars_of_events(
    radicale_server: RadicaleServer,
) -> None:
    radicale_server.make_calendar("private")
    radicale_server.make_calendar("tasks", components="VTODO")
    client = CalDavClient(radicale_server.url, username=USER, password=PASSWORD)

    found = client.calendars(quick())

    assert sorted(c.name for c in found) == ["Private", "Work"]
    assert all(c.url.startswith(radicale_server.url) and c.is_calendar for c in found)


def test_discovery_from_a_calendar_is_that_calendar(radicale_server: RadicaleServer) -> None:
    found = caldav_client(radicale_server).calendars(quick())

    assert [(c.name, c.url) for c in found] == [("Work", radicale_server.calendar_url())]


def test_a_wrong_password_is_refused_for_good_without_retries(
    radicale_server: RadicaleServer,
) -> None:
    client = CalDavClient(radicale_server.calendar_url(), username=USER, password="wrong")
    sleeps: list[float] = []

    with pytest.raises(NeedsReauthorisationError, match="user name and the"):
        week_source(client, quick(sleeps)).fetch(_week())

    assert sleeps == []
    assert PASSWORD not in str(radicale_server.seen)


def test_an_address_with_no_calendar_is_not_found(radicale_server: RadicaleServer) -> None:
    client = caldav_client(radicale_server, "nothing-here")

    with pytest.raises(NotFoundError, match="nothing-here"):
        week_source(client, quick()).fetch(_week())


def test_a_folder_that_is_no_calendar_is_said_to_be_so(radicale_server: RadicaleServer) -> None:
    client = CalDavClient(f"{radicale_server.url}{USER}/", username=USER, password=PASSWORD)

    with pytest.raises(NotACalendarError, match="no calendar"):
        week_source(client, quick()).fetch(_week())


def test_a_server_that_is_not_there_is_a_fault_after_bounded_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = CalDavClient(f"http://127.0.0.1:{port}/cal/", username=USER, password=PASSWORD)
    sleeps: list[float] = []

    with pytest.raises(RetriesExhaustedError) as raised:
        week_source(client, quick(sleeps)).fetch(_week())

    assert isinstance(raised.value.__cause__, ServerFaultError)
    assert (len(sleeps), client.requests) == (2, 3)


def test_a_throttled_request_waits_as_asked_and_goes_on(radicale_server: RadicaleServer) -> None:
    put_spec(radicale_server, 0, meeting(0, 9))
    answers = iter([(503, "7"), (429, "3"), None, None])
    radicale_server.failing = lambda method, _path: next(answers) if method == "REPORT" else None
    sleeps: list[float] = []

    result = week_source(caldav_client(radicale_server), quick(sleeps)).fetch(_week())

    assert len(result.events) == 1
    assert sleeps[0] >= 7
    assert sleeps[1] >= 3


@pytest.mark.parametrize("limit", [1, 2])
def test_requests_in_flight_per_server_stay_within_the_limit(
    radicale_server: RadicaleServer, limit: int
) -> None:
    put_spec(radicale_server, 0, meeting(0, 9))
    limiter = ServerLimiter(limit)  # one per process, shared by every client of the server
    radicale_server.slow_seconds = 0.2  # long enough that unlimited syncs would overlap
    errors: list[BaseException] = []

    def sync() -> None:
        try:
            week_source(caldav_client(radicale_server, slots=limiter)).sync(None, _week())
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=sync) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert radicale_server.most_in_flight == limit


def _week() -> TimeWindow:
    return TimeWindow(MONDAY, MONDAY + timedelta(days=7))


def test_an_answer_larger_than_the_limit_is_refused_not_read(
    radicale_server: RadicaleServer,
) -> None:
    for number in range(8):
        put_spec(radicale_server, number, meeting(number % 5, 8 + number))
    client = caldav_client(radicale_server, max_bytes=4096)

    with pytest.raises(CalDavError, match="the answer is larger than"):
        week_source(client, quick()).fetch(_week())

    assert len(week_source(caldav_client(radicale_server), quick()).fetch(_week()).events) == 8
