"""Parsing iCalendar text: only the components we read, and a clear error when it fails.

Tasks, journals, alarms and free/busy blocks, and properties we never use (descriptions,
locations, attachments ...) are left out before icalendar parses, so that a broken task cannot
make the whole file unreadable. A file that is no calendar raises CalendarParseError with the
line and the property that could not be read; never the parser's message, which quotes values.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

from icalendar import Calendar
from icalendar.error import GloballyUniqueTZIDGuessed

from connectors.errors import CalendarParseError
from connectors.ics.budget import Budget, check_events
from connectors.ics.time import iana_zone

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Only these components are read; the rest (tasks, journals, alarms, free/busy) are left out
# before parsing, so that a broken task cannot make the whole file unreadable.
_NEEDED_COMPONENTS = frozenset({"VCALENDAR", "VEVENT", "VTIMEZONE", "STANDARD", "DAYLIGHT"})

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


_VEVENT = re.compile(r"^[ \t]*BEGIN:VEVENT[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


def parse(
    text: str,
    where: str,
    budget: Budget = Budget(),  # noqa: B008 - frozen, never mutated
) -> tuple[list[Calendar], list[int]]:
    """The calendars in the text, and the line number of each BEGIN:VEVENT; BudgetExceeded
    before any parsing when the text holds more events than `budget` allows."""
    check_events(sum(1 for _ in _VEVENT.finditer(text)), where, budget)
    kept = _needed_lines(_LINE_BREAK.split(text))
    if not any(_upper(line) == "BEGIN:VCALENDAR" for _, line in kept):
        raise CalendarParseError(where, "not an iCalendar file (no BEGIN:VCALENDAR)")
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
                raise _parse_error(where, kept, index) from None
            # A broken copy of an IANA zone: icalendar uses the tz database for that name
            # anyway, so dropping the copy changes no time.
            kept = kept[: block[0]] + kept[block[1] + 1 :]
    if not parsed:
        raise CalendarParseError(where, "the file ends before END:VCALENDAR (cut off?)")
    vevent_lines = [number for number, line in kept if _upper(line) == "BEGIN:VEVENT"]
    return parsed, vevent_lines


def _parse_error(where: str, kept: list[tuple[int, str]], index: int | None) -> CalendarParseError:
    if index is None:
        return CalendarParseError(where, "not a readable iCalendar file")
    number, line = kept[index]
    name = _property_name(line)
    component = _enclosing_component(kept, index)
    values = {"name": name, "component": component}
    if name and component:
        return CalendarParseError(
            where, "%(name)s in %(component)s cannot be read", line=number, values=values
        )
    if name:
        return CalendarParseError(where, "%(name)s cannot be read", line=number, values=values)
    if component:
        return CalendarParseError(
            where, "a line in %(component)s cannot be read", line=number, values=values
        )
    return CalendarParseError(where, "a line cannot be read", line=number)


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
