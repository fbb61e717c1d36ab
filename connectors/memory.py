"""The reference implementations of the three protocols: calendars held in memory.

`MemorySource` reads events already classified; `MemoryIncrementalSource` adds sync state and
changes out; `MemoryWriter` writes protected blocks into one. Used by tests and by anything that
has events in hand. Every other connector must behave like these (tests/contracts/).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from connectors.model import (
    Block,
    CalendarEvent,
    EventKind,
    EventStatus,
    FetchResult,
    IncrementalSync,
    Response,
    TimeWindow,
    overlaps,
)

_FullKind = Literal["first", "window_moved", "token_expired"]


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


@dataclass(frozen=True)
class MemorySyncState:
    """The change number the caller has seen, and the window it was given for."""

    version: int
    window: TimeWindow
    generation: int  # of the change log; `expire_states` starts a new one


class MemoryIncrementalSource:
    """A calendar that changes (`put`, `remove`) and reports its changes since a state."""

    def __init__(self, events: Iterable[CalendarEvent] = (), name: str = "memory") -> None:
        self._name = name
        self._events: dict[str, CalendarEvent] = {}
        self._changed_at: dict[str, int] = {}  # id -> change number, removed ids included
        self._clock = itertools.count(1)
        self._version = 0
        self._generation = 0
        for event in events:
            self.put(event)

    @property
    def name(self) -> str:
        return self._name

    def put(self, event: CalendarEvent) -> None:
        """Add or change an event (by id)."""
        self._events[event.id] = event
        self._touch(event.id)

    def remove(self, event_id: str) -> bool:
        if self._events.pop(event_id, None) is None:
            return False
        self._touch(event_id)
        return True

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._events

    def expire_states(self) -> None:
        """Forget every state handed out, as a provider does when a sync token expires."""
        self._generation += 1

    def fetch(self, window: TimeWindow) -> FetchResult:
        return MemorySource(self._events.values(), self._name).fetch(window)

    def sync(
        self, state: MemorySyncState | None, window: TimeWindow
    ) -> IncrementalSync[MemorySyncState]:
        if state is None:
            return self._full(window, "first", 1)
        if state.window != window:
            return self._full(window, "window_moved", 1)
        if state.generation != self._generation:
            return self._full(window, "token_expired", 2)
        kept: list[CalendarEvent] = []
        removed: list[str] = []
        for event_id, changed in sorted(self._changed_at.items()):
            if changed <= state.version:
                continue
            event = self._events.get(event_id)
            if event is not None and self._kept(event, window):
                kept.append(event)
            else:
                removed.append(event_id)
        return IncrementalSync(
            kind="incremental",
            kept=tuple(kept),
            removed=tuple(removed),
            skipped=(),
            state=self._state(window),
            requests=1,
        )

    def _full(
        self, window: TimeWindow, kind: _FullKind, requests: int
    ) -> IncrementalSync[MemorySyncState]:
        return IncrementalSync(
            kind=kind,
            kept=self.fetch(window).events,
            removed=(),
            skipped=(),
            state=self._state(window),
            requests=requests,
        )

    def _kept(self, event: CalendarEvent, window: TimeWindow) -> bool:
        return bool(MemorySource([event]).fetch(window).events)

    def _state(self, window: TimeWindow) -> MemorySyncState:
        return MemorySyncState(self._version, window, self._generation)

    def _touch(self, event_id: str) -> None:
        self._version = next(self._clock)
        self._changed_at[event_id] = self._version


@dataclass(frozen=True)
class MemoryWritten:
    event_id: str
    created: bool


class MemoryWriter:
    """Writes protected blocks into a `MemoryIncrementalSource`, one event per (key, generation)."""

    def __init__(self, calendar: MemoryIncrementalSource | None = None) -> None:
        self.calendar = calendar or MemoryIncrementalSource(name="memory")

    @property
    def where(self) -> str:
        return f"memory calendar {self.calendar.name}"

    def create_block(self, block: Block) -> MemoryWritten:
        event_id = block_event_id(block.key, block.generation)
        if event_id in self.calendar:
            return MemoryWritten(event_id, created=False)
        self.calendar.put(
            CalendarEvent(
                id=event_id,
                start=block.start,
                end=block.end,
                all_day=False,
                status=EventStatus.CONFIRMED,
                my_response=Response.ORGANIZER,
                busy=True,
                kind=EventKind.PROTECTED,
                other_attendees=0,
                organized_by_me=True,
                created=None,
                recurring=False,
                source=self.calendar.name,
                ours=True,
            )
        )
        return MemoryWritten(event_id, created=True)

    def delete_block(self, key: str, generation: int) -> bool:
        return self.calendar.remove(block_event_id(key, generation))


def block_event_id(key: str, generation: int) -> str:
    return hashlib.sha256(f"agenda-regie\x00{key}\x00{generation}".encode()).hexdigest()[:20]
