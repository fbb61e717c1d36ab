"""Checks that need more than one setting at a time, after each setting is valid on its own."""

from __future__ import annotations

from rules.errors import RuleValueError
from rules.model import Rules
from rules.values import WEEKDAYS, ClockRange

KeyPath = tuple[str, ...]


def cross_checks(rules: Rules) -> list[tuple[KeyPath, RuleValueError]]:
    """Every problem of the effective rules as (setting, what is wrong)."""
    problems: list[tuple[KeyPath, RuleValueError]] = []
    ranges = [r for day in range(7) for r in rules.working_hours.for_weekday(day)]
    if not ranges:
        return [(("working_hours",), RuleValueError("no working time on any day of the week"))]
    for index, window in enumerate(rules.reflection.preferred_windows):
        if not any(_overlaps(window, r) for r in ranges):
            problems.append(
                (
                    ("reflection", "preferred_windows", str(index)),
                    RuleValueError(
                        "%(window)s lies outside the working hours of every day", window=window
                    ),
                )
            )
    if rules.lunch.enabled and not any(_overlaps(rules.lunch.window, r) for r in ranges):
        problems.append(
            (
                ("lunch", "window"),
                RuleValueError(
                    "%(window)s lies outside the working hours of every day",
                    window=rules.lunch.window,
                ),
            )
        )
    longest = max(r.end_minute - r.start_minute for r in ranges)
    for section, minutes in (
        ("reflection", rules.reflection.minutes),
        ("mini_retreat", rules.mini_retreat.minutes),
    ):
        if minutes > longest:
            problems.append(
                (
                    (section, "minutes"),
                    RuleValueError(
                        "a block of %(minutes)s min is longer than the longest stretch of "
                        "working time (%(longest)s min), so it could never be proposed",
                        minutes=minutes,
                        longest=longest,
                    ),
                )
            )
    if rules.reflection.different_days and rules.reflection.blocks_per_week > _working_days(rules):
        problems.append(
            (
                ("reflection", "blocks_per_week"),
                RuleValueError(
                    "%(blocks)s blocks on different days need more working days than the week "
                    "has (%(days)s)",
                    blocks=rules.reflection.blocks_per_week,
                    days=_working_days(rules),
                ),
            )
        )
    return problems


def _overlaps(a: ClockRange, b: ClockRange) -> bool:
    return a.start_minute < b.end_minute and b.start_minute < a.end_minute


def _working_days(rules: Rules) -> int:
    return sum(1 for day in range(len(WEEKDAYS)) if rules.working_hours.for_weekday(day))
