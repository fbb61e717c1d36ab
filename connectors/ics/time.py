"""Time zones for the iCalendar source: every time in a parsed calendar made aware.

Three kinds of time arrive in .ics files (STYLE 9):
- zoned: a TZID or UTC. Outlook's Windows names and IANA names resolve through icalendar;
  names it cannot resolve (Outlook's numbered "GMT Standard Time 1", OWA display names such as
  "(UTC-05:00) Eastern Time (US & Canada)") are resolved here, or read as floating;
- floating: no zone. Read in the calendar's X-WR-TIMEZONE when it declares one, else in the
  leader's zone;
- all-day dates: left as dates here; they become local midnight in the leader's zone when an
  occurrence is mapped (`to_aware`).

Imports nothing of agenda-regie: only icalendar and x-wr-timezone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import x_wr_timezone
from icalendar import Calendar, Component, Timezone
from icalendar.prop import vBroken, vDDDLists, vDDDTypes
from icalendar.timezone import tzp
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

# The properties whose values are dates or times (DURATION and CREATED need no zone work).
DATE_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")

_NUMBERED_NAME = re.compile(r"\s+\d+$")  # Outlook's "GMT Standard Time 1"
_OFFSET_PREFIX = re.compile(r"^\((?:UTC|GMT)\s*(?:([+-])(\d{1,2}):?(\d{2})?)?\)")


@lru_cache(maxsize=512)
def resolve_zone_name(name: str) -> tzinfo | None:
    """The zone a TZID or X-WR-TIMEZONE value names, or None when it names nothing we know.

    Deliberately not icalendar's `tzp.timezone`: that one also answers from a process-wide cache
    of other files' VTIMEZONEs, so a name would resolve differently depending on what was
    parsed before.
    """
    cleaned = name.strip().strip('"').strip("/")
    for candidate in dict.fromkeys((cleaned, _NUMBERED_NAME.sub("", cleaned))):
        for key in (candidate, WINDOWS_TO_OLSON.get(candidate)):
            zone = iana_zone(key)
            if zone is not None:
                return zone
    # OWA writes display names with no VTIMEZONE; their fixed offset is right outside summer
    # time, which is much closer than reading the times in the leader's zone.
    match = _OFFSET_PREFIX.match(cleaned)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if sign is None:
        return UTC
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if offset >= timedelta(hours=24):
        return None
    return timezone(-offset if sign == "-" else offset)


def iana_zone(key: str | None) -> ZoneInfo | None:
    if not key:
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a directory
        return None


def to_aware(value: date | datetime, zone: tzinfo) -> datetime:
    """A date becomes local midnight in `zone`; a floating time is read in `zone`."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=zone)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value


def normalise_times(calendar: Calendar, zone: ZoneInfo) -> tuple[Calendar, set[str]]:
    """Make every time of the calendar's VEVENTs aware (dates stay dates).

    Returns the calendar (a new object when X-WR-TIMEZONE applies) and the TZIDs that named no
    known zone, whose times were read as floating.
    """
    unknown_tzids: set[str] = set()
    own_zones = _own_zones(calendar)
    for event in calendar.walk("VEVENT"):
        _bind_zones(event, own_zones, unknown_tzids)
    calendar_zone = _calendar_zone(calendar, unknown_tzids)
    if calendar_zone is not None:
        calendar = _apply_x_wr_timezone(calendar, calendar_zone)
    for event in calendar.walk("VEVENT"):
        _read_floating_in(event, calendar_zone or zone)
    return calendar, unknown_tzids


def _own_zones(calendar: Calendar) -> dict[str, tzinfo]:
    """This calendar's own VTIMEZONE definitions for names that are not IANA names.

    icalendar keeps the first VTIMEZONE it ever saw for a name in a process-wide cache, so two
    feeds that both define "Customized Time Zone" differently would share the first one's
    offsets. Rebinding to the file's own definition keeps each feed right.
    """
    zones: dict[str, tzinfo] = {}
    for component in calendar.walk("VTIMEZONE"):
        if not isinstance(component, Timezone):
            continue
        tzid = str(component.get("TZID", "")).strip("/")
        if not tzid or iana_zone(tzid) is not None:
            continue
        try:
            zones[tzid] = component.to_tz(tzp, lookup_tzid=False)
        except Exception:  # a definition we cannot build keeps icalendar's reading
            continue
    return zones


