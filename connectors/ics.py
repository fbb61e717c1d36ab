"""The iCalendar source: a .ics file or feed (http, https, webcal) read as CalendarEvents.

icalendar parses, recurring-ical-events expands one series (one UID) at a time, only around
the window and under an occurrence cap, so neither a broken event nor a pathological rule can
spoil or hang a review: the former is skipped and counted, the latter skipped once it passes the
cap. A file that cannot be fetched raises CalendarFetchError, one that is no calendar at all
CalendarParseError.

The title is read only to classify an occurrence; description, location and attendee names and
addresses are read only to count people. None of them leaves this module, not even in an error
message or a log line.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component
from icalendar.error import GloballyUniqueTZIDGuessed
from icalendar.prop import vBroken, vCalAddress, vDDDTypes
from recurring_ical_events import EventAdapter, Series
from recurring_ical_events.errors import BadRuleStringFormat, PeriodEndBeforeStart
from recurring_ical_events.util import convert_to_datetime

from connectors.classify import ClassifyOptions, RawEvent
from connectors.classify import classify as kind_of
from connectors.errors import CalendarFetchError, CalendarParseError
from connectors.ics_time import iana_zone, normalise_times, to_aware
from connectors.memory import MemorySource

if TYPE_CHECKING:
    import httpx

from connectors.model import (
    CalendarEvent,
    EventKind,
    EventStatus,
    FetchResult,
    Response,
    SkippedEvent,
    TimeWindow,
)

OUR_MARKER_PROPERTY = "X-AGENDA-REGIE"
OUR_MARKER_VALUE = "protected-block"

logger = logging.getLogger(__name__)

_MEGABYTE = 1024 * 1024
# Library queries are widened by a day on each side: all-day dates only get their real start
# (midnight in the leader's zone) after expansion; the exact window is applied at the end.
_QUERY_MARGIN = timedelta(days=1)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Only these components are read; the rest (tasks, journals, alarms, free/busy) are left out
# before parsing, so that a broken task cannot make the whole file unreadable.
_NEEDED_COMPONENTS = frozenset({"VCALENDAR", "VEVENT", "VTIMEZONE", "STANDARD", "DAYLIGHT"})
_TOKEN_LIKE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[^/]{16,}$")

_STATUS = {"TENTATIVE": EventStatus.TENTATIVE, "CANCELLED": EventStatus.CANCELLED}
_PARTSTAT = {
    "ACCEPTED": Response.ACCEPTED,
    "TENTATIVE": Response.TENTATIVE,
    "DECLINED": Response.DECLINED,
    "NEEDS-ACTION": Response.NEEDS_ACTION,
    "DELEGATED": Response.DECLINED,  # handed to someone else: the leader will not be there
}
_BUSY_STATUS = {
    "FREE": "free",
    "TENTATIVE": "tentative",
    "BUSY": "busy",
    "OOF": "oof",
    "WORKINGELSEWHERE": "working_elsewhere",
}
_NOT_PEOPLE = frozenset({"ROOM", "RESOURCE"})

# What a broken timing property means for the leader, in the order they are checked.
_UNREADABLE = {
    "DTEND": "end time cannot be read (DTEND)",
    "DURATION": "duration cannot be read (DURATION)",
    "RRULE": "recurrence rule cannot be read (RRULE)",
    "RDATE": "extra dates of the series cannot be read (RDATE)",
    "EXDATE": "excluded dates of the series cannot be read (EXDATE)",
    "RECURRENCE-ID": "the instance it changes cannot be read (RECURRENCE-ID)",
}
_SINGLE_VALUED = ("DTEND", "DURATION", "RECURRENCE-ID")
_NO_START = "no valid start time (DTSTART)"


class IcsSource:
    """A CalendarSource reading one iCalendar file or feed, loaded once and kept parsed."""

    def __init__(
        self,
        location: str | Path,
        *,
        zone: ZoneInfo,
        me: Iterable[str] = (),
        classify: ClassifyOptions = ClassifyOptions(),  # noqa: B008 - frozen, never mutated
        http_client: httpx.Client | None = None,
        timeout_seconds: float = 20.0,
        max_bytes: int = 50 * _MEGABYTE,
        max_occurrences: int = 20_000,
    ) -> None:
        self._url = _feed_url(location)
        self._path = Path(location)
        if self._url is not None:
            self._name = self._where = _readable_url(self._url)
        else:
            self._name, self._where = self._path.name or str(self._path), str(self._path)
        self._zone = zone
        self._me = frozenset(filter(None, (_address(m) for m in me)))
        self._options = classify
        self._http_client = http_client
        self._timeout_seconds = timeout_seconds
        self._max_bytes = max_bytes
        self._max_occurrences = max_occurrences
        self._loaded: _Loaded | None = None

    @property
    def name(self) -> str:
        return self._name

    def fetch(self, window: TimeWindow) -> FetchResult:
        loaded = self._load()
        query_start = window.start.astimezone(self._zone) - _QUERY_MARGIN
        query_end = window.end.astimezone(self._zone) + _QUERY_MARGIN
        skipped = list(loaded.skipped)
        candidates: dict[str, CalendarEvent] = {}
        for series in loaded.series:
            try:
                occurrences = _expand(series.series, query_start, query_end, self._max_occurrences)
                events = [self._event(occurrence, series) for occurrence in occurrences]
            except _TooManyOccurrences:
                reason = (
                    f"repeats too often: more than {self._max_occurrences} occurrences "
                    "up to the end of the window"
                )
                skipped.append(SkippedEvent(series.where, reason))
                continue
            except Exception as error:  # third-party expansion of untrusted data: skip the series
                skipped.append(SkippedEvent(series.where, _expansion_problem(error)))
                continue
            for event in events:
                if event is not None:
                    candidates.setdefault(event.id, event)
        # The reference source decides overlap and order, so every source agrees on boundaries.
        kept = MemorySource(candidates.values(), name=self._name).fetch(window)
        return FetchResult(events=kept.events, skipped=tuple(skipped))

    # --- loading ---------------------------------------------------------------------------

    def _load(self) -> _Loaded:
        if self._loaded is None:
            data = self._read_url(self._url) if self._url is not None else self._read_file()
            self._loaded = self._prepare(_decode(data))
        return self._loaded

    def _too_large(self) -> CalendarFetchError:
        size = (
            f"{self._max_bytes / _MEGABYTE:g} MB"
            if self._max_bytes >= _MEGABYTE
            else f"{self._max_bytes} bytes"
        )
        return CalendarFetchError(self._where, f"larger than {size}")

    def _read_file(self) -> bytes:
        try:
            if self._path.is_dir():
                raise CalendarFetchError(self._where, "is a directory, not a file")
            if self._path.stat().st_size > self._max_bytes:
                raise self._too_large()
            with self._path.open("rb") as stream:
                data = stream.read(self._max_bytes + 1)
        except FileNotFoundError:
            raise CalendarFetchError(self._where, "file not found") from None
        except PermissionError:
            raise CalendarFetchError(self._where, "not readable (permission denied)") from None
        except OSError as error:
            problem = f"cannot be read ({error.strerror or type(error).__name__})"
            raise CalendarFetchError(self._where, problem) from None
        if len(data) > self._max_bytes:
            raise self._too_large()
        return data

    def _read_url(self, url: str) -> bytes:
        import httpx  # only feeds need it; a file review starts faster without it

        client = self._http_client or httpx.Client()
        # httpx's timeout bounds each read, not the whole download; a server dripping bytes
        # must not hold a review for longer than the timeout either.
        deadline = time.monotonic() + self._timeout_seconds
        timed_out = CalendarFetchError(
            self._where, f"no answer within {self._timeout_seconds:g} seconds (timeout)"
        )
        try:
            with client.stream(
                "GET", url, timeout=self._timeout_seconds, follow_redirects=True
            ) as response:
                if not response.is_success:
                    raise CalendarFetchError(self._where, f"HTTP status {response.status_code}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self._max_bytes:
                    raise self._too_large()
                chunks: list[bytes] = []
                received = 0
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > self._max_bytes:
                        raise self._too_large()
                    if time.monotonic() > deadline:
                        raise timed_out
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise timed_out from None
        # Not chained: httpx's messages and requests carry the full URL, secret token and all.
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise CalendarFetchError(
                self._where, f"network error ({type(error).__name__})"
            ) from None
        finally:
            if self._http_client is None:
                client.close()
        return b"".join(chunks)

    def _prepare(self, text: str) -> _Loaded:
        calendars, vevent_lines = self._parse(text)
        series: list[_Series] = []
        skipped: list[SkippedEvent] = []
        for uid, group in self._by_uid(calendars, vevent_lines).items():
            readable = []
            for component, where in group:
                if isinstance(component.get("SEQUENCE"), (vBroken, list)):
                    del component["SEQUENCE"]  # only orders versions; unreadable means none
                problem = self._problem(component)
                if problem is None:
                    readable.append((component, where))
                else:
                    skipped.append(SkippedEvent(where, problem))
            if not readable:
                continue
            # A series is reported where its main VEVENT is, not one of its changed instances.
            where = next((w for c, w in readable if "RECURRENCE-ID" not in c), readable[0][1])
            try:
                built = Series([EventAdapter(component) for component, _ in readable])
            except Exception as error:  # third-party reading of untrusted data: skip the series
                skipped.append(SkippedEvent(where, _expansion_problem(error)))
                continue
            recurring = any(
                name in component
                for component, _ in readable
                for name in ("RRULE", "RDATE", "RECURRENCE-ID")
            )
            series.append(_Series(built, uid, where, recurring))
        return _Loaded(series=tuple(series), skipped=tuple(skipped))

    def _by_uid(
        self, calendars: list[Calendar], vevent_lines: list[int]
    ) -> dict[str, list[tuple[Component, str]]]:
        """Every VEVENT with where it is, grouped by UID across all VCALENDARs of the file.

        Across calendars too, so that a resent invitation (higher SEQUENCE) replaces the first.
        """
        groups: dict[str, list[tuple[Component, str]]] = {}
        number = 0
        for calendar in calendars:
            if calendar.name == "VCALENDAR":
                calendar = self._normalise_times(calendar)
            for component in calendar.walk("VEVENT"):
                number += 1  # stray VEVENTs outside a VCALENDAR count too, as in the text
                if calendar.name != "VCALENDAR":
                    continue
                line = f" (line {vevent_lines[number - 1]})" if number <= len(vevent_lines) else ""
                where = f"{self._name}, VEVENT #{number}{line}"
                uid = component.get("UID")
                key = str(uid) if isinstance(uid, str) and str(uid) else where
                groups.setdefault(key, []).append((component, where))
        return groups

    def _normalise_times(self, calendar: Calendar) -> Calendar:
        try:
            calendar, unknown_tzids = normalise_times(calendar, self._zone)
        except Exception:  # third-party rewriting of untrusted data
            raise CalendarParseError(self._where, "its times cannot be read") from None
        for tzid in sorted(unknown_tzids):
            logger.warning(
                "%s: time zone %r is unknown; its times are read as floating times "
                "(in the calendar's X-WR-TIMEZONE, else in %s)",
                self._name,
                tzid,
                self._zone.key,
            )
        return calendar

    def _parse(self, text: str) -> tuple[list[Calendar], list[int]]:
        """The calendars in the text, and the line number of each BEGIN:VEVENT."""
        kept = _needed_lines(_LINE_BREAK.split(text))
        if not any(_upper(line) == "BEGIN:VCALENDAR" for _, line in kept):
            raise CalendarParseError(self._where, "not an iCalendar file (no BEGIN:VCALENDAR)")
        while True:
            try:
                with warnings.catch_warnings():
                    # A "/vendor/Europe/Berlin" TZID is read as Europe/Berlin, which is right.
                    warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)
                    parsed = Calendar.from_ical("\n".join(line for _, line in kept), multiple=True)
                break
            except Exception as error:  # any failure of the parser on untrusted data
                index = _failing_line(kept, str(error))
                block = None if index is None else _standard_zone_block(kept, index)
                if block is None:
                    raise self._parse_error(kept, index) from None
                # A broken copy of an IANA zone: icalendar uses the tz database for that name
                # anyway, so dropping the copy changes no time.
                kept = kept[: block[0]] + kept[block[1] + 1 :]
        if not parsed:
            raise CalendarParseError(self._where, "the file ends before END:VCALENDAR (cut off?)")
        vevent_lines = [number for number, line in kept if _upper(line) == "BEGIN:VEVENT"]
        return parsed, vevent_lines

    def _parse_error(self, kept: list[tuple[int, str]], index: int | None) -> CalendarParseError:
        if index is None:
            return CalendarParseError(self._where, "not a readable iCalendar file")
        number, line = kept[index]
        name = _property_name(line) or "a line"
        component = _enclosing_component(kept, index)
        inside = f" in {component}" if component else ""
        return CalendarParseError(self._where, f"{name}{inside} cannot be read", line=number)

    def _problem(self, component: Component) -> str | None:
        """Why a VEVENT cannot be used, in a short plain sentence, or None."""
        lost = {name for name in (_error_property(e) for e in component.errors) if name}
        start = component.get("DTSTART")
        if isinstance(start, list):
            return "more than one start time (DTSTART)"
        if not isinstance(start, vDDDTypes) or not isinstance(start.dt, date):
            return _NO_START
        for name, reason in _UNREADABLE.items():
            found = component.get(name)
            values = found if isinstance(found, list) else [] if found is None else [found]
            if name in _SINGLE_VALUED and len(values) > 1:
                return f"{name} appears more than once"
            if any(isinstance(v, vBroken) for v in values) or (name in lost and not values):
                return reason
        begins = to_aware(start.dt, self._zone)
        end = component.get("DTEND")
        duration = component.get("DURATION")
        if end is not None:
            if not isinstance(end, vDDDTypes) or not isinstance(end.dt, date):
                return _UNREADABLE["DTEND"]
            if to_aware(end.dt, self._zone) < begins:
                return "ends before it starts (DTEND is before DTSTART)"
        elif duration is not None:
            if not isinstance(duration, vDDDTypes) or not isinstance(duration.dt, timedelta):
                return _UNREADABLE["DURATION"]
            if duration.dt < timedelta(0):
                return "ends before it starts (negative DURATION)"
        return None

    # --- mapping ---------------------------------------------------------------------------

    def _event(self, occurrence: Any, series: _Series) -> CalendarEvent | None:
        component: Component = occurrence.as_component(False)
        start_value, end_value = occurrence.start, occurrence.end
        all_day = not isinstance(start_value, datetime)
        if not all_day and _outlook_all_day(component, start_value, end_value):
            all_day = True
            start_value, end_value = start_value.date(), end_value.date()
        start = to_aware(start_value, self._zone)
        end = to_aware(end_value, self._zone)
        if end < start:
            return None  # checked when loading; only a malformed RDATE period gets here
        status = _STATUS.get(_text(component, "STATUS").upper(), EventStatus.CONFIRMED)
        busy = _text(component, "TRANSP").upper() != "TRANSPARENT"
        busy_status = _BUSY_STATUS.get(_text(component, "X-MICROSOFT-CDO-BUSYSTATUS").upper())
        if busy_status == "free":
            busy = False
        elif busy_status in ("busy", "oof", "tentative"):
            busy = True
        if busy_status == "tentative" and status is EventStatus.CONFIRMED:
            status = EventStatus.TENTATIVE
        my_response, organized_by_me, other_attendees = self._people(component)
        organizer_value = component.get("ORGANIZER")
        may_override = (
            isinstance(organizer_value, str)
            and _address(organizer_value) in self._options.exception_organisers
        )
        ours = _text(component, OUR_MARKER_PROPERTY).lower() == OUR_MARKER_VALUE
        raw = RawEvent(
            title=_text(component, "SUMMARY"),
            status=status,
            my_response=my_response,
            busy=busy,
            all_day=all_day,
            other_attendees=other_attendees,
            ours=ours,
            busy_status=busy_status,
        )
        kind = kind_of(raw, self._options)
        if kind is None:
            return None
        return CalendarEvent(
            id=_occurrence_id(series.uid, start),
            start=start,
            end=end,
            all_day=all_day,
            status=status,
            my_response=my_response,
            busy=busy,
            kind=kind,
            other_attendees=other_attendees,
            organized_by_me=organized_by_me,
            created=_created(component),
            recurring=series.recurring,
            source=self._name,
            ours=ours,
            may_override_protection=may_override and kind is EventKind.MEETING,
        )

    def _people(self, component: Component) -> tuple[Response, bool, int]:
        """The leader's response, whether the leader organises, and how many others take part."""
        organizer_value = component.get("ORGANIZER")
        organizer = _address(organizer_value) if isinstance(organizer_value, str) else ""
        organized_by_me = bool(organizer) and organizer in self._me
        others: set[str] = set()
        my_partstat: str | None = None
        has_people = False
        for attendee in _values(component, "ATTENDEE"):
            if not isinstance(attendee, vCalAddress):
                continue
            if str(attendee.params.get("CUTYPE", "")).upper() in _NOT_PEOPLE:
                continue
            has_people = True
            address = _address(attendee)
            if address in self._me:
                my_partstat = str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
            elif address:
                others.add(address)
        if has_people and organizer and not organized_by_me:
            others.add(organizer)
        if organized_by_me:
            response = Response.ORGANIZER
        elif my_partstat is not None:
            response = _PARTSTAT.get(my_partstat, Response.UNKNOWN)
        else:
            response = Response.UNKNOWN
        return response, organized_by_me, len(others)


