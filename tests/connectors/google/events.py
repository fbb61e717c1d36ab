"""Google event JSON for tests, built from the contract's `EventSpec` or from a few numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors import Response
from connectors.google.mapping import TAG_KEY
from tests.contracts.source import AMSTERDAM, ME, EventSpec

_RESPONSES = {
    Response.ACCEPTED: "accepted",
    Response.TENTATIVE: "tentative",
    Response.DECLINED: "declined",
    Response.NEEDS_ACTION: "needsAction",
}


def when(value: datetime | date, zone: ZoneInfo) -> dict[str, str]:
    if isinstance(value, datetime):
        return {"dateTime": value.isoformat(), "timeZone": zone.key}
    return {"date": value.isoformat()}


def from_spec(spec: EventSpec, index: int, zone: ZoneInfo) -> dict[str, Any]:
    attendees: list[dict[str, Any]] = []
    if spec.organizer_is_me:
        organizer: dict[str, Any] = {"email": ME, "self": True}
        if spec.other_attendees:
            attendees.append({"email": ME, "self": True, "responseStatus": "accepted"})
    else:
        organizer = {"email": "colleague@example.org"}
        if spec.my_response in _RESPONSES:
            attendees.append(
                {"email": ME, "self": True, "responseStatus": _RESPONSES[spec.my_response]}
            )
    attendees += [
        {
            "email": f"guest{n}@example.org",
            "displayName": f"Guest {n}",
            "responseStatus": "accepted",
        }
        for n in range(spec.other_attendees)
    ]
    event: dict[str, Any] = {
        "id": spec.uid or f"spec{index:05d}",
        "summary": spec.title,
        "description": f"notes about {spec.title}",
        "status": spec.status.value,
        "start": when(spec.start, zone),
        "end": when(spec.end, zone),
        "organizer": organizer,
        "transparency": "opaque" if spec.busy else "transparent",
        "eventType": "default",
    }
    if attendees:
        event["attendees"] = attendees
    if spec.created is not None:
        event["created"] = spec.created.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if spec.ours:
        event["extendedProperties"] = {"private": {TAG_KEY: "proposal-key"}}
    return event


def meeting(number: int, start: datetime, minutes: int = 30, **extra: Any) -> dict[str, Any]:
    """A plain accepted meeting with two colleagues; the id is base32hex-safe."""
    return {
        "id": f"m{number:07d}",
        "summary": f"Overleg {number}",
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat()},
        "organizer": {"email": "colleague@example.org"},
        "attendees": [
            {"email": ME, "self": True, "responseStatus": "accepted"},
            {"email": "a@example.org", "responseStatus": "accepted"},
            {"email": "b@example.org", "responseStatus": "accepted"},
        ],
        **extra,
    }


def fill(fake: Any, count: int) -> None:
    """`count` meetings spread over the 26 weeks before NOW, working hours only."""
    first = datetime(2025, 12, 1, 8, 0, tzinfo=AMSTERDAM)
    for number in range(count):
        day = first + timedelta(days=(number // 18) % 182)
        fake.put(meeting(number, day + timedelta(minutes=30 * (number % 18))))
