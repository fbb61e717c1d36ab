"""The calendar event we keep, and the values the protocols (connectors/protocols.py) trade in.

No title, description, location or attendee name ever enters these types (DESIGN section 5):
a connector reads the title once to classify the event and then drops it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

StateT = TypeVar("StateT")


class EventStatus(StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


class Response(StrEnum):
    """The leader's own answer to the invitation."""

    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    NEEDS_ACTION = "needs_action"
    ORGANIZER = "organizer"
    UNKNOWN = "unknown"


class EventKind(StrEnum):
    """What an event means for the leader's load, decided once at ingestion."""

    MEETING = "meeting"
    SOLO = "solo"
    PROTECTED = "protected"
    OUT_OF_OFFICE = "out_of_office"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A half-open span of time `[start, end)`, both aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeWindow needs aware datetimes")
        if self.end <= self.start:
            raise ValueError("TimeWindow must end after it starts")


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One occurrence of a calendar event, title-free.

    `start` and `end` are aware. An all-day event starts and ends at local midnight in the
    leader's time zone. `id` is stable across fetches for the same occurrence.
    """

    id: str
    start: datetime
    end: datetime
    all_day: bool
    status: EventStatus
    my_response: Response
    busy: bool
    kind: EventKind
    other_attendees: int
    organized_by_me: bool
    created: datetime | None
    recurring: bool
    source: str
    ours: bool = False
    # A meeting whose organiser the rules allow to take the place of a protected block.
    may_override_protection: bool = False
    # The other people, as keyed hashes of their addresses (connectors.classify.people_hashes);
    # never an address in clear. Empty when the source was given no key.
    people: tuple[str, ...] = ()
    # A meeting with the counterforce the rules name (people or title keywords).
    counterforce: bool = False

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(f"event {self.id}: start and end must be aware")
        if self.created is not None and self.created.tzinfo is None:
            raise ValueError(f"event {self.id}: created must be aware")
        # As instants: in one zone, Python compares wall clocks and ignores `fold`, so an event
        # in the hour repeated when summer time ends (02:50 CEST to 02:10 CET) would "end first".
        if self.end.timestamp() < self.start.timestamp():
            raise ValueError(f"event {self.id}: ends before it starts")


@dataclass(frozen=True, slots=True)
class SkippedEvent:
    """An event a source could not read; counted and explained, never fatal."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a source returns for a window: the events, and what it had to skip."""

    events: tuple[CalendarEvent, ...]
    skipped: tuple[SkippedEvent, ...] = field(default=())

    def __iter__(self) -> Iterator[CalendarEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


def overlaps(event: CalendarEvent, window: TimeWindow) -> bool:
    """The half-open rule every source keeps: a zero-length event belongs where it starts."""
    if event.start == event.end:
        return window.start <= event.start < window.end
    return event.start < window.end and event.end > window.start


@dataclass(frozen=True)
class IncrementalSync(Generic[StateT]):
    """The outcome of a provider's incremental sync (Google's syncToken, Graph's delta link).

    `full`: `kept` is the complete set of the window; the caller reconciles by id (keeps these,
    removes every other cached id). Otherwise `kept` are changed events to upsert and `removed`
    the ids to remove. `state` is what the caller stores for the next sync.
    """

    kind: Literal["first", "window_moved", "token_expired", "incremental"]
    kept: tuple[CalendarEvent, ...]
    removed: tuple[str, ...]
    skipped: tuple[SkippedEvent, ...]
    state: StateT
    requests: int

    @property
    def full(self) -> bool:
        return self.kind != "incremental"


@dataclass(frozen=True)
class Block:
    """A protected block to write: the proposal's key and generation, its times and its title.

    `start` and `end` are aware; `zone` is the leader's IANA zone (the calendar shows it there).
    Every writer (Google, Microsoft 365) takes this one type.
    """

    key: str
    generation: int
    start: datetime
    end: datetime
    title: str
    zone: ZoneInfo
    description: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a block needs aware start and end")
        if self.end <= self.start:
            raise ValueError("a block must end after it starts")
        if self.generation < 0:
            raise ValueError("generation must not be negative")