@dataclass(frozen=True)
class _Series:
    series: Any  # recurring_ical_events.Series: one UID with its changed instances
    uid: str
    where: str
    recurring: bool


@dataclass(frozen=True)
class _Loaded:
    series: tuple[_Series, ...]
    skipped: tuple[SkippedEvent, ...]


class _TooManyOccurrences(Exception):
    pass


def _expand(series: Any, start: datetime, end: datetime, cap: int) -> list[Any]:
    """The series' occurrences overlapping [start, end), or _TooManyOccurrences past `cap`.

    recurring-ical-events lists every instance from DTSTART up to the end of a query before
    filtering, so an unbounded FREQ=SECONDLY rule would run for hours. The rules are first walked
    lazily, counting, up to the query's end; the real query only runs when that stayed under
    the cap, and then reuses dateutil's cache.
    """
    recurrence = series.recurrence
    rules = getattr(recurrence, "rrules", ())
    if rules:
        limit = convert_to_datetime(end, recurrence.tzinfo)
        counted = 0
        for rule in rules:
            for instance in rule:
                if instance > limit:
                    break
                counted += 1
                if counted > cap:
                    raise _TooManyOccurrences
    occurrences: list[Any] = []
    for occurrence in series.between(start, end):
        occurrences.append(occurrence)
        if len(occurrences) > cap:
            raise _TooManyOccurrences
    return occurrences


