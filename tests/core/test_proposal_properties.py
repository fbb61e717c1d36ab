"""Properties of proposals on random calendars (DESIGN section 7, STYLE 13).

Whatever the calendar, zone, working hours or holidays: every proposal lies inside working time
on a working day of the coming week, on the grid counted from local midnight, over no busy time,
no out-of-office time and no other proposal; and the same input, in any order, gives the same
proposals. Zones include Lord Howe (a 30-minute clock change) and weeks that hold a clock change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.core.analysis import build_review
from assistant.core.intervals import merge
from assistant.core.review import IsoWeek, WeeklyReview
from connectors import CalendarEvent, EventKind, EventStatus, Response
from rules import WEEKDAYS, Rules, default_rules_text
from rules.load import merge as merge_settings

ZONES = ("Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe")
# Weeks to propose for; most hold a clock change somewhere or follow one.
NEXT_WEEKS = (
    IsoWeek(2026, 10),  # New York springs forward on Sunday 8 March
    IsoWeek(2026, 11),
    IsoWeek(2026, 13),  # Amsterdam springs forward on Sunday 29 March
    IsoWeek(2026, 14),  # Lord Howe falls back half an hour on Sunday 5 April
    IsoWeek(2026, 15),  # Easter Monday in the Netherlands
    IsoWeek(2026, 40),  # Lord Howe springs forward half an hour on Sunday 4 October
    IsoWeek(2026, 43),  # Amsterdam falls back on Sunday 25 October
    IsoWeek(2026, 44),  # New York falls back on Sunday 1 November
    IsoWeek(2026, 48),  # Thanksgiving
    IsoWeek(2026, 53),  # the last week of 2026 ends in 2027
)
KINDS = (EventKind.MEETING, EventKind.SOLO, EventKind.PROTECTED, EventKind.OUT_OF_OFFICE)
BUSY = (EventKind.MEETING, EventKind.SOLO, EventKind.PROTECTED)
# Parsed once: validating a merged mapping is what load_rules does after reading the YAML.
DEFAULT_SETTINGS = yaml.safe_load(default_rules_text())


@dataclass(frozen=True)
class Case:
    zone: str
    next_week: IsoWeek
    working_hours: dict[str, list[str]]
    events: tuple[CalendarEvent, ...]
    holidays: frozenset[date]
    rules: Rules


def clock(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


@st.composite
def working_day(draw: st.DrawFn) -> list[str]:
    """0-3 non-touching ranges on a 15-minute grid, 00:00 to 24:00 included."""
    points = sorted(draw(st.lists(st.integers(0, 96), unique=True, max_size=6)))
    return [f"{clock(a)}-{clock(b)}" for a, b in zip(points[::2], points[1::2], strict=False)]


def timed(day: date, minute: int, length: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Starts at a wall-clock minute of `day`, lasts `length` real minutes."""
    start = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return start, (start.astimezone(UTC) + timedelta(minutes=length)).astimezone(zone)


OFFICE_HOURS = {day: ["08:30-17:30"] for day in WEEKDAYS[:5]} | {"saturday": [], "sunday": []}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    next_week = draw(st.sampled_from(NEXT_WEEKS))
    hours = draw(
        st.one_of(
            st.just(OFFICE_HOURS),
            st.fixed_dictionaries({day: working_day() for day in WEEKDAYS}),
        )
    )
    # Days from two weeks before the reviewed week to the end of the proposals week.
    first = next_week.monday - timedelta(weeks=3)
    spans: list[tuple[EventKind, datetime, datetime, bool]] = []
    for _ in range(draw(st.integers(0, 20))):
        kind = draw(st.sampled_from(KINDS))
        day = first + timedelta(days=draw(st.integers(0, 27)))
        all_day = kind in (EventKind.OUT_OF_OFFICE, EventKind.PROTECTED) and draw(st.booleans())
        if all_day:
            start = datetime.combine(day, time(), tzinfo=zone)
            end = datetime.combine(day + timedelta(days=draw(st.integers(1, 2))), time(), zone)
            spans.append((kind, start, end, True))
        else:
            minute = draw(st.integers(0, 24 * 12 - 1)) * 5  # a 5-minute grid: off the 15
            spans.append((kind, *timed(day, minute, draw(st.integers(1, 72)) * 5, zone), False))
    # Back-to-back chains next week (recovery breaks) ...
    for _ in range(draw(st.integers(0, 3))):
        day = next_week.monday + timedelta(days=draw(st.integers(0, 6)))
        minute = draw(st.integers(6 * 12, 16 * 12)) * 5
        for _ in range(draw(st.integers(2, 4))):
            start, end = timed(day, minute, draw(st.integers(6, 18)) * 5, zone)
            spans.append((EventKind.MEETING, start, end, False))
            minute += round((end - start).total_seconds() / 60) + draw(st.integers(0, 3)) * 5
    # ... and reviewed days without a midday break (lunch).
    for _ in range(draw(st.integers(0, 3))):
        day = next_week.monday - timedelta(days=draw(st.integers(1, 7)))
        spans.append((EventKind.MEETING, *timed(day, 11 * 60, 210, zone), False))
    events = [
        CalendarEvent(
            id=f"e{number}",
            start=start,
            end=end,
            all_day=all_day,
            status=EventStatus.CONFIRMED,
            my_response=Response.ACCEPTED,
            busy=True,
            kind=kind,
            other_attendees=1 if kind is EventKind.MEETING else 0,
            organized_by_me=False,
            created=None,
            recurring=False,
            source="random",
        )
        for number, (kind, start, end, all_day) in enumerate(spans)
    ]
    reviewed_and_next = [next_week.monday + timedelta(days=i) for i in range(-7, 7)]
    holidays = frozenset(draw(st.lists(st.sampled_from(reviewed_and_next), max_size=4)))
    overrides: dict[str, Any] = {
        "leader": {"timezone": zone_name, "holiday_country": None},
        "working_hours": hours,
        "measurement": {"context_weeks": 2},
        "reflection": {
            "blocks_per_week": draw(st.integers(0, 4)),
            "minutes": draw(st.sampled_from([60, 90, 120])),
        },
        "proposals": {"grid_minutes": draw(st.sampled_from([15, 15, 30]))},
    }
    rules = Rules.model_validate(merge_settings(DEFAULT_SETTINGS, overrides))
    return Case(zone_name, next_week, hours, tuple(events), holidays, rules)


