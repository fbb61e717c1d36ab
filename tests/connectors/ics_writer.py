"""Writes iCalendar text from the contract's EventSpecs, the way a typical CalDAV export does.

Zoned times are written with their IANA TZID and no VTIMEZONE, other aware times in UTC;
all-day events as DATE values. The leader (`me`) appears as an ATTENDEE with a PARTSTAT when the
spec gives a response, and as ORGANIZER when the spec says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from connectors import Response
from connectors.ics import OUR_MARKER_PROPERTY, OUR_MARKER_VALUE
from tests.contracts.source import EventSpec

_PARTSTAT = {
    Response.ACCEPTED: "ACCEPTED",
    Response.TENTATIVE: "TENTATIVE",
    Response.DECLINED: "DECLINED",
    Response.NEEDS_ACTION: "NEEDS-ACTION",
}


def write_ics(specs: Iterable[EventSpec], me: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//agenda-regie//tests//EN"]
    for index, spec in enumerate(specs):
        lines.extend(_event_lines(spec, index, me))
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _event_lines(spec: EventSpec, index: int, me: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{spec.uid or f'spec-{index}@agenda-regie.test'}",
        "DTSTAMP:20260101T000000Z",
        _moment("DTSTART", spec.start),
        _moment("DTEND", spec.end),
        f"SUMMARY:{_escape(spec.title)}",
        f"STATUS:{spec.status.value.upper()}",
        f"TRANSP:{'OPAQUE' if spec.busy else 'TRANSPARENT'}",
    ]
    if spec.created is not None:
        lines.append(_moment("CREATED", spec.created))
    if spec.ours:
        lines.append(f"{OUR_MARKER_PROPERTY}:{OUR_MARKER_VALUE}")
    others = [f"guest{n}@example.org" for n in range(spec.other_attendees)]
    organizer = me if spec.organizer_is_me else (others[0] if others else None)
    if organizer is not None:
        lines.append(f"ORGANIZER;CN=Organiser:mailto:{organizer}")
    partstat = _PARTSTAT.get(spec.my_response)
    if spec.organizer_is_me and others:
        partstat = "ACCEPTED"  # Google lists the organiser among the attendees too
    if partstat is not None:
        lines.append(f"ATTENDEE;CN=Leader;PARTSTAT={partstat}:mailto:{me}")
    lines.extend(f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{other}" for other in others)
    lines.append("END:VEVENT")
    return lines


def _moment(name: str, value: datetime | date) -> str:
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{value:%Y%m%d}"
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key != "UTC" and name != "CREATED":
        return f"{name};TZID={zone.key}:{value:%Y%m%dT%H%M%S}"
    return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Folds at 75 octets without splitting a UTF-8 character (RFC 5545 section 3.1)."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # the leading space takes one octet
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)
