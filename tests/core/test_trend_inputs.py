"""The weekly measures behind the signals of narrowing (DESIGN 6), computed from real events:
the median meeting length, the share of meeting time the leader organised, and the protected
minutes that meetings took anyway. Each is what `measure_weeks` stores and the trends compare.

The week is 2026-W10 (Monday 2 March to Sunday 8 March 2026), the leader in Europe/Amsterdam.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from assistant.core.analysis import build_review, measure_weeks
from assistant.core.review import IsoWeek
from connectors import CalendarEvent
from tests.core.builders import AMSTERDAM, NOW, meeting, protected, rules

WEEK = IsoWeek.parse("2026-W10")
MON, TUE, WED, THU, FRI, SAT, SUN = WEEK.days()
TREND_INPUTS = ("median_meeting_minutes", "organised_meeting_share", "protected_overrun_minutes")


def measured(events: list[CalendarEvent]) -> dict[str, float | int | None]:
    [week] = measure_weeks(events, rules=rules(), weeks=[WEEK])
    assert week.week == WEEK
    return {name: week.values[name] for name in TREND_INPUTS}


def test_the_measures_of_an_ordinary_week() -> None:
    events = [
        meeting(MON, "09:00", "10:00", organised=True),  # 60
        meeting(TUE, "10:00", "10:30"),  # 30
        meeting(WED, "14:00", "16:00"),  # 120
        meeting(THU, "09:00", "09:45", organised=True),  # 45
        # Outside the week: the Sunday before and the Monday after count for other weeks.
        meeting(MON - timedelta(days=1), "10:00", "14:00", organised=True),
        meeting(SUN + timedelta(days=1), "09:00", "09:10"),
    ]
    assert measured(events) == {
        # The middle of 30, 45, 60, 120: (45 + 60) / 2, not the mean (63.75) or the longest.
        "median_meeting_minutes": 52.5,
        # Organised time over all meeting time: (60 + 45) / 255, by length, not by count.
        "organised_meeting_share": 0.4118,
        "protected_overrun_minutes": 0,
    }


def test_the_median_of_an_odd_number_of_meetings_is_the_middle_one() -> None:
    events = [
        meeting(MON, "09:00", "09:20"),
        meeting(TUE, "09:00", "09:50"),
        meeting(WED, "09:00", "12:00"),
    ]
    assert measured(events)["median_meeting_minutes"] == 50.0


def test_a_leader_who_organised_nothing_has_a_zero_share_and_everything_a_whole_one() -> None:
    nothing = [meeting(MON, "09:00", "10:00"), meeting(TUE, "09:00", "11:00")]
    assert measured(nothing)["organised_meeting_share"] == 0.0
    everything = [meeting(d, "09:00", "10:00", organised=True) for d in (MON, TUE)]
    assert measured(everything)["organised_meeting_share"] == 1.0


def test_a_week_without_meetings_has_no_median_and_no_share() -> None:
    assert measured([protected(MON, "09:00", "10:00")]) == {
        "median_meeting_minutes": None,
        "organised_meeting_share": None,
        "protected_overrun_minutes": 0,
    }


def test_meetings_that_took_protected_time_count_as_overrun_minutes() -> None:
    events = [
        protected(TUE, "09:00", "11:00"),
        meeting(TUE, "10:15", "11:30"),  # takes 10:15-11:00 of the block: 45 min
        protected(THU, "13:00", "15:00"),
        meeting(THU, "12:30", "13:20"),  # takes 13:00-13:20: 20 min
        meeting(THU, "14:00", "14:30", overrides_protection=True),  # an exception organiser's
        protected(FRI, "09:00", "10:00"),
        meeting(FRI, "10:00", "11:00"),  # right after the block: takes nothing
    ]
    values = measured(events)
    assert values["protected_overrun_minutes"] == 65
    # The review says so per day, with the same minutes, and warns of nothing else.
    review = build_review(events, rules=rules(), week=WEEK, now=NOW)
    overruns = [w.message for w in review.warnings if w.code == "protected_block_overrun"]
    assert [(m.values["day"], m.values["minutes"].amount) for m in overruns] == [
        (TUE, 45.0),
        (THU, 20.0),
    ]
    assert [w.code for w in review.warnings] == ["protected_block_overrun"] * 2


def test_a_sunday_meeting_counts_in_its_weeks_median_and_share() -> None:
    # Monday 30 min, Sunday 90 min organised: the median of two is 60, the share 90 / 120.
    events = [meeting(MON, "09:00", "09:30"), meeting(SUN, "10:00", "11:30", organised=True)]
    values = measured(events)
    assert values["median_meeting_minutes"] == 60.0
    assert values["organised_meeting_share"] == 0.75


def test_the_median_meeting_length_keeps_one_decimal() -> None:
    # 45 min and 45 min 30 s: the median is 45.25 min, kept as 45.2 (one decimal).
    events = [meeting(MON, "09:00", "09:45"), meeting(TUE, "09:00", "09:45:30")]
    assert measured(events)["median_meeting_minutes"] == 45.2


def test_people_are_counted_only_where_the_calendar_names_them() -> None:
    [unnamed] = measure_weeks([meeting(MON, "09:00", "10:00")], rules=rules(), weeks=[WEEK])
    assert unnamed.values["distinct_people"] is None  # others were there, nobody named
    alone = replace(meeting(MON, "09:00", "10:00"), other_attendees=0)
    [solo] = measure_weeks([alone], rules=rules(), weeks=[WEEK])
    assert solo.values["distinct_people"] == 0  # no one else: none to count
    named = replace(meeting(MON, "09:00", "10:00"), people=("a1", "b2"))
    [known] = measure_weeks([named, named], rules=rules(), weeks=[WEEK])
    assert known.values["distinct_people"] == 2


def test_a_meeting_in_the_hour_repeated_when_summer_time_ends_lasts_its_real_length() -> None:
    # Sunday 25 October 2026, 02:50 CEST to 02:10 CET: twenty minutes, though the end's wall
    # clock reads earlier than the start's.
    sunday = date(2026, 10, 25)
    start = datetime(2026, 10, 25, 0, 50, tzinfo=UTC).astimezone(AMSTERDAM)
    end = datetime(2026, 10, 25, 1, 10, tzinfo=UTC).astimezone(AMSTERDAM)
    call = replace(meeting(sunday, "09:00", "10:00"), start=start, end=end)
    [week] = measure_weeks([call], rules=rules(), weeks=[IsoWeek.containing(sunday)])
    assert week.values["median_meeting_minutes"] == 20.0
