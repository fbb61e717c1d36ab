"""The reference source passes the contract every connector must pass."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from connectors import (
    CalendarEvent,
    CalendarSource,
    ClassifyOptions,
    MemorySource,
    RawEvent,
    Response,
    classify,
)
from connectors.ics.time import to_aware
from tests.connectors.contract import CalendarSourceContract, EventSpec


class TestMemorySource(CalendarSourceContract):
    def make_source(self, events: list[EventSpec], zone: ZoneInfo) -> CalendarSource:
        built = []
        for index, spec in enumerate(events):
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
                continue
            built.append(
                CalendarEvent(
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
            )
        return MemorySource(built)
