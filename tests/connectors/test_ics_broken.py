"""The iCalendar source on broken input: skipped and explained, capped, or one clear error."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import pytest

from connectors import (
    CalendarParseError,
    SkippedEvent,
)
from connectors.ics import IcsSource
from tests.connectors.ics_reading import CALENDARS, MARCH, local_starts, read
from tests.connectors.ics_writer import write_ics
from tests.contracts.source import (
    AMSTERDAM,
    ME,
    SECRET,
    EventSpec,
    at,
    local_week,
)

# --- broken input ---------------------------------------------------------------------------


def test_broken_events_are_skipped_and_explained_and_the_rest_is_read() -> None:
    result = read("broken_events.ics")

    assert local_starts(result) == ["03-02 09:00", "03-02 16:30"]
    assert result.skipped == (
        SkippedEvent("broken_events.ics, VEVENT #2 (line 11)", "no valid start time (DTSTART)"),
        SkippedEvent("broken_events.ics, VEVENT #3 (line 17)", "no valid start time (DTSTART)"),
        SkippedEvent(
            "broken_events.ics, VEVENT #4 (line 24)", "recurrence rule cannot be read (RRULE)"
        ),
        SkippedEvent(
            "broken_events.ics, VEVENT #5 (line 32)", "recurrence rule cannot be read (RRULE)"
        ),
        SkippedEvent(
            "broken_events.ics, VEVENT #6 (line 40)", "duration cannot be read (DURATION)"
        ),
        SkippedEvent(
            "broken_events.ics, VEVENT #7 (line 47)",
            "ends before it starts (DTEND is before DTSTART)",
        ),
    )
    assert "Secret" not in repr(result)
    assert "February" not in repr(result)


def test_an_endless_secondly_rule_is_capped_not_hanging() -> None:
    started = time.monotonic()

    result = read("every_second_forever.ics", local_week(date(2026, 3, 2), AMSTERDAM))

    assert time.monotonic() - started < 5
    assert result.skipped == (
        SkippedEvent(
            "every_second_forever.ics, VEVENT #1 (line 4)",
            "repeats too often: more than 20000 occurrences up to the end of the window",
        ),
    )
    assert local_starts(result).count("03-03 12:00") == 1  # lunch is still there
    assert len(result) == 8  # and seven mornings of the daily series


def test_the_cap_counts_from_the_start_of_the_series() -> None:
    week = local_week(date(2026, 3, 2), AMSTERDAM)

    result = read("every_second_forever.ics", week, max_occurrences=50)

    # The daily series began on 1 January: more than 50 instances before this week ends.
    assert [s.where for s in result.skipped] == [
        "every_second_forever.ics, VEVENT #1 (line 4)",
        "every_second_forever.ics, VEVENT #2 (line 12)",
    ]
    assert local_starts(result) == ["03-03 12:00"]


def test_tasks_journals_and_alarms_cannot_break_the_events() -> None:
    result = read("tasks_and_alarms_ignored.ics")

    assert local_starts(result) == ["03-02 10:00"]
    assert result.skipped == ()


def test_a_broken_copy_of_an_iana_zone_is_replaced_by_the_real_zone() -> None:
    result = read("broken_copy_of_an_iana_timezone.ics")

    assert [e.start for e in result] == [datetime(2026, 3, 2, 9, tzinfo=AMSTERDAM)]


def test_a_broken_custom_zone_is_a_parse_error_naming_file_and_line() -> None:
    path = CALENDARS / "broken_custom_timezone.ics"

    with pytest.raises(CalendarParseError) as caught:
        IcsSource(path, zone=AMSTERDAM).fetch(MARCH)

    assert (caught.value.where, caught.value.line) == (str(path), 8)
    assert str(caught.value) == f"{path}, line 8: TZOFFSETFROM in VTIMEZONE cannot be read"


def test_a_parse_error_names_the_line_but_never_quotes_it(tmp_path: Path) -> None:
    path = tmp_path / "header.ics"
    path.write_text(f"BEGIN:VCALENDAR\nVERSION:2.0\nNAME;;X=1:{SECRET}\nEND:VCALENDAR\n")

    with pytest.raises(CalendarParseError) as caught:
        IcsSource(path, zone=AMSTERDAM).fetch(MARCH)

    assert str(caught.value) == f"{path}, line 3: NAME cannot be read"
    assert caught.value.__suppress_context__  # the parser's own message quotes the line


@pytest.mark.parametrize(
    "content",
    ["", "<html><body>Sign in to see this calendar</body></html>", "BEGIN:VEVENT\nEND:VEVENT\n"],
    ids=["empty", "html", "no-vcalendar"],
)
def test_something_that_is_no_calendar_is_a_clear_parse_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "download.ics"
    path.write_text(content)

    with pytest.raises(CalendarParseError, match=r"not an iCalendar file \(no BEGIN:VCALENDAR\)"):
        IcsSource(path, zone=AMSTERDAM).fetch(MARCH)


def test_a_cut_off_download_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "half.ics"
    spec = EventSpec(at(date(2026, 3, 3), 10), at(date(2026, 3, 3), 11))
    path.write_text(write_ics([spec], ME).split("END:VEVENT")[0])

    with pytest.raises(CalendarParseError, match=r"ends before END:VCALENDAR \(cut off\?\)"):
        IcsSource(path, zone=AMSTERDAM).fetch(MARCH)
