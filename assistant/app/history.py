"""Use cases around a leader's weekly history: review with trends, backfill, export (a shell).

The trend of a week needs the weeks before it. They come from the store when it has them; weeks
it does not have are measured from the calendar itself (only weeks the calendar covers: a week
before its first event is unknown, not empty) and recorded, so the next review finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from assistant.core.analysis import analysis_span, build_review, measure_weeks
from assistant.core.calendar_days import holiday_dates
from assistant.core.review import IsoWeek, WeeklyReview, WeekMetrics
from connectors import CalendarEvent, CalendarSource, FetchResult, TimeWindow
from rules import Rules

if TYPE_CHECKING:
    from assistant.settings import Settings
    from assistant.store.database import Engine
    from assistant.store.models import Leader


def history_weeks_needed(rules: Rules) -> int:
    """How many weeks before the reviewed one the trends and sparklines look at."""
    trends = rules.trends
    signals = trends.recent_weeks + trends.baseline_weeks + trends.hold_weeks - 1
    return max(signals, trends.sparkline_weeks) - 1


def weeks_before(week: IsoWeek, count: int) -> list[IsoWeek]:
    return [week.shifted(-offset) for offset in range(count, 0, -1)]


def fetch_for(source: CalendarSource, rules: Rules, first: IsoWeek, last: IsoWeek) -> FetchResult:
    """Everything measuring the weeks `first`..`last` and proposing after `last` needs."""
    start, _ = analysis_span(first, rules)
    _, end = analysis_span(last, rules)
    zone = ZoneInfo(rules.leader.timezone)
    return source.fetch(
        TimeWindow(
            datetime.combine(start, time(), tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time(), tzinfo=zone),
        )
    )


def covered(events: Sequence[CalendarEvent], weeks: Iterable[IsoWeek]) -> list[IsoWeek]:
    """The weeks from the week of the calendar's first event on."""
    if not events:
        return []
    first_week = IsoWeek.containing(min(e.start for e in events).date())
    return [w for w in weeks if w >= first_week]


LOOK_UP: Literal["look up"] = "look up"


@dataclass(frozen=True)
class Store:
    """The database, opened and checked, and the leader whose history it keeps.

    The weekly run, which has just read the leader and their stored rules, names the leader's
    id and the rules version its weeks are recorded under; otherwise both are looked up."""

    engine: Engine
    leader_email: str
    leader_id: int | None = None
    rules_version: int | Literal["look up"] | None = LOOK_UP


def open_store(settings: Settings, *, migrate_sqlite: bool = True) -> Engine:
    """An engine on the configured database, at the current schema, with readable secrets.

    A local SQLite file is brought up to date by itself; a shared database is the operator's
    (`agenda-regie db upgrade`).
    """
    from assistant.store import MigrationNeededError, migrations
    from assistant.store.crypto import SecretBox, check_keys, encrypted_token_count
    from assistant.store.database import make_engine, session_scope

    engine = make_engine(settings)
    try:
        try:
            migrations.require_head(engine)
        except MigrationNeededError:
            if not (migrate_sqlite and engine.dialect.name == "sqlite"):
                raise
            migrations.upgrade(settings.database_url)
        with session_scope(engine) as session:
            if encrypted_token_count(session):
                check_keys(session, SecretBox.from_settings(settings))
    except BaseException:
        engine.dispose()  # no pooled connection left open behind the error
        raise
    return engine


def review_with_history(
    source: CalendarSource,
    rules: Rules,
    week: IsoWeek,
    now: datetime,
    store: Store | None = None,
    *,
    record: bool = False,
) -> WeeklyReview:
    """Review `week` against the leader's own history (the store's weeks, else measured from the
    calendar). A look (`record=False`) writes nothing; the weekly run records what it measured,
    under the leader's stored rules version."""
    previous = weeks_before(week, history_weeks_needed(rules))
    fetched = fetch_for(source, rules, previous[0] if previous else week, week)
    first, _ = analysis_span(previous[0] if previous else week, rules)
    _, last = analysis_span(week, rules)
    holidays = holiday_dates(rules, first, last)
    stored = _stored_history(store, week, len(previous)) if store else []
    known = {m.week for m in stored}
    missing = [w for w in covered(fetched.events, previous) if w not in known]
    measured = measure_weeks(fetched.events, rules=rules, weeks=missing, holidays=holidays)
    history = sorted([*stored, *measured], key=lambda m: m.week)
    felt_room = _felt_room(store, week, rules) if store is not None else None
    review = build_review(
        fetched.events,
        rules=rules,
        week=week,
        now=now,
        holidays=holidays,
        skipped=fetched.skipped,
        source_name=source.name,
        history=history,
        felt_room=felt_room,
    )
    if store is not None and record:
        # A week without data is not a week of zeros: it stays out of the history.
        current = (
            measure_weeks(fetched.events, rules=rules, weeks=[week], holidays=holidays)
            if review.no_data is None
            else []
        )
        _record(store, rules, [*measured, *current], now)
    return review


