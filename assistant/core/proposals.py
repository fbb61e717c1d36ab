"""Protected blocks proposed for the coming week (DESIGN section 7; pure core).

Only what is missing is proposed; blocks already in the calendar count. Every slot lies inside
working time, on a working day (never out of office, never a holiday), over no busy time and
over no other proposal. The choice is deterministic and each proposal says why, with numbers.

Order of placement: recovery breaks and lunch first (they can only go in one place), then the
mini-retreat (the longest block), then reflection (the most flexible).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from assistant.core.indicators import (
    MINUTE,
    days_since_mini_retreat,
    has_midday_break,
    midday_window,
)
from assistant.core.intervals import Interval, intersect, subtract, total
from assistant.core.reasons import ClockWindow, Quantity, Reason, TimeRange, Weekday, reason
from assistant.core.review import Buffer, DayRow, IsoWeek, Proposal, Warning
from assistant.core.timeline import Day, Timeline, local_epoch, to_local
from rules import Rules

BUFFER_OF_KIND = {
    "reflection": Buffer.MINI_RETRAITES,
    "mini_retreat": Buffer.MINI_RETRAITES,
    "recovery": Buffer.ENERGIE,
    "lunch": Buffer.ENERGIE,
}


@dataclass(frozen=True, slots=True)
class _Placed:
    kind: str
    slot: Interval
    reason: Reason


class _Planner:
    """Holds the coming week's days and the slots taken so far."""

    def __init__(
        self, timeline: Timeline, days: Sequence[date], rules: Rules, not_before: int
    ) -> None:
        self.timeline = timeline
        self.not_before = not_before
        self.zone = timeline.zone
        self.rules = rules
        self.days = [timeline.days[d] for d in days]
        self.grid = rules.proposals.grid_minutes * MINUTE
        self.placed: list[_Placed] = []
        self.notes: list[Warning] = []

    def free(self, day: Day) -> list[Interval]:
        taken = [p.slot for p in self.placed]
        past = [(day.start, self.not_before)] if self.not_before > day.start else []
        return subtract(day.working, [*day.busy, *taken, *past])

    def aligned_starts(
        self, day: Day, length: int, within: Interval | None = None
    ) -> Iterator[int]:
        """Grid-aligned starts (local wall clock) of free slots of `length` seconds."""
        free = self.free(day)
        if within is not None:
            free = intersect(free, [within])
        for start, end in free:
            aligned = self.align(day, start)
            while aligned + length <= end:
                yield aligned
                aligned += self.grid

    def align(self, day: Day, seconds: int) -> int:
        """The first grid start (counted from the day's local midnight) at or after `seconds`."""
        return day.start + math.ceil((seconds - day.start) / self.grid) * self.grid

    def place(self, kind: str, slot: Interval, why: Reason) -> None:
        self.placed.append(_Placed(kind, slot, why))

    def day_of(self, seconds: int) -> Day:
        return next(d for d in self.days if d.start <= seconds < d.end)

    def window(self, slot: Interval) -> TimeRange:
        return TimeRange(to_local(slot[0], self.zone), to_local(slot[1], self.zone))


def propose(
    timeline: Timeline,
    *,
    rules: Rules,
    week: IsoWeek,
    reviewed_rows: Sequence[DayRow],
    history_first: date,
    leader_key: str,
    now: datetime,
) -> tuple[tuple[Proposal, ...], tuple[Warning, ...]]:
    """Proposals for `week` (the week after the reviewed one), and notes on what did not fit.

    When `now` falls inside that week, nothing is proposed before it; a week wholly in the past
    (an old week reviewed again) gets the proposals it would have had.
    """
    days = week.days()
    start_of_week = timeline.days[days[0]].start
    end_of_week = timeline.days[days[-1]].end
    moment = int(now.timestamp())
    not_before = moment if start_of_week <= moment < end_of_week else 0
    planner = _Planner(timeline, days, rules, not_before)
    kinds = set(rules.proposals.kinds)
    if "recovery" in kinds:
        _recovery(planner)
    if "lunch" in kinds and rules.lunch.enabled:
        _lunch(planner, reviewed_rows)
    if "mini_retreat" in kinds:
        _mini_retreat(planner, history_first, week)
    if "reflection" in kinds:
        _reflection(planner)

    ordered = sorted(planner.placed, key=lambda p: (p.slot, p.kind))
    counters: dict[str, int] = {}
    proposals = []
    for placed in ordered:
        index = counters.get(placed.kind, 0)
        counters[placed.kind] = index + 1
        proposals.append(
            Proposal(
                key=f"{leader_key}:{week}:{placed.kind}:{index}",
                kind=placed.kind,
                buffer=BUFFER_OF_KIND[placed.kind],
                start=to_local(placed.slot[0], timeline.zone),
                end=to_local(placed.slot[1], timeline.zone),
                reason=placed.reason,
            )
        )
    return tuple(proposals), tuple(planner.notes)


