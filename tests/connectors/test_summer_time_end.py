"""An event in the hour that is repeated when summer time ends is read, not refused.

On Sunday 25 October 2026 Amsterdam's clocks go from 03:00 CEST back to 02:00 CET. A 20-minute
call from 00:50 to 01:10 UTC is 02:50 CEST to 02:10 CET: in the leader's zone its end's wall
clock lies before its start's. Python compares two times of one zone by wall clock (ignoring
`fold`), so each "ends before it starts" check must compare instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from connectors import CalendarEvent, ClassifyOptions, EventKind, EventStatus, Response, TimeWindow
from connectors.google import mapping as google
from connectors.ics import IcsSource
from connectors.microsoft import mapping as microsoft
from tests.contracts.source import AMSTERDAM, at

START = datetime(2026, 10, 25, 0, 50, tzinfo=UTC)
END = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
SUNDAY = TimeWindow(at(date(2026, 10, 25), 0), at(date(2026, 10, 26), 0))


def test_the_local_times_do_look_reversed() -> None:
    """The premise: in the leader's zone the end's wall clock is the earlier one."""
    start, end = START.astimezone(AMSTERDAM), END.astimezone(AMSTERDAM)
    assert (f"{start:%H:%M %Z}", f"{end:%H:%M %Z}") == ("02:50 CEST", "02:10 CET")
    assert end < start  # wall clocks, the trap


def test_an_event_in_the_repeated_hour_is_a_valid_event() -> None:
    event = CalendarEvent(
        id="call",
        start=START.astimezone(AMSTERDAM),
        end=END.astimezone(AMSTERDAM),
        all_day=False,
        status=EventStatus.CONFIRMED,
        my_response=Response.ACCEPTED,
        busy=True,
        kind=EventKind.MEETING,
        other_attendees=1,
        organized_by_me=False,
        created=None,
        recurring=False,
        source="test",
    )
    assert event.end.timestamp() - event.start.timestamp() == 20 * 60


def test_google_reads_the_call() -> None:
    item = {
        "id": "call",
        "status": "confirmed",
        "start": {"dateTime": "2026-10-25T02:50:00+02:00", "timeZone": "Europe/Amsterdam"},
        "end": {"dateTime": "2026-10-25T02:10:00+01:00", "timeZone": "Europe/Amsterdam"},
        "attendees": [{"email": "a@example.org"}, {"email": "b@example.org"}],
    }
    mapped = google.to_mapped(item, zone=AMSTERDAM, options=ClassifyOptions(), source="g")
    assert mapped.event is not None
    assert mapped.event.end.timestamp() - mapped.event.start.timestamp() == 20 * 60


def test_microsoft_reads_the_call() -> None:
    item = {
        "id": "call",
        "start": {"dateTime": "2026-10-25T00:50:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-10-25T01:10:00.0000000", "timeZone": "UTC"},
        "showAs": "busy",
        "attendees": [],
    }
    mapped = microsoft.to_mapped(item, zone=AMSTERDAM, options=ClassifyOptions(), source="m")
    assert mapped.event is not None
    assert mapped.event.end.timestamp() - mapped.event.start.timestamp() == 20 * 60


def test_an_icalendar_file_reads_the_call(tmp_path: Path) -> None:
    calendar = tmp_path / "night.ics"
    calendar.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:call@example.org\r\nDTSTAMP:20261001T000000Z\r\n"
        "DTSTART:20261025T005000Z\r\nDTEND:20261025T011000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    result = IcsSource(calendar, zone=AMSTERDAM).fetch(SUNDAY)
    assert result.skipped == ()
    [event] = result.events
    assert event.end.timestamp() - event.start.timestamp() == 20 * 60
