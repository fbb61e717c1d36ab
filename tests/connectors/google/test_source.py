"""The Google source reads Google's own fields (its contract is in tests/contracts/)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors import ClassifyOptions, EventKind, Response, TimeWindow
from connectors.google import GoogleSource, SyncState
from connectors.google.errors import AccessDeniedError, NotFoundError
from tests.connectors.google.events import meeting
from tests.contracts.source import (
    AMSTERDAM,
    DAY,
    MONDAY,
    SECRET,
    at,
)
from tests.fakes.google_calendar import FakeGoogleCalendar


def source(service: Any, **options: Any) -> GoogleSource:
    return GoogleSource(service, zone=AMSTERDAM, **options)


def test_google_event_types_decide_the_kind(fake: FakeGoogleCalendar, service: Any) -> None:
    base = at(MONDAY, 9)
    fake.put(meeting(1, base, eventType="focusTime"))
    fake.put(meeting(2, base + timedelta(hours=1), eventType="outOfOffice"))
    fake.put(meeting(3, base + timedelta(hours=2), eventType="workingLocation"))
    fake.put(meeting(4, base + timedelta(hours=3), eventType="default"))

    kinds = [e.kind for e in source(service).fetch(DAY)]

    assert kinds == [
        EventKind.PROTECTED,
        EventKind.OUT_OF_OFFICE,
        EventKind.OTHER,
        EventKind.MEETING,
    ]


def test_instances_of_a_series_are_recurring_with_their_own_ids(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    for day in range(3):
        start = at(MONDAY + timedelta(days=day), 9)
        fake.put(meeting(day, start, id=f"series_{day}", recurringEventId="series"))
    week = TimeWindow(at(MONDAY, 0), at(MONDAY + timedelta(days=7), 0))

    events = source(service).fetch(week).events

    assert [e.id for e in events] == ["series_0", "series_1", "series_2"]
    assert all(e.recurring for e in events)


def test_resources_are_not_counted_as_people_and_titles_stay_out(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    event = meeting(1, at(MONDAY, 10), summary=f"Board {SECRET}", location=SECRET)
    event["attendees"].append({"email": "room@resource.calendar.google.com", "resource": True})
    fake.put(event)

    result = source(service).fetch(DAY)

    assert result.events[0].other_attendees == 2
    assert result.events[0].my_response is Response.ACCEPTED
    assert SECRET not in repr(result)


def test_reflection_keywords_and_exception_organisers_come_from_the_options(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    fake.put(meeting(1, at(MONDAY, 9), summary="Denktijd"))
    fake.put(meeting(2, at(MONDAY, 11), organizer={"email": "CEO@example.org"}))
    options = ClassifyOptions(
        reflection_keywords=("denktijd",), exception_organisers=frozenset({"ceo@example.org"})
    )

    first, second = source(service, options=options).fetch(DAY).events

    assert first.kind is EventKind.PROTECTED
    assert (second.kind, second.may_override_protection) == (EventKind.MEETING, True)


def test_a_broken_event_is_skipped_and_counted(fake: FakeGoogleCalendar, service: Any) -> None:
    fake.put(meeting(1, at(MONDAY, 9)))
    fake.put({**meeting(2, at(MONDAY, 10)), "start": {"dateTime": "not a time"}})

    result = source(service).fetch(DAY)

    assert len(result.events) == 1
    assert len(result.skipped) == 1
    assert "m0000002" in result.skipped[0].reason


def test_listing_pages_through_everything(fake: FakeGoogleCalendar, service: Any) -> None:
    for n in range(25):
        fake.put(meeting(n, at(MONDAY, 9) + timedelta(minutes=10 * n), minutes=10))

    result = source(service, page_size=10).fetch(DAY)

    assert len(result.events) == 25
    assert fake.count("GET", "/events") == 3
    assert all(seen.query["maxResults"] == ["10"] for seen in fake.requests)


def test_the_client_asks_for_expanded_series_and_big_pages(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    source(service).fetch(DAY)

    query = fake.requests[0].query
    assert query["singleEvents"] == ["true"]
    assert query["maxResults"] == ["2500"]


def test_an_unknown_calendar_is_a_clear_error_without_retries(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    with pytest.raises(NotFoundError, match=r"Google calendar team@example\.org"):
        source(service, calendar_id="team@example.org").fetch(DAY)
    assert fake.count() == 1


def test_a_forbidden_calendar_is_a_clear_error_without_retries(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    with (
        fake.failing(lambda n, method, path: (403, "forbidden")),
        pytest.raises(AccessDeniedError, match="403 forbidden"),
    ):
        source(service).fetch(DAY)
    assert fake.count() == 1


def test_sync_then_increment_removes_cancelled_and_declined(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    window = TimeWindow(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))
    for n in range(4):
        fake.put(meeting(n, at(MONDAY, 9 + n)))
    google = source(service)
    first = google.sync(None, window)
    assert (first.kind, len(first.kept)) == ("first", 4)

    fake.cancel("m0000000")
    declined = meeting(1, at(MONDAY, 10))
    declined["attendees"][0]["responseStatus"] = "declined"
    fake.put(declined)
    fake.change(
        "m0000002",
        start={"dateTime": at(MONDAY, 15).isoformat()},
        end={"dateTime": at(MONDAY, 16).isoformat()},
    )
    second = google.sync(first.state, window)

    assert second.kind == "incremental"
    assert sorted(second.removed) == ["m0000000", "m0000001"]
    assert [(e.id, e.start.hour) for e in second.kept] == [("m0000002", 15)]
    assert second.requests == 1


def test_a_moved_window_means_a_full_listing(fake: FakeGoogleCalendar, service: Any) -> None:
    old = TimeWindow(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))
    new = TimeWindow(datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC))
    state = SyncState("sync0-0", old)

    result = source(service).sync(state, new)

    assert result.kind == "window_moved"
    assert "syncToken" not in fake.requests[0].query


def test_all_day_events_follow_the_leader_zone(fake: FakeGoogleCalendar, service: Any) -> None:
    fake.put(
        {
            "id": "allday1",
            "start": {"date": "2026-03-03"},
            "end": {"date": "2026-03-04"},
            "transparency": "transparent",
        }
    )
    zone = ZoneInfo("Asia/Tokyo")
    window = TimeWindow(datetime(2026, 3, 2, tzinfo=zone), datetime(2026, 3, 9, tzinfo=zone))

    event = GoogleSource(service, zone=zone).fetch(window).events[0]

    assert event.start == datetime(2026, 3, 3, tzinfo=zone)
    assert (event.all_day, event.kind) == (True, EventKind.OTHER)
    assert event.start.date() == date(2026, 3, 3)


def test_people_arrive_as_keyed_hashes_and_counterforce_is_marked(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    fake.put(meeting(1, at(MONDAY, 9)))  # colleague@ organises, a@ and b@ attend
    fake.put(meeting(2, at(MONDAY, 11), summary="Coaching"))
    options = ClassifyOptions(people_key=b"k" * 32, counterforce_keywords=("coaching",))

    first, second = source(service, options=options).fetch(DAY).events

    assert len(first.people) == 3  # the organiser and the two others, never the leader
    assert first.people == second.people
    assert "example.org" not in repr(first)
    assert (first.counterforce, second.counterforce) == (False, True)
