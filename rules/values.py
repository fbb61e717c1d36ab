"""The small value types of the rules: clock times and ranges, comparisons, weekdays, kinds.

Imports nothing of agenda-regie.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
)

from rules.errors import RuleValueError

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# HH:MM, or HH:MM:00 as rules stored with a leader's history are written.
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::00)?\s*$")
_COMPARISON = re.compile(r"^\s*(<=|>=|<|>|=)\s*(target|-?\d+(?:\.\d+)?)\s*$")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ProposalKind = Literal["reflection", "recovery", "lunch", "mini_retreat"]
PROPOSAL_KINDS: tuple[ProposalKind, ...] = ("reflection", "recovery", "lunch", "mini_retreat")


def parse_clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match:
        raise RuleValueError("%(text)r is not a time of day like 13:00", text=text)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise RuleValueError("%(text)r is not a valid time of day", text=text)
    return time(hour, minute)


class ClockRange(BaseModel):
    """A local time range "HH:MM-HH:MM" on one day; 24:00 is allowed as an end."""

    model_config = ConfigDict(frozen=True)
    start_minute: int
    end_minute: int

    @classmethod
    def parse(cls, text: str) -> ClockRange:
        match = _RANGE.match(text)
        if not match:
            raise RuleValueError("%(text)r is not a time range like 08:30-17:30", text=text)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
            raise RuleValueError("%(text)r is not a valid time range", text=text)
        if end <= start:
            raise RuleValueError("%(text)r ends before it starts", text=text)
        return cls(start_minute=start, end_minute=end)

    def __str__(self) -> str:
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _to_clock(value: object) -> object:
    if isinstance(value, str):
        return parse_clock(value)
    if isinstance(value, int | float):
        # YAML 1.1 reads an unquoted 13:00 as the number 780 (base 60), not as a time of day.
        raise RuleValueError(
            '%(value)r is not a time of day; write it in quotes, like "13:00"', value=value
        )
    return value


def _to_range(value: object) -> object:
    return ClockRange.parse(value) if isinstance(value, str) else value


class Comparison(BaseModel):
    """A threshold such as ">= 0.60"; `target` stands for reflection_target_minutes."""

    model_config = ConfigDict(frozen=True)
    op: Literal["<", "<=", ">", ">=", "="]
    value: float | Literal["target"]

    @classmethod
    def parse(cls, text: str) -> Comparison:
        match = _COMPARISON.match(str(text))
        if not match:
            raise RuleValueError(
                "%(text)r is not a comparison like '>= 0.60' or '< 10' (operators < <= > >= =)",
                text=text,
            )
        raw = match.group(2)
        value: float | Literal["target"] = "target" if raw == "target" else float(raw)
        return cls(op=match.group(1), value=value)

    def holds(self, measured: float, target: float) -> bool:
        bound = target if self.value == "target" else float(self.value)
        if self.op == "<":
            return measured < bound
        if self.op == "<=":
            return measured <= bound
        if self.op == ">":
            return measured > bound
        if self.op == ">=":
            return measured >= bound
        return measured == bound

    def __str__(self) -> str:
        value = self.value if self.value == "target" else f"{self.value:g}"
        return f"{self.op} {value}"
