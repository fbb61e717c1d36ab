"""Hostile calendar files, generated: rules that repeat every second and never match, thousands
of series each just under the per-series cap, a million events. Each review ends in under 30 s
and 1 GiB: refused with exit 2 and one line naming the budget, or (a rule repeating every second
or minute with conditions) read without it and a named warning."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors import TimeWindow
from connectors.ics import IcsSource
from connectors.ics.budget import Budget, BudgetExceeded
from tests.security import hostile
from tests.security.conftest import REVIEW, SECONDS, assert_refused_in_bounds, run_cli

UTC_ZONE = ZoneInfo("UTC")
WEEK = TimeWindow(datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 23, tzinfo=UTC))


def test_fifty_secondly_rules_that_never_match_are_skipped_by_name(tmp_path: Path) -> None:
    path = tmp_path / "never.ics"
    path.write_text(hostile.never_occurring_secondly(50), newline="")

    run = run_cli([*REVIEW, str(path)])

    assert run.code == 0, run.stderr_lines
    assert run.seconds < SECONDS
    warnings = [w["message"] for w in json.loads(run.stdout)["warnings"]]
    skipped = [w for w in warnings if "FREQ=SECONDLY or MINUTELY" in w]
    assert len(skipped) == 50
    assert skipped[0].endswith(
        "repeats every second or minute with conditions (FREQ=SECONDLY or MINUTELY with BY... "
        "parts), which is not read"
    )


def test_two_thousand_secondly_series_exceed_the_files_step_budget(tmp_path: Path) -> None:
    path = tmp_path / "many.ics"
    path.write_text(hostile.many_secondly_series(2000), newline="")

    run = run_cli([*REVIEW, str(path)])

    assert_refused_in_bounds(run)
    # Which budget ends it first depends on the machine's speed; either is named.
    assert run.stderr_lines[0] in (
        f"agenda-regie: {path}: its recurring events repeat more than 1000000 times up to the "
        "end of the window, more than one calendar may take",
        f"agenda-regie: {path}: reading its recurring events took longer than 10 seconds, the "
        "limit for one calendar",
    )


def test_a_million_events_exceed_the_event_budget_before_parsing(tmp_path: Path) -> None:
    path = hostile.million_events(tmp_path / "million.ics")

    run = run_cli([*REVIEW, str(path)])

    assert_refused_in_bounds(run)
    assert run.stderr_lines[0] == (
        f"agenda-regie: {path}: holds more than 100000 events, more than one calendar may hold"
    )


def test_rules_that_never_match_a_day_are_stopped_by_the_time_budget(tmp_path: Path) -> None:
    """dateutil walks day by day to the year 9999 for a daily rule on 30 February, yielding
    nothing on the way: the time budget ends it, not the step count."""
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:n{n}\r\nDTSTART:20200101T090000Z\r\nDURATION:PT1H\r\n"
        "RRULE:FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30\r\nEND:VEVENT\r\n"
        for n in range(20)
    )
    path = tmp_path / "never_daily.ics"
    path.write_text(
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{events}END:VCALENDAR\r\n",
        newline="",
    )
    source = IcsSource(path, zone=UTC_ZONE, budget=Budget(max_seconds=1.0))
    started = time.monotonic()

    with pytest.raises(BudgetExceeded) as caught:
        source.fetch(WEEK)

    assert time.monotonic() - started < 3
    assert caught.value.problem == (
        "reading its recurring events took longer than 1 seconds, the limit for one calendar"
    )


@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY"])
def test_a_plain_rule_every_second_or_minute_is_counted_not_stepped(
    tmp_path: Path, frequency: str
) -> None:
    start = datetime(2000, 1, 1, tzinfo=UTC)
    path = tmp_path / "plain.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:p\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT1S\r\nRRULE:FREQ={frequency}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
        newline="",
    )
    started = time.monotonic()

    result = IcsSource(path, zone=UTC_ZONE).fetch(WEEK)

    assert time.monotonic() - started < 2
    assert [s.reason for s in result.skipped] == [
        "repeats too often: more than 20000 occurrences up to the end of the window"
    ]


def test_a_short_rule_every_minute_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "short.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:s\r\n"
        "DTSTART:20260317T090000Z\r\nDURATION:PT5M\r\nRRULE:FREQ=MINUTELY;INTERVAL=30;COUNT=4\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
        newline="",
    )

    result = IcsSource(path, zone=UTC_ZONE).fetch(WEEK)

    assert [e.start.strftime("%H:%M") for e in result.events] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
    ]
    assert result.events[-1].start - result.events[0].start == timedelta(minutes=90)
