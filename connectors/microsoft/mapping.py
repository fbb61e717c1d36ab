"""Microsoft Graph event JSON -> our vocabulary: the only module that reads a Graph event.

`to_mapped` reads the subject (and the categories, which can carry classification keywords) once
to classify (connectors.classify) and drops them; no subject, body, location or attendee address
leaves this module. It imports nothing of assistant/.

Times: we ask `Prefer: outlook.timezone="UTC"`, but any `timeZone` Graph sends is honoured: an
IANA name, or a Windows name ("W. Europe Standard Time") through CLDR's table as shipped by
icalendar. An all-day event is a date: its local midnights in the leader's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from connectors.classify import (
    ClassifyOptions,
    RawEvent,
    classify,
    is_counterforce,
    people_hashes,
)
from connectors.model import CalendarEvent, EventStatus, Response

# Our blocks carry this category (seen on every read, delta included) and a single-value
# extended property holding "<proposal key>#<generation>" (for finding them with $filter).
OUR_CATEGORY = "agenda-regie"
TAG_PROPERTY_ID = "String {6f1b4a52-5b1e-4c7e-9a57-2f0d8c1e4b31} Name agendaRegieKey"

_RESPONSES = {
    "organizer": Response.ORGANIZER,
    "accepted": Response.ACCEPTED,
    "tentativelyAccepted": Response.TENTATIVE,
    "declined": Response.DECLINED,
    "notResponded": Response.NEEDS_ACTION,
    "none": Response.UNKNOWN,
}
_BUSY_STATUSES = {
    "free": "free",
    "tentative": "tentative",
    "busy": "busy",
    "oof": "oof",
    "workingElsewhere": "working_elsewhere",
}


class UnreadableEvent(ValueError):
    """A Graph event we cannot read (missing or malformed times); skipped and counted."""


@dataclass(frozen=True)
class Mapped:
    """One item of a listing: its id, and the event to keep, or None when it is to be removed
    (`@removed`, cancelled, declined, or a series master, which is not an occurrence)."""

    provider_id: str
    event: CalendarEvent | None


def event_id(item: dict[str, Any]) -> str:
    value = item.get("id")
    if not isinstance(value, str) or not value:
        raise UnreadableEvent("an event without an id")
    return value


def to_mapped(
    item: dict[str, Any],
    *,
    zone: ZoneInfo,
    options: ClassifyOptions,
    source: str,
    mailbox: str | None = None,
) -> Mapped:
    """Map one calendarView (or delta) item; `UnreadableEvent` when it cannot be read."""
    provider_id = event_id(item)
    if "@removed" in item or item.get("isCancelled") or item.get("type") == "seriesMaster":
        return Mapped(provider_id, None)
    event = to_calendar_event(item, zone=zone, options=options, source=source, mailbox=mailbox)
    return Mapped(provider_id, event)


def to_calendar_event(
    item: dict[str, Any],
    *,
    zone: ZoneInfo,
    options: ClassifyOptions,
    source: str,
    mailbox: str | None = None,
) -> CalendarEvent | None:
    """The classified, title-free event, or None when it is dropped (cancelled or declined)."""
    provider_id = event_id(item)
    all_day = bool(item.get("isAllDay"))
    start = _moment(item.get("start"), zone, provider_id, "start", all_day)
    end = _moment(item.get("end"), zone, provider_id, "end", all_day)
    if end.timestamp() < start.timestamp():  # as instants: see CalendarEvent
        raise UnreadableEvent(f"event {provider_id} ends before it starts")
    organized_by_me = bool(item.get("isOrganizer"))
    answer = (item.get("responseStatus") or {}).get("response")
    if organized_by_me:
        my_response = Response.ORGANIZER
    else:
        my_response = _RESPONSES.get(str(answer), Response.UNKNOWN)
        if my_response is Response.ORGANIZER:  # a delegate's view of someone else's meeting
            my_response = Response.UNKNOWN
    show_as = str(item.get("showAs") or "busy")
    busy_status = _BUSY_STATUSES.get(show_as)
    # showAs "tentative" follows the leader's own tentative answer; otherwise it marks the
    # event itself as not yet certain.
    tentative_event = show_as == "tentative" and my_response is not Response.TENTATIVE
    status = EventStatus.CANCELLED if item.get("isCancelled") else EventStatus.CONFIRMED
    if tentative_event and status is EventStatus.CONFIRMED:
        status = EventStatus.TENTATIVE
    categories = [str(c) for c in item.get("categories") or [] if isinstance(c, str)]
    ours = OUR_CATEGORY in categories
    me = (mailbox or "").strip().lower()
    addresses = [
        _address(a.get("emailAddress"))
        for a in item.get("attendees") or []
        if isinstance(a, dict) and a.get("type") != "resource"
    ]
    others = sum(1 for a in addresses if a not in {me, ""})
    organizer = _address((item.get("organizer") or {}).get("emailAddress"))
    people = {a for a in [*addresses, organizer] if a not in {me, ""}}
    title = " ".join([str(item.get("subject") or ""), *categories]).strip()
    raw = RawEvent(
        title=title,
        status=status,
        my_response=my_response,
        busy=show_as not in {"free", "workingElsewhere"},
        all_day=all_day,
        other_attendees=others,
        ours=ours,
        provider_kind="working_location" if show_as == "workingElsewhere" else None,
        busy_status=busy_status,
    )
    kind = classify(raw, options)
    if kind is None:
        return None
    may_override = organizer in options.exception_organisers
    return CalendarEvent(
        id=provider_id,
        start=start,
        end=end,
        all_day=all_day,
        status=status,
        my_response=my_response,
        busy=raw.busy,
        kind=kind,
        other_attendees=others,
        organized_by_me=organized_by_me,
        created=_created(item.get("createdDateTime")),
        recurring=item.get("type") in {"occurrence", "exception"},
        source=source,
        ours=ours,
        may_override_protection=may_override and kind.value == "meeting",
        people=people_hashes(people, options),
        counterforce=kind.value == "meeting" and is_counterforce(title, people, options),
    )


def zone_named(name: str) -> ZoneInfo | None:
    """An IANA zone for a Graph time zone name (IANA or Windows), or None when unknown."""
    for candidate in (name, WINDOWS_TO_OLSON.get(name)):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return None


def _moment(value: Any, zone: ZoneInfo, provider_id: str, which: str, all_day: bool) -> datetime:
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise UnreadableEvent(f"event {provider_id} has no {which} time")
    text = value["dateTime"]
    try:
        if all_day:
            day = date.fromisoformat(text[:10])
            return datetime.combine(day, time(), tzinfo=zone)
        moment = datetime.fromisoformat(_trim_fraction(text))
    except ValueError as error:
        raise UnreadableEvent(f"event {provider_id} has an unreadable {which}: {error}") from None
    if moment.tzinfo is None:
        name = str(value.get("timeZone") or "UTC")
        named = zone_named(name)
        if named is None:
            raise UnreadableEvent(f"event {provider_id} has an unknown time zone {name!r}")
        moment = moment.replace(tzinfo=named)
    return moment.astimezone(zone)


def _trim_fraction(text: str) -> str:
    # Graph writes seven fractional digits ("09:00:00.0000000"); Python 3.11 reads at most six.
    head, dot, rest = text.partition(".")
    if not dot:
        return text
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}" if digits else head + rest


def _address(email: Any) -> str:
    if not isinstance(email, dict):
        return ""
    return str(email.get("address") or "").strip().lower()


def _created(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(_trim_fraction(value.replace("Z", "+00:00")))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
