"""Each week's windows, read from the definition (assistant/core/trends.py's docstring) and
checked against `evaluate` on many histories: the recent mean of the `recent_weeks` weeks ending
at the week, the baseline median of the `baseline_weeks` weeks before those (at least
`min_history_weeks - recent_weeks` of them known), the shift against the baseline or the floor,
and the run of weeks that held, ending at the reviewed week. Missing weeks are NaN."""

from __future__ import annotations

import math
import statistics
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.core.trends import Direction, evaluate
from rules import load_rules
from rules.model import Trends


@cache
def trend_settings(recent: int, baseline: int, history: int, shift: float) -> Trends:
    overrides = {
        "recent_weeks": recent,
        "baseline_weeks": baseline,
        "min_history_weeks": history,
        "shift": shift,
    }
    return load_rules(None, {"trends": overrides}).trends


def by_definition(
    values: list[float], direction: Direction, floor: float, rules: Trends
) -> tuple[float | None, float | None, float | None, int, bool]:
    """(recent, baseline, shift) of the last week, the weeks held and whether the baseline was
    below the floor, computed week by week from the definition."""
    recent_weeks, baseline_weeks = rules.recent_weeks, rules.baseline_weeks
    least = max(1, rules.min_history_weeks - recent_weeks)

    def known(first: int, last: int) -> list[float]:
        """The known values of the weeks first..last (inclusive) that exist."""
        return [values[i] for i in range(max(first, 0), last + 1) if not math.isnan(values[i])]

    weeks = []
    for week in range(len(values)):
        lately = known(week - recent_weeks + 1, week)
        before = known(week - recent_weeks - baseline_weeks + 1, week - recent_weeks)
        recent = sum(lately) / len(lately) if lately else None
        baseline = statistics.median(before) if len(before) >= least else None
        shift = None
        if recent is not None and baseline is not None:
            shift = (recent - baseline) / max(abs(baseline), floor)
        weeks.append((recent, baseline, shift))
    held = 0
    for week in reversed(range(len(values))):
        if math.isnan(values[week]):
            continue
        _, baseline, shift = weeks[week]
        if shift is None or baseline is None:
            break
        adverse = shift if direction == "up" else -shift
        worse = values[week] > baseline if direction == "up" else values[week] < baseline
        if round(adverse, 9) < rules.shift or not worse:
            break
        held += 1
    recent, baseline, shift = weeks[-1]
    below = baseline is not None and abs(baseline) < floor
    return _four(recent), _four(baseline), _four(shift), held, below


def _four(number: float | None) -> float | None:
    return None if number is None else round(number, 4)


weekly = st.lists(
    st.one_of(st.integers(0, 12).map(float), st.just(math.nan)), min_size=1, max_size=30
)


@settings(deadline=None, max_examples=400)
@given(
    values=weekly,
    direction=st.sampled_from(["up", "down"]),
    floor=st.sampled_from([0.5, 1.0, 4.0, 6.0]),
    recent=st.integers(1, 4),
    baseline=st.integers(1, 8),
    extra=st.integers(1, 8),
    shift=st.sampled_from([0.1, 0.25, 0.5, 1.0]),
)
def test_each_weeks_windows_follow_the_definition(
    values: list[float],
    direction: Direction,
    floor: float,
    recent: int,
    baseline: int,
    extra: int,
    shift: float,
) -> None:
    history = min(recent + extra, recent + baseline)  # more than recent, at most both windows
    rules = trend_settings(recent, baseline, history, shift)
    found = evaluate("reflection_minutes", values, direction, floor, rules)
    assert (
        found.recent, found.baseline, found.shift, found.weeks_held, found.against_floor
    ) == by_definition(values, direction, floor, rules)  # fmt: skip


def test_a_hand_counted_history() -> None:
    # Two recent weeks, a baseline of three weeks, at least two of them known.
    rules = trend_settings(2, 3, 4, 0.25)
    values = [100.0, 10.0, 50.0, 60.0, 70.0, 40.0, 30.0, 20.0]
    found = evaluate("reflection_minutes", values, "down", 1.0, rules)
    # Recent: weeks 6 and 7, (30 + 20) / 2 = 25; baseline: weeks 3 to 5, median of 60, 70, 40.
    assert (found.recent, found.baseline) == (25.0, 60.0)
    assert found.shift == round((25 - 60) / 60, 4)
    # Week 7 (20 < 60, -58%), week 6 (recent 35 against the median of 50, 60, 70 = 60: -42%,
    # 30 < 60) and week 5 (recent 55 against 50 (10, 50, 60): 10% up) -> two weeks held.
    assert found.weeks_held == 2
    assert not found.against_floor


def test_a_shift_of_exactly_the_threshold_holds() -> None:
    # One recent week against two before it: 75 against 100 is a drop of exactly 25%.
    rules = trend_settings(1, 2, 2, 0.25)
    found = evaluate("reflection_minutes", [100.0, 100.0, 75.0], "down", 1.0, rules)
    assert (found.shift, found.weeks_held) == (-0.25, 1)
