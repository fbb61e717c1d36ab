"""Terse construction of classified `CalendarEvent`s and reviews for the core tests.

Times are written as local wall-clock strings ("09:30") on a `date`, in the zone given (the
leader's zone, Europe/Amsterdam unless a test says otherwise). "24:00" is the next midnight.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from assistant.app.review import review_week
from assistant.core.review import IsoWeek, WeeklyReview
from connectors import CalendarEvent, EventKind, EventStatus, MemorySource, Response
from rules import Rules, load_rules

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 1, 4, 7, 0, tzinfo=ZoneInfo("UTC"))


def at(day: date, clock: str, zone: ZoneInfo = AMSTERDAM) -> datetime:
    """A local wall-clock time on `day`; "24:00" is the following midnight."""
    if clock == "24:00":
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=zone)


def event(
    day: date,
    start: str,
    end: str,
    kind: EventKind = EventKind.MEETING,
    *,
    end_day: date | None = None,
    zone: ZoneInfo = AMSTERDAM,
    created: datetime | None = None,
    all_day: bool = False,
    status: EventStatus = EventStatus.CONFIRMED,
    response: Response = Response.ACCEPTED,
    organised: bool = False,
    overrides_protection: bool = False,
) -> CalendarEvent:
    begins = at(day, start, zone)
    ends = at(end_day or day, end, zone)
    return CalendarEvent(
        id=f"{kind}-{begins.isoformat()}-{ends.isoformat()}",
        start=begins,
        end=ends,
        all_day=all_day,
        status=status,
        my_response=response,
        busy=kind is not EventKind.OTHER,
        kind=kind,
        other_attendees=2 if kind is EventKind.MEETING else 0,
        organized_by_me=organised,
        created=created,
        recurring=False,
        source="test",
        may_override_protection=overrides_protection,
    )


def meeting(day: date, start: str, end: str, **options: Any) -> CalendarEvent:
    return event(day, start, end, EventKind.MEETING, **options)


def hold(day: date, start: str, end: str, **options: Any) -> CalendarEvent:
    """A solo hold: busy, nobody else invited."""
    return event(day, start, end, EventKind.SOLO, **options)


def protected(day: date, start: str, end: str, **options: Any) -> CalendarEvent:
    """A protected block (focus time, reflection, a retreat)."""
    return event(day, start, end, EventKind.PROTECTED, **options)


def away(day: date, start: str, end: str, **options: Any) -> CalendarEvent:
    """Timed out-of-office time (an afternoon off)."""
    return event(day, start, end, EventKind.OUT_OF_OFFICE, **options)


def away_day(day: date, zone: ZoneInfo = AMSTERDAM) -> CalendarEvent:
    """An all-day out-of-office event: local midnight to the next local midnight."""
    return event(day, "00:00", "24:00", EventKind.OUT_OF_OFFICE, all_day=True, zone=zone)


def protected_day(day: date, zone: ZoneInfo = AMSTERDAM) -> CalendarEvent:
    """An all-day protected event (a retreat day)."""
    return event(day, "00:00", "24:00", EventKind.PROTECTED, all_day=True, zone=zone)


@cache
def default_rules() -> Rules:
    return load_rules()


def rules(**overrides: Any) -> Rules:
    """The bundled defaults with `overrides` merged in section by section."""
    return load_rules(overrides=overrides) if overrides else default_rules()


def review(
    events: Iterable[CalendarEvent],
    week: str,
    *,
    rules: Rules | None = None,
    now: datetime | None = None,
) -> WeeklyReview:
    """Review `week` the way the service does: through a memory source, with the public
    holidays of the rules' country. By default the clock stands at the first moment of the
    week after (local midnight), when the weekly review goes out: the whole proposals week lies
    ahead."""
    effective = rules or default_rules()
    reviewed = IsoWeek.parse(week)
    if now is None:
        zone = ZoneInfo(effective.leader.timezone)
        now = datetime.combine(reviewed.shifted(1).monday, time(), tzinfo=zone)
    return review_week(MemorySource(events), effective, reviewed, now)
