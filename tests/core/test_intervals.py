"""Interval arithmetic: the base of every "overlaps count once" in the review.

Examples with hand-computed answers, then properties against a brute-force set of covered
seconds (each interval `(s, e)` covers the integer points s, s+1, ..., e-1).
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.core.intervals import Interval, clip, intersect, merge, subtract, total, window


def test_overlapping_and_touching_intervals_merge_into_one() -> None:
    # 09:00-10:00 and 09:30-11:00 overlap, 11:00-11:30 touches: one stretch 09:00-11:30.
    assert merge([(540, 600), (570, 660), (660, 690)]) == [(540, 690)]


def test_merge_sorts_and_keeps_gaps_and_drops_empty_intervals() -> None:
    assert merge([(50, 60), (10, 20), (30, 30), (40, 35)]) == [(10, 20), (50, 60)]


def test_total_counts_an_overlap_once() -> None:
    # 60 + 90 - 30 overlap = 120.
    assert total([(0, 60), (30, 120)]) == 120


def test_intersect_of_meetings_with_working_time() -> None:
    # Working 510-1050 (08:30-17:30); meetings 420-540 and 1020-1110 -> 510-540 and 1020-1050.
    assert intersect([(510, 1050)], [(420, 540), (1020, 1110)]) == [(510, 540), (1020, 1050)]


def test_subtract_meetings_from_working_time_leaves_the_free_stretches() -> None:
    # 08:30-17:30 minus 09:00-10:00 and 16:00-18:00 -> 08:30-09:00 and 10:00-16:00.
    assert subtract([(510, 1050)], [(540, 600), (960, 1080)]) == [(510, 540), (600, 960)]


def test_subtract_everything_leaves_nothing() -> None:
    assert subtract([(10, 20), (30, 40)], [(0, 100)]) == []


def test_clip_cuts_to_a_day() -> None:
    # A meeting from 22:00 to 02:00 clipped to the day 0-1440 keeps 22:00-24:00.
    assert clip([(1320, 1560)], 0, 1440) == [(1320, 1440)]


intervals = st.lists(
    st.tuples(st.integers(0, 120), st.integers(1, 40)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=8,
)


def covered(ivs: list[Interval]) -> set[int]:
    return {point for start, end in ivs for point in range(start, end)}


def canonical(ivs: list[Interval]) -> bool:
    """Sorted, each non-empty, neither overlapping nor touching the next."""
    return all(s < e for s, e in ivs) and all(
        first[1] < second[0] for first, second in pairwise(ivs)
    )


@settings(deadline=None, max_examples=200)
@given(intervals)
def test_merge_covers_exactly_the_union(ivs: list[Interval]) -> None:
    merged = merge(ivs)
    assert canonical(merged)
    assert covered(merged) == covered(ivs)
    assert total(ivs) == len(covered(ivs))


@settings(deadline=None, max_examples=200)
@given(intervals, intervals)
def test_intersect_covers_exactly_the_common_points(a: list[Interval], b: list[Interval]) -> None:
    result = intersect(a, b)
    assert canonical(result)
    assert covered(result) == covered(a) & covered(b)


@settings(deadline=None, max_examples=200)
@given(intervals, intervals)
def test_subtract_covers_exactly_the_difference(a: list[Interval], b: list[Interval]) -> None:
    result = subtract(a, b)
    assert canonical(result)
    assert covered(result) == covered(a) - covered(b)


@settings(deadline=None, max_examples=200)
@given(intervals, st.integers(0, 160), st.integers(0, 60))
def test_clip_keeps_only_the_window(a: list[Interval], start: int, length: int) -> None:
    assert covered(clip(a, start, start + length)) == covered(a) & set(range(start, start + length))


def test_a_window_ends_where_the_next_interval_starts() -> None:
    # Meetings 00:00-00:10 and 00:20-00:30; the window 00:05-00:20 holds only 00:05-00:10: the
    # meeting that starts as the window ends is not in it, not even as an empty piece.
    merged = [(0, 600), (1200, 1800)]
    assert window(merged, [600, 1800], 300, 1200) == [(300, 600)]


@settings(deadline=None, max_examples=200)
@given(intervals, st.integers(0, 160), st.integers(1, 60))
def test_a_window_of_merged_intervals_is_their_clip(
    a: list[Interval], start: int, length: int
) -> None:
    merged = merge(a)
    ends = [end for _, end in merged]
    assert window(merged, ends, start, start + length) == clip(merged, start, start + length)
