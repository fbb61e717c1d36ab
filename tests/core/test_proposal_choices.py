"""Choices of the proposals that a mutation run showed nobody asserted: the clock on the first
day of the proposed week, a working Sunday, a break that does not fit, lunch only inside its
window, a half-day split off the hour, the note for a leader who had a mini-retreat, a day that
already holds a block, no preferred windows, reflection time counted in whole minutes, and blocks
at the edges of a day for working hours that reach midnight.

The reviewed week is 2026-W10, so proposals are for 2026-W11 (Monday 9 to Sunday 15 March),
working time Monday to Friday 08:30-17:30 in Europe/Amsterdam unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from assistant.app.review import review_week
from assistant.core.reasons import Quantity, reason
from assistant.core.review import IsoWeek
from connectors import MemorySource
from rules import Rules
from tests.core.builders import meeting, protected, review, rules
from tests.core.test_proposals import only, slots

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEK = "2026-W10"
MON, TUE, WED, THU, FRI, SAT, SUN = IsoWeek.parse(WEEK).days()
N_MON, N_TUE, N_WED, N_THU, N_FRI, N_SAT, N_SUN = IsoWeek.parse("2026-W11").days()
NO_HOURS: list[str] = []


def hours(**days: list[str]) -> dict[str, list[str]]:
    """Working hours for every day of the week: the days named, no working time on the others."""
    week = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return {day: days.get(day, NO_HOURS) for day in week}


# the clock -------------------------------------------------------------------------------------


def test_on_the_monday_of_the_proposed_week_nothing_is_proposed_before_now() -> None:
    now = datetime(2026, 3, 9, 14, 0, tzinfo=AMSTERDAM)  # Monday 14:00
    week = review_week(MemorySource([]), rules(), IsoWeek.parse(WEEK), now)
    # Monday's 13:00 and its preferred morning window have passed: the mini-retreat goes to
    # Tuesday, reflection to Wednesday and (furthest from it) Friday.
    assert slots(week) == [
        ("mini_retreat", "Tue 10 13:00", "16:00"),
        ("reflection", "Wed 11 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]


# recovery --------------------------------------------------------------------------------------


def test_a_chain_on_a_working_sunday_gets_its_break() -> None:
    """A leader whose week runs Sunday to Thursday."""
    working = hours(**{day: ["08:30-17:30"] for day in ("sunday", "monday", "tuesday")})
    chosen = only("recovery", working_hours=working, leader={"holiday_country": None})
    week = review([meeting(N_SUN, "09:00", "11:00")], WEEK, rules=chosen)
    assert slots(week) == [("recovery", "Sun 15 11:00", "11:15")]


def test_a_chain_that_ends_at_the_end_of_the_week_is_no_error() -> None:
    events = [meeting(N_SUN, "21:00", "24:00")]
    assert review(events, WEEK, rules=only("recovery")).proposals == ()


def test_a_break_that_does_not_fit_the_gap_after_a_chain_is_not_proposed() -> None:
    # 09:00-11:00, then ten free minutes (not enough for 15) and a meeting until 12:30: the
    # next free moment is 90 minutes after the chain, beyond the 60-minute search.
    events = [meeting(N_TUE, "09:00", "11:00"), meeting(N_TUE, "11:10", "12:30")]
    assert review(events, WEEK, rules=only("recovery")).proposals == ()


# lunch -----------------------------------------------------------------------------------------


def test_a_midday_window_already_protected_on_one_day_leaves_the_next_days_their_lunch() -> None:
    events = [
        meeting(MON, "11:30", "14:00"),
        meeting(TUE, "11:30", "14:00"),
        protected(N_MON, "12:00", "13:00"),
    ]
    assert slots(review(events, WEEK, rules=only("lunch"))) == [("lunch", "Tue 10 12:30", "13:00")]


def test_lunch_is_proposed_only_inside_the_lunch_window() -> None:
    events = [
        meeting(MON, "11:30", "14:00"),
        meeting(TUE, "11:30", "14:00"),
        # Next Monday: the window's only free half hour, 11:35-12:05, is off the 15-minute grid,
        # and the afternoon from 15:00 is free: no lunch at 15:00, and Tuesday still gets one.
        meeting(N_MON, "08:30", "11:35"),
        meeting(N_MON, "12:05", "15:00"),
    ]
    assert slots(review(events, WEEK, rules=only("lunch"))) == [("lunch", "Tue 10 12:30", "13:00")]


def test_a_leader_in_tokyo_with_an_evening_call_still_gets_lunch_at_lunchtime() -> None:
    """The midday window is read in the leader's zone, wherever the service runs."""
    chosen = only("lunch", leader={"timezone": "Asia/Tokyo", "holiday_country": None})
    events = [
        meeting(MON, "11:30", "14:00", zone=TOKYO),
        meeting(N_MON, "19:30", "23:30", zone=TOKYO),  # a call with Europe
    ]
    assert slots(review(events, WEEK, rules=chosen)) == [("lunch", "Mon 09 12:30", "13:00")]


