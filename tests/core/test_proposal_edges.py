"""Where proposals may go, at the edges: never before now when now falls inside the proposed
week, and a block that exactly fills a free gap is proposed. And the review's warnings compared
whole: an ordinary week has none, an empty calendar says so, a week off says there was no working
time.

The reviewed week is 2026-W10, so proposals are for 2026-W11 (Monday 9 to Sunday 15 March),
working time Monday to Friday 08:30-17:30 in Europe/Amsterdam; reflection blocks are 90 minutes,
preferably inside 08:30-12:00.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assistant.app.review import review_week
from assistant.core.reasons import reason
from assistant.core.review import IsoWeek, Warning, WeeklyReview
from connectors import CalendarEvent, MemorySource
from tests.core.builders import away_day, hold, meeting, protected, review, rules
from tests.core.test_proposals import only, slots

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEEK = "2026-W10"
MON, TUE, WED, THU, FRI, SAT, SUN = IsoWeek.parse(WEEK).days()
N_MON, N_TUE, N_WED, N_THU, N_FRI, _, _ = IsoWeek.parse("2026-W11").days()


def reviewed_at(now: datetime, **rule_overrides: object) -> WeeklyReview:
    """The review of an empty calendar as of `now` (the service's clock)."""
    chosen = rules(**rule_overrides) if rule_overrides else rules()
    return review_week(MemorySource([]), chosen, IsoWeek.parse(WEEK), now)


# proposals come after now ------------------------------------------------------------------------


def test_nothing_is_proposed_before_now_inside_the_proposed_week() -> None:
    now = datetime(2026, 3, 10, 11, 0, tzinfo=AMSTERDAM)  # Tuesday of the proposed week, 11:00
    week = reviewed_at(now)
    assert slots(week) == [
        ("mini_retreat", "Wed 11 13:00", "16:00"),  # Monday and Tuesday 13:00 are not ahead
        ("reflection", "Thu 12 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]
    assert all(p.start >= now for p in week.proposals)


def test_a_block_may_start_at_the_first_grid_moment_after_now() -> None:
    now = datetime(2026, 3, 10, 9, 5, tzinfo=AMSTERDAM)
    week = reviewed_at(now, proposals={"kinds": ["reflection"]})
    # Tuesday 08:30 has passed; the next quarter hour, 09:15, still fits the preferred window.
    assert slots(week) == [
        ("reflection", "Tue 10 09:15", "10:45"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]


def test_a_week_wholly_in_the_past_proposes_nothing_but_says_what_it_would_have_had() -> None:
    later = datetime(2026, 6, 1, 12, 0, tzinfo=AMSTERDAM)
    at_start = datetime(2026, 3, 9, 0, 0, tzinfo=AMSTERDAM)  # the proposed week's first moment
    expected = [
        ("mini_retreat", "Mon 09 13:00", "16:00"),
        ("reflection", "Tue 10 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]
    past = reviewed_at(later)
    assert past.proposals == ()
    assert past.proposals_week_over
    assert [(p.kind, f"{p.start:%a %d %H:%M}", f"{p.end:%H:%M}") for p in past.hindsight] == (
        expected
    )
    assert slots(reviewed_at(at_start)) == expected
    before = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)  # during the reviewed week
    assert slots(reviewed_at(before)) == expected


def test_now_in_the_last_hours_of_the_proposed_week_leaves_nothing_to_propose() -> None:
    now = datetime(2026, 3, 15, 23, 0, tzinfo=AMSTERDAM)  # Sunday night
    late = reviewed_at(now)
    assert late.proposals == ()
    assert not late.proposals_week_over  # the last hour of the week is still the week
    assert late.hindsight == ()


# a block exactly filling a free gap ------------------------------------------------------------


def _all_week_busy_but(gap_day: date, gap_end: str) -> list[CalendarEvent]:
    """Meetings all of next week's working time, but 08:30 to `gap_end` on `gap_day`."""
    days = [d for d in (N_MON, N_TUE, N_WED, N_THU, N_FRI) if d != gap_day]
    return [meeting(d, "08:30", "17:30") for d in days] + [meeting(gap_day, gap_end, "17:30")]


@pytest.mark.parametrize(
    ("gap_end", "expected"),
    [
        ("10:00", [("reflection", "Wed 11 08:30", "10:00")]),  # 90 free minutes: exactly one
        ("09:59", []),  # a minute short: nothing squeezed in
    ],
)
def test_a_reflection_block_that_exactly_fills_the_only_gap_is_proposed(
    gap_end: str, expected: list[tuple[str, str, str]]
) -> None:
    week = review(_all_week_busy_but(N_WED, gap_end), WEEK, rules=only("reflection"))
    assert slots(week) == expected


def test_a_solo_hold_also_closes_the_gap() -> None:
    events = [*_all_week_busy_but(N_WED, "10:00"), hold(N_WED, "09:59", "10:00")]
    assert review(events, WEEK, rules=only("reflection")).proposals == ()


# warnings, compared whole ----------------------------------------------------------------------


def test_an_ordinary_week_has_no_warnings() -> None:
    events = [
        meeting(MON, "10:00", "11:00"),
        meeting(TUE, "13:00", "14:30"),
        protected(WED, "08:30", "10:00"),
        meeting(THU, "09:00", "09:30"),
        hold(FRI, "14:00", "15:00"),
    ]
    week = review(events, WEEK)
    assert week.warnings == ()
    assert week.proposals  # the week still gets its proposals


def test_an_empty_calendar_says_it_read_no_events_and_nothing_else() -> None:
    week = review([], WEEK)
    assert week.warnings == (Warning("no_events", reason("warning.no_events")),)


def test_events_only_in_the_weeks_before_still_count_as_a_calendar_read() -> None:
    four_weeks_before = MON - timedelta(weeks=4)
    assert review([meeting(four_weeks_before, "10:00", "11:00")], WEEK).warnings == ()


def test_a_week_off_says_there_was_no_working_time_and_nothing_else() -> None:
    week = review([away_day(d) for d in (MON, TUE, WED, THU, FRI)], WEEK)
    assert week.warnings == (Warning("no_working_time", reason("warning.no_working_time")),)


def test_one_working_day_is_enough_to_have_working_time() -> None:
    week = review([away_day(d) for d in (MON, TUE, WED, THU)], WEEK)
    assert week.warnings == ()


def test_each_skipped_event_is_one_warning_saying_where_and_why() -> None:
    from assistant.core.analysis import build_review
    from connectors import SkippedEvent
    from tests.core.builders import NOW

    skipped = [
        SkippedEvent("calendar.ics line 40", "DTSTART is not a date"),
        SkippedEvent("calendar.ics line 90", "RRULE cannot be read"),
    ]
    events = [meeting(MON, "10:00", "11:00")]
    week = build_review(events, rules=rules(), week=IsoWeek.parse(WEEK), now=NOW, skipped=skipped)
    assert week.warnings == tuple(
        Warning("skipped_event", reason("warning.skipped", where=s.where, reason=s.reason))
        for s in skipped
    )
