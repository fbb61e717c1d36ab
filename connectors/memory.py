"""The reference `CalendarSource`: events held in memory, already classified.

Used by tests and by anything that has events in hand. Every other source must behave like
this one (tests/connectors/contract.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.model import (
    CalendarEvent,
    EventStatus,
    FetchResult,
    Response,
    TimeWindow,
    overlaps,
)


class MemorySource:
    def __init__(self, events: Iterable[CalendarEvent], name: str = "memory") -> None:
        self._events = tuple(events)
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def fetch(self, window: TimeWindow) -> FetchResult:
        kept = [
            e
            for e in self._events
            if e.status is not EventStatus.CANCELLED
            and e.my_response is not Response.DECLINED
            and overlaps(e, window)
        ]
        kept.sort(key=lambda e: (e.start, e.end, e.id))
        return FetchResult(events=tuple(kept))
