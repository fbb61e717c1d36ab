"""Reasons as data: what the core says about a week, as an id and its values (pure core).

The core never writes a sentence. A buffer status, a proposal, a note and a trend carry a
`Reason`; the shells (assistant.i18n.wording, used by render, mail and web) put it into the
leader's words. Values are plain data: numbers with their unit, dates, clock times, rule values,
or another reason (a level, a sub-phrase). Imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit: "minutes", "hours", "days", "share", "weeks", "count"."""

    amount: float
    unit: str


@dataclass(frozen=True, slots=True)
class Threshold:
    """A rule's bound that fired: `op` is "<", "<=", ">", ">=" or "="."""

    op: str
    bound: Quantity


@dataclass(frozen=True, slots=True)
class Change:
    """A trend's change: relative (`unit` is None, `amount` a fraction of the baseline) or, when
    measured against the input's floor, absolute in the value's unit."""

    amount: float
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Local clock times from `start` to `end` ("08:30–10:00")."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ClockWindow:
    """A window of the rules in minutes after midnight ("11:30–14:00")."""

    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class Weekday:
    """The name of a day of the week ("Tuesday"); a plain `date` reads "Tuesday 1 December"."""

    day: date


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator named by its id (its name comes from the catalogue)."""

    id: str


Value: TypeAlias = (
    "int | float | str | date | Quantity | Threshold | Change | TimeRange | ClockWindow"
    " | Weekday | Indicator | Reason | None"
)


@dataclass(frozen=True, slots=True)
class Reason:
    """What the core says, as a message id and the values it names."""

    id: str
    values: Mapping[str, Value] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def __hash__(self) -> int:
        return hash((self.id, tuple(sorted(self.values.items(), key=lambda item: item[0]))))


def reason(message_id: str, **values: Value) -> Reason:
    return Reason(message_id, values)
