"""Every real-world calendar in ../shared/calendars/real-world gives events or a clear error.

The 44 files come from other projects' test suites (INVENTORY.md there): exports by Google,
Outlook/Exchange, Apple, CalDAV servers, and deliberately broken or pathological files. None may
crash with anything but a ConnectorError naming the file, and none may take ten seconds.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors import ConnectorError, EventKind, EventStatus, FetchResult, TimeWindow
from connectors.ics import IcsSource

REAL_WORLD = Path(__file__).resolve().parents[2].parent / "shared" / "calendars" / "real-world"
FILES = sorted(p.name for p in REAL_WORLD.glob("*.ics")) or ["(the folder is missing)"]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SECONDS_PER_FILE = 10


def window_around_first_event(path: Path) -> TimeWindow:
    """Fifteen weeks around the first VEVENT's start: a review-sized window with content."""
    data = path.read_bytes()
    text = (
        data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("latin-1")
    )
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    match = re.search(r"BEGIN:VEVENT.*?^DTSTART[^\n]*:(\d{8})", unfolded, re.MULTILINE | re.DOTALL)
    first = date(2024, 1, 1)
    if match:
        digits = match.group(1)
        first = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    start = datetime.combine(first - timedelta(weeks=7), datetime.min.time(), tzinfo=UTC)
    return TimeWindow(start, start + timedelta(weeks=15))


def fetch(name: str, window: TimeWindow | None = None, zone: ZoneInfo = AMSTERDAM) -> FetchResult:
    path = REAL_WORLD / name
    return IcsSource(path, zone=zone).fetch(window or window_around_first_event(path))


def test_the_real_world_corpus_is_there() -> None:
    assert REAL_WORLD.is_dir(), f"the real-world calendars are missing: {REAL_WORLD}"
    assert len(FILES) >= 44


def outcome(name: str) -> FetchResult | ConnectorError:
    path = REAL_WORLD / name
    try:
        return IcsSource(path, zone=AMSTERDAM).fetch(window_around_first_event(path))
    except ConnectorError as error:
        return error


@pytest.mark.parametrize("name", FILES)
def test_every_file_gives_events_or_a_clear_error_in_time(name: str) -> None:
    assert (REAL_WORLD / name).is_file(), f"missing {REAL_WORLD / name}"
    window = window_around_first_event(REAL_WORLD / name)
    started = time.monotonic()

    result = outcome(name)

    assert time.monotonic() - started < SECONDS_PER_FILE
    if isinstance(result, ConnectorError):
        assert name in str(result)
        return
    for event in result:
        assert event.start.tzinfo is not None
        assert event.end.tzinfo is not None
        assert event.start < window.end
        assert event.end > window.start or event.start == event.end == window.start
        assert event.source == name
    assert list(result) == sorted(result, key=lambda e: (e.start, e.end, e.id))
    assert all(s.where.startswith(f"{name}, VEVENT #") and s.reason for s in result.skipped)


def test_no_real_world_file_is_refused() -> None:
    refused = {name: str(r) for name in FILES if isinstance(r := outcome(name), ConnectorError)}

    assert refused == {}


def test_a_utf16_file_with_byte_order_mark_is_read() -> None:
    result = fetch("icalnet__Calendars__Recurrence__Bug2912657.ics")

    # A daily series (seven mornings), a weekly one ending after one and one with COUNT=2.
    assert len(result) == 10
    assert result.events[0].start == datetime(2009, 12, 4, 2, tzinfo=ZoneInfo("Europe/Paris"))


def test_an_endless_secondly_rule_is_skipped_with_a_reason_within_seconds() -> None:
    started = time.monotonic()

    result = fetch("icalnet__Calendars__Recurrence__Secondly1.ics")

    assert time.monotonic() - started < 5
    assert len(result) == 0
    (skipped,) = result.skipped
    assert skipped.where.endswith("VEVENT #1 (line 4)")
    assert skipped.reason.startswith("repeats too often")


def test_a_late_error_in_a_large_file_skips_only_the_broken_events() -> None:
    year = TimeWindow(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))

    result = fetch("nodeical__test__fixtures__large-file-with-late-error.ics", year)

    assert len(result) == 394
    assert [s.where.split(", ", 1)[1] for s in result.skipped] == [
        "VEVENT #60 (line 359)",  # 30 February
        "VEVENT #61 (line 365)",  # 31 February
        "VEVENT #123 (line 737)",
        "VEVENT #185 (line 1109)",
        "VEVENT #278 (line 1667)",
        "VEVENT #340 (line 2039)",
        "VEVENT #401 (line 2405)",  # two DTSTARTs, the error the file is named after
    ]
    assert {s.reason for s in result.skipped} == {
        "no valid start time (DTSTART)",
        "more than one start time (DTSTART)",
    }


