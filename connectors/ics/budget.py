"""What reading one calendar may cost: events in the file, recurrence steps and wall time.

A small file can describe endless work (fifty rules repeating every second that never match a
day, two thousand series each just under the per-series cap, a million events), so the whole
file has a budget, not only each series. Past any of them the calendar is refused with a clear
error naming that budget (`BudgetExceeded`, a CalendarParseError), and nothing of it is used.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from connectors.errors import CalendarParseError

T = TypeVar("T")

EVENTS = "holds more than %(limit)s events, more than one calendar may hold"
STEPS = (
    "its recurring events repeat more than %(limit)s times up to the end of the window, "
    "more than one calendar may take"
)
SECONDS = (
    "reading its recurring events took longer than %(limit)s seconds, the limit for one calendar"
)


class BudgetExceeded(CalendarParseError):
    """The calendar asks for more work than one calendar may take; `budget` names which."""

    def __init__(self, where: str, template: str, limit: object) -> None:
        super().__init__(where, template, values={"limit": limit})


@dataclass(frozen=True)
class Budget:
    """The most one calendar may take: VEVENTs in the file, recurrence steps (every instance a
    rule walks through, not only those kept) and seconds of expansion, per read."""

    max_events: int = 100_000
    max_steps: int = 1_000_000
    max_seconds: float = 10.0


@dataclass
class Spending:
    """What one read has spent so far of its `budget`."""

    budget: Budget
    where: str
    steps: int = 0
    started: float = field(default_factory=time.monotonic)

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.budget.max_steps:
            raise BudgetExceeded(self.where, STEPS, self.budget.max_steps)

    def seconds_left(self) -> float:
        left = self.budget.max_seconds - (time.monotonic() - self.started)
        if left <= 0:
            raise BudgetExceeded(self.where, SECONDS, f"{self.budget.max_seconds:g}")
        return left

    def within_time(self, work: Callable[[], T]) -> T:
        """`work()`'s result, or BudgetExceeded when it is not done in the time left.

        A rule that never matches a day makes dateutil walk day by day to the year 9999 without
        yielding anything, so the time cannot be checked between instances; the work runs in a
        daemon thread that is abandoned when the time is up (the process or the task ends it).
        """
        left = self.seconds_left()
        outcome: list[T] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                outcome.append(work())
            except BaseException as error:  # handed to the caller below
                failure.append(error)

        worker = threading.Thread(target=run, daemon=True, name="calendar-expansion")
        worker.start()
        worker.join(left)
        if worker.is_alive():
            raise BudgetExceeded(self.where, SECONDS, f"{self.budget.max_seconds:g}")
        if failure:
            raise failure[0]
        return outcome[0]


def check_events(count: int, where: str, budget: Budget) -> None:
    if count > budget.max_events:
        raise BudgetExceeded(where, EVENTS, budget.max_events)
