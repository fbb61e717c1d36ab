"""Whether an accepted protected block held: did a meeting take (part of) the time anyway?

A block held when its time has passed and no meeting overlapped it; it was taken when a meeting
that the leader did not decline and that was not cancelled overlapped it; it lies ahead while it
has not ended. Blocks agenda-regie wrote itself (`ours`) and all-day entries never take a block.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from connectors.model import CalendarEvent, EventKind, EventStatus, Response

Held = Literal["held", "taken", "ahead"]


def takes_protected_time(event: CalendarEvent) -> bool:
    return (
        event.busy
        and not event.ours
        and not event.all_day
        and event.kind == EventKind.MEETING
        and event.status != EventStatus.CANCELLED
        and event.my_response != Response.DECLINED
    )


def held(start: datetime, end: datetime, events: Iterable[CalendarEvent], now: datetime) -> Held:
    """What became of the block [start, end) by `now`, judged from the calendar's events."""
    taken = any(
        takes_protected_time(event) and event.start < end and event.end > start for event in events
    )
    if taken:
        return "taken"
    return "ahead" if end > now else "held"
