"""Recurrence expansion bounded by the window, an occurrence cap per series and the calendar's
budget (`budget.Spending`: steps and time for the whole file), so nothing hangs.

Imports nothing of agenda-regie outside connectors; only recurring-ical-events and dateutil.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dateutil.rrule import MINUTELY, SECONDLY, rrule  # type: ignore[import-untyped]
from recurring_ical_events.util import convert_to_datetime

from connectors.ics.budget import Spending

_UNIT = {SECONDLY: timedelta(seconds=1), MINUTELY: timedelta(minutes=1)}


class TooManyOccurrences(Exception):
    pass


class TooFine(Exception):
    """A rule repeating every second or minute with conditions (BY... parts): its occurrences
    cannot be found without stepping through every second or minute, so it is not read."""


def expand(series: Any, start: datetime, end: datetime, cap: int, spending: Spending) -> list[Any]:
    """The series' occurrences overlapping [start, end), or TooManyOccurrences past `cap`.

    recurring-ical-events lists every instance from DTSTART up to the end of a query before
    filtering, so an unbounded FREQ=SECONDLY rule would run for hours. A rule repeating every
    second or minute is counted by arithmetic, never stepped through; every other rule is first
    walked lazily, counting each step against the calendar's budget, up to the query's end; the
    real query only runs when that stayed under the cap, and then reuses dateutil's cache.

    The caller runs it under the calendar's time budget (`Spending.within_time`, once for all
    the series of a read: a thread per series cost more than the expansion of most).
    """
    recurrence = series.recurrence
    rules = getattr(recurrence, "rrules", ())
    limit = convert_to_datetime(end, recurrence.tzinfo) if rules else end
    for rule in rules:
        if isinstance(rule, rrule):
            _check_fine(rule, limit, cap)

    for rule in rules:
        for counted, instance in enumerate(rule, start=1):
            if instance > limit:
                break
            spending.step()
            if counted > cap:
                raise TooManyOccurrences
    occurrences: list[Any] = []
    for occurrence in series.between(start, end):
        spending.step()
        occurrences.append(occurrence)
        if len(occurrences) > cap:
            raise TooManyOccurrences
    return occurrences


def _check_fine(rule: Any, limit: datetime, cap: int) -> None:
    """For a SECONDLY or MINUTELY rule: TooManyOccurrences when it repeats more than `cap` times
    up to `limit` (counted, not stepped), TooFine when it has conditions; nothing otherwise."""
    unit = _UNIT.get(rule._freq)
    if unit is None:
        return
    if rule._original_rule:
        raise TooFine
    first: datetime = rule._dtstart
    end = limit
    if (first.tzinfo is None) != (end.tzinfo is None):
        first, end = first.replace(tzinfo=None), end.replace(tzinfo=None)
    until = rule._until
    if until is not None:
        until = until.replace(tzinfo=None) if end.tzinfo is None else until
        end = min(end, until) if (until.tzinfo is None) == (end.tzinfo is None) else end
    if end < first:
        return
    steps = (end - first) // (unit * rule._interval) + 1
    count = rule._count
    if count is not None:
        steps = min(steps, count)
    if steps > cap:
        raise TooManyOccurrences