def _expansion_problem(error: Exception) -> str:
    # Never the library's message: it quotes property values, which may include the title.
    if isinstance(error, BadRuleStringFormat):
        return _UNREADABLE["RRULE"]
    if isinstance(error, PeriodEndBeforeStart):
        return "ends before it starts"
    return "its dates cannot be turned into occurrences"


def _occurrence_id(uid: str, start: datetime) -> str:
    # Hashed, UID included: UIDs often contain email addresses.
    seed = f"{uid}\n{start.astimezone(UTC).isoformat()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def _outlook_all_day(component: Component, start: datetime, end: datetime) -> bool:
    """Outlook marks some all-day events only with X-MICROSOFT-CDO-ALLDAYEVENT and midnights."""
    if _text(component, "X-MICROSOFT-CDO-ALLDAYEVENT").upper() != "TRUE":
        return False
    return start.time() == end.time() == datetime.min.time() and end > start


def _created(component: Component) -> datetime | None:
    value = component.get("CREATED")
    moment = value.dt if isinstance(value, vDDDTypes) else None
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment
    return None


def _values(component: Component, name: str) -> list[Any]:
    found = component.get(name)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def _text(component: Component, name: str) -> str:
    for value in _values(component, name):
        if not isinstance(value, vBroken):
            return str(value).strip()
    return ""


