"""Events laid out on the leader's local days: working time, meetings, holds, protected time.

Pure core: takes classified `CalendarEvent`s, the rules and the holiday dates, and returns
per-day interval sets in epoch seconds. DST days are 23 or 25 hours long; every boundary is a
local wall-clock time converted through the leader's zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant.intervals import Interval, clip, intersect, merge, subtract
from connectors import CalendarEvent, EventKind
from rules import Rules


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
class Timeline:
    zone: ZoneInfo
    days: dict[date, Day]
    meetings: tuple[CalendarEvent, ...]  # meeting events, sorted by start

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
    meetings = merge(_span(e) for e in by_kind[EventKind.MEETING])
    holds = merge(_span(e) for e in by_kind[EventKind.SOLO])
    timed_protected = merge(_span(e) for e in by_kind[EventKind.PROTECTED] if not e.all_day)
    all_day_protected = merge(_span(e) for e in by_kind[EventKind.PROTECTED] if e.all_day)
    away = merge(_span(e) for e in by_kind[EventKind.OUT_OF_OFFICE])

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
            [*clip(timed_protected, start, end), *intersect(all_day_protected, working)]
        )
        days[current] = Day(
            date=current,
            start=start,
            end=end,
            working=tuple(working),
            non_working_reason=reason,
            meetings=tuple(clip(meetings, start, end)),
            holds=tuple(clip(holds, start, end)),
            protected=tuple(protected),
        )
        current += timedelta(days=1)
    ordered_meetings = tuple(sorted(by_kind[EventKind.MEETING], key=lambda e: (e.start, e.end)))
    return Timeline(zone=zone, days=days, meetings=ordered_meetings)


def _span(event: CalendarEvent) -> Interval:
    return (epoch(event.start), epoch(event.end))
