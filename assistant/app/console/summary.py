"""The summary a leader brings to a coaching conversation: the last eight weeks up to the
reviewed week, on one page.

Per week the three buffers' statuses and a few key indicators, the felt room the leader gave
(only when the caller says personal data may be shown), the signals of narrowing that hold now,
and the questions of the whitepaper's reflection guide. Reads the stored weeks (and, when the
weekly run has not stored the reviewed week yet, the cached calendar); writes nothing.

Who may see which leader is decided before this is called (`assistant.app.console.access`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from assistant.accounts.cache import CachedCalendar
from assistant.app.history import Store, review_with_history
from assistant.app.review import default_week
from assistant.core.analysis import QUESTION_COUNT, question
from assistant.core.buffers import buffer_statuses, indicator_results
from assistant.core.catalogue import INDICATORS
from assistant.core.reasons import Reason
from assistant.core.review import Buffer, IsoWeek, Status, TrendReport, WeekMetrics
from assistant.core.trends import trend_report
from assistant.store.database import Engine, session_scope
from assistant.store.models import Leader
from assistant.store.repositories.feedback import self_ratings
from assistant.store.repositories.metrics import weekly_history
from assistant.store.repositories.rules import leader_rules

SUMMARY_WEEKS = 8
# The key indicators of each week, in the order the page shows them.
KEY_INDICATORS = (
    "meeting_share",
    "reflection_minutes",
    "meeting_free_half_days",
    "longest_back_to_back_minutes",
)


@dataclass(frozen=True)
class SummaryWeek:
    """One week of the summary; `measured` False: nothing stored for it (statuses no_data)."""

    week: IsoWeek
    measured: bool
    buffers: tuple[tuple[Buffer, Status], ...]
    values: Mapping[str, float | int | None]  # the key indicators
    felt_room: int | None  # 1-5, None: not rated or not to be shown


@dataclass(frozen=True)
class CoachingSummary:
    leader_email: str
    leader_name: str | None
    timezone: str
    week: IsoWeek  # the reviewed week, the last one shown
    weeks: tuple[SummaryWeek, ...]  # oldest first, SUMMARY_WEEKS of them
    trends: TrendReport  # the signals of narrowing at the reviewed week
    personal: bool  # the felt room is part of it
    questions: tuple[Reason, ...]  # the reflection guide, in its order
    made_at: datetime


def coaching_summary(
    engine: Engine, leader_id: int, now: datetime, *, personal: bool
) -> CoachingSummary | None:
    """The summary of the leader with this id; None when there is no such leader.
    `personal`: the leader's felt-room ratings may be shown (the leader, their coach)."""
    with session_scope(engine) as session:
        leader = session.get(Leader, leader_id)
        if leader is None:
            return None
        rules = leader_rules(session, leader)
        week = default_week(now, rules)
        trend_weeks = rules.trends.recent_weeks + rules.trends.baseline_weeks + 1
        stored = weekly_history(session, leader, week, max(SUMMARY_WEEKS, trend_weeks))
        shown = [week.shifted(-offset) for offset in range(SUMMARY_WEEKS - 1, -1, -1)]
        ratings = self_ratings(session, leader, shown) if personal else {}
        email, name, timezone = leader.email, leader.name, rules.leader.timezone
    by_week = {m.week: m for m in stored}
    current = by_week.get(week)
    if current is not None:
        trends = trend_report(current, [m for m in stored if m.week < week], rules)
    else:
        # The weekly run has not stored the reviewed week: measured from the cached calendar,
        # as the console's leader page does (a look: nothing is recorded).
        source = CachedCalendar.of_leader(engine, leader_id)
        review = review_with_history(
            source, rules, week, now, Store(engine, email, leader_id), record=False
        )
        trends = review.trends
        if review.no_data is None:
            by_week[week] = WeekMetrics(week, dict(review.values))
    context_weeks = rules.measurement.context_weeks + 1
    weeks = []
    for each in shown:
        metrics = by_week.get(each)
        if metrics is None or not _complete(metrics.values):
            buffers = tuple((buffer, Status.NO_DATA) for buffer in Buffer)
            values: dict[str, float | int | None] = dict.fromkeys(KEY_INDICATORS)
        else:
            results = indicator_results(metrics.values, rules)
            statuses = buffer_statuses(results, rules, context_weeks)
            buffers = tuple((b.buffer, b.status) for b in statuses)
            values = {key: metrics.values.get(key) for key in KEY_INDICATORS}
        weeks.append(SummaryWeek(each, metrics is not None, buffers, values, ratings.get(each)))
    return CoachingSummary(
        email,
        name,
        timezone,
        week,
        tuple(weeks),
        trends,
        personal,
        tuple(question(number) for number in range(QUESTION_COUNT)),
        now,
    )


def _complete(values: Mapping[str, float | int | None]) -> bool:
    """A stored week carries every indicator id (None where nothing was measured)."""
    return all(definition.id in values for definition in INDICATORS)
