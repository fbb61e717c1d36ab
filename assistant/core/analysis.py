"""One leader's week, from classified events to a `WeeklyReview` (pure core).

Takes events, rules, holiday dates and `now`; does no I/O. The shell (assistant.app.review) reads
the calendar and hands the events in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from assistant.core.buffers import buffer_statuses, indicator_results
from assistant.core.continua import LOAD_INDICATOR, Continua, continua
from assistant.core.coverage import coverage_gap
from assistant.core.indicators import day_rows, week_indicators
from assistant.core.intervals import total
from assistant.core.proposals import propose
from assistant.core.reasons import Quantity, Reason, reason
from assistant.core.review import (
    SCHEMA_VERSION,
    BufferStatus,
    IsoWeek,
    Status,
    TrendReport,
    Warning,
    WeeklyReview,
    WeekMetrics,
)
from assistant.core.timeline import Timeline, build_timeline
from assistant.core.trends import trend_report
from connectors import CalendarEvent, SkippedEvent
from rules import Rules

# The questions of the whitepaper's reflection guide ("Reflectiewijzer"), one a week in turn.
QUESTION_COUNT = 6


def question_for_week(week_number: int) -> Reason:
    return question(week_number % QUESTION_COUNT)


def question(number: int) -> Reason:
    """Question `number` (0 to QUESTION_COUNT - 1) of the reflection guide."""
    return reason(f"question.{number}")


def analysis_span(week: IsoWeek, rules: Rules) -> tuple[date, date]:
    """First and last local date whose events the review of `week` needs (context + next week)."""
    # One day more than the context weeks: the night before the week's Monday is measured.
    first = week.monday - timedelta(weeks=rules.measurement.context_weeks, days=1)
    last = week.shifted(1).days()[-1]
    return first, last


def build_review(
    events: Sequence[CalendarEvent],
    *,
    rules: Rules,
    week: IsoWeek,
    now: datetime,
    holidays: Iterable[date] = (),
    skipped: Sequence[SkippedEvent] = (),
    source_name: str = "",
    history: Sequence[WeekMetrics] = (),
    felt_room: Mapping[IsoWeek, int] | None = None,
) -> WeeklyReview:
    """Review `week` and propose blocks for the week after it.

    `history` holds the stored weeks before `week` (any order, gaps allowed) for the signals of
    narrowing; without it the review says there is not enough history yet. `felt_room` holds
    the leader's own ratings (1-5 by week) for the two continua; None leaves them out.
    """
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    language = rules.leader.language
    first, last = analysis_span(week, rules)
    timeline = build_timeline(events, rules=rules, first=first, last=last, holidays=holidays)
    week_days = week.days()
    history_first = week.monday - timedelta(weeks=rules.measurement.context_weeks)
    rows = day_rows(timeline, week_days, rules)
    values = week_indicators(timeline, week_days, rules, rows, history_first=history_first)
    results = indicator_results(values, rules)
    weeks_read = rules.measurement.context_weeks + 1
    buffers = buffer_statuses(results, rules, weeks_read)
    gap = coverage_gap(events, week, timeline, now)
    if gap is not None:  # never "ok" on no data
        results = tuple(
            replace(r, status=Status.NO_DATA) if r.status is not None else r for r in results
        )
        buffers = tuple(BufferStatus(b.buffer, Status.NO_DATA, (gap,)) for b in buffers)
    next_week = week.shifted(1)
    leader_key = rules.leader.email or "leader"
    proposals, notes = propose(
        timeline,
        rules=rules,
        week=next_week,
        reviewed_rows=rows,
        history_first=history_first,
        leader_key=leader_key,
        now=now,
    )
    # A past week (an old week reviewed again) gets no proposals: a block in the past cannot be
    # taken. What it would have proposed is kept apart, for reference.
    week_over = int(now.timestamp()) >= timeline.days[next_week.days()[-1]].end
    hindsight = proposals if week_over else ()
    if week_over:
        proposals = ()
    warnings = [
        Warning("skipped_event", reason("warning.skipped", where=s.where, reason=s.reason))
        for s in skipped
    ]
    warnings.extend(_overrun_notes(timeline, week_days, rules))
    warnings.extend(notes)
    if not any(r.working for r in rows):
        warnings.append(Warning("no_working_time", reason("warning.no_working_time")))
    if not events:
        warnings.append(Warning("no_events", reason("warning.no_events")))
    trends = trend_report(WeekMetrics(week, values), history, rules)
    return WeeklyReview(
        schema_version=SCHEMA_VERSION,
        leader=rules.leader.email,
        week=week,
        proposals_week=next_week,
        timezone=rules.leader.timezone,
        language=language,
        generated_at=now,
        source=source_name,
        indicators=results,
        days=tuple(rows),
        buffers=buffers,
        proposals=proposals,
        warnings=tuple(warnings),
        question=question_for_week(week.week),
        trends=trends,
        proposals_week_over=week_over,
        hindsight=hindsight,
        continua=_continua(trends, felt_room),
    )


def _continua(trends: TrendReport, felt_room: Mapping[IsoWeek, int] | None) -> Continua | None:
    if felt_room is None:
        return None
    line = next((s for s in trends.sparklines if s.indicator == LOAD_INDICATOR), None)
    return continua(line, felt_room) if line is not None else None


def _overrun_notes(timeline: Timeline, days: Sequence[date], rules: Rules) -> list[Warning]:
    """A note for each day on which a meeting took protected time (exception organisers aside)."""
    notes = []
    for current in days:
        seconds = total(timeline.days[current].overrun)
        if seconds:
            notes.append(
                Warning(
                    "protected_block_overrun",
                    reason(
                        "note.protected_block_overrun",
                        day=current,
                        minutes=Quantity(seconds / 60, "minutes"),
                    ),
                )
            )
    return notes


def measure_weeks(
    events: Sequence[CalendarEvent],
    *,
    rules: Rules,
    weeks: Sequence[IsoWeek],
    holidays: Iterable[date] = (),
) -> list[WeekMetrics]:
    """The indicators and trend inputs of several weeks, from one layout of the events.

    Each week is measured exactly as its own review would measure it (same context weeks).
    """
    if not weeks:
        return []
    first, _ = analysis_span(min(weeks), rules)
    last = max(weeks).days()[-1]
    timeline = build_timeline(events, rules=rules, first=first, last=last, holidays=holidays)
    measured = []
    for week in sorted(weeks):
        history_first = week.monday - timedelta(weeks=rules.measurement.context_weeks)
        rows = day_rows(timeline, week.days(), rules)
        values = week_indicators(timeline, week.days(), rules, rows, history_first=history_first)
        measured.append(WeekMetrics(week, values))
    return measured
