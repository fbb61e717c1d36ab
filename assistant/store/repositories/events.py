"""The event cache: a connection's title-free copy of its calendar."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Executable, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assistant.store import StoreError
from assistant.store.models import (
    Base,
    CachedEvent,
    Connection,
)
from assistant.store.repositories.base import _aware, _connection_id, _rowcount
from connectors.model import CalendarEvent, EventKind, EventStatus
from connectors.model import Response as EventResponse

_CACHE_CHUNK = 500  # rows per statement: SQLite allows at most 32,766 bound parameters


def upsert_cached_events(
    session: Session, connection: Connection | int, events: Iterable[CalendarEvent]
) -> int:
    """Insert or update these occurrences of the connection (by provider id); returns the count."""
    connection_id = _connection_id(connection)
    rows = [_cache_row(connection_id, event) for event in events]
    if not rows:
        return 0
    replaced = [key for key in _CACHE_FIELDS if key not in {"connection_id", "provider_event_id"}]
    statement = _upsert_many(session, CachedEvent, ["connection_id", "provider_event_id"], replaced)
    # One statement for every row (executemany: compiled once per process, and psycopg sends
    # the rows in one pipeline), not a statement with a placeholder per value.
    session.connection().execute(statement, rows)
    return len(rows)


def remove_cached_events(
    session: Session, connection: Connection | int, provider_event_ids: Iterable[str]
) -> int:
    """Remove these occurrences of the connection; returns how many were there."""
    ids = list(dict.fromkeys(provider_event_ids))
    removed = 0
    for first in range(0, len(ids), _CACHE_CHUNK):
        result = session.execute(
            delete(CachedEvent).where(
                CachedEvent.connection_id == _connection_id(connection),
                CachedEvent.provider_event_id.in_(ids[first : first + _CACHE_CHUNK]),
            )
        )
        removed += _rowcount(result)
    return removed


def reconcile_cached_events(
    session: Session, connection: Connection | int, events: Iterable[CalendarEvent]
) -> tuple[int, int]:
    """Make the cache exactly `events` (a full listing), keeping rows by provider id.

    Returns (kept, removed). Rows are updated in place, never deleted and re-inserted.
    """
    kept = list(events)
    upsert_cached_events(session, connection, kept)
    wanted = {event.id for event in kept}
    stored = session.scalars(
        select(CachedEvent.provider_event_id).where(
            CachedEvent.connection_id == _connection_id(connection)
        )
    ).all()
    removed = remove_cached_events(session, connection, [i for i in stored if i not in wanted])
    return len(kept), removed


def cached_events(
    session: Session,
    connection: Connection | int,
    *,
    zone: ZoneInfo,
    source: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[CalendarEvent]:
    """The cached occurrences (overlapping [start, end) when given), times in `zone`, sorted."""
    statement = select(CachedEvent).where(CachedEvent.connection_id == _connection_id(connection))
    if end is not None:
        statement = statement.where(CachedEvent.start <= _aware(end, "end"))
    if start is not None:
        statement = statement.where(CachedEvent.end >= _aware(start, "start"))
    events = [_cached_event(row, zone, source) for row in session.scalars(statement)]
    events.sort(key=lambda e: (e.start, e.end, e.id))
    return events


def cached_events_of(
    session: Session,
    connections: Iterable[tuple[int, str]],
    *,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
) -> list[CalendarEvent]:
    """The cached occurrences of these connections ((id, provider) each) overlapping
    [start, end), times in `zone`, in one query; sorted."""
    providers = dict(connections)
    if not providers:
        return []
    statement = select(CachedEvent).where(
        CachedEvent.connection_id.in_(list(providers)),
        CachedEvent.start <= _aware(end, "end"),
        CachedEvent.end >= _aware(start, "start"),
    )
    events = [
        _cached_event(row, zone, providers[row.connection_id]) for row in session.scalars(statement)
    ]
    events.sort(key=lambda e: (e.start, e.end, e.id))
    return events


def count_cached_events(session: Session, connection: Connection | int) -> int:
    statement = select(func.count()).where(CachedEvent.connection_id == _connection_id(connection))
    return int(session.execute(statement).scalar_one())


_CACHE_FIELDS = (
    "connection_id",
    "provider_event_id",
    "start_at",
    "end_at",
    "all_day",
    "status",
    "my_response",
    "busy",
    "kind",
    "others_invited",
    "organized_by_me",
    "created",
    "recurring",
    "ours",
    "may_override_protection",
    "people_hashes",
    "counterforce",
)


def _cache_row(connection_id: int, event: CalendarEvent) -> dict[str, Any]:
    return {
        "connection_id": connection_id,
        "provider_event_id": event.id,
        "start_at": _aware(event.start, "start"),
        "end_at": _aware(event.end, "end"),
        "all_day": event.all_day,
        "status": event.status.value,
        "my_response": event.my_response.value,
        "busy": event.busy,
        "kind": event.kind.value,
        "others_invited": event.other_attendees,
        "organized_by_me": event.organized_by_me,
        "created": None if event.created is None else _aware(event.created, "created"),
        "recurring": event.recurring,
        "ours": event.ours,
        "may_override_protection": event.may_override_protection,
        "people_hashes": " ".join(event.people),
        "counterforce": event.counterforce,
    }


def _cached_event(row: CachedEvent, zone: ZoneInfo, source: str) -> CalendarEvent:
    return CalendarEvent(
        id=row.provider_event_id,
        start=row.start.astimezone(zone),
        end=row.end.astimezone(zone),
        all_day=row.all_day,
        status=EventStatus(row.status),
        my_response=EventResponse(row.my_response),
        busy=row.busy,
        kind=EventKind(row.kind),
        other_attendees=row.other_attendees,
        organized_by_me=row.organized_by_me,
        created=row.created,
        recurring=row.recurring,
        source=source,
        ours=row.ours,
        may_override_protection=row.may_override_protection,
        people=tuple(row.people_hashes.split()),
        counterforce=row.counterforce,
    )


def _upsert_many(
    session: Session,
    target: type[Base],
    conflict_columns: list[str],
    replaced: list[str],
) -> Executable:
    """INSERT ... ON CONFLICT DO UPDATE SET each replaced column = excluded, to execute with a
    list of rows."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert: Any = postgresql.insert(target)
    elif dialect == "sqlite":
        insert = sqlite.insert(target)
    else:
        raise StoreError(
            "the store supports SQLite and PostgreSQL, not %(dialect)s", dialect=dialect
        )
    statement = insert  # the rows' keys are column names (start_at, end_at ...)
    statement = statement.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={column: statement.excluded[column] for column in replaced},
    )
    result: Executable = statement
    return result