def test_many_vcalendars_in_one_itip_file_are_all_read() -> None:
    late_nineties = TimeWindow(datetime(1997, 1, 1, tzinfo=UTC), datetime(1999, 1, 1, tzinfo=UTC))

    result = fetch("libical__test-data__2446.ics", late_nineties)

    # 53 VCALENDARs holding 42 VEVENTs (RFC 2446 examples); the numbering runs on across
    # calendars up to the last one, and iTIP replies without a DTSTART are counted as skipped.
    assert len(result) > 100
    assert len(result.skipped) == 15
    assert result.skipped[-1].where == "libical__test-data__2446.ics, VEVENT #42 (line 1000)"


@pytest.mark.parametrize(
    ("name", "where", "reason"),
    [
        (
            "icalendar__tests__calendars__broken_ical.ics",
            "VEVENT #1 (line 2)",
            "no valid start time (DTSTART)",
        ),
        (
            "rie__test__calendars__bad_rrule_missing_until_event.ics",
            "VEVENT #1 (line 2)",
            "recurrence rule cannot be read (RRULE)",
        ),
        (
            "icalendar__tests__calendars__issue_165_missing_event.ics",
            "VEVENT #1 (line 20)",
            "recurrence rule cannot be read (RRULE)",
        ),
        (
            "nodeical__test__fixtures__test_date_duration.ics",
            "VEVENT #1 (line 4)",
            "duration cannot be read (DURATION)",
        ),
        (
            "icaljs__samples__google_birthday.ics",
            "VEVENT #1 (line 8)",
            "extra dates of the series cannot be read (RDATE)",
        ),
        (
            "nodeical__test__fixtures__ms_timezones.ics",
            "VEVENT #2 (line 145)",
            "no valid start time (DTSTART)",
        ),
    ],
)
def test_broken_events_in_real_files_are_explained(name: str, where: str, reason: str) -> None:
    result = fetch(name)

    assert [(s.where, s.reason) for s in result.skipped] == [(f"{name}, {where}", reason)]


def test_a_broken_copy_of_europe_berlin_does_not_block_the_file() -> None:
    result = fetch("khal__tests__ics__invalid_tzoffset.ics")

    assert [e.start for e in result] == [datetime(2012, 12, 2, 8, tzinfo=ZoneInfo("Europe/Berlin"))]


def test_a_task_with_a_negative_year_does_not_block_the_events() -> None:
    result = fetch("ical4j__samples__invalid__twinkle.ics")

    assert len(result) > 5
    # The cancelled chess competition of 8 December 2004 is left out.
    assert date(2004, 12, 8) not in {e.start.date() for e in result}


def test_owa_display_name_zones_keep_their_offset() -> None:
    result = fetch("nodeical__test__fixtures__Office-2012-owa.ics")

    sydney = result.events[0]
    assert sydney.start.utcoffset() == timedelta(hours=10)
    assert (sydney.start.hour, sydney.start.minute) == (13, 30)


def test_apple_tentative_and_cancelled_statuses() -> None:
    result = fetch("nodeical__test__fixtures__tentative-apple-calendar.ics")

    assert [e.status for e in result].count(EventStatus.TENTATIVE) == 1
    assert EventStatus.CANCELLED not in {e.status for e in result}
    assert len(result) == 3


def test_a_cancelled_instance_of_a_series_is_left_out() -> None:
    result = fetch("rie__test__calendars__issue_18_cancel_status.ics")

    berlin = ZoneInfo("Europe/Berlin")
    assert [e.start for e in result] == [
        datetime(2020, 1, 28, 22, tzinfo=berlin),
        datetime(2020, 1, 30, 22, tzinfo=berlin),
    ]


def test_a_moved_all_day_instance_over_the_dst_change() -> None:
    result = fetch("nodeical__test__fixtures__whole_day_moved_over_dst_change_berlin.ics")

    assert [(e.start, e.all_day, e.kind) for e in result] == [
        (datetime(2024, 10, d, tzinfo=AMSTERDAM), True, EventKind.OTHER) for d in (27, 29, 30)
    ]


def test_google_utc_times_are_read_in_the_calendars_zone() -> None:
    result = fetch("xwrtz__test__calendars__single-events-DTSTART-DTEND.in.ics")

    new_york = ZoneInfo("America/New_York")
    assert len(result) == 2
    assert all(e.start.astimezone(new_york).minute == 0 for e in result)
