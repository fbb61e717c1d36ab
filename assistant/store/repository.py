"""The functions the rest of the product calls to read and write the store (a shell).

Every function takes a `Session` and works inside the caller's transaction: none commits. Wrap a
unit of work in `database.session_scope(engine)`. All datetimes going in must be aware; all coming
out are aware UTC. A leader is passed as the `Leader` row or its id.

Writes that two workers may do at the same moment (a leader's first appearance, a week's
metrics, a review sent) are single `INSERT ... ON CONFLICT` statements on both SQLite and
PostgreSQL, so a race leaves one row and raises nothing. An outbox entry is claimed with one
conditional UPDATE before its calendar call (`claim_outbox_entry`), so two flushes never both
do it.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Executable, Select, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assistant.core.catalogue import METRIC_IDS
from assistant.core.review import IsoWeek, Proposal, WeekMetrics
from assistant.store import StoreError
from assistant.store.crypto import SecretBox
from assistant.store.models import (
    LANGUAGES,
    PROVIDERS,
    Assistant,
    AuditEntry,
    Base,
    CachedEvent,
    Connection,
    Leader,
    OutboxEntry,
    ProposalRow,
    ReviewDelivery,
    RuleSet,
    SelfRating,
    WeeklyMetricsRow,
    assistant_leaders,
)
from connectors.model import CalendarEvent, EventKind, EventStatus
from connectors.model import Response as EventResponse

if TYPE_CHECKING:
    import pandas as pd

ExportFormat = Literal["csv", "parquet"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "parquet")
DEFAULT_TIMEZONE = "Europe/Amsterdam"
DEFAULT_LANGUAGE = "en"


class UnknownLeaderError(StoreError):
    def __init__(self, leader: int | str) -> None:
        self.leader = leader
        super().__init__(f"no leader {leader!r} in the database")


# Leaders and assistants ------------------------------------------------------------------------


def upsert_leader(
    session: Session,
    email: str,
    *,
    name: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> Leader:
    """The leader with this address, created when new; the fields given replace stored ones.

    Addresses are compared case-insensitively (kept in lower case). A field left None keeps its
    stored value (or the default, Europe/Amsterdam and English, for a new leader).
    """
    address = _address(email)
    if timezone is not None:
        _check_timezone(timezone)
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    changes: dict[str, Any] = {
        key: value
        for key, value in (("name", name), ("timezone", timezone), ("language", language))
        if value is not None
    }
    values = {
        "email": address,
        "name": name,
        "timezone": timezone or DEFAULT_TIMEZONE,
        "language": language or DEFAULT_LANGUAGE,
        "created_at": _aware(now, "now"),
    }
    session.execute(_upsert(session, Leader, values, ["email"], changes))
    return session.scalars(
        select(Leader).where(Leader.email == address).execution_options(populate_existing=True)
    ).one()


def find_leader(session: Session, email: str) -> Leader | None:
    return session.scalars(select(Leader).where(Leader.email == _address(email))).one_or_none()


def upsert_assistant(
    session: Session, email: str, *, name: str | None = None, now: datetime | None = None
) -> Assistant:
    address = _address(email)
    values = {"email": address, "name": name, "created_at": _aware(now, "now")}
    changes = {"name": name} if name is not None else {}
    session.execute(_upsert(session, Assistant, values, ["email"], changes))
    return session.scalars(
        select(Assistant)
        .where(Assistant.email == address)
        .execution_options(populate_existing=True)
    ).one()


def let_assistant_manage(session: Session, assistant: Assistant, leader: Leader | int) -> None:
    """Give the assistant access to the leader (idempotent)."""
    values = {"assistant_id": assistant.id, "leader_id": _leader_id(leader)}
    session.execute(_upsert(session, assistant_leaders, values, ["assistant_id", "leader_id"], {}))
    session.expire(assistant, ["leaders"])


def leaders_managed_by(session: Session, assistant: Assistant) -> list[Leader]:
    """The leaders this assistant may see and configure, by address."""
    statement = (
        select(Leader)
        .join(assistant_leaders, assistant_leaders.c.leader_id == Leader.id)
        .where(assistant_leaders.c.assistant_id == assistant.id)
        .order_by(Leader.email)
    )
    return list(session.scalars(statement))


# Weekly metrics --------------------------------------------------------------------------------


def record_week(
    session: Session,
    leader: Leader | int,
    metrics: WeekMetrics,
    rules_version: int | None,
    computed_at: datetime,
) -> None:
    """Store one week's metrics; a second recording of the same week replaces the first.

    Ids not in `catalogue.METRIC_IDS` are refused (ValueError) rather than silently dropped;
    ids left out are stored as NULL; NaN is stored as NULL.
    """
    unknown = sorted(set(metrics.values) - set(METRIC_IDS))
    if unknown:
        raise ValueError(
            f"the store has no column for {', '.join(unknown)}; a new metric needs a migration"
        )
    values: dict[str, Any] = {
        "leader_id": _leader_id(leader),
        "iso_week": str(metrics.week),
        "year": metrics.week.year,
        "week": metrics.week.week,
        **{metric: _number(metric, metrics.values.get(metric)) for metric in METRIC_IDS},
        "rules_version": rules_version,
        "computed_at": _aware(computed_at, "computed_at"),
    }
    replaced = [key for key in values if key not in {"leader_id", "iso_week"}]
    session.execute(
        _upsert(
            session,
            WeeklyMetricsRow,
            values,
            ["leader_id", "iso_week"],
            {key: _EXCLUDED for key in replaced},
        )
    )


def weekly_history(
    session: Session, leader: Leader | int, until: IsoWeek, weeks: int
) -> list[WeekMetrics]:
    """The stored weeks among the `weeks` weeks ending with `until`, oldest first.

    Weeks never recorded are simply absent. Every returned week carries every id of
    `catalogue.METRIC_IDS`, None where nothing was measured; values come back as floats.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    first = until.shifted(-(weeks - 1))
    statement = (
        select(WeeklyMetricsRow)
        .where(
            WeeklyMetricsRow.leader_id == _leader_id(leader),
            # 'YYYY-Www' sorts like the weeks, and the unique index covers it.
            WeeklyMetricsRow.iso_week.between(str(first), str(until)),
        )
        .order_by(WeeklyMetricsRow.iso_week)
    )
    return [
        WeekMetrics(
            week=IsoWeek(row.year, row.week),
            values={metric: getattr(row, metric) for metric in METRIC_IDS},
        )
        for row in session.scalars(statement)
    ]


