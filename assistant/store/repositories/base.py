"""What the repositories share: the portable upsert, argument checks and small conversions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Executable
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assistant.store import StoreError
from assistant.store.models import (
    Connection,
    Leader,
)

DEFAULT_TIMEZONE = "Europe/Amsterdam"


DEFAULT_LANGUAGE = "en"


class UnknownLeaderError(StoreError):
    def __init__(self, leader: int | str) -> None:
        self.leader = leader
        super().__init__("no leader %(leader)r in the database", leader=leader)


# Marks a column whose new value comes from the row that was refused (`excluded.<column>`).
_EXCLUDED: Any = object()


def _upsert(
    session: Session,
    target: Any,
    values: Mapping[str, Any],
    conflict_columns: list[str],
    changes: Mapping[str, Any],
    *,
    only_where: Any = None,
    returning: Any = None,
) -> Executable:
    """INSERT ... ON CONFLICT (conflict_columns) DO UPDATE SET changes, or DO NOTHING."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert: Any = postgresql.insert(target)
    elif dialect == "sqlite":
        insert = sqlite.insert(target)
    else:
        raise StoreError(
            "the store supports SQLite and PostgreSQL, not %(dialect)s", dialect=dialect
        )
    statement = insert.values(dict(values))
    if changes:
        assignments = {
            key: statement.excluded[key] if value is _EXCLUDED else value
            for key, value in changes.items()
        }
        statement = statement.on_conflict_do_update(
            index_elements=conflict_columns, set_=assignments, where=only_where
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=conflict_columns)
    if returning is not None:
        statement = statement.returning(returning)
    result: Executable = statement
    return result


def _leader_id(leader: Leader | int) -> int:
    return leader if isinstance(leader, int) else leader.id


def _split_leaders(leaders: Iterable[Leader | int | str]) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    addresses: list[str] = []
    for leader in leaders:
        if isinstance(leader, str):
            addresses.append(_address(leader))
        else:
            ids.append(_leader_id(leader))
    return ids, addresses


def _address(email: str) -> str:
    address = email.strip().lower()
    if "@" not in address:
        raise ValueError(f"{email!r} is not an email address")
    return address


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a known IANA time zone (e.g. Europe/Amsterdam)"
        ) from None


def _aware(moment: datetime | None, name: str) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _number(metric: str, value: float | int | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{metric} is {number}; the store keeps finite numbers only")
    return number


def _connection_id(connection: Connection | int) -> int:
    return connection if isinstance(connection, int) else connection.id


def _rowcount(result: Any) -> int:
    count = getattr(result, "rowcount", 0)
    return int(count) if count and count > 0 else 0
