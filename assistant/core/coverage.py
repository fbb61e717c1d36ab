"""Whether a week can be measured at all (pure core): a week without any event, or outside what
the calendar covers, has no data, and its statuses say so instead of "ok"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from assistant.core.reasons import Reason, reason
from assistant.core.review import IsoWeek
from assistant.core.timeline import Timeline
from connectors import CalendarEvent


def coverage_gap(
    events: Sequence[CalendarEvent], week: IsoWeek, timeline: Timeline, now: datetime
) -> Reason | None:
    """Why `week` has no data, or None when it can be measured.

    A week that has not begun has nothing to measure. A week without any event (of any kind) is
    more likely missing data than a quiet week: before the calendar's first event, after its
    last (an export's date range ends early), or an empty week inside it.
    """
    start = timeline.days[week.monday].start
    end = timeline.days[week.days()[-1]].end
    if now.timestamp() < start:
        return reason("no_data.future", week=week.week)
    spans = [(e.start.timestamp(), e.end.timestamp()) for e in events]
    if any(first < end and last > start for first, last in spans):
        return None
    if not spans:
        return reason("no_data.no_events")
    if not any(first < start for first, _ in spans):
        return reason("no_data.before_first")
    if not any(last > end for _, last in spans):
        return reason("no_data.after_last")
    return reason("no_data.empty_week")