def _recovery(planner: _Planner) -> None:
    rules = planner.rules
    length = rules.recovery.break_minutes * MINUTE
    reach = rules.recovery.search_minutes * MINUTE
    first, last = planner.days[0], planner.days[-1]
    chains = [
        c
        for c in planner.timeline.chains
        if first.start < c.end <= last.end and c.minutes >= rules.recovery.chain_minutes
    ]
    # The longest chains first, so a capped week gets the breaks that matter most.
    chains.sort(key=lambda c: (-c.minutes, c.start))
    placed = 0
    for chain in chains:
        if placed >= rules.recovery.max_per_week:
            break
        day = planner.day_of(chain.end - 1)
        # The first grid start right after the chain; else the first free one within reach.
        for start, end in planner.free(day):
            begin = planner.align(day, max(start, chain.end))
            if begin - chain.end > reach:
                break
            if begin + length <= end:
                slot = (begin, begin + length)
                why = reason(
                    "proposal.recovery",
                    day=day.date,
                    chain=planner.window((chain.start, chain.end)),
                    length=Quantity(chain.minutes, "minutes"),
                    gap=Quantity(rules.measurement.back_to_back_gap_minutes, "minutes"),
                    minutes=Quantity(rules.recovery.break_minutes, "minutes"),
                )
                planner.place("recovery", slot, why)
                placed += 1
                break


def _lunch(planner: _Planner, reviewed_rows: Sequence[DayRow]) -> None:
    rules = planner.rules
    length = rules.lunch.minutes * MINUTE
    missed = {r.date.weekday() for r in reviewed_rows if r.working and r.midday_break is False}
    for day in planner.days:
        if not day.is_working or day.date.weekday() not in missed:
            continue
        window = midday_window(day, rules, planner.zone)
        if intersect(day.protected, [window]):
            continue  # a protected block already holds the midday window
        if not has_midday_break(day, rules, planner.zone):
            continue  # nothing free to protect
        # The slot nearest the middle of the window: lunch at lunchtime.
        ideal = (window[0] + window[1] - length) // 2
        starts = list(planner.aligned_starts(day, length, within=window))
        if not starts:
            continue
        best = min(starts, key=lambda s: (abs(s - ideal), s))
        slot = (best, best + length)
        why = reason(
            "proposal.lunch",
            weekday=Weekday(day.date),
            window=planner.window(slot),
            lunch=Quantity(rules.lunch.minutes, "minutes"),
            lunch_window=ClockWindow(
                rules.lunch.window.start_minute, rules.lunch.window.end_minute
            ),
        )
        planner.place("lunch", slot, why)


def _mini_retreat(planner: _Planner, history_first: date, week: IsoWeek) -> None:
    rules = planner.rules
    cadence = rules.mini_retreat.cadence_days
    since = days_since_mini_retreat(planner.timeline, history_first, week.days()[-1], rules)
    if since is not None and since <= cadence:
        return
    length = rules.mini_retreat.minutes * MINUTE
    split = rules.measurement.half_day_split
    split_minute = split.hour * 60 + split.minute
    candidates: list[tuple[int, date, int]] = []
    for day in planner.days:
        starts = list(planner.aligned_starts(day, length))
        if not starts:
            continue
        noon = local_epoch(day.date, split_minute, planner.zone)
        # A half-day: from the split if it is free, else the earliest free stretch.
        start = noon if noon in starts else starts[0]
        candidates.append((-total(planner.free(day)), day.date, start))
    if not candidates:
        planner.notes.append(
            Warning(
                "no_room_for_mini_retreat",
                reason(
                    "note.no_room_for_mini_retreat" + (".none" if since is None else ""),
                    minutes=Quantity(rules.mini_retreat.minutes, "minutes"),
                    since=since,
                ),
            )
        )
        return
    _, chosen_date, start = min(candidates)
    day = next(d for d in planner.days if d.date == chosen_date)
    if since is None:
        why = reason("proposal.mini_retreat.none", cadence=cadence, day=day.date)
    else:
        why = reason("proposal.mini_retreat.since", days=since, cadence=cadence, day=day.date)
    planner.place("mini_retreat", (start, start + length), why)


def _reflection(planner: _Planner) -> None:
    rules = planner.rules
    settings = rules.reflection
    length = settings.minutes * MINUTE
    # In whole minutes, as the review counts reflection time: a target met to the minute is met.
    existing_minutes = round(total([iv for d in planner.days for iv in d.protected]) / MINUTE)
    missing = rules.reflection_target_minutes - existing_minutes
    if missing <= 0:
        return
    wanted = min(math.ceil(missing / settings.minutes), settings.blocks_per_week)
    existing = Quantity(existing_minutes, "minutes")
    target = Quantity(rules.reflection_target_minutes, "minutes")
    chosen_days: list[date] = []
    for _ in range(wanted):
        best: tuple[tuple[int, int, int, date], Day, int, bool] | None = None
        for day in planner.days:
            if settings.different_days and day.date in chosen_days:
                continue
            # The first preferred window with room, in the order the rules list them.
            start = None
            for window in settings.preferred_windows:
                preferred = (
                    local_epoch(day.date, window.start_minute, planner.zone),
                    local_epoch(day.date, window.end_minute, planner.zone),
                )
                start = next(planner.aligned_starts(day, length, within=preferred), None)
                if start is not None:
                    break
            in_window = start is not None
            if start is None:
                start = next(planner.aligned_starts(day, length), None)
            if start is None:
                continue
            has_block = bool(day.protected) or any(
                day.start <= p.slot[0] < day.end for p in planner.placed
            )
            spread = min((abs((day.date - c).days) for c in chosen_days), default=7)
            rank = (int(not in_window), int(has_block), -spread, day.date)
            if best is None or rank < best[0]:
                best = (rank, day, start, in_window)
        if best is None:
            return
        _, day, start, in_window = best
        slot = (start, start + length)
        why = reason(
            "proposal.reflection" if existing_minutes else "proposal.reflection.none",
            existing=existing,
            target=target,
            day=day.date,
            window=planner.window(slot),
            preferred=reason("proposal.reflection.preferred") if in_window else "",
        )
        planner.place("reflection", slot, why)
        chosen_days.append(day.date)
