"""The two continua as data: which weeks are plotted, the leader's usual load, and the one
sentence that reads the felt room beside the load (the render tests show it in the review)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from assistant.core.analysis import build_review
from assistant.core.continua import Continua, ContinuaPoint, continua
from assistant.core.reasons import Quantity, reason
from assistant.core.review import IsoWeek, Sparkline, WeeklyReview, WeekMetrics
from tests.core.builders import meeting, rules

WEEKS = tuple(IsoWeek(2026, number) for number in range(1, 13))


def load_line(*values: float | None) -> Sparkline:
    return Sparkline("meeting_share", "share", WEEKS[: len(values)], values)


def rated(loads: list[float | None], rooms: list[int | None]) -> Continua:
    ratings = {week: room for week, room in zip(WEEKS, rooms, strict=False) if room is not None}
    return continua(load_line(*loads), ratings)


def test_every_week_is_a_point_and_only_weeks_with_both_are_plotted() -> None:
    shown = rated([0.5, None, 0.6, 0.7], [3, 4, None, 2])
    assert shown.points == (
        ContinuaPoint(WEEKS[0], 0.5, 3),
        ContinuaPoint(WEEKS[1], None, 4),
        ContinuaPoint(WEEKS[2], 0.6, None),
        ContinuaPoint(WEEKS[3], 0.7, 2),
    )
    assert shown.plotted == (ContinuaPoint(WEEKS[0], 0.5, 3), ContinuaPoint(WEEKS[3], 0.7, 2))


def test_the_usual_load_is_the_median_of_the_weeks_with_a_load_rounded_to_four_places() -> None:
    # Median of 0.1, 0.123456 and 0.9: the middle one, not the mean (0.374...).
    assert rated([0.9, 0.123456, None, 0.1], []).usual_load == 0.1235


def test_without_any_load_there_is_no_usual_load_and_nothing_to_say() -> None:
    shown = rated([None, None, None], [3, 3, 3])
    assert shown.usual_load is None
    assert shown.message == reason("continua.too_few", rated=0, needed=Quantity(3, "weeks"))


def test_two_rated_weeks_are_too_few_and_the_message_says_how_many() -> None:
    shown = rated([0.5, 0.6, 0.7], [3, None, 2])
    assert shown.message == reason("continua.too_few", rated=2, needed=Quantity(3, "weeks"))


@pytest.mark.parametrize(
    ("latest_load", "latest_room", "key"),
    [
        (0.70, 2, "continua.full_little"),
        (0.70, 3, "continua.full_room"),
        (0.50, 2, "continua.light_little"),
        (0.50, 1, "continua.light_little"),
        (0.50, 3, "continua.light_room"),
        (0.60, 2, "continua.light_little"),  # exactly the usual load is not fuller
    ],
)
def test_the_latest_week_is_placed_against_the_usual_load_and_little_room(
    latest_load: float, latest_room: int, key: str
) -> None:
    shown = rated([0.6, 0.6, latest_load], [4, 4, latest_room])
    assert shown.usual_load == 0.6
    assert shown.points == (
        ContinuaPoint(WEEKS[0], 0.6, 4),
        ContinuaPoint(WEEKS[1], 0.6, 4),
        ContinuaPoint(WEEKS[2], latest_load, latest_room),
    )
    assert shown.message == reason(
        key,
        week=3,
        load=Quantity(latest_load, "share"),
        usual=Quantity(0.6, "share"),
        score=latest_room,
    )


def test_a_fall_of_one_point_under_steady_load_is_said_with_both_means() -> None:
    # Before: 4 and 5 (mean 4.5) at 0.60; recent three: 4, 3, 3 (mean 3.33) at 0.60-0.62.
    shown = rated([0.60, 0.60, 0.60, 0.62, 0.64], [4, 5, 4, 3, 3])
    assert shown.message == reason(
        "continua.falling_room",
        before=Quantity(4.5, "count"),
        after=Quantity(3.3, "count"),
        load=Quantity(0.62, "share"),
    )


def test_a_fall_of_exactly_one_point_counts() -> None:
    shown = rated([0.5, 0.5, 0.5, 0.5, 0.5], [4, 4, 3, 3, 3])
    assert shown.message.id == "continua.falling_room"


def test_a_fall_of_less_than_one_point_is_not_a_falling_room() -> None:
    shown = rated([0.5, 0.5, 0.5, 0.5, 0.5], [4, 4, 4, 3, 3])  # 4 to 3.33
    assert shown.message.id == "continua.light_room"


def test_a_rising_room_is_not_a_fall() -> None:
    shown = rated([0.5, 0.5, 0.5, 0.5, 0.5], [2, 2, 3, 4, 4])
    assert shown.message.id == "continua.light_room"


@pytest.mark.parametrize(
    ("recent_load", "falling"),
    [
        (0.54, True),  # 8% more than 0.50: still steady
        (0.46, True),  # 8% less
        (0.56, False),  # 12% more: more load explains less room, not the continua's point
        (0.44, False),
    ],
)
def test_the_fall_is_only_said_while_the_load_stayed_within_ten_percent(
    recent_load: float, falling: bool
) -> None:
    shown = rated([0.5, 0.5, recent_load, recent_load, recent_load], [5, 5, 3, 3, 3])
    assert (shown.message.id == "continua.falling_room") is falling


def test_a_fall_from_no_load_uses_a_floor_for_steady() -> None:
    # Before at 0.0: a recent load of 0.0009 is within 10% of the 0.01 floor; 0.002 is not.
    steady = rated([0.0, 0.0, 0.0009, 0.0009, 0.0009], [5, 5, 3, 3, 3])
    assert steady.message.id == "continua.falling_room"
    unsteady = rated([0.0, 0.0, 0.002, 0.002, 0.002], [5, 5, 3, 3, 3])
    assert unsteady.message.id != "continua.falling_room"


def test_a_fall_needs_two_rated_weeks_before_the_recent_three() -> None:
    one_before = rated([0.5, 0.5, 0.5, 0.5], [5, 3, 3, 3])
    assert one_before.message.id == "continua.light_room"


def test_only_plotted_weeks_count_for_recent_and_before() -> None:
    # The fifth week has no rating and the first no load: the plotted weeks are the 2nd, 3rd
    # (before, room 5) and the 4th, 6th, 7th (recent, room 3).
    shown = rated([None, 0.5, 0.5, 0.5, 0.9, 0.5, 0.5], [1, 5, 5, 3, None, 3, 3])
    assert shown.message == reason(
        "continua.falling_room",
        before=Quantity(5, "count"),
        after=Quantity(3, "count"),
        load=Quantity(0.5, "share"),
    )


def test_a_rise_of_exactly_ten_percent_is_still_steady() -> None:
    # 0.625 to 0.6875 is exactly 10% (both exact in binary).
    shown = rated([0.625, 0.625, 0.6875, 0.6875, 0.6875], [5, 5, 3, 3, 3])
    assert shown.message.id == "continua.falling_room"


def test_the_means_are_said_to_one_decimal_and_the_load_to_four() -> None:
    # Before: 5, 5, 4 (mean 4.666...); recent: 3, 3, 3 at a mean load of 0.500033...
    shown = rated([0.5, 0.5, 0.5, 0.5001, 0.5, 0.5], [5, 5, 4, 3, 3, 3])
    assert shown.message == reason(
        "continua.falling_room",
        before=Quantity(4.7, "count"),
        after=Quantity(3, "count"),
        load=Quantity(0.5, "share"),
    )


def test_weeks_without_meetings_are_no_load_not_missing() -> None:
    falling = rated([0.0, 0.0, 0.0, 0.0, 0.0], [5, 5, 3, 3, 3])
    assert falling.message == reason(
        "continua.falling_room",
        before=Quantity(5, "count"),
        after=Quantity(3, "count"),
        load=Quantity(0.0, "share"),
    )
    light = rated([0.2, 0.2, 0.0], [4, 4, 2])
    assert light.message == reason(
        "continua.light_little",
        week=3,
        load=Quantity(0.0, "share"),
        usual=Quantity(0.2, "share"),
        score=2,
    )


# in the review ---------------------------------------------------------------------------------


REVIEWED = IsoWeek(2026, 10)
MONDAY_AFTER = datetime(2026, 3, 9, tzinfo=ZoneInfo("Europe/Amsterdam"))


def reviewed_with(felt_room: dict[IsoWeek, int] | None) -> WeeklyReview:
    """Week 10 (two hours of meetings) after five stored weeks of a known meeting share."""
    history = [
        WeekMetrics(REVIEWED.shifted(-back), {"meeting_share": 0.5 + back / 100})
        for back in range(1, 6)
    ]
    return build_review(
        [meeting(REVIEWED.monday, "09:00", "11:00")],
        rules=rules(),
        week=REVIEWED,
        now=MONDAY_AFTER,
        history=history,
        felt_room=felt_room,
    )


def test_the_review_sets_the_felt_room_beside_each_weeks_meeting_share() -> None:
    ratings = {REVIEWED.shifted(-back): 5 - back for back in range(1, 4)}
    shown = reviewed_with(ratings).continua
    assert shown is not None
    by_week = {p.week: (p.load, p.room) for p in shown.points}
    assert [by_week[REVIEWED.shifted(-back)] for back in range(1, 6)] == [
        (0.51, 4),
        (0.52, 3),
        (0.53, 2),
        (0.54, None),
        (0.55, None),
    ]
    assert by_week[REVIEWED] == (0.0444, None)  # 2 h of 45 h of working time


def test_without_the_leaders_ratings_the_review_has_no_continua() -> None:
    assert reviewed_with(None).continua is None
