"""From parsed calendars to series: every VEVENT grouped by UID, unreadable ones skipped.

A series is one UID with its changed instances, ready for recurring-ical-events to expand. A
VEVENT that cannot be used is skipped with a short reason naming where it is in the file, never
its title or any other value it holds.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component
from icalendar.prop import vBroken, vDDDTypes
from recurring_ical_events import EventAdapter, Series
from recurring_ical_events.errors import BadRuleStringFormat, PeriodEndBeforeStart

from connectors.errors import CalendarParseError
from connectors.ics.time import normalise_times, to_aware
from connectors.model import SkippedEvent

# The name the source always logged under: operators filter on it.
logger = logging.getLogger("connectors.ics")

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


@dataclass(frozen=True)
class IcsSeries:
    series: Any  # recurring_ical_events.Series: one UID with its changed instances
    uid: str
    where: str
    recurring: bool


@dataclass(frozen=True)
class Loaded:
    series: tuple[IcsSeries, ...]
    skipped: tuple[SkippedEvent, ...]
    where: str = ""  # in errors: the file or feed


@dataclass(frozen=True)
class Reading:
    """How to read one file: its names (`name` in reasons and logs, `where` in errors), its zone."""

    name: str
    where: str
    zone: ZoneInfo


def prepare(calendars: list[Calendar], vevent_lines: list[int], reading: Reading) -> Loaded:
    series: list[IcsSeries] = []
    skipped: list[SkippedEvent] = []
    for uid, group in _by_uid(calendars, vevent_lines, reading).items():
        readable = []
        for component, where in group:
            if isinstance(component.get("SEQUENCE"), (vBroken, list)):
                del component["SEQUENCE"]  # only orders versions; unreadable means none
            problem = _problem(component, reading.zone)
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
            skipped.append(SkippedEvent(where, expansion_problem(error)))
            continue
        recurring = any(
            name in component
            for component, _ in readable
            for name in ("RRULE", "RDATE", "RECURRENCE-ID")
        )
        series.append(IcsSeries(built, uid, where, recurring))
    return Loaded(series=tuple(series), skipped=tuple(skipped), where=reading.where)


def expansion_problem(error: Exception) -> str:
    # Never the library's message: it quotes property values, which may include the title.
    if isinstance(error, BadRuleStringFormat):
        return _UNREADABLE["RRULE"]
    if isinstance(error, PeriodEndBeforeStart):
        return "ends before it starts"
    return "its dates cannot be turned into occurrences"


def _by_uid(
    calendars: list[Calendar], vevent_lines: list[int], reading: Reading
) -> dict[str, list[tuple[Component, str]]]:
    """Every VEVENT with where it is, grouped by UID across all VCALENDARs of the file.

    Across calendars too, so that a resent invitation (higher SEQUENCE) replaces the first.
    """
    groups: dict[str, list[tuple[Component, str]]] = {}
    number = 0
    for calendar in calendars:
        if calendar.name == "VCALENDAR":
            calendar = _normalise_times(calendar, reading)
        for component in calendar.walk("VEVENT"):
            number += 1  # stray VEVENTs outside a VCALENDAR count too, as in the text
            if calendar.name != "VCALENDAR":
                continue
            line = f" (line {vevent_lines[number - 1]})" if number <= len(vevent_lines) else ""
            where = f"{reading.name}, VEVENT #{number}{line}"
            uid = component.get("UID")
            key = str(uid) if isinstance(uid, str) and str(uid) else where
            groups.setdefault(key, []).append((component, where))
    return groups


def _normalise_times(calendar: Calendar, reading: Reading) -> Calendar:
    try:
        calendar, unknown_tzids = normalise_times(calendar, reading.zone)
    except Exception:  # third-party rewriting of untrusted data
        raise CalendarParseError(reading.where, "its times cannot be read") from None
    for tzid in sorted(unknown_tzids):
        logger.warning(
            "%s: time zone %r is unknown; its times are read as floating times "
            "(in the calendar's X-WR-TIMEZONE, else in %s)",
            reading.name,
            tzid,
            reading.zone.key,
        )
    return calendar


def _problem(component: Component, zone: ZoneInfo) -> str | None:
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
    begins = to_aware(start.dt, zone)
    end = component.get("DTEND")
    duration = component.get("DURATION")
    if end is not None:
        if not isinstance(end, vDDDTypes) or not isinstance(end.dt, date):
            return _UNREADABLE["DTEND"]
        if to_aware(end.dt, zone).timestamp() < begins.timestamp():  # as instants
            return "ends before it starts (DTEND is before DTSTART)"
    elif duration is not None:
        if not isinstance(duration, vDDDTypes) or not isinstance(duration.dt, timedelta):
            return _UNREADABLE["DURATION"]
        if duration.dt < timedelta(0):
            return "ends before it starts (negative DURATION)"
    return None


def _error_property(error: tuple[str | None, str]) -> str | None:
    """The property an icalendar component error is about, also when the line was lost."""
    name, message = error
    if name:
        return name.upper()
    match = re.search(r"'([A-Za-z0-9-]+)[;:]", message)
    return match.group(1).upper() if match else None
