"""The iCalendar source: time zones, recurrence and the quirks of real exporters (the contract is in
tests/contracts/; broken input in test_ics_broken.py, files and feeds in test_ics_fetch.py).

Hand-made calendars live in calendars/, named after what they show.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors import (
    EventKind,
    EventStatus,
    Response,
    TimeWindow,
)
from connectors.ics import IcsSource
from tests.connectors.ics_reading import CALENDARS, MARCH, TOKYO, local_starts, read
from tests.contracts.source import (
    AMSTERDAM,
    NEW_YORK,
    at,
    local_week,
    real_duration,
)

# --- time zones and recurrence -------------------------------------------------------------


@pytest.mark.parametrize(
    ("monday", "offsets_in_hours"),
    [(date(2026, 3, 23), [1] * 6 + [2]), (date(2026, 10, 19), [2] * 6 + [1])],
    ids=["march", "october"],
)
def test_a_daily_series_keeps_its_wall_time_across_the_dst_change(
    monday: date, offsets_in_hours: list[int]
) -> None:
    result = read("dst_week_amsterdam.ics", local_week(monday, AMSTERDAM))

    standups = [e for e in result if e.recurring]
    assert [f"{e.start:%H:%M}" for e in standups] == ["09:00"] * 7
    assert [e.start.utcoffset() for e in standups] == [timedelta(hours=h) for h in offsets_in_hours]
    night = next(e for e in result if not e.recurring)
    # 01:30 to 03:30 on the wall clock: one hour lost in spring, one gained in autumn.
    expected = timedelta(hours=1) if monday.month == 3 else timedelta(hours=3)
    assert real_duration(night.start, night.end) == expected


def test_a_google_export_in_utc_keeps_the_calendar_wall_time_after_dst() -> None:
    result = read("google_x_wr_timezone.ics", zone=NEW_YORK)

    weekly = [e for e in result if e.recurring]
    assert [f"{e.start.astimezone(AMSTERDAM):%m-%d %H:%M}" for e in weekly] == [
        "03-16 09:00",
        "03-23 09:00",
        "03-30 09:00",  # still nine o'clock in Amsterdam after the clocks went forward
    ]
    assert weekly[0].created == datetime(2026, 1, 10, 10, 15, tzinfo=UTC)


def test_floating_times_in_a_google_export_are_read_in_its_x_wr_timezone() -> None:
    result = read("google_x_wr_timezone.ics", zone=NEW_YORK)

    floating = next(e for e in result if e.start.astimezone(AMSTERDAM).hour == 14)
    assert floating.start == datetime(2026, 3, 18, 14, tzinfo=AMSTERDAM)


def test_a_google_all_day_event_is_at_the_leaders_midnight_and_not_busy() -> None:
    result = read("google_x_wr_timezone.ics", zone=NEW_YORK)

    (day,) = [e for e in result if e.all_day]
    assert (day.start, day.end) == (
        datetime(2026, 3, 20, tzinfo=NEW_YORK),
        datetime(2026, 3, 21, tzinfo=NEW_YORK),
    )
    assert (day.busy, day.kind) == (False, EventKind.OTHER)


@pytest.mark.parametrize("name", ["this_and_future.ics", "this_and_future_with_x_wr_timezone.ics"])
def test_a_this_and_future_change_moves_every_later_instance(name: str) -> None:
    january = TimeWindow(at(date(2026, 1, 5), 0), at(date(2026, 1, 12), 0))

    result = read(name, january)

    # x-wr-timezone drops RANGE=THISANDFUTURE from rewritten RECURRENCE-IDs; the source puts it
    # back, so the Google-style file moves the same instances as the plain one.
    assert local_starts(result) == [
        "01-05 10:00",
        "01-06 10:00",
        "01-07 15:00",
        "01-08 15:00",
        "01-09 15:00",
        "01-10 15:00",
    ]
    assert all(e.recurring for e in result)


def test_outlook_windows_time_zones_with_exdate_and_a_moved_instance() -> None:
    result = read("outlook_windows_tzid.ics")

    assert local_starts(result) == [
        "03-16 10:00",  # W. Europe Standard Time, from the file's VTIMEZONE
        "03-17 17:00",  # Pacific Standard Time without VTIMEZONE: 09:00 in Seattle
        "03-30 14:00",  # moved from 10:00; 03-23 is excluded
    ]
    assert [e.recurring for e in result] == [True, False, True]


def test_unknown_time_zone_names_are_resolved_or_read_in_the_leaders_zone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="connectors.ics"):
        result = read("outlook_unknown_tzids.ics", zone=NEW_YORK)

    assert [e.start for e in result] == [
        datetime(2026, 3, 18, 9, tzinfo=ZoneInfo("Europe/London")),  # "GMT Standard Time 1"
        datetime(2026, 3, 19, 14, tzinfo=UTC),  # "(UTC-05:00) Eastern Time": a fixed offset
        datetime(2026, 3, 20, 9, tzinfo=NEW_YORK),  # "Mars Standard Time": the leader's zone
    ]
    assert "'Mars Standard Time' is unknown" in caplog.text
    assert "Somewhere" not in caplog.text
    assert "office" not in caplog.text


def test_two_feeds_defining_the_same_custom_zone_differently_each_keep_their_own() -> None:
    # icalendar caches the first "Customized Time Zone" it meets for the whole process.
    plus_two = read("outlook_custom_tz_plus2.ics").events[0]
    minus_five = read("outlook_custom_tz_minus5.ics").events[0]

    assert plus_two.start.astimezone(UTC) == datetime(2026, 3, 10, 7, tzinfo=UTC)
    assert minus_five.start.astimezone(UTC) == datetime(2026, 3, 10, 14, tzinfo=UTC)


@pytest.mark.parametrize("zone", [AMSTERDAM, NEW_YORK, TOKYO], ids=str)
def test_floating_times_are_read_in_the_leaders_zone(zone: ZoneInfo) -> None:
    week = local_week(date(2026, 3, 2), zone)

    result = read("floating_times.ics", week, zone)

    # The daily rule's floating UNTIL (09:00) keeps its last morning in every zone.
    assert local_starts(result, zone) == [f"03-0{day} 09:00" for day in (4, 5, 6, 7)]
    assert all(e.start.tzinfo is zone for e in result)


def test_several_vcalendars_in_one_file_are_all_read_and_a_resent_invitation_wins() -> None:
    result = read("multiple_vcalendars.ics")

    assert local_starts(result) == [
        "03-04 09:00",  # first calendar, UTC with X-WR-TIMEZONE
        "03-04 13:00",  # the board meeting as moved by the second calendar (SEQUENCE 1)
        "03-04 15:00",  # second calendar, 09:00 in New York
    ]


def test_rrule_exdate_rdate_moved_and_cancelled_instances() -> None:
    result = read("recurrence_exceptions.ics")

    assert local_starts(result) == [
        "03-03 14:00",
        "03-05 10:00",  # a single event beside the series
        "03-12 14:00",  # RDATE; 03-10 is an EXDATE
        "03-18 16:00",  # the 03-17 instance moved to Wednesday
        "03-31 14:00",  # 03-24 was cancelled
    ]
    assert [e.recurring for e in result] == [True, False, True, True, True]
    assert len({e.id for e in result}) == 5


def test_occurrence_ids_do_not_depend_on_the_window() -> None:
    whole_month = read("recurrence_exceptions.ics")
    second_week = read("recurrence_exceptions.ics", local_week(date(2026, 3, 9), AMSTERDAM))

    assert {e.id for e in second_week} < {e.id for e in whole_month}


# --- all-day, duration, status, busy ----------------------------------------------------------


@pytest.mark.parametrize("zone", [AMSTERDAM, NEW_YORK], ids=str)
def test_all_day_events_cover_whole_local_days(zone: ZoneInfo) -> None:
    result = read("all_day_events.ics", zone=zone)

    days = [(e.start.date(), e.end.date(), e.kind) for e in result]
    assert days == [
        (date(2026, 3, 2), date(2026, 3, 3), EventKind.OUT_OF_OFFICE),
        (date(2026, 3, 3), date(2026, 3, 4), EventKind.OUT_OF_OFFICE),  # no DTEND: one day
        (date(2026, 3, 4), date(2026, 3, 6), EventKind.OUT_OF_OFFICE),  # DURATION:P2D
        (date(2026, 3, 8), date(2026, 3, 9), EventKind.OTHER),  # a yearly transparent birthday
    ]
    assert all(e.all_day and e.start.tzinfo is zone and e.start.hour == 0 for e in result)


def test_duration_status_transparency_created_and_our_marker() -> None:
    result = read("duration_and_status.ics")

    summary = [
        (f"{e.start:%H:%M}-{e.end:%H:%M}", e.status, e.busy, e.kind, e.created is not None)
        for e in result
    ]
    assert summary == [
        ("09:00-10:30", EventStatus.CONFIRMED, True, EventKind.SOLO, True),  # DURATION:PT90M
        ("11:00-12:00", EventStatus.TENTATIVE, True, EventKind.SOLO, False),  # naive CREATED
        ("14:30-15:00", EventStatus.CONFIRMED, False, EventKind.OTHER, False),  # TRANSPARENT
        ("15:30-17:00", EventStatus.CONFIRMED, True, EventKind.PROTECTED, False),
    ]
    assert [e.ours for e in result] == [False, False, False, True]
    assert result.events[0].created == datetime(2026, 2, 15, 9, 30, tzinfo=UTC)


def test_outlook_busy_status_and_all_day_flag() -> None:
    result = read("outlook_busy_status.ics")

    summary = [(f"{e.start:%d %H:%M}", e.busy, e.status, e.kind, e.all_day) for e in result]
    assert summary == [
        ("03 09:00", False, EventStatus.CONFIRMED, EventKind.OTHER, False),  # FREE
        ("03 11:00", True, EventStatus.TENTATIVE, EventKind.SOLO, False),  # TENTATIVE
        ("03 14:00", True, EventStatus.CONFIRMED, EventKind.OUT_OF_OFFICE, False),  # OOF
        ("03 16:30", True, EventStatus.CONFIRMED, EventKind.SOLO, False),  # BUSY over TRANSP
        ("04 00:00", True, EventStatus.CONFIRMED, EventKind.OUT_OF_OFFICE, True),  # ALLDAYEVENT
    ]
    assert result.events[-1].end == datetime(2026, 3, 6, tzinfo=AMSTERDAM)


# --- the leader and the other people ----------------------------------------------------------


def test_the_leaders_response_organizer_and_other_attendees() -> None:
    source = IcsSource(
        CALENDARS / "attendees_and_responses.ics", zone=AMSTERDAM, me=["MAILTO:Leader@Example.org"]
    )

    result = source.fetch(MARCH)

    summary = [(e.my_response, e.organized_by_me, e.other_attendees, e.kind) for e in result]
    assert summary == [
        (Response.ORGANIZER, True, 2, EventKind.MEETING),  # a room does not count
        (Response.TENTATIVE, False, 2, EventKind.MEETING),  # organiser is also an attendee
        (Response.NEEDS_ACTION, False, 1, EventKind.MEETING),  # organiser not listed: counted
        # the declined invitation is left out
        (Response.ORGANIZER, True, 0, EventKind.SOLO),  # personal event with only ORGANIZER
        (Response.UNKNOWN, False, 0, EventKind.SOLO),
        (Response.NEEDS_ACTION, False, 1, EventKind.MEETING),  # no PARTSTAT; duplicate address
    ]


def test_without_knowing_the_leader_nobody_is_left_out_of_the_count() -> None:
    source = IcsSource(CALENDARS / "attendees_and_responses.ics", zone=AMSTERDAM)

    first = source.fetch(MARCH).events[0]

    assert (first.my_response, first.organized_by_me, first.other_attendees) == (
        Response.UNKNOWN,
        False,
        3,
    )