def backfill(
    source: CalendarSource,
    rules: Rules,
    last: IsoWeek,
    weeks: int,
    now: datetime,
    store: Store,
    progress: Callable[[IsoWeek], None] = lambda _week: None,
) -> list[IsoWeek]:
    """Measure and record the `weeks` weeks ending with `last` that the calendar covers."""
    wanted = [*weeks_before(last, weeks - 1), last]
    fetched = fetch_for(source, rules, wanted[0], last)
    first, _ = analysis_span(wanted[0], rules)
    _, end = analysis_span(last, rules)
    holidays = holiday_dates(rules, first, end)
    recorded = []
    for week in covered(fetched.events, wanted):
        metrics = measure_weeks(fetched.events, rules=rules, weeks=[week], holidays=holidays)
        _record(store, rules, metrics, now)
        recorded.append(week)
        progress(week)
    return recorded


def export(
    settings: Settings, path: Path, fmt: Literal["csv", "parquet"], leaders: Sequence[str] = ()
) -> int:
    from assistant.store.database import session_scope
    from assistant.store.repositories.metrics import export_metrics

    engine = open_store(settings)
    try:
        with session_scope(engine) as session:
            return export_metrics(session, path, fmt, leaders=list(leaders) or None)
    finally:
        engine.dispose()


def _stored_history(store: Store, week: IsoWeek, count: int) -> list[WeekMetrics]:
    from assistant.store.database import session_scope
    from assistant.store.repositories.leaders import find_leader
    from assistant.store.repositories.metrics import weekly_history

    if count <= 0:
        return []
    with session_scope(store.engine) as session:
        if store.leader_id is not None:
            return weekly_history(session, store.leader_id, until=week.shifted(-1), weeks=count)
        leader = find_leader(session, store.leader_email)
        if leader is None:
            return []
        return weekly_history(session, leader, until=week.shifted(-1), weeks=count)


def _felt_room(store: Store, week: IsoWeek, rules: Rules) -> dict[IsoWeek, int] | None:
    """The leader's own ratings of the weeks the chart shows; None for a leader the store does
    not know (nothing to rate yet, nothing shown)."""
    from assistant.store.database import session_scope
    from assistant.store.repositories.feedback import self_ratings
    from assistant.store.repositories.leaders import find_leader

    weeks = [week.shifted(-offset) for offset in range(rules.trends.sparkline_weeks)]
    with session_scope(store.engine) as session:
        try:
            leader = find_leader(session, store.leader_email)
        except ValueError:  # not an address: no leader to have rated anything
            return None
        return self_ratings(session, leader, weeks) if leader is not None else None


def _record(store: Store, rules: Rules, weeks: Sequence[WeekMetrics], now: datetime) -> None:
    """Record measured weeks; never the rules. The weeks name the leader's stored version when
    they were measured with it (else no version: measured with their defaults)."""
    from assistant.store.database import session_scope
    from assistant.store.repositories.leaders import upsert_leader
    from assistant.store.repositories.metrics import record_week
    from assistant.store.repositories.rules import version_holding

    with session_scope(store.engine) as session:
        if store.leader_id is not None and store.rules_version != LOOK_UP:
            leader: int | Leader = store.leader_id
            version = store.rules_version
        else:
            found = upsert_leader(session, store.leader_email, now=now)
            leader, version = found, version_holding(session, found, rules)
        for metrics in weeks:
            record_week(session, leader, metrics, rules_version=version, computed_at=now)