def metrics_frame(
    session: Session, leaders: Iterable[Leader | int | str] | None = None
) -> pd.DataFrame:
    """Every stored week (of `leaders`, or of all), one row each, for export and analysis.

    Columns: leader (address), iso_week, year, week, one per metric id, rules_version (nullable
    integer) and computed_at (UTC). Sorted by leader, then week.
    """
    import pandas as pd

    statement: Select[Any] = select(
        Leader.email.label("leader"),
        WeeklyMetricsRow.iso_week,
        WeeklyMetricsRow.year,
        WeeklyMetricsRow.week,
        *(getattr(WeeklyMetricsRow, metric) for metric in METRIC_IDS),
        WeeklyMetricsRow.rules_version,
        WeeklyMetricsRow.computed_at,
    ).join(Leader, Leader.id == WeeklyMetricsRow.leader_id)
    if leaders is not None:
        ids, addresses = _split_leaders(leaders)
        statement = statement.where(Leader.id.in_(ids) | Leader.email.in_(addresses))
    statement = statement.order_by(Leader.email, WeeklyMetricsRow.iso_week)
    rows = session.execute(statement).all()
    columns = ["leader", "iso_week", "year", "week", *METRIC_IDS, "rules_version", "computed_at"]
    frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
    # Text columns keep the pandas default (str in pandas 3, object before).
    dtypes: dict[str, Any] = {
        "year": "int64",
        "week": "int64",
        **dict.fromkeys(METRIC_IDS, "float64"),
        "rules_version": "Int64",
    }
    frame = frame.astype(dtypes)
    frame["computed_at"] = pd.to_datetime(frame["computed_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    return frame


def export_metrics(
    session: Session,
    path: str | Path,
    format: ExportFormat | None = None,
    *,
    leaders: Iterable[Leader | int | str] | None = None,
) -> int:
    """Write `metrics_frame` to `path` as csv or parquet (default: from the suffix).

    Returns the number of rows written.
    """
    target = Path(path)
    chosen = format or target.suffix.lstrip(".").lower()
    if chosen not in EXPORT_FORMATS:
        raise ValueError(
            f"{target}: cannot tell the export format; use a .csv or .parquet file name "
            "or pass format='csv' or 'parquet'"
        )
    frame = metrics_frame(session, leaders)
    if chosen == "csv":
        frame.to_csv(target, index=False)
    else:
        if importlib.util.find_spec("pyarrow") is None:
            raise StoreError(
                "parquet export needs pyarrow; install it (pip install pyarrow) or export csv"
            )
        frame.to_parquet(target, index=False)
    return len(frame)


# Rules -------------------------------------------------------------------------------------------


def store_rules(
    session: Session,
    leader: Leader | int,
    yaml_text: str,
    actor: str,
    *,
    now: datetime | None = None,
) -> int:
    """Save a new version of the leader's rules and audit who did it; returns the version (1, 2..).

    The leader's row is locked (PostgreSQL; SQLite writes one at a time anyway) so two assistants
    saving at once get versions n and n+1, never the same one.
    """
    at = _aware(now, "now")
    owner = session.get(Leader, _leader_id(leader), with_for_update=True)
    if owner is None:
        raise UnknownLeaderError(_leader_id(leader))
    latest = session.scalar(select(func.max(RuleSet.version)).where(RuleSet.leader_id == owner.id))
    version = (latest or 0) + 1
    session.add(
        RuleSet(
            leader_id=owner.id,
            version=version,
            yaml_text=yaml_text,
            created_at=at,
            created_by=actor,
        )
    )
    add_audit(
        session,
        actor=actor,
        action="rules.store",
        subject=owner.email,
        detail={"version": version},
        now=at,
    )
    session.flush()
    return version


def latest_rules(session: Session, leader: Leader | int) -> RuleSet | None:
    statement = (
        select(RuleSet)
        .where(RuleSet.leader_id == _leader_id(leader))
        .order_by(RuleSet.version.desc())
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


# Audit -------------------------------------------------------------------------------------------


def add_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """One audit line. `detail` is JSON of ids, versions and counts, never an event's title."""
    entry = AuditEntry(
        at=_aware(now, "now"),
        actor=actor,
        action=action,
        subject=subject,
        detail=dict(detail or {}),
    )
    session.add(entry)
    return entry


# Connections -------------------------------------------------------------------------------------


def upsert_connection(
    session: Session, leader: Leader | int, provider: str, account: str
) -> Connection:
    """The leader's connection to this provider account, created when new."""
    if provider not in PROVIDERS:
        raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}, not {provider!r}")
    values = {"leader_id": _leader_id(leader), "provider": provider, "account": account}
    session.execute(_upsert(session, Connection, values, ["leader_id", "provider", "account"], {}))
    return session.scalars(
        select(Connection).where(
            Connection.leader_id == values["leader_id"],
            Connection.provider == provider,
            Connection.account == account,
        )
    ).one()


def save_connection_token(
    session: Session, connection: Connection, token_plaintext: bytes, cipher: SecretBox
) -> None:
    """Encrypt the token with the first key and store only the ciphertext."""
    connection.token_ciphertext = cipher.encrypt(token_plaintext)
    session.add(connection)
    session.flush()


def load_connection_token(connection: Connection, cipher: SecretBox) -> bytes | None:
    """The decrypted token, or None when none is stored; `SecretKeyError` when no key fits."""
    if connection.token_ciphertext is None:
        return None
    return cipher.decrypt(connection.token_ciphertext)


# Reviews -----------------------------------------------------------------------------------------


def record_review_sent(
    session: Session,
    leader: Leader | int,
    week: IsoWeek,
    *,
    sent_at: datetime,
    message_id: str | None = None,
    delivery_status: Literal["sent", "failed", "bounced"] = "sent",
) -> bool:
    """Record the week's review for the leader; False when a sent one was already recorded.

    One review per (leader, ISO week): a review recorded as sent is never replaced, so a task
    that runs twice records it once. A failed attempt may be replaced by a later one.
    """
    values = {
        "leader_id": _leader_id(leader),
        "iso_week": str(week),
        "sent_at": _aware(sent_at, "sent_at"),
        "message_id": message_id,
        "delivery_status": delivery_status,
    }
    replaced = {key: _EXCLUDED for key in ("sent_at", "message_id", "delivery_status")}
    statement = _upsert(
        session,
        ReviewDelivery,
        values,
        ["leader_id", "iso_week"],
        replaced,
        only_where=ReviewDelivery.delivery_status != "sent",
        returning=ReviewDelivery.id,
    )
    return session.execute(statement).scalar_one_or_none() is not None


def review_delivery(session: Session, leader: Leader | int, week: IsoWeek) -> ReviewDelivery | None:
    statement = select(ReviewDelivery).where(
        ReviewDelivery.leader_id == _leader_id(leader), ReviewDelivery.iso_week == str(week)
    )
    return session.scalars(statement).one_or_none()


# Helpers -----------------------------------------------------------------------------------------

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
        raise StoreError(f"the store supports SQLite and PostgreSQL, not {dialect}")
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


# Event cache (a connection's title-free copy of its calendar) -----------------------------------

_CACHE_CHUNK = 500  # rows per statement: SQLite allows at most 32,766 bound parameters


def upsert_cached_events(
    session: Session, connection: Connection | int, events: Iterable[CalendarEvent]
) -> int:
    """Insert or update these occurrences of the connection (by provider id); returns the count."""
    connection_id = _connection_id(connection)
    rows = [_cache_row(connection_id, event) for event in events]
    replaced = [key for key in _CACHE_FIELDS if key not in {"connection_id", "provider_event_id"}]
    for first in range(0, len(rows), _CACHE_CHUNK):
        session.execute(
            _upsert_many(
                session,
                CachedEvent,
                rows[first : first + _CACHE_CHUNK],
                ["connection_id", "provider_event_id"],
                replaced,
            )
        )
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
    )


def _upsert_many(
    session: Session,
    target: type[Base],
    rows: list[dict[str, Any]],
    conflict_columns: list[str],
    replaced: list[str],
) -> Executable:
    """One multi-row INSERT ... ON CONFLICT DO UPDATE SET each replaced column = excluded."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert: Any = postgresql.insert(target)
    elif dialect == "sqlite":
        insert = sqlite.insert(target)
    else:
        raise StoreError(f"the store supports SQLite and PostgreSQL, not {dialect}")
    statement = insert.values(rows)  # keys are column names (start_at, end_at ...)
    statement = statement.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={column: statement.excluded[column] for column in replaced},
    )
    result: Executable = statement
    return result


def _connection_id(connection: Connection | int) -> int:
    return connection if isinstance(connection, int) else connection.id


def _rowcount(result: Any) -> int:
    count = getattr(result, "rowcount", 0)
    return int(count) if count and count > 0 else 0


__all__ = [
    "EXPORT_FORMATS",
    "ExportFormat",
    "UnknownLeaderError",
    "add_audit",
    "cached_events",
    "count_cached_events",
    "export_metrics",
    "find_leader",
    "latest_rules",
    "leaders_managed_by",
    "let_assistant_manage",
    "load_connection_token",
    "metrics_frame",
    "reconcile_cached_events",
    "record_review_sent",
    "record_week",
    "remove_cached_events",
    "review_delivery",
    "save_connection_token",
    "store_rules",
    "upsert_assistant",
    "upsert_cached_events",
    "upsert_connection",
    "upsert_leader",
    "weekly_history",
]


# Proposals, the outbox, self-ratings and questions asked (the weekly email) ----------------------


def ensure_proposals(
    session: Session,
    leader: Leader | int,
    week: IsoWeek,
    proposals: Sequence[Proposal],
    *,
    now: datetime,
) -> dict[str, ProposalRow]:
    """Store the week's proposals that are not stored yet (by key); every one's row, by key.

    A proposal already stored keeps its status and generation: mailing a review twice never
    reopens a block that was accepted or declined.
    """
    for proposal in proposals:
        values = {
            "key": proposal.key,
            "leader_id": _leader_id(leader),
            "iso_week": str(week),
            "kind": proposal.kind,
            "start_at": _aware(proposal.start, "start"),
            "end_at": _aware(proposal.end, "end"),
            "status": "proposed",
            "generation": 0,
            "updated_at": _aware(now, "now"),
        }
        session.execute(_upsert(session, ProposalRow.__table__, values, ["key"], {}))
    keys = [proposal.key for proposal in proposals]
    if not keys:
        return {}
    rows = session.scalars(select(ProposalRow).where(ProposalRow.key.in_(keys)))
    return {row.key: row for row in rows}


def proposal_by_key(session: Session, key: str) -> ProposalRow | None:
    return session.scalars(select(ProposalRow).where(ProposalRow.key == key)).one_or_none()


def proposals_of_week(session: Session, leader: Leader | int, week: IsoWeek) -> list[ProposalRow]:
    statement = (
        select(ProposalRow)
        .where(ProposalRow.leader_id == _leader_id(leader), ProposalRow.iso_week == str(week))
        .order_by(ProposalRow.start, ProposalRow.key)
    )
    return list(session.scalars(statement))


def decide_proposal(
    session: Session,
    key: str,
    generation: int,
    decision: Literal["accepted", "declined"],
    *,
    now: datetime,
) -> bool:
    """Accept or decline a proposal that is still open; False when it was decided already.

    One conditional UPDATE, so two clicks at the same moment decide once. An accept is put in
    the outbox in the same transaction (stored first, written after).
    """
    statement = (
        update(ProposalRow)
        .where(
            ProposalRow.key == key,
            ProposalRow.generation == generation,
            ProposalRow.status == "proposed",
        )
        .values(status=decision, updated_at=_aware(now, "now"))
    )
    changed = _rowcount(session.execute(statement)) == 1
    if changed and decision == "accepted":
        session.add(
            OutboxEntry(proposal_key=key, action="create", next_attempt_at=_aware(now, "now"))
        )
    return changed


def due_outbox(session: Session, *, now: datetime, key: str | None = None) -> list[OutboxEntry]:
    """Outbox entries not done whose next attempt is due (optionally of one proposal)."""
    statement = select(OutboxEntry).where(
        OutboxEntry.done_at.is_(None), OutboxEntry.next_attempt_at <= _aware(now, "now")
    )
    if key is not None:
        statement = statement.where(OutboxEntry.proposal_key == key)
    return list(session.scalars(statement.order_by(OutboxEntry.id)))


def claim_outbox_entry(session: Session, entry_id: int, *, now: datetime, until: datetime) -> bool:
    """Take a due entry for one attempt; False when it is done, not due, or claimed by another.

    One conditional UPDATE that moves the next attempt to `until` (a lease), so of two flushes
    at the same moment (two drains, or a drain and the confirm page's own write) exactly one
    gets True and calls the calendar; the other skips the entry. Commit before the provider
    call so the claim is seen. A process that dies with the entry claimed leaves it due again
    at `until`; `outbox_written`, `outbox_deleted` or `outbox_failed` end the lease.
    """
    statement = (
        update(OutboxEntry)
        .where(
            OutboxEntry.id == entry_id,
            OutboxEntry.done_at.is_(None),
            OutboxEntry.next_attempt_at <= _aware(now, "now"),
        )
        .values(next_attempt_at=_aware(until, "until"))
    )
    return _rowcount(session.execute(statement)) == 1


def outbox_written(
    session: Session, entry: OutboxEntry, *, event_id: str | None, status: str, now: datetime
) -> None:
    """The entry's write is done: the proposal becomes `status` ("written", or "accepted"
    when the leader imports an .ics themselves)."""
    entry.done_at = _aware(now, "now")
    entry.attempts += 1
    entry.last_error = None
    proposal = proposal_by_key(session, entry.proposal_key)
    if proposal is not None:
        proposal.status = status
        proposal.provider_event_id = event_id
        proposal.updated_at = _aware(now, "now")


def outbox_failed(
    session: Session, entry: OutboxEntry, *, error: str, now: datetime, retry_at: datetime
) -> None:
    entry.attempts += 1
    entry.last_error = error[:2000]
    entry.next_attempt_at = _aware(retry_at, "retry_at")


def record_self_rating(
    session: Session, leader: Leader | int, week: IsoWeek, score: int, *, now: datetime
) -> None:
    """The leader's own rating of the week's room (1-5 in the email); a later one replaces it."""
    if not 1 <= score <= 5:
        raise ValueError("a self-rating is 1 to 5")
    values = {
        "leader_id": _leader_id(leader),
        "iso_week": str(week),
        "score": score,
        "recorded_at": _aware(now, "now"),
    }
    changes = {"score": _EXCLUDED, "recorded_at": _EXCLUDED}
    session.execute(_upsert(session, SelfRating, values, ["leader_id", "iso_week"], changes))


def self_ratings(
    session: Session, leader: Leader | int, weeks: Sequence[IsoWeek]
) -> dict[IsoWeek, int]:
    statement = select(SelfRating).where(
        SelfRating.leader_id == _leader_id(leader),
        SelfRating.iso_week.in_([str(week) for week in weeks]),
    )
    return {IsoWeek.parse(row.iso_week): row.score for row in session.scalars(statement)}


QUESTION_ASKED = "review.question"


def record_question(
    session: Session, leader_email: str, week: IsoWeek, index: int, *, now: datetime
) -> None:
    """Remember which reflection question a week's email asked (an audit line, no new table)."""
    add_audit(
        session,
        actor="agenda-regie",
        action=QUESTION_ASKED,
        subject=_address(leader_email),
        detail={"week": str(week), "question": index},
        now=now,
    )


def questions_asked(session: Session, leader_email: str) -> dict[IsoWeek, int]:
    """Which question each week's email asked this leader (the last recorded one per week)."""
    statement = (
        select(AuditEntry)
        .where(AuditEntry.action == QUESTION_ASKED, AuditEntry.subject == _address(leader_email))
        .order_by(AuditEntry.id)
    )
    return {
        IsoWeek.parse(str(entry.detail["week"])): int(entry.detail["question"])
        for entry in session.scalars(statement)
    }


# Withdrawn accepts and a leader's pause (the confirm pages) --------------------------------------

PROPOSAL_WITHDRAWN = "proposal.withdrawn"
REVIEWS_PAUSED = "review.paused"
REVIEWS_RESUMED = "review.resumed"


def withdraw_proposal(session: Session, key: str, generation: int, *, now: datetime) -> bool:
    """Take back an accept: the proposal is no longer accepted (it becomes `declined`, the audit
    line `proposal.withdrawn` says why) and a `delete` is put in the outbox; False when it was not
    accepted (any more). A create still waiting in the outbox is cancelled, so it is never written.

    One conditional UPDATE, so two clicks at the same moment withdraw once.
    """
    statement = (
        update(ProposalRow)
        .where(
            ProposalRow.key == key,
            ProposalRow.generation == generation,
            ProposalRow.status.in_(("accepted", "written")),
        )
        .values(status="declined", updated_at=_aware(now, "now"))
    )
    if _rowcount(session.execute(statement)) != 1:
        return False
    waiting = select(OutboxEntry).where(
        OutboxEntry.proposal_key == key,
        OutboxEntry.action == "create",
        OutboxEntry.done_at.is_(None),
    )
    for entry in session.scalars(waiting):
        entry.done_at = _aware(now, "now")
        entry.last_error = "withdrawn before it was written"
    session.add(OutboxEntry(proposal_key=key, action="delete", next_attempt_at=_aware(now, "now")))
    return True


def proposal_withdrawn(session: Session, key: str) -> bool:
    """Whether the leader took this proposal's accept back."""
    statement = select(AuditEntry.id).where(
        AuditEntry.action == PROPOSAL_WITHDRAWN, AuditEntry.subject == key
    )
    return session.scalars(statement.limit(1)).first() is not None


def outbox_deleted(session: Session, entry: OutboxEntry, *, now: datetime) -> None:
    """The entry's delete is done (or there was nothing to delete): the block is gone."""
    entry.done_at = _aware(now, "now")
    entry.attempts += 1
    entry.last_error = None
    proposal = proposal_by_key(session, entry.proposal_key)
    if proposal is not None:
        proposal.provider_event_id = None
        proposal.updated_at = _aware(now, "now")


def pause_reviews(
    session: Session, leader: Leader, until: datetime | None, *, now: datetime, actor: str
) -> None:
    """Pause the leader's weekly review until `until` (None: until they resume); audited."""
    ends = None if until is None else _aware(until, "until")
    leader.paused_at = _aware(now, "now")
    leader.paused_until = ends
    detail = {"until": None if ends is None else ends.isoformat()}
    add_audit(
        session, actor=actor, action=REVIEWS_PAUSED, subject=leader.email, detail=detail, now=now
    )


def resume_reviews(session: Session, leader: Leader, *, now: datetime, actor: str) -> bool:
    """End the leader's pause; False when they were not paused. Audited."""
    was_paused = reviews_paused(leader, now)
    leader.paused_at = None
    leader.paused_until = None
    if was_paused:
        add_audit(session, actor=actor, action=REVIEWS_RESUMED, subject=leader.email, now=now)
    return was_paused


def reviews_paused(leader: Leader, now: datetime) -> bool:
    """Whether the leader's weekly review is paused at `now` (a pause with an end ends itself)."""
    if leader.paused_at is None:
        return False
    return leader.paused_until is None or leader.paused_until > _aware(now, "now")