# mini-retreat ----------------------------------------------------------------------------------


def test_a_half_day_split_at_half_past_twelve_starts_the_mini_retreat_then() -> None:
    chosen = only("mini_retreat", measurement={"half_day_split": "12:30"})
    assert slots(review([], WEEK, rules=chosen)) == [("mini_retreat", "Mon 09 12:30", "15:30")]


def test_no_room_for_a_due_mini_retreat_says_how_long_ago_the_last_one_was() -> None:
    events = [
        protected(date(2026, 2, 2), "09:00", "12:00"),  # 41 days before next Sunday
        *(
            e
            for day in (N_MON, N_TUE, N_WED, N_THU, N_FRI)
            for e in (meeting(day, "08:30", "14:00"), meeting(day, "16:00", "17:30"))
        ),
    ]
    week = review(events, WEEK, rules=only("mini_retreat"))
    assert week.proposals == ()
    notes = [w.message for w in week.warnings if w.code == "no_room_for_mini_retreat"]
    assert notes == [
        reason("note.no_room_for_mini_retreat", minutes=Quantity(180, "minutes"), since=41)
    ]


# reflection ------------------------------------------------------------------------------------


def test_reflection_goes_first_to_days_without_a_block() -> None:
    # Monday already holds half an hour of focus time: the two blocks go to Tuesday and Friday.
    week = review([protected(N_MON, "16:00", "16:30")], WEEK, rules=only("reflection"))
    assert slots(week) == [
        ("reflection", "Tue 10 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]


def test_without_preferred_windows_reflection_takes_the_first_free_time() -> None:
    chosen = only("reflection", reflection={"preferred_windows": []})
    week = review([meeting(N_MON, "08:30", "09:00")], WEEK, rules=chosen)
    assert slots(week) == [
        ("reflection", "Mon 09 09:00", "10:30"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]


@pytest.mark.parametrize(
    ("until", "counted", "expected"),
    [
        # 179 minutes and 31 seconds of focus time is the 180-minute target met, in the review's
        # indicator and for the proposals alike: no block proposed for 29 seconds.
        ("11:59:31", 180, []),
        # A whole minute short is short: one block, on a day without one.
        ("11:59", 179, [("reflection", "Mon 09 08:30", "10:00")]),
    ],
)
def test_reflection_time_is_counted_in_whole_minutes_as_the_review_counts_it(
    until: str, counted: int, expected: list[tuple[str, str, str]]
) -> None:
    events = [protected(day, "09:00", until) for day in (TUE, N_TUE)]
    week = review(events, WEEK, rules=only("reflection"))
    assert week.values["reflection_minutes"] == counted
    assert week.values["missing_reflection_minutes"] == 180 - counted
    assert slots(week) == expected


# working hours that reach midnight -------------------------------------------------------------


def one_block_each(**days: list[str]) -> Rules:
    """A mini-retreat and one reflection block, working time only on the days named."""
    return rules(
        working_hours=hours(**days),
        proposals={"kinds": ["mini_retreat", "reflection"]},
        reflection={"blocks_per_week": 1},
        lunch={"enabled": False},
    )


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        # Monday's only three free hours are 00:00-03:00, where the mini-retreat goes; so
        # reflection prefers Tuesday, which holds no block yet.
        (
            {"monday": ["00:00-03:00", "08:30-10:00"], "tuesday": ["08:30-10:00"]},
            [("mini_retreat", "Mon 09 00:00", "03:00"), ("reflection", "Tue 10 08:30", "10:00")],
        ),
        # A mini-retreat that ends at midnight is Monday's block too.
        (
            {"monday": ["08:30-10:00", "21:00-24:00"], "tuesday": ["08:30-10:00"]},
            [("mini_retreat", "Mon 09 21:00", "00:00"), ("reflection", "Tue 10 08:30", "10:00")],
        ),
        # One that starts at Tuesday's midnight is not Monday's.
        (
            {
                "monday": ["08:30-10:00"],
                "tuesday": ["00:00-03:00", "08:30-10:00"],
                "wednesday": ["08:30-10:00"],
            },
            [("reflection", "Mon 09 08:30", "10:00"), ("mini_retreat", "Tue 10 00:00", "03:00")],
        ),
    ],
    ids=["starting at midnight", "ending at midnight", "at the next midnight"],
)
def test_a_block_at_midnight_counts_for_its_own_day(
    days: dict[str, list[str]], expected: list[tuple[str, str, str]]
) -> None:
    assert slots(review([], WEEK, rules=one_block_each(**days))) == expected


def test_a_chain_ending_a_second_after_midnight_gets_its_break_on_the_new_day() -> None:
    working = hours(tuesday=["00:00-17:30"], wednesday=["00:00-17:30"])
    chosen = only("recovery", working_hours=working, lunch={"enabled": False})
    events = [meeting(N_TUE, "22:00", "00:00:01", end_day=N_WED)]
    assert slots(review(events, WEEK, rules=chosen)) == [("recovery", "Wed 11 00:15", "00:30")]
