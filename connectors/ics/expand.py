"""Recurrence expansion bounded by the window and an occurrence cap, so nothing hangs.

Imports nothing of agenda-regie; only recurring-ical-events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recurring_ical_events.util import convert_to_datetime


class TooManyOccurrences(Exception):
    pass


def expand(series: Any, start: datetime, end: datetime, cap: int) -> list[Any]:
    """The series' occurrences overlapping [start, end), or TooManyOccurrences past `cap`.

    recurring-ical-events lists every instance from DTSTART up to the end of a query before
    filtering, so an unbounded FREQ=SECONDLY rule would run for hours. The rules are first walked
    lazily, counting, up to the query's end; the real query only runs when that stayed under
    the cap, and then reuses dateutil's cache.
    """
    recurrence = series.recurrence
    rules = getattr(recurrence, "rrules", ())
    if rules:
        limit = convert_to_datetime(end, recurrence.tzinfo)
        counted = 0
        for rule in rules:
            for instance in rule:
                if instance > limit:
                    break
                counted += 1
                if counted > cap:
                    raise TooManyOccurrences
    occurrences: list[Any] = []
    for occurrence in series.between(start, end):
        occurrences.append(occurrence)
        if len(occurrences) > cap:
            raise TooManyOccurrences
    return occurrences