def run(case: Case, events: list[CalendarEvent] | tuple[CalendarEvent, ...]) -> WeeklyReview:
    return build_review(
        list(events),
        rules=case.rules,
        week=case.next_week.shifted(-1),
        # the clock at the start of the proposals week: every slot of it lies ahead
        now=datetime.combine(case.next_week.monday, time(), tzinfo=ZoneInfo(case.zone)),
        holidays=sorted(case.holidays),
    )


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def working_time(case: Case, day: date) -> list[tuple[int, int]]:
    """The day's working ranges as epoch seconds, straight from the wall-clock strings."""
    zone = ZoneInfo(case.zone)
    ranges = []
    for text in case.working_hours[WEEKDAYS[day.weekday()]]:
        start_text, end_text = text.split("-")
        start = datetime.combine(day, time.fromisoformat(start_text), tzinfo=zone)
        if end_text == "24:00":
            end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        else:
            end = datetime.combine(day, time.fromisoformat(end_text), tzinfo=zone)
        ranges.append((epoch(start), epoch(end)))
    return merge(ranges)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@settings(deadline=None, max_examples=150)
@given(cases())
def test_proposals_respect_working_time_busy_time_and_each_other(case: Case) -> None:
    rules = case.rules
    zone = ZoneInfo(case.zone)
    week = run(case, case.events)
    next_days = set(case.next_week.days())
    lengths = {
        "reflection": rules.reflection.minutes,
        "recovery": rules.recovery.break_minutes,
        "lunch": rules.lunch.minutes,
        "mini_retreat": rules.mini_retreat.minutes,
    }
    slots = []
    for proposal in week.proposals:
        slot = (epoch(proposal.start), epoch(proposal.end))
        day = proposal.start.astimezone(zone).date()
        midnight = epoch(datetime.combine(day, time(), tzinfo=zone))
        assert day in next_days
        assert day not in case.holidays
        assert slot[1] - slot[0] == lengths[proposal.kind] * 60
        # On the grid, counted from local midnight (also on a 23- or 25-hour day).
        assert (slot[0] - midnight) % (rules.proposals.grid_minutes * 60) == 0
        # Inside one stretch of the day's working time.
        assert any(s <= slot[0] and slot[1] <= e for s, e in working_time(case, day))
        for event in case.events:
            if event.kind in (*BUSY, EventKind.OUT_OF_OFFICE):
                assert not overlaps(slot, (epoch(event.start), epoch(event.end))), (
                    proposal,
                    event,
                )
            if event.kind is EventKind.OUT_OF_OFFICE and event.all_day:
                covered = (epoch(event.start), epoch(event.end))
                assert not (covered[0] <= midnight < covered[1])
        slots.append(slot)
    for i, first in enumerate(slots):
        for second in slots[i + 1 :]:
            assert not overlaps(first, second)
    reflection_days = [p.start.date() for p in week.proposals if p.kind == "reflection"]
    assert len(reflection_days) <= rules.reflection.blocks_per_week
    assert len(set(reflection_days)) == len(reflection_days)
    assert len({p.key for p in week.proposals}) == len(week.proposals)
    assert all(p.key.startswith(f"leader:{case.next_week}:{p.kind}:") for p in week.proposals)


@settings(deadline=None, max_examples=100)
@given(cases(), st.randoms(use_true_random=False))
def test_the_same_calendar_in_any_order_gives_the_same_review(case: Case, random: Any) -> None:
    shuffled = list(case.events)
    random.shuffle(shuffled)

    def seen(week: WeeklyReview) -> list[tuple[str, str, str, str]]:
        return [(p.key, p.start.isoformat(), p.end.isoformat(), p.reason) for p in week.proposals]

    first, again, reordered = run(case, case.events), run(case, case.events), run(case, shuffled)
    assert seen(first) == seen(again) == seen(reordered)
    assert first.values == reordered.values
    assert first.days == reordered.days
