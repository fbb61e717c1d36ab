"""The title-free event cache of the calendar connections (a shell, provider-neutral).

Google's syncToken and Microsoft's delta link give the same shape of answer: a full listing of
the window (reconcile by id) or the changes since the last sync. Both syncs end in
`apply_sync_result`; reviews read the cache back through `cached_fetch` and `CachedCalendar`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from assistant.store.database import Engine, session_scope
from assistant.store.repositories.connections import (
    connection_with_leader,
    connections_of_leaders,
)
from assistant.store.repositories.events import (
    cached_events,
    cached_events_of,
    count_cached_events,
    reconcile_cached_events,
    remove_cached_events,
    upsert_cached_events,
)
from connectors import CalendarEvent, FetchResult, SkippedEvent, TimeWindow
from connectors.model import overlaps

log = logging.getLogger("assistant.accounts.cache")


@dataclass(frozen=True)
class SyncOutcome:
    connection_id: int
    leader: str
    status: Literal["synced", "needs_reauthorisation", "skipped", "flagged"]
    message: str
    kind: str | None = None
    kept: int = 0
    removed: int = 0
    requests: int = 0
    waited_seconds: float = 0.0


class SyncResultLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def kept(self) -> Sequence[CalendarEvent]: ...
    @property
    def removed(self) -> Sequence[str]: ...
    @property
    def skipped(self) -> Sequence[SkippedEvent]: ...
    @property
    def requests(self) -> int: ...
    @property
    def full(self) -> bool: ...


def apply_sync_result(
    session: Any,
    connection: Any,
    result: SyncResultLike,
    *,
    provider: str,
    address: str,
    flagged_state: str,
    synced_state: str,
    now: datetime,
    waited_seconds: float,
) -> SyncOutcome:
    """Store what a sync found and return its `SyncOutcome`.

    DESIGN 9: an empty full answer for a calendar with history is flagged, not applied; the
    connection then keeps `flagged_state` (no token), so the next sync lists the window again.
    """
    had = count_cached_events(session, connection)
    if result.full and not result.kept and had:
        message = (
            f"{provider} returned no events for {address}'s calendar, which had {had}; "
            "the cache was kept, and the next sync lists the window again"
        )
        connection.last_error = message
        connection.sync_state = flagged_state
        log.warning("%s sync of connection %d flagged: %s", provider, connection.id, message)
        return SyncOutcome(connection.id, address, "flagged", message, kind=result.kind)
    if result.full:
        kept, removed = reconcile_cached_events(session, connection, result.kept)
    else:
        kept = upsert_cached_events(session, connection, result.kept)
        removed = remove_cached_events(session, connection, result.removed)
    connection.sync_state = synced_state
    connection.last_sync_at = now
    connection.last_error = None
    message = (
        f"{result.kind} sync: {kept} kept, {removed} removed, {len(result.skipped)} skipped, "
        f"{result.requests} requests, waited {waited_seconds:.1f} s"
    )
    log.info("%s sync of connection %d: %s", provider, connection.id, message)
    return SyncOutcome(
        connection.id,
        address,
        "synced",
        message,
        kind=result.kind,
        kept=kept,
        removed=removed,
        requests=result.requests,
        waited_seconds=waited_seconds,
    )


def cached_fetch(engine: Engine, connection_id: int, window: TimeWindow) -> FetchResult:
    """A connection's cached occurrences overlapping `window`, as a `CalendarSource` returns
    them (times in the leader's zone)."""
    with session_scope(engine) as session:
        connection, leader = connection_with_leader(session, connection_id)
        events = cached_events(
            session,
            connection,
            zone=ZoneInfo(leader.timezone),
            source=connection.provider,
            start=window.start,
            end=window.end,
        )
    return FetchResult(events=tuple(e for e in events if overlaps(e, window)))


def synced_connections(engine: Engine, leader_id: int) -> list[tuple[int, str]]:
    """The leader's connections that keep an event cache: (id, provider), oldest first."""
    from assistant.accounts.registry import SYNCED_PROVIDERS

    with session_scope(engine) as session:
        return connections_of_leaders(session, [leader_id], SYNCED_PROVIDERS).get(leader_id, [])


@dataclass(frozen=True)
class CachedCalendar:
    """The event caches of a leader's connections as one `CalendarSource` (none: an empty week).

    With the leader's `zone` every cache is read in one query; without it each connection's
    leader is looked up."""

    engine: Engine
    connections: list[tuple[int, str]]  # (connection id, provider)
    zone: ZoneInfo | None = None

    @classmethod
    def of_leader(cls, engine: Engine, leader_id: int) -> CachedCalendar:
        return cls(engine, synced_connections(engine, leader_id))

    @property
    def name(self) -> str:
        return "+".join(sorted({provider for _, provider in self.connections})) or "none"

    def fetch(self, window: TimeWindow) -> FetchResult:
        if self.zone is not None:
            with session_scope(self.engine) as session:
                found = cached_events_of(
                    session, self.connections, zone=self.zone, start=window.start, end=window.end
                )
            return FetchResult(events=tuple(e for e in found if overlaps(e, window)))
        events: list[CalendarEvent] = []
        for connection_id, _ in self.connections:
            events.extend(cached_fetch(self.engine, connection_id, window).events)
        return FetchResult(events=tuple(events))


def state_moment(value: str | None) -> datetime | None:
    """A moment kept in a connection's JSON sync state (ISO text), or None."""
    return datetime.fromisoformat(value) if value else None
