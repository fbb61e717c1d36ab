"""Events laid out on the leader's local days: working time, meetings, holds, protected time.

Pure core: takes classified `CalendarEvent`s, the rules and the holiday dates, and returns
per-day interval sets in epoch seconds. DST days are 23 or 25 hours long; every boundary is a
local wall-clock time converted through the leader's zone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant.core.intervals import Interval, intersect, merge, subtract, window
from connectors import CalendarEvent, EventKind
from rules import Rules

# A meeting longer than this that runs past midnight spans days (see `_day_parts`).
MULTI_DAY_HOURS = 12


def local_epoch(day: date, minute_of_day: int, zone: ZoneInfo) -> int:
    """Epoch seconds of a local wall-clock time; minute 1440 is the next day's midnight."""
    extra_days, minute = divmod(minute_of_day, 24 * 60)
    moment = datetime.combine(day + timedelta(days=extra_days), time(minute // 60, minute % 60))
    return int(moment.replace(tzinfo=zone).timestamp())


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def to_local(seconds: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(seconds, zone)


@dataclass(frozen=True, slots=True)
class Day:
    """One local day and what the calendar holds on it."""

    date: date
    start: int  # local midnight, epoch seconds
    end: int  # next local midnight
    working: tuple[Interval, ...]  # working time left after out-of-office time
    non_working_reason: str | None  # "weekend", "holiday", "out_of_office" or None
    meetings: tuple[Interval, ...]  # merged
    holds: tuple[Interval, ...]  # merged solo holds
    protected: tuple[Interval, ...]  # merged protected time
    # Protected time that a meeting took anyway (meetings of exception organisers aside).
    overrun: tuple[Interval, ...] = ()

    @property
    def is_working(self) -> bool:
        return bool(self.working)

    @property
    def load(self) -> list[Interval]:
        """Meetings and solo holds: what fills the day."""
        return merge([*self.meetings, *self.holds])

    @property
    def busy(self) -> list[Interval]:
        """Everything a proposal may not overlap."""
        return merge([*self.meetings, *self.holds, *self.protected])


@dataclass(frozen=True, slots=True)
class Chain:
    """Meetings that follow each other with less than the gap in between (epoch seconds)."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return round((self.end - self.start) / 60)


def back_to_back_chains(spans: Sequence[Interval], gap_minutes: int) -> list[Chain]:
    """Chains over meeting spans; a single meeting is a chain of one.

    The next meeting joins when it starts less than `gap_minutes` after the chain's end
    (overlapping meetings always join).
    """
    chains: list[Chain] = []
    gap = gap_minutes * 60
    for start, end in sorted(spans):
        if chains and start - chains[-1].end < gap:
            last = chains[-1]
            chains[-1] = Chain(last.start, max(last.end, end))
        else:
            chains.append(Chain(start, end))
    return chains


@dataclass(frozen=True, slots=True)
class Timeline:
    zone: ZoneInfo
    days: dict[date, Day]
    meetings: tuple[CalendarEvent, ...]  # meeting events, sorted by start
    meeting_starts: tuple[int, ...]  # epoch start of each meeting, in the same order
    chains: tuple[Chain, ...]  # back-to-back chains, by start

    def meetings_starting(self, start: int, end: int) -> int:
        return bisect_left(self.meeting_starts, end) - bisect_left(self.meeting_starts, start)

    def chains_starting(self, start: int, end: int) -> list[Chain]:
        return [c for c in self.chains if start <= c.start < end]

    def between(self, first: date, last: date) -> list[Day]:
        return [self.days[first + timedelta(days=i)] for i in range((last - first).days + 1)]


def build_timeline(
    events: Sequence[CalendarEvent],
    *,
    rules: Rules,
    first: date,
    last: date,
    holidays: Iterable[date] = (),
) -> Timeline:
    """Lay out `events` on the local days `first`..`last` (inclusive)."""
    zone = ZoneInfo(rules.leader.timezone)
    holiday_set = frozenset(holidays)
    by_kind: dict[EventKind, list[CalendarEvent]] = {kind: [] for kind in EventKind}
    for event in events:
        by_kind[event.kind].append(event)
    ordered_meetings = sorted(by_kind[EventKind.MEETING], key=lambda e: (e.start, e.end, e.id))
    meeting_spans = [part for e in ordered_meetings for part in _day_parts(_span(e), rules, zone)]
    meetings = merge(meeting_spans)
    regular_meetings = merge(
        part
        for e in ordered_meetings
        if not e.may_override_protection
        for part in _day_parts(_span(e), rules, zone)
    )
    regular_ends = [iv[1] for iv in regular_meetings]
    holds = merge(_span(e) for e in by_kind[EventKind.SOLO])
    timed_protected = merge(_span(e) for e in by_kind[EventKind.PROTECTED] if not e.all_day)
    all_day_protected = merge(_span(e) for e in by_kind[EventKind.PROTECTED] if e.all_day)
    away = merge(_span(e) for e in by_kind[EventKind.OUT_OF_OFFICE])

    meeting_ends = [iv[1] for iv in meetings]
    hold_ends = [iv[1] for iv in holds]
    protected_ends = [iv[1] for iv in timed_protected]
    days: dict[date, Day] = {}
    current = first
    while current <= last:
        start = local_epoch(current, 0, zone)
        end = local_epoch(current, 24 * 60, zone)
        scheduled = [
            (local_epoch(current, r.start_minute, zone), local_epoch(current, r.end_minute, zone))
            for r in rules.working_hours.for_weekday(current.weekday())
        ]
        reason: str | None = None
        working: list[Interval] = []
        if not scheduled:
            reason = "weekend"
        elif current in holiday_set:
            reason = "holiday"
        else:
            working = subtract(scheduled, away)
            if not working:
                reason = "out_of_office"
        # An all-day protected event (a retreat day) protects the working day, not 24 hours.
        protected = merge(
            [
                *window(timed_protected, protected_ends, start, end),
                *intersect(all_day_protected, working),
            ]
        )
        overrun = intersect(protected, window(regular_meetings, regular_ends, start, end))
        days[current] = Day(
            date=current,
            start=start,
            end=end,
            working=tuple(working),
            non_working_reason=reason,
            meetings=tuple(window(meetings, meeting_ends, start, end)),
            holds=tuple(window(holds, hold_ends, start, end)),
            protected=tuple(protected),
            overrun=tuple(overrun),
        )
        current += timedelta(days=1)
    chains = back_to_back_chains(meeting_spans, rules.measurement.back_to_back_gap_minutes)
    return Timeline(
        zone=zone,
        days=days,
        meetings=tuple(ordered_meetings),
        meeting_starts=tuple(_span(e)[0] for e in ordered_meetings),
        chains=tuple(chains),
    )


def _span(event: CalendarEvent) -> Interval:
    return (epoch(event.start), epoch(event.end))


def _day_parts(span: Interval, rules: Rules, zone: ZoneInfo) -> list[Interval]:
    """A meeting as it counts: as it is, unless it spans days (runs past midnight and lasts
    longer than `MULTI_DAY_HOURS`: a conference, a weekend away); then only its parts inside
    each day's working time. A 72-hour event is three working days of meetings, not one 72-hour
    run; a late meeting that ends after midnight stays what it is."""
    start, end = span
    first = datetime.fromtimestamp(start, zone).date()
    last = datetime.fromtimestamp(end - 1, zone).date() if end > start else first
    if first == last or end - start <= MULTI_DAY_HOURS * 3600:
        return [span]
    working = [
        (local_epoch(day, r.start_minute, zone), local_epoch(day, r.end_minute, zone))
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
        for r in rules.working_hours.for_weekday(day.weekday())
    ]
    return intersect([span], working)
