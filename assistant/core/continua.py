"""The two continua: the room the leader felt beside their calendar load (pure core).

The whitepaper's two-continua model: functioning and well-being are two separate lines, and a
leader can keep performing while the room to stay sharp shrinks. The review asks the leader each
week how much room they had (1 to 5); this module sets those answers beside the calendar load of
the same weeks and says, in one sentence, what the two lines show together.

Calendar load is `meeting_share`, the share of working time spent in meetings: it is the
indicator the whitepaper's "je agenda zit vol" reads most directly, it is measured the same way
in a short week as in a long one (time off does not look like a lighter load), and it is the
number the review already shows first. The quadrants split the load at the leader's own median
over the weeks shown (their usual, not an absolute norm) and the room at 3: 1 and 2 are little
room, 3 to 5 some or plenty.

Imports only the review values and the reasons; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import mean, median

from assistant.core.reasons import Quantity, Reason, reason
from assistant.core.review import IsoWeek, Sparkline

LOAD_INDICATOR = "meeting_share"
# Weeks with both a rating and a load before the chart says anything about them together.
MIN_RATED_WEEKS = 3
# Room at or below this is "little room".
LITTLE_ROOM = 2
# A fall of the felt room worth a sentence: at least this many points on the 1-5 scale, between
# the mean of the latest rated weeks and the mean of the rated weeks before them ...
FALL_POINTS = 1.0
RECENT_RATED = 3
# ... while the load stayed within this fraction of what it was ("steady load").
STEADY_LOAD = 0.10


@dataclass(frozen=True, slots=True)
class ContinuaPoint:
    week: IsoWeek
    load: float | None  # meeting share, 0 to 1
    room: int | None  # the felt room, 1 to 5


@dataclass(frozen=True, slots=True)
class Continua:
    """The weeks shown (oldest first), the load that splits them (the leader's median), and the
    sentence that reads them together."""

    points: tuple[ContinuaPoint, ...]
    usual_load: float | None
    message: Reason

    @property
    def plotted(self) -> tuple[ContinuaPoint, ...]:
        """The weeks with both a load and a rating: the dots of the chart."""
        return tuple(p for p in self.points if p.load is not None and p.room is not None)


def continua(load: Sparkline, ratings: Mapping[IsoWeek, int]) -> Continua:
    """The felt room (`ratings`, 1-5 by week) beside the load line (`meeting_share` sparkline)."""
    points = tuple(
        ContinuaPoint(
            week,
            None if value is None else float(value),
            ratings.get(week),
        )
        for week, value in zip(load.weeks, load.values, strict=True)
    )
    loads = [p.load for p in points if p.load is not None]
    usual = round(median(loads), 4) if loads else None
    plotted = [p for p in points if p.load is not None and p.room is not None]
    if len(plotted) < MIN_RATED_WEEKS or usual is None:
        message = reason(
            "continua.too_few", rated=len(plotted), needed=Quantity(MIN_RATED_WEEKS, "weeks")
        )
        return Continua(points, usual, message)
    return Continua(points, usual, _sentence(plotted, usual))


def _sentence(plotted: Sequence[ContinuaPoint], usual: float) -> Reason:
    recent, before = plotted[-RECENT_RATED:], plotted[:-RECENT_RATED]
    if len(before) >= 2:
        room_before = mean(p.room or 0 for p in before)
        room_now = mean(p.room or 0 for p in recent)
        load_before = mean(p.load or 0.0 for p in before)
        load_now = mean(p.load or 0.0 for p in recent)
        steady = abs(load_now - load_before) <= STEADY_LOAD * max(load_before, 0.01)
        if room_before - room_now >= FALL_POINTS and steady:
            return reason(
                "continua.falling_room",
                before=Quantity(round(room_before, 1), "count"),
                after=Quantity(round(room_now, 1), "count"),
                load=Quantity(round(load_now, 4), "share"),
            )
    latest = plotted[-1]
    fuller = (latest.load or 0.0) > usual
    little = (latest.room or 0) <= LITTLE_ROOM
    key = {
        (True, True): "continua.full_little",
        (True, False): "continua.full_room",
        (False, True): "continua.light_little",
        (False, False): "continua.light_room",
    }[(fuller, little)]
    return reason(
        key,
        week=latest.week.week,
        load=Quantity(latest.load or 0.0, "share"),
        usual=Quantity(usual, "share"),
        score=latest.room or 0,
    )
