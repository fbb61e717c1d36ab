"""Graph event JSON for tests, built from the contract's `EventSpec` or from a few numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors import EventStatus, Response
from connectors.microsoft.mapping import OUR_CATEGORY
from tests.contracts.source import ME, EventSpec

_RESPONSES = {
    Response.ACCEPTED: "accepted",
    Response.TENTATIVE: "tentativelyAccepted",
    Response.DECLINED: "declined",
    Response.NEEDS_ACTION: "notResponded",
    Response.UNKNOWN: "none",
}
# Windows names as Outlook writes them (CLDR windowsZones.xml).
WINDOWS_NAMES = {
    "Europe/Amsterdam": "W. Europe Standard Time",
    "America/New_York": "Eastern Standard Time",
}


def when(value: datetime | date, zone: ZoneInfo) -> dict[str, str]:
    """As Graph stores it: a wall-clock time and the Windows name of its zone."""
    if isinstance(value, datetime):
        local = value.astimezone(zone)
        return {
            "dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"),
            "timeZone": WINDOWS_NAMES.get(zone.key, zone.key),
        }
    return {"dateTime": f"{value.isoformat()}T00:00:00.0000000", "timeZone": zone.key}


def person(address: str, kind: str = "required") -> dict[str, Any]:
    return {
        "type": kind,
        "status": {"response": "accepted", "time": "2026-01-01T00:00:00Z"},
        "emailAddress": {"name": address.split("@")[0].title(), "address": address},
    }


def from_spec(spec: EventSpec, index: int, zone: ZoneInfo) -> dict[str, Any]:
    attendees = [person(f"guest{n}@example.org") for n in range(spec.other_attendees)]
    if spec.organizer_is_me:
        organizer, response = ME, "organizer"
    else:
        organizer, response = "colleague@example.org", _RESPONSES[spec.my_response]
        if attendees:
            attendees.insert(0, person(ME.upper()))  # the leader's own copy lists the leader
    if not spec.busy:
        show_as = "free"
    elif spec.status is EventStatus.TENTATIVE or spec.my_response is Response.TENTATIVE:
        show_as = "tentative"
    else:
        show_as = "busy"
    event: dict[str, Any] = {
        "id": spec.uid or f"AAMkSpec{index:05d}=",
        "subject": spec.title,
        "bodyPreview": f"notes about {spec.title}",
        "isCancelled": spec.status is EventStatus.CANCELLED,
        "isAllDay": spec.all_day,
        "isOrganizer": spec.organizer_is_me,
        "type": "singleInstance",
        "showAs": show_as,
        "start": when(spec.start, zone),
        "end": when(spec.end, zone),
        "responseStatus": {"response": response, "time": "0001-01-01T00:00:00Z"},
        "organizer": {"emailAddress": {"name": "Organiser", "address": organizer}},
        "attendees": attendees,
        "location": {"displayName": f"room of {spec.title}"},
        "categories": [OUR_CATEGORY] if spec.ours else [],
    }
    if spec.created is not None:
        event["createdDateTime"] = spec.created.astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.0000000Z"
        )
    return event


def meeting(number: int, start: datetime, minutes: int = 30, **extra: Any) -> dict[str, Any]:
    """A plain accepted meeting with two colleagues, stored in the leader's Windows zone."""
    zone = ZoneInfo("Europe/Amsterdam")
    return {
        "id": f"AAMk{number:07d}=",
        "subject": f"Overleg {number}",
        "isAllDay": False,
        "isCancelled": False,
        "isOrganizer": False,
        "type": "singleInstance",
        "showAs": "busy",
        "start": when(start, zone),
        "end": when(start + timedelta(minutes=minutes), zone),
        "responseStatus": {"response": "accepted"},
        "organizer": {"emailAddress": {"address": "colleague@example.org"}},
        "attendees": [person(ME), person("a@example.org"), person("b@example.org")],
        **extra,
    }
