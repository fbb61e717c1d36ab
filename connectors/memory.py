"""The reference `CalendarSource`: events held in memory, already classified.

Used by tests and by anything that has events in hand. Every other source must behave like
this one (tests/connectors/contract.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.model import CalendarEvent, EventStatus, FetchResult, Response, TimeWindow


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
            and _overlaps(e, window)
        ]
        kept.sort(key=lambda e: (e.start, e.end, e.id))
        return FetchResult(events=tuple(kept))


def _overlaps(event: CalendarEvent, window: TimeWindow) -> bool:
    if event.start == event.end:  # a zero-length event belongs where it starts
        return window.start <= event.start < window.end
    return event.start < window.end and event.end > window.start
