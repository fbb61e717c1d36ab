"""One iCalendar occurrence -> RawEvent -> classified CalendarEvent (or None when dropped).

The title is read only to classify the occurrence; attendee names and addresses are read only to
count people. None of them leaves this module, not even in an error message or a log line.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Component
from icalendar.prop import vBroken, vCalAddress, vDDDTypes

from connectors.classify import ClassifyOptions, RawEvent, is_counterforce, people_hashes
from connectors.classify import classify as kind_of
from connectors.ics.time import to_aware
from connectors.model import CalendarEvent, EventKind, EventStatus, Response

OUR_MARKER_PROPERTY = "X-AGENDA-REGIE"
OUR_MARKER_VALUE = "protected-block"

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


@dataclass(frozen=True)
class Reader:
    """Whose calendar it is: the leader's zone and addresses, the rules' options, the source."""

    zone: ZoneInfo
    me: frozenset[str]
    options: ClassifyOptions
    source: str


def to_event(occurrence: Any, uid: str, recurring: bool, reader: Reader) -> CalendarEvent | None:
    """The classified event of one occurrence, or None when the rules drop it."""
    component: Component = occurrence.as_component(False)
    start_value, end_value = occurrence.start, occurrence.end
    all_day = not isinstance(start_value, datetime)
    if not all_day and _outlook_all_day(component, start_value, end_value):
        all_day = True
        start_value, end_value = start_value.date(), end_value.date()
    start = to_aware(start_value, reader.zone)
    end = to_aware(end_value, reader.zone)
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
    my_response, organized_by_me, others = _people(component, reader)
    other_attendees = len(others)
    organizer_value = component.get("ORGANIZER")
    may_override = (
        isinstance(organizer_value, str)
        and address(organizer_value) in reader.options.exception_organisers
    )
    ours = _text(component, OUR_MARKER_PROPERTY).lower() == OUR_MARKER_VALUE
    title = _text(component, "SUMMARY")
    raw = RawEvent(
        title=title,
        status=status,
        my_response=my_response,
        busy=busy,
        all_day=all_day,
        other_attendees=other_attendees,
        ours=ours,
        busy_status=busy_status,
    )
    kind = kind_of(raw, reader.options)
    if kind is None:
        return None
    return CalendarEvent(
        id=_occurrence_id(uid, component, start, recurring, reader.zone),
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
        recurring=recurring,
        source=reader.source,
        ours=ours,
        may_override_protection=may_override and kind is EventKind.MEETING,
        people=people_hashes(others, reader.options),
        counterforce=kind is EventKind.MEETING and is_counterforce(title, others, reader.options),
    )


def _people(component: Component, reader: Reader) -> tuple[Response, bool, set[str]]:
    """The leader's response, whether the leader organises, and the others' addresses (they
    are hashed or matched by the caller and go no further)."""
    organizer_value = component.get("ORGANIZER")
    organizer = address(organizer_value) if isinstance(organizer_value, str) else ""
    organized_by_me = bool(organizer) and organizer in reader.me
    others: set[str] = set()
    my_partstat: str | None = None
    has_people = False
    for attendee in _values(component, "ATTENDEE"):
        if not isinstance(attendee, vCalAddress):
            continue
        if str(attendee.params.get("CUTYPE", "")).upper() in _NOT_PEOPLE:
            continue
        has_people = True
        attendee_address = address(attendee)
        if attendee_address in reader.me:
            my_partstat = str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
        elif attendee_address:
            others.add(attendee_address)
    if has_people and organizer and not organized_by_me:
        others.add(organizer)
    if organized_by_me:
        response = Response.ORGANIZER
    elif my_partstat is not None:
        response = _PARTSTAT.get(my_partstat, Response.UNKNOWN)
    else:
        response = Response.UNKNOWN
    return response, organized_by_me, others


def _occurrence_id(
    uid: str, component: Component, start: datetime, recurring: bool, zone: ZoneInfo
) -> str:
    """Stable while the event is moved: a single event is its UID; an instance of a series is
    its UID and the instance it is (its RECURRENCE-ID, the start it has in the series, as an
    instant), whatever time it was moved to. Instances moved by a "this and all following"
    change share one RECURRENCE-ID: their start tells them apart."""
    instance = ""
    if recurring:
        changed = component.get("RECURRENCE-ID")
        ranged = isinstance(changed, vDDDTypes) and "RANGE" in changed.params
        original = changed.dt if isinstance(changed, vDDDTypes) and not ranged else start
        if not isinstance(original, date):  # a RECURRENCE-ID that is no date or time
            original = start
        instance = to_aware(original, zone).astimezone(UTC).isoformat()
    # Hashed, UID included: UIDs often contain email addresses.
    seed = f"{uid}\n{instance}" if instance else uid
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


def address(value: str) -> str:
    cleaned = str(value).strip()
    if cleaned[:7].lower() == "mailto:":
        cleaned = cleaned[7:]
    return cleaned.strip().lower()
