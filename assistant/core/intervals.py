"""Half-open intervals of epoch seconds: merging, intersecting, subtracting (pure core).

Everything the indicators measure is a sum over merged intervals, so overlaps count once.
Intervals are `(start, end)` tuples of integer seconds since the epoch, `start < end`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping, non-touching union of the intervals."""
    ordered = sorted(iv for iv in intervals if iv[1] > iv[0])
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Intersection of two unions of intervals."""
    left, right = merge(a), merge(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The parts of `a` not covered by `b`."""
    out: list[Interval] = []
    cuts = merge(b)
    for start, end in merge(a):
        cursor = start
        for cut_start, cut_end in cuts:
            if cut_end <= cursor:
                continue
            if cut_start >= end:
                break
            if cut_start > cursor:
                out.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def total(intervals: Iterable[Interval]) -> int:
    """Seconds covered, overlaps counted once."""
    return sum(end - start for start, end in merge(intervals))


def clip(intervals: Iterable[Interval], start: int, end: int) -> list[Interval]:
    return intersect(intervals, [(start, end)])


def window(merged: Sequence[Interval], ends: Sequence[int], start: int, end: int) -> list[Interval]:
    """`clip` for an already merged list, given its end points: only the overlapping part is read.

    Building a day from a year of intervals this way costs a binary search, not a full pass.
    """
    out: list[Interval] = []
    for index in range(bisect_right(ends, start), len(merged)):
        iv_start, iv_end = merged[index]
        if iv_start >= end:
            break
        out.append((max(iv_start, start), min(iv_end, end)))
    return out
