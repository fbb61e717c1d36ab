"""Per-day and per-week indicators of DESIGN section 6 (pure core).

Every number follows the catalogue's definition; docs/indicators.md explains each in plain
language. Thresholds and lengths come from the rules, never from this module.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import date, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from assistant.core.intervals import Interval, intersect, merge, subtract, total
from assistant.core.review import DayRow
from assistant.core.timeline import (
    Day,
    Timeline,
    epoch,
    local_epoch,
    to_local,
)
from rules import Rules

MINUTE = 60
HOUR = 3600


def free_stretches(day: Day) -> list[Interval]:
    """Meeting-free working time; solo holds and protected blocks do not break a stretch."""
    return subtract(day.working, day.meetings)


def midday_window(day: Day, rules: Rules, zone: ZoneInfo) -> Interval:
    window = rules.lunch.window
    return (
        local_epoch(day.date, window.start_minute, zone),
        local_epoch(day.date, window.end_minute, zone),
    )


def has_midday_break(day: Day, rules: Rules, zone: ZoneInfo) -> bool:
    """A stretch of lunch.minutes inside lunch.window free of meetings and solo holds."""
    free = subtract([midday_window(day, rules, zone)], day.load)
    return any(end - start >= rules.lunch.minutes * MINUTE for start, end in free)


def day_rows(timeline: Timeline, days: Sequence[date], rules: Rules) -> list[DayRow]:
    """The day rows of DESIGN section 6 for the given local dates."""
    zone = timeline.zone
    measurement = rules.measurement
    focus_min = measurement.focus_block_minutes * MINUTE
    rows = []
    for current in days:
        day = timeline.days[current]
        load = day.load
        free = free_stretches(day)
        rows.append(
            DayRow(
                date=current,
                working=day.is_working,
                non_working_reason=day.non_working_reason,
                meeting_minutes=_minutes(total(day.meetings)),
                meeting_count=timeline.meetings_starting(day.start, day.end),
                longest_back_to_back_minutes=max(
                    (c.minutes for c in timeline.chains_starting(day.start, day.end)), default=0
                ),
                first_start=to_local(load[0][0], zone) if load else None,
                last_end=to_local(load[-1][1], zone) if load else None,
                span_hours=round((load[-1][1] - load[0][0]) / HOUR, 2) if load else None,
                midday_break=has_midday_break(day, rules, zone) if day.is_working else None,
                focus_minutes=_minutes(sum(e - s for s, e in free if e - s >= focus_min)),
                protected_minutes=_minutes(total(day.protected)),
                after_hours_meeting_minutes=_minutes(total(subtract(day.meetings, day.working))),
                segments=segments(day, zone),
            )
        )
    return rows


def segments(day: Day, zone: ZoneInfo) -> tuple[tuple[int, int, str], ...]:
    """The day as local wall-clock minute segments; a meeting hides a hold hides a block."""
    layers = (
        ("meeting", list(day.meetings)),
        ("solo", subtract(day.holds, day.meetings)),
        ("protected", subtract(day.protected, day.load)),
        ("working", subtract(day.working, day.busy)),
    )
    out = [
        (_wall_minute(day, start, zone), _wall_minute(day, end, zone), kind)
        for kind, intervals in layers
        for start, end in intervals
    ]
    return tuple(sorted(out))


def _wall_minute(day: Day, seconds: int, zone: ZoneInfo) -> int:
    if seconds >= day.end:
        return 24 * 60
    local = to_local(seconds, zone)
    return local.hour * 60 + local.minute


def _minutes(seconds: int | float) -> int:
    return round(seconds / MINUTE)


def week_indicators(
    timeline: Timeline,
    week_days: Sequence[date],
    rules: Rules,
    rows: Sequence[DayRow],
    history_first: date,
) -> dict[str, float | int | None]:
    """Every catalogue indicator for one week (Monday..Sunday in `week_days`)."""
    zone = timeline.zone
    measurement = rules.measurement
    days = [timeline.days[d] for d in week_days]
    week_start, week_end = days[0].start, days[-1].end
    working = [iv for day in days for iv in day.working]
    meetings = [iv for day in days for iv in day.meetings]
    working_seconds = total(working)

    free = [iv for day in days for iv in free_stretches(day)]
    fragment_max = measurement.fragment_max_minutes * MINUTE

    chains = timeline.chains_starting(week_start, week_end)
    spans = [row.span_hours for row in rows if row.span_hours is not None]
    reflection_minutes = _minutes(sum(total(day.protected) for day in days))
    target = rules.reflection_target_minutes

    return {
        "meeting_hours": round(total(meetings) / HOUR, 2),
        "meeting_share": (
            round(total(intersect(meetings, working)) / working_seconds, 4)
            if working_seconds
            else None
        ),
        "focus_hours": round(float(sum(row.focus_minutes for row in rows)) / 60, 2),
        "fragmented_hours": round(sum(e - s for s, e in free if e - s < fragment_max) / HOUR, 2),
        "meeting_free_half_days": _meeting_free_half_days(days, rules, zone),
        "short_notice_share": _short_notice_share(timeline, week_start, week_end, rules),
        "longest_back_to_back_minutes": max((c.minutes for c in chains), default=0),
        "back_to_back_chains": sum(1 for c in chains if c.minutes >= rules.recovery.chain_minutes),
        "days_without_midday_break": sum(
            1 for row in rows if row.working and row.midday_break is False
        ),
        "longest_workday_span_hours": float(max(spans)) if spans else 0.0,
        "short_rest_nights": _short_rest_nights(timeline, week_days, rules),
        "after_hours_meeting_hours": round(
            float(sum(row.after_hours_meeting_minutes for row in rows)) / 60, 2
        ),
        "reflection_minutes": reflection_minutes,
        "reflection_target_minutes": target,
        "missing_reflection_minutes": max(0, target - reflection_minutes),
        "days_since_mini_retreat": days_since_mini_retreat(
            timeline, history_first, week_days[-1], rules
        ),
        **trend_inputs(timeline, days),
    }


def trend_inputs(timeline: Timeline, days: Sequence[Day]) -> dict[str, float | int | None]:
    """The weekly measures the signals of narrowing need beyond the catalogue (DESIGN 6).

    `median_meeting_minutes`: the median length of the meetings starting in the week.
    `organised_meeting_share`: the share of that meeting time the leader organised.
    `protected_overrun_minutes`: protected time that meetings took anyway.
    `distinct_people`: the different people met in the week's meetings (counted through their
    keyed hashes; None when the source gave no hashes, so a calendar read without them is
    missing data, not a circle of nobody).
    `counterforce_sessions`: the week's meetings with the counterforce the rules name.
    """
    week_start, week_end = days[0].start, days[-1].end
    first = bisect_left(timeline.meeting_starts, week_start)
    last = bisect_left(timeline.meeting_starts, week_end)
    meetings = timeline.meetings[first:last]
    lengths = [e.end.timestamp() - e.start.timestamp() for e in meetings]  # as instants (DST)
    organised = sum(
        length for length, e in zip(lengths, meetings, strict=True) if e.organized_by_me
    )
    people = {person for e in meetings for person in e.people}
    counted = any(e.people for e in meetings) or not any(e.other_attendees for e in meetings)
    return {
        "distinct_people": len(people) if counted else None,
        "counterforce_sessions": sum(1 for e in meetings if e.counterforce),
        "median_meeting_minutes": round(median(lengths) / MINUTE, 1) if lengths else None,
        "organised_meeting_share": round(organised / sum(lengths), 4) if sum(lengths) else None,
        "protected_overrun_minutes": _minutes(sum(total(day.overrun) for day in days)),
    }


def _meeting_free_half_days(days: Sequence[Day], rules: Rules, zone: ZoneInfo) -> int:
    split = rules.measurement.half_day_split
    count = 0
    for day in days:
        if not day.is_working:
            continue
        noon = local_epoch(day.date, split.hour * 60 + split.minute, zone)
        for half in ((day.start, noon), (noon, day.end)):
            part = intersect(day.working, [half])
            if part and not intersect(part, day.meetings):
                count += 1
    return count


def _short_notice_share(
    timeline: Timeline, week_start: int, week_end: int, rules: Rules
) -> float | None:
    notice = rules.measurement.short_notice_hours * HOUR
    short = known = 0
    for event in timeline.meetings:
        if event.created is None:
            continue
        start, end = max(epoch(event.start), week_start), min(epoch(event.end), week_end)
        if end <= start:
            continue
        known += end - start
        if epoch(event.start) - epoch(event.created) < notice:
            short += end - start
    return round(short / known, 4) if known else None


def _short_rest_nights(timeline: Timeline, week_days: Sequence[date], rules: Rules) -> int:
    """Nights ending on a day of the week with less than rest_hours between two loaded days."""
    rest = rules.measurement.rest_hours * HOUR
    count = 0
    for current in week_days:
        before = timeline.days.get(current - timedelta(days=1))
        after = timeline.days[current]
        if before is None:
            continue
        previous_load, next_load = before.load, after.load
        if previous_load and next_load and next_load[0][0] - previous_load[-1][1] < rest:
            count += 1
    return count


def days_since_mini_retreat(
    timeline: Timeline, first: date, last: date, rules: Rules
) -> int | None:
    """Days from the last day holding a protected stretch of mini_retreat.minutes to `last`."""
    needed = rules.mini_retreat.minutes * MINUTE
    for day in reversed(timeline.between(first, last)):
        if any(end - start >= needed for start, end in merge(day.protected)):
            return (last - day.date).days
    return None
