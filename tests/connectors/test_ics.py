"""The iCalendar source: the quirks of real exporters, files and feeds (contract: tests/contracts/).

Hand-made calendars live in calendars/, named after what they show; feeds are served by a real
HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from connectors import (
    CalendarFetchError,
    CalendarParseError,
    EventKind,
    EventStatus,
    FetchResult,
    Response,
    SkippedEvent,
    TimeWindow,
)
from connectors.ics import IcsSource
from tests.connectors.ics_writer import write_ics
from tests.contracts.source import (
    AMSTERDAM,
    ME,
    NEW_YORK,
    SECRET,
    EventSpec,
    at,
    local_week,
    real_duration,
)

CALENDARS = Path(__file__).parent / "calendars"
TOKYO = ZoneInfo("Asia/Tokyo")
MARCH = TimeWindow(at(date(2026, 3, 1), 0), at(date(2026, 4, 1), 0))


def read(
    name: str, window: TimeWindow = MARCH, zone: ZoneInfo = AMSTERDAM, max_occurrences: int = 20_000
) -> FetchResult:
    source = IcsSource(CALENDARS / name, zone=zone, me=[ME], max_occurrences=max_occurrences)
    return source.fetch(window)


def local_starts(result: FetchResult, zone: ZoneInfo = AMSTERDAM) -> list[str]:
    return [f"{e.start.astimezone(zone):%m-%d %H:%M}" for e in result]


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


# --- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be"], ids=str)
def test_files_with_a_byte_order_mark_are_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "exported.ics"
    spec = EventSpec(at(date(2026, 3, 3), 10), at(date(2026, 3, 3), 11), title="Überleg ✓")
    text = write_ics([spec], ME)
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)

    result = IcsSource(path, zone=AMSTERDAM).fetch(MARCH)

    assert local_starts(result) == ["03-03 10:00"]


def test_a_missing_file_is_a_fetch_error_only_when_fetched(tmp_path: Path) -> None:
    source = IcsSource(tmp_path / "nowhere.ics", zone=AMSTERDAM)

    assert source.name == "nowhere.ics"
    with pytest.raises(CalendarFetchError) as caught:
        source.fetch(MARCH)
    assert str(caught.value) == f"{tmp_path / 'nowhere.ics'}: file not found"


def test_a_directory_is_not_a_calendar(tmp_path: Path) -> None:
    with pytest.raises(CalendarFetchError, match="is a directory"):
        IcsSource(tmp_path, zone=AMSTERDAM).fetch(MARCH)


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\n" + b"X-FILL:" + b"x" * 2000 + b"\nEND:VCALENDAR\n")

    with pytest.raises(CalendarFetchError, match=r"big\.ics: larger than 1000 bytes"):
        IcsSource(path, zone=AMSTERDAM, max_bytes=1000).fetch(MARCH)


def test_the_file_is_read_once_and_kept_for_later_windows(tmp_path: Path) -> None:
    path = tmp_path / "once.ics"
    path.write_text(write_ics([EventSpec(at(date(2026, 3, 3), 10), at(date(2026, 3, 3), 11))], ME))
    source = IcsSource(path, zone=AMSTERDAM)
    first = source.fetch(MARCH)
    path.unlink()

    again = source.fetch(MARCH)
    elsewhere = source.fetch(local_week(date(2026, 4, 6), AMSTERDAM))

    assert again == first
    assert (len(again), len(elsewhere)) == (1, 0)


# --- feeds over HTTP ------------------------------------------------------------------------

FEED = write_ics([EventSpec(at(date(2026, 3, 3), 10), at(date(2026, 3, 3), 11))], ME).encode()


class _CalendarServer(BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - the test server's request log
    headers_seen: list[dict[str, str]] = []  # noqa: RUF012

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.hits.append(path)
        self.headers_seen.append(dict(self.headers))
        with contextlib.suppress(OSError):  # the client gave up, as the tests of limits intend
            self._answer(path)

    def _answer(self, path: str) -> None:
        if path == "/calendar.ics":
            self._send(200, FEED)
        elif path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/calendar.ics")
            self.end_headers()
        elif path == "/page.html":
            self._send(200, b"<html><body>Log in</body></html>", "text/html")
        elif path == "/huge.ics":
            self._send(200, b"BEGIN:VCALENDAR\n" + b"X" * 5000)
        elif path == "/endless.ics":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the body ends when the connection does
            for _ in range(200):
                self.wfile.write(b"X" * 1000)
        elif path == "/slow.ics":
            time.sleep(1.5)
            self._send(200, FEED)
        elif path == "/drip.ics":
            self.send_response(200)
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"X")
                self.wfile.flush()
                time.sleep(0.05)
        else:
            self._send(404, b"not here", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str = "text/calendar") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _CalendarServer)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_a_feed_is_fetched_once_and_named_without_credentials_or_query(server: str) -> None:
    host = server.removeprefix("http://")
    source = IcsSource(f"http://user:pass@{host}/calendar.ics?token=s3cret", zone=AMSTERDAM)
    before = len(_CalendarServer.hits)

    first = source.fetch(MARCH)
    source.fetch(local_week(date(2026, 3, 2), AMSTERDAM))

    assert source.name == f"{server}/calendar.ics"
    assert local_starts(first) == ["03-03 10:00"]
    assert [e.source for e in first] == [source.name]
    assert _CalendarServer.hits[before:] == ["/calendar.ics"]


def test_redirects_are_followed_with_the_given_client(server: str) -> None:
    with httpx.Client(headers={"X-Agenda": "regie"}) as client:
        result = IcsSource(f"{server}/moved", zone=AMSTERDAM, http_client=client).fetch(MARCH)
        assert not client.is_closed

    assert len(result) == 1
    assert _CalendarServer.headers_seen[-1].get("X-Agenda") == "regie"


def test_an_http_error_status_is_a_fetch_error(server: str) -> None:
    with pytest.raises(CalendarFetchError) as caught:
        IcsSource(f"{server}/gone.ics?token=s3cret", zone=AMSTERDAM).fetch(MARCH)

    assert str(caught.value) == f"{server}/gone.ics: HTTP status 404"


def test_a_web_page_instead_of_a_calendar_is_a_parse_error(server: str) -> None:
    with pytest.raises(CalendarParseError, match="not an iCalendar file"):
        IcsSource(f"{server}/page.html", zone=AMSTERDAM).fetch(MARCH)


@pytest.mark.parametrize("path", ["/huge.ics", "/endless.ics"])
def test_a_feed_above_the_size_limit_is_refused(server: str, path: str) -> None:
    source = IcsSource(f"{server}{path}", zone=AMSTERDAM, max_bytes=1000)

    with pytest.raises(CalendarFetchError, match="larger than 1000 bytes"):
        source.fetch(MARCH)


@pytest.mark.parametrize("path", ["/slow.ics", "/drip.ics"], ids=["no-answer", "dripping"])
def test_a_feed_that_takes_too_long_times_out(server: str, path: str) -> None:
    source = IcsSource(f"{server}{path}", zone=AMSTERDAM, timeout_seconds=0.4)
    started = time.monotonic()

    with pytest.raises(CalendarFetchError, match=r"no answer within 0\.4 seconds \(timeout\)"):
        source.fetch(MARCH)

    assert time.monotonic() - started < 1.4


def test_a_closed_port_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(CalendarFetchError, match=r"network error \(ConnectError\)"):
        IcsSource(f"http://127.0.0.1:{port}/calendar.ics", zone=AMSTERDAM).fetch(MARCH)


@pytest.mark.parametrize(
    ("location", "name"),
    [
        ("webcal://example.org/team.ics", "https://example.org/team.ics"),
        (
            "https://calendar.google.com/calendar/ical/leader%40example.org/"
            "private-0123456789abcdef0123456789abcdef/basic.ics",
            "https://calendar.google.com/calendar/ical/…/…/basic.ics",
        ),
        (
            "https://outlook.office365.com/owa/calendar/"
            "5b9c1a52c8a54f0e9d5c2f1d7a3e6b10@example.org/"
            "0f6c2b8e1d3a4f5b9c7e2a1d4b6f8e0a17403129856472913/calendar.ics",
            "https://outlook.office365.com/owa/calendar/…/…/calendar.ics",
        ),
        ("/srv/calendars/leader.ics", "leader.ics"),
    ],
)
def test_names_show_where_the_calendar_comes_from_but_no_secrets(location: str, name: str) -> None:
    assert IcsSource(location, zone=AMSTERDAM).name == name


def test_long_folded_descriptions_and_locations_are_skipped_without_losing_the_event(
    tmp_path: Path,
) -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    calendar = tmp_path / "folded.ics"
    calendar.write_text(
        "\r\n".join(
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//test//EN",
                "BEGIN:VEVENT",
                "UID:folded-1",
                "DESCRIPTION:A long agenda that a mail client folded over several lines, with",
                " a line that looks like a property:",
                " DTSTART:20300101T000000Z",
                "\tand a tab-folded tail",
                "LOCATION:Room 4",
                " North wing",
                "DTSTART;TZID=Europe/Amsterdam:20261124T090000",
                "DTEND;TZID=Europe/Amsterdam:20261124T100000",
                "SUMMARY:Board",
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:someone@example.org",
                "END:VEVENT",
                "END:VCALENDAR",
                "",
            ]
        ),
        encoding="utf-8",
    )
    window = TimeWindow(datetime(2026, 11, 23, tzinfo=zone), datetime(2026, 11, 30, tzinfo=zone))
    result = IcsSource(calendar, zone=zone).fetch(window)
    assert [(e.start, e.end, e.kind) for e in result.events] == [
        (
            datetime(2026, 11, 24, 9, tzinfo=zone),
            datetime(2026, 11, 24, 10, tzinfo=zone),
            EventKind.MEETING,
        )
    ]
    assert result.skipped == ()
