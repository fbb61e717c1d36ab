"""The contract's `EventSpec` as the classified `CalendarEvent` a memory calendar holds."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from connectors import CalendarEvent, ClassifyOptions, RawEvent, Response, classify
from connectors.ics.time import to_aware
from tests.contracts.source import EventSpec


def memory_event(spec: EventSpec, index: int, zone: ZoneInfo) -> CalendarEvent | None:
    """The event as a connector would classify it, or None when classifying drops it."""
    response = Response.ORGANIZER if spec.organizer_is_me else spec.my_response
    raw = RawEvent(
        title=spec.title,
        status=spec.status,
        my_response=response,
        busy=spec.busy,
        all_day=spec.all_day,
        other_attendees=spec.other_attendees,
        ours=spec.ours,
    )
    kind = classify(raw, ClassifyOptions())
    if kind is None:
        return None
    return CalendarEvent(
        id=spec.uid or f"memory-{index}",
        start=to_aware(spec.start, zone),
        end=to_aware(spec.end, zone),
        all_day=spec.all_day,
        status=spec.status,
        my_response=response,
        busy=spec.busy,
        kind=kind,
        other_attendees=spec.other_attendees,
        organized_by_me=spec.organizer_is_me,
        created=spec.created,
        recurring=False,
        source="memory",
        ours=spec.ours,
    )
