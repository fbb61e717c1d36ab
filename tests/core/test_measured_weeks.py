"""`measure_weeks` measures each week exactly as that week's own review does (the history the
trends compare against), and the small values of the core behave as values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.core.analysis import analysis_span, build_review, measure_weeks
from assistant.core.calendar_days import holiday_dates
from assistant.core.reasons import Quantity, reason
from assistant.core.review import IsoWeek
from tests.core.builders import NOW, hold, meeting, protected, rules

# 2026-W17: Monday 20 to Sunday 26 April; 2026-W18 holds King's Day, Monday 27 April.
WEEKS = [IsoWeek.parse("2026-W17"), IsoWeek.parse("2026-W18")]


def test_each_measured_week_is_what_its_own_review_says() -> None:
    effective = rules(leader={"holiday_country": "NL"})
    w17, w18 = (week.days() for week in WEEKS)
    events = [
        # A three-hour retreat seven weeks back: inside the context weeks of both reviews.
        protected(w17[0] - timedelta(weeks=7), "13:00", "16:00"),
        meeting(w17[1], "09:00", "12:00", organised=True),
        meeting(w17[3], "14:00", "15:00"),
        hold(w17[4], "10:00", "11:00"),
        meeting(w18[0], "10:00", "12:00"),  # on King's Day: after hours, not working time
        meeting(w18[2], "09:00", "09:30"),
    ]
    span_first, _ = analysis_span(WEEKS[0], effective)
    every_holiday = holiday_dates(effective, span_first, WEEKS[-1].days()[-1])
    measured = measure_weeks(
        events, rules=effective, weeks=list(reversed(WEEKS)), holidays=every_holiday
    )
    assert [m.week for m in measured] == WEEKS  # oldest first, whatever order was asked
    for week, metrics in zip(WEEKS, measured, strict=True):
        first, last = analysis_span(week, effective)
        review = build_review(
            events,
            rules=effective,
            week=week,
            now=NOW,
            holidays=holiday_dates(effective, first, last),
        )
        assert {k: metrics.values[k] for k in review.values} == review.values
    w18_values = measured[1].values
    assert w18_values["after_hours_meeting_hours"] == 2.0  # the holiday is no working day
    assert w18_values["days_since_mini_retreat"] == 62  # Monday 2 March to Sunday 3 May


def test_a_holiday_on_the_first_or_the_last_day_read_is_a_holiday() -> None:
    """King's Day (Monday 27 April 2026) opens week 18; Christmas (Friday 25 December) closes the
    days read up to it: neither is working time."""
    dutch = rules(leader={"holiday_country": "NL"})
    assert holiday_dates(dutch, date(2026, 4, 27), date(2026, 5, 3)) == {date(2026, 4, 27)}
    assert holiday_dates(dutch, date(2026, 12, 21), date(2026, 12, 25)) == {date(2026, 12, 25)}
    # Ascension and Whitsun in between (Liberation Day is a holiday only every fifth year).
    between = {date(2026, 5, 14), date(2026, 5, 24), date(2026, 5, 25)}
    assert holiday_dates(dutch, date(2026, 4, 28), date(2026, 12, 24)) == between
    nowhere = rules(leader={"holiday_country": None})
    assert holiday_dates(nowhere, date(2026, 4, 27), date(2026, 4, 27)) == frozenset()


def test_nothing_to_measure_is_an_empty_list() -> None:
    assert measure_weeks([], rules=rules(), weeks=[]) == []


def test_equal_reasons_are_one_value_in_a_set() -> None:
    first = reason("note.protected_block_overrun", minutes=Quantity(20, "minutes"), day=1)
    again = reason("note.protected_block_overrun", day=1, minutes=Quantity(20, "minutes"))
    other = reason("note.protected_block_overrun", day=2, minutes=Quantity(20, "minutes"))
    assert first == again
    assert hash(first) == hash(again)
    assert len({first, again, other}) == 2


def test_asking_a_review_for_an_indicator_it_lacks_names_it() -> None:
    review = build_review([], rules=rules(), week=WEEKS[0], now=NOW)
    assert review.indicator("meeting_hours").value == 0.0
    with pytest.raises(KeyError, match="no_such_indicator"):
        review.indicator("no_such_indicator")


@pytest.mark.parametrize("text", ["2026-W54", "2026-W00", "2026-13", "week 13"])
def test_a_week_that_does_not_exist_is_named_in_the_error(text: str) -> None:
    with pytest.raises(ValueError, match=f"^'{text}' is not an ISO week like 2026-W13$"):
        IsoWeek.parse(text)
    assert IsoWeek.parse("2026-W53") == IsoWeek(2026, 53)  # 2026 has 53 weeks


def test_a_review_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match=r"^now must be aware$"):
        build_review([], rules=rules(), week=WEEKS[0], now=NOW.replace(tzinfo=None))


def test_a_review_reads_its_context_weeks_the_night_before_and_the_week_after() -> None:
    # 2026-W10 is Monday 2 to Sunday 8 March; proposals are for the week to Sunday 15 March.
    week = IsoWeek.parse("2026-W10")
    assert analysis_span(week, rules()) == (
        date(2025, 12, 7),
        date(2026, 3, 15),
    )  # 12 weeks + 1 day
    no_context = rules(measurement={"context_weeks": 0})
    assert analysis_span(week, no_context) == (date(2026, 3, 1), date(2026, 3, 15))