def _address(value: str) -> str:
    address = str(value).strip()
    if address[:7].lower() == "mailto:":
        address = address[7:]
    return address.strip().lower()


def _feed_url(location: str | Path) -> str | None:
    if isinstance(location, Path):
        return None
    scheme = location.split(":", 1)[0].lower() if ":" in location else ""
    if scheme == "webcal":
        return "https:" + location.split(":", 1)[1]
    if scheme in ("http", "https"):
        return location
    return None


def _readable_url(url: str) -> str:
    """The URL to show: no credentials, query or fragment, and no path part that looks secret.

    Published calendars carry their secret in the path too (Google's private-… address,
    Outlook's published GUIDs), so long segments mixing letters and digits are hidden.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    segments = ["…" if _TOKEN_LIKE.match(s) else s for s in parts.path.split("/")]
    return f"{parts.scheme}://{host}{port}{'/'.join(segments)}"


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"B\x00E\x00"):  # UTF-16 without its byte order mark
        return data.decode("utf-16-le", errors="replace")
    if data.startswith(b"\x00B\x00E"):
        return data.decode("utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # older Outlook exports


# Never read, whatever the producer: left out before parsing (see _needed_lines).
_UNUSED_PROPERTIES = frozenset(
    {
        "DESCRIPTION",
        "LOCATION",
        "X-ALT-DESC",
        "DTSTAMP",
        "LAST-MODIFIED",
        "ATTACH",
        "COMMENT",
        "CONTACT",
        "GEO",
        "URL",
        "CLASS",
        "PRIORITY",
        "CONFERENCE",
        "IMAGE",
        "RESOURCES",
        "X-APPLE-STRUCTURED-LOCATION",
        "X-GOOGLE-CONFERENCE",
        "X-MICROSOFT-SKYPETEAMSMEETINGURL",
        "X-MICROSOFT-ONLINEMEETINGINFORMATION",
        "X-MICROSOFT-LOCATIONDISPLAYNAME",
    }
)


def _upper(line: str) -> str:
    return line.strip().upper()


def _needed_lines(lines: Sequence[str]) -> list[tuple[int, str]]:
    """The lines of the components we read, each with its line number in the file.

    Properties we never use (descriptions, locations, attachments ...) are left out before
    parsing: they are never read, and the parser has less to do.
    """
    kept: list[tuple[int, str]] = []
    leaving: str | None = None  # the component being left out
    depth = 0
    skipping_property = False
    for number, line in enumerate(lines, start=1):
        if line[:1] in (" ", "\t"):  # a folded continuation of the line before
            if not skipping_property and leaving is None:
                kept.append((number, line))
            continue
        # The name ends at the first ";" or ":" (a cheap split: this runs on every line).
        skipping_property = (
            line.partition(":")[0].partition(";")[0].strip().upper() in _UNUSED_PROPERTIES
        )
        if skipping_property:
            continue
        head = _upper(line)
        if leaving is not None:
            if head == f"BEGIN:{leaving}":
                depth += 1
            elif head == f"END:{leaving}":
                depth -= 1
                if depth == 0:
                    leaving = None
            elif head == "END:VCALENDAR":  # an unclosed component ends with its calendar
                leaving = None
                kept.append((number, line))
            continue
        if head.startswith("BEGIN:") and head[6:] not in _NEEDED_COMPONENTS:
            leaving, depth = head[6:], 1
            continue
        kept.append((number, line))
    return kept


def _failing_line(kept: list[tuple[int, str]], message: str) -> int | None:
    """Where the parser stopped, found from the value it quotes in its message."""
    candidates = [*re.findall(r"'([^']{3,})'", message), message.rsplit(" ", 1)[-1]]
    for candidate in candidates:
        needle = candidate.strip()[:60]
        if len(needle) < 3:
            continue
        for index, (_, line) in enumerate(kept):
            if needle in line:
                return index
    return None


def _enclosing_component(kept: list[tuple[int, str]], index: int) -> str | None:
    """The component of the calendar that line `index` belongs to (VEVENT, VTIMEZONE ...)."""
    open_components: list[str] = []
    for _, line in kept[:index]:
        head = _upper(line)
        if head.startswith("BEGIN:"):
            open_components.append(head[6:])
        elif head.startswith("END:") and open_components:
            open_components.pop()
    inside_calendar = open_components[1:] if open_components[:1] == ["VCALENDAR"] else []
    return inside_calendar[0] if inside_calendar else None


def _standard_zone_block(kept: list[tuple[int, str]], index: int) -> tuple[int, int] | None:
    """The VTIMEZONE around line `index` when it only copies an IANA zone, as (first, last)."""
    boundaries = ("BEGIN:VTIMEZONE", "END:VTIMEZONE")
    begin = next((i for i in range(index, -1, -1) if _upper(kept[i][1]) in boundaries), None)
    if begin is None or _upper(kept[begin][1]) != "BEGIN:VTIMEZONE":
        return None
    end = next((i for i in range(index, len(kept)) if _upper(kept[i][1]) == "END:VTIMEZONE"), None)
    if end is None:
        return None
    for _, line in kept[begin:end]:
        if _upper(line).startswith("TZID:") and iana_zone(line.strip()[5:].strip()) is not None:
            return begin, end
    return None


def _property_name(line: str) -> str | None:
    match = re.match(r"[A-Za-z0-9-]+", line.strip())
    return match.group(0).upper() if match else None


def _error_property(error: tuple[str | None, str]) -> str | None:
    """The property an icalendar component error is about, also when the line was lost."""
    name, message = error
    if name:
        return name.upper()
    match = re.search(r"'([A-Za-z0-9-]+)[;:]", message)
    return match.group(1).upper() if match else None
