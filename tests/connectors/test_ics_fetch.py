"""The iCalendar source reading files and feeds: encodings, limits, errors, names without secrets.

Feeds are served by a real HTTP server on 127.0.0.1, a host the tests allow as an operator
allows an intranet calendar server (`allowed_hosts`); loopback is refused otherwise.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from connectors import (
    CalendarFetchError,
    CalendarParseError,
    EventKind,
    ProviderError,
    TimeWindow,
)
from connectors.ics import IcsSource
from tests.connectors.ics_reading import MARCH, local_starts
from tests.connectors.ics_writer import write_ics
from tests.contracts.source import (
    AMSTERDAM,
    ME,
    EventSpec,
    at,
    local_week,
)

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

LOCAL = {"127.0.0.1"}  # as AGENDA_REGIE_FEED_ALLOWED_HOSTS allows an intranet server

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
    source = IcsSource(
        f"http://user:pass@{host}/calendar.ics?token=s3cret", zone=AMSTERDAM, allowed_hosts=LOCAL
    )
    before = len(_CalendarServer.hits)

    first = source.fetch(MARCH)
    source.fetch(local_week(date(2026, 3, 2), AMSTERDAM))

    assert source.name == f"{server}/calendar.ics"
    assert local_starts(first) == ["03-03 10:00"]
    assert [e.source for e in first] == [source.name]
    assert _CalendarServer.hits[before:] == ["/calendar.ics"]


def test_redirects_are_followed_with_the_given_client(server: str) -> None:
    with httpx.Client(headers={"X-Agenda": "regie"}) as client:
        result = IcsSource(
            f"{server}/moved", zone=AMSTERDAM, http_client=client, allowed_hosts=LOCAL
        ).fetch(MARCH)
        assert not client.is_closed

    assert len(result) == 1
    assert _CalendarServer.headers_seen[-1].get("X-Agenda") == "regie"


def test_an_http_error_status_is_a_fetch_error(server: str) -> None:
    with pytest.raises(CalendarFetchError) as caught:
        IcsSource(f"{server}/gone.ics?token=s3cret", zone=AMSTERDAM, allowed_hosts=LOCAL).fetch(
            MARCH
        )

    assert str(caught.value) == f"{server}/gone.ics: HTTP status 404"
    assert isinstance(caught.value, ProviderError)
    assert (caught.value.provider, caught.value.status) == ("ics", 404)


def test_a_web_page_instead_of_a_calendar_is_a_parse_error(server: str) -> None:
    with pytest.raises(CalendarParseError, match="not an iCalendar file"):
        IcsSource(f"{server}/page.html", zone=AMSTERDAM, allowed_hosts=LOCAL).fetch(MARCH)


@pytest.mark.parametrize("path", ["/huge.ics", "/endless.ics"])
def test_a_feed_above_the_size_limit_is_refused(server: str, path: str) -> None:
    source = IcsSource(f"{server}{path}", zone=AMSTERDAM, max_bytes=1000, allowed_hosts=LOCAL)

    with pytest.raises(CalendarFetchError, match="larger than 1000 bytes"):
        source.fetch(MARCH)


@pytest.mark.parametrize("path", ["/slow.ics", "/drip.ics"], ids=["no-answer", "dripping"])
def test_a_feed_that_takes_too_long_times_out(server: str, path: str) -> None:
    source = IcsSource(f"{server}{path}", zone=AMSTERDAM, timeout_seconds=0.4, allowed_hosts=LOCAL)
    started = time.monotonic()

    with pytest.raises(CalendarFetchError, match=r"no complete answer within 0\.4 seconds"):
        source.fetch(MARCH)

    assert time.monotonic() - started < 1.4


def test_a_closed_port_reads_like_a_server_that_does_not_answer() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = IcsSource(f"http://127.0.0.1:{port}/calendar.ics", zone=AMSTERDAM, allowed_hosts=LOCAL)

    with pytest.raises(CalendarFetchError) as caught:
        source.fetch(MARCH)

    assert caught.value.problem == (
        "could not be fetched (no connection, or no complete answer within 15 seconds)"
    )


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
