"""The three interfaces of calendar I/O; every connector implements the ones it can.

- `CalendarSource`: every occurrence overlapping a window (memory, iCalendar, Google, Microsoft).
- `IncrementalSource`: sync state in, changes out (Google's syncToken, Graph's delta link).
- `CalendarWriter`: create and remove a protected block, idempotently (Google, Microsoft).

Each has an in-memory version in `connectors.memory`, and one contract suite in
tests/contracts/ that every implementation passes. Imports nothing of agenda-regie outside
connectors.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from connectors.model import Block, FetchResult, IncrementalSync, StateT, TimeWindow


@runtime_checkable
class CalendarSource(Protocol):
    """Reads one leader's calendar.

    `fetch` returns every occurrence that overlaps the window (half-open), sorted by
    (start, end, id), already classified, with cancelled and declined occurrences left out.
    """

    @property
    def name(self) -> str: ...

    def fetch(self, window: TimeWindow) -> FetchResult: ...


class IncrementalSource(CalendarSource, Protocol[StateT]):
    """A source that also reports what changed since the state it handed out last time.

    `sync(None, window)` lists the whole window ("first"); with the state of the previous sync
    for the same window it returns only the changes ("incremental"); for another window
    ("window_moved") or a state the provider no longer knows ("token_expired") it lists the
    whole window again, and the caller reconciles by id (`IncrementalSync.full`).
    """

    def sync(self, state: StateT | None, window: TimeWindow) -> IncrementalSync[StateT]: ...


class WrittenBlock(Protocol):
    """What a writer says about a block it created: the provider's event id, and whether it
    was created now (False: it was there already and was confirmed)."""

    @property
    def event_id(self) -> str: ...

    @property
    def created(self) -> bool: ...


class CalendarWriter(Protocol):
    """Writes protected blocks into one leader's calendar.

    `create_block` is idempotent per (key, generation): repeating it leaves one block.
    `delete_block` removes the block and says whether it was there.
    """

    @property
    def where(self) -> str: ...

    def create_block(self, block: Block) -> WrittenBlock: ...

    def delete_block(self, key: str, generation: int) -> bool: ...
