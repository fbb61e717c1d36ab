"""Google Calendar v3 event JSON -> our vocabulary: the only module that reads a Google event.

`to_calendar_event` reads the title once to classify (connectors.classify) and drops it; no title,
description, location or attendee address leaves this module. It imports nothing of assistant/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from connectors.classify import (
    ClassifyOptions,
    RawEvent,
    classify,
    is_counterforce,
    people_hashes,
)
from connectors.model import CalendarEvent, EventStatus, Response

# Our tag in extendedProperties.private (private to the leader's copy of the event).
TAG_KEY = "agendaRegieKey"
TAG_GENERATION = "agendaRegieGeneration"

_STATUSES = {
    "confirmed": EventStatus.CONFIRMED,
    "tentative": EventStatus.TENTATIVE,
    "cancelled": EventStatus.CANCELLED,
}
_RESPONSES = {
    "accepted": Response.ACCEPTED,
    "tentative": Response.TENTATIVE,
    "declined": Response.DECLINED,
    "needsAction": Response.NEEDS_ACTION,
}
_PROVIDER_KINDS = {
    "focusTime": "focus_time",
    "outOfOffice": "out_of_office",
    "workingLocation": "working_location",
}


class UnreadableEvent(ValueError):
    """A Google event we cannot read (missing or malformed times); skipped and counted."""


@dataclass(frozen=True)
class Mapped:
    """One item of a listing: its id, and the event to keep, or None when it is to be removed
    (cancelled, declined)."""

    provider_id: str
    event: CalendarEvent | None


def event_id(item: dict[str, Any]) -> str:
    value = item.get("id")
    if not isinstance(value, str) or not value:
        raise UnreadableEvent("an event without an id")
    return value


def is_cancelled(item: dict[str, Any]) -> bool:
    return item.get("status") == "cancelled"


def to_mapped(
    item: dict[str, Any], *, zone: ZoneInfo, options: ClassifyOptions, source: str
) -> Mapped:
    """Map one `events.list` item; `UnreadableEvent` when it cannot be read."""
    provider_id = event_id(item)
    if is_cancelled(item):
        return Mapped(provider_id, None)
    return Mapped(provider_id, to_calendar_event(item, zone=zone, options=options, source=source))


def to_calendar_event(
    item: dict[str, Any], *, zone: ZoneInfo, options: ClassifyOptions, source: str
) -> CalendarEvent | None:
    """The classified, title-free event, or None when it is dropped (cancelled or declined)."""
    provider_id = event_id(item)
    start, start_all_day = _moment(item.get("start"), zone, provider_id, "start")
    end, _ = _moment(item.get("end"), zone, provider_id, "end")
    if end.timestamp() < start.timestamp():  # as instants: see CalendarEvent
        raise UnreadableEvent(f"event {provider_id} ends before it starts")
    status = _STATUSES.get(str(item.get("status", "confirmed")), EventStatus.CONFIRMED)
    organizer = item.get("organizer") or {}
    organized_by_me = bool(organizer.get("self"))
    attendees = [a for a in item.get("attendees") or [] if isinstance(a, dict)]
    me = next((a for a in attendees if a.get("self")), None)
    if organized_by_me:
        my_response = Response.ORGANIZER
    elif me is not None:
        my_response = _RESPONSES.get(str(me.get("responseStatus")), Response.UNKNOWN)
    else:
        my_response = Response.UNKNOWN
    others = sum(1 for a in attendees if not a.get("self") and not a.get("resource"))
    people = {
        str(a.get("email") or "").strip().lower()
        for a in attendees
        if not a.get("self") and not a.get("resource")
    }
    if not organized_by_me and attendees:
        people.add(str(organizer.get("email") or "").strip().lower())
    people.discard("")
    title = str(item.get("summary") or "")
    private = (item.get("extendedProperties") or {}).get("private") or {}
    ours = TAG_KEY in private
    busy = item.get("transparency", "opaque") != "transparent"
    raw = RawEvent(
        title=title,
        status=status,
        my_response=my_response,
        busy=busy,
        all_day=start_all_day,
        other_attendees=others,
        ours=ours,
        provider_kind=_PROVIDER_KINDS.get(str(item.get("eventType", "default"))),
    )
    kind = classify(raw, options)
    if kind is None:
        return None
    organizer_address = str(organizer.get("email") or "").strip().lower()
    may_override = organizer_address in options.exception_organisers
    return CalendarEvent(
        id=provider_id,
        start=start,
        end=end,
        all_day=start_all_day,
        status=status,
        my_response=my_response,
        busy=busy,
        kind=kind,
        other_attendees=others,
        organized_by_me=organized_by_me,
        created=_created(item.get("created")),
        recurring=bool(item.get("recurringEventId")),
        source=source,
        ours=ours,
        may_override_protection=may_override and kind.value == "meeting",
        people=people_hashes(people, options),
        counterforce=kind.value == "meeting" and is_counterforce(title, people, options),
    )


def _moment(value: Any, zone: ZoneInfo, provider_id: str, which: str) -> tuple[datetime, bool]:
    if not isinstance(value, dict):
        raise UnreadableEvent(f"event {provider_id} has no {which}")
    try:
        if "dateTime" in value:
            moment = datetime.fromisoformat(str(value["dateTime"]))
            if moment.tzinfo is None:  # Google always sends an offset; a floating time is local
                moment = moment.replace(tzinfo=ZoneInfo(str(value.get("timeZone") or zone.key)))
            return moment.astimezone(zone), False
        if "date" in value:
            day = date.fromisoformat(str(value["date"]))
            return datetime.combine(day, time(), tzinfo=zone), True
    except (ValueError, KeyError) as error:
        raise UnreadableEvent(f"event {provider_id} has an unreadable {which}: {error}") from None
    raise UnreadableEvent(f"event {provider_id} has no {which} time")


def _created(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