def _bind_zones(event: Component, own_zones: dict[str, tzinfo], unknown: set[str]) -> None:
    """Give each TZID'd time the zone its TZID names, in this file."""
    for holder, params in _date_values(event):
        tzid = params.get("TZID")
        if tzid:
            key = str(tzid).strip("/")
            bind = partial(_bind, key=key, own=own_zones.get(key), unknown=unknown)
            _map_datetimes(holder, bind)


def _bind(value: datetime, *, key: str, own: tzinfo | None, unknown: set[str]) -> datetime:
    if value.tzinfo is None:  # icalendar found no zone for the name
        zone = own or resolve_zone_name(key)
        if zone is None:
            unknown.add(key)
            return value
        return value.replace(tzinfo=zone)
    if own is not None and not isinstance(value.tzinfo, ZoneInfo):
        return value.replace(tzinfo=own)
    return value


def _calendar_zone(calendar: Calendar, unknown: set[str]) -> tzinfo | None:
    name = calendar.get("X-WR-TIMEZONE")
    if name is None or isinstance(name, (vBroken, list)):
        return None
    zone = resolve_zone_name(str(name))
    if zone is None:
        unknown.add(str(name))
    return zone


def _apply_x_wr_timezone(calendar: Calendar, calendar_zone: tzinfo) -> Calendar:
    """Google-style UTC times become times in the calendar's zone, so RRULEs keep wall time.

    x-wr-timezone 2.0.1 drops the RANGE parameter of the RECURRENCE-IDs it rewrites, so a
    "this and all following" change would only move one instance; the parameter is put back.
    """
    converted: Calendar = x_wr_timezone.to_standard(calendar, timezone=calendar_zone)
    for before, after in zip(calendar.walk("VEVENT"), converted.walk("VEVENT"), strict=True):
        old, new = before.get("RECURRENCE-ID"), after.get("RECURRENCE-ID")
        if isinstance(old, vDDDTypes) and isinstance(new, vDDDTypes) and "RANGE" in old.params:
            new.params["RANGE"] = old.params["RANGE"]
    return converted


def _read_floating_in(event: Component, zone: tzinfo) -> None:
    start = event.get("DTSTART")
    if not isinstance(start, vDDDTypes):
        return  # missing or broken: the event is skipped later
    if isinstance(start.dt, datetime) and start.dt.tzinfo is None:
        start.dt = start.dt.replace(tzinfo=zone)
    # Other floating values belong to the start's zone: an EXDATE or RECURRENCE-ID must land on
    # the same wall time as the instance it names.
    start_zone = start.dt.tzinfo if isinstance(start.dt, datetime) else None
    value_zone = start_zone or zone
    for holder, _params in _date_values(event):
        _map_datetimes(holder, lambda value: to_aware(value, value_zone))
    if start_zone is not None:
        _until_to_utc(event, start_zone)


def _until_to_utc(event: Component, start_zone: tzinfo) -> None:
    """A floating RRULE UNTIL next to a zoned DTSTART means the start's wall time.

    recurring-ical-events would read it as UTC, which drops the last instance west of UTC.
    """
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules]:
        if rule is None or isinstance(rule, vBroken):
            continue
        untils = rule.get("UNTIL") or []
        if untils and isinstance(untils[0], datetime) and untils[0].tzinfo is None:
            rule["UNTIL"] = [untils[0].replace(tzinfo=start_zone).astimezone(UTC)]


def _date_values(event: Component) -> Iterator[tuple[vDDDTypes, Any]]:
    """Each readable date value of the event, with the parameters that carry its TZID."""
    for name in DATE_PROPERTIES:
        found = event.get(name)
        for prop in found if isinstance(found, list) else [found]:
            if isinstance(prop, vDDDTypes):
                yield prop, prop.params
            elif isinstance(prop, vDDDLists):
                for value in prop.dts:
                    yield value, prop.params


def _map_datetimes(holder: vDDDTypes, change: Callable[[datetime], datetime]) -> None:
    value = holder.dt
    if isinstance(value, datetime):
        holder.dt = change(value)
    elif isinstance(value, tuple):  # an RDATE period: (start, end) or (start, duration)
        begins, ends = value
        if isinstance(ends, datetime):
            holder.dt = (change(begins), change(ends))
        else:
            holder.dt = (change(begins), ends)
