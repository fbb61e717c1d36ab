"""The iCalendar source: a .ics file or feed (http, https, webcal) read as CalendarEvents.

icalendar parses, recurring-ical-events expands one series (one UID) at a time, only around
the window and under an occurrence cap, so neither a broken event nor a pathological rule can
spoil or hang a review: the former is skipped and counted, the latter skipped once it passes the
cap. A file that cannot be fetched raises CalendarFetchError, one that is no calendar at all
CalendarParseError.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from connectors.classify import ClassifyOptions
from connectors.ics.budget import Budget, BudgetExceeded, Spending
from connectors.ics.expand import TooFine, TooManyOccurrences, expand
from connectors.ics.fetch import MEGABYTE, Limits, Location, read_text
from connectors.ics.mapping import Reader, address, to_event
from connectors.ics.parse import parse
from connectors.ics.series import Loaded, Reading, expansion_problem, prepare
from connectors.memory import MemorySource
from connectors.model import CalendarEvent, FetchResult, SkippedEvent, TimeWindow

if TYPE_CHECKING:
    import httpx

# Library queries are widened by a day on each side: all-day dates only get their real start
# (midnight in the leader's zone) after expansion; the exact window is applied at the end.
_QUERY_MARGIN = timedelta(days=1)
TOO_FINE = (
    "repeats every second or minute with conditions (FREQ=SECONDLY or MINUTELY with BY... "
    "parts), which is not read"
)


class IcsSource:
    """A CalendarSource reading one iCalendar file or feed, loaded once and kept parsed."""

    def __init__(
        self,
        location: str | Path,
        *,
        zone: ZoneInfo,
        me: Iterable[str] = (),
        classify: ClassifyOptions = ClassifyOptions(),  # noqa: B008 - frozen, never mutated
        http_client: httpx.Client | None = None,
        timeout_seconds: float = 15.0,
        max_bytes: int = 50 * MEGABYTE,
        max_occurrences: int = 20_000,
        text: str | None = None,
        allowed_hosts: Iterable[str] = (),
        budget: Budget = Budget(),  # noqa: B008 - frozen, never mutated
    ) -> None:
        """`text`: the calendar already read (a conditional fetch); `location` then only names
        it. `allowed_hosts`: hosts whose feeds may be on a private network (fetch.Limits)."""
        self._location = Location.of(location)
        self._limits = Limits(max_bytes, timeout_seconds, frozenset(allowed_hosts))
        self._http_client = http_client
        self._zone = zone
        self._reader = Reader(
            zone=zone,
            me=frozenset(filter(None, (address(m) for m in me))),
            options=classify,
            source=self._location.name,
        )
        self._max_occurrences = max_occurrences
        self._budget = budget
        self._loaded: Loaded | None = None
        self._text = text

    @property
    def name(self) -> str:
        return self._location.name

    def fetch(self, window: TimeWindow) -> FetchResult:
        loaded = self._load()
        events, skipped = occurrences(
            loaded, window, self._reader, self._max_occurrences, self._budget
        )
        # The reference source decides overlap and order, so every source agrees on boundaries.
        kept = MemorySource(events, name=self.name).fetch(window)
        return FetchResult(events=kept.events, skipped=(*loaded.skipped, *skipped))

    def _load(self) -> Loaded:
        if self._loaded is None:
            text = self._text
            if text is None:
                text = read_text(self._location, self._limits, self._http_client)
            self._loaded = load_text(
                text, self._location.where, self.name, self._zone, self._budget
            )
        return self._loaded


def load_text(
    text: str,
    where: str,
    name: str,
    zone: ZoneInfo,
    budget: Budget = Budget(),  # noqa: B008 - frozen, never mutated
) -> Loaded:
    """iCalendar text parsed and grouped into series; CalendarParseError when it is no calendar.

    Shared by every source that reads iCalendar: a file, a feed, each resource of a CalDAV
    calendar (one mapping for all of them)."""
    calendars, vevent_lines = parse(text, where, budget)
    return prepare(calendars, vevent_lines, Reading(name=name, where=where, zone=zone))


def occurrences(
    loaded: Loaded,
    window: TimeWindow,
    reader: Reader,
    max_occurrences: int,
    budget: Budget = Budget(),  # noqa: B008 - frozen, never mutated
) -> tuple[list[CalendarEvent], list[SkippedEvent]]:
    """The classified occurrences of the loaded series around `window` (a day more on each side;
    the caller cuts exactly), one per id, and the series that had to be skipped. Raises
    BudgetExceeded when the whole calendar takes more steps or time than `budget` allows.

    All the series are expanded under the calendar's time budget at once (one thread, abandoned
    when the time is up: `Spending.within_time`)."""
    spending = Spending(budget, loaded.where or reader.source)
    return spending.within_time(
        lambda: _expand_all(loaded, window, reader, max_occurrences, spending)
    )


def _expand_all(
    loaded: Loaded,
    window: TimeWindow,
    reader: Reader,
    max_occurrences: int,
    spending: Spending,
) -> tuple[list[CalendarEvent], list[SkippedEvent]]:
    query_start = window.start.astimezone(reader.zone) - _QUERY_MARGIN
    query_end = window.end.astimezone(reader.zone) + _QUERY_MARGIN
    skipped: list[SkippedEvent] = []
    candidates: dict[str, CalendarEvent] = {}
    for series in loaded.series:
        try:
            found = expand(series.series, query_start, query_end, max_occurrences, spending)
            events = [to_event(o, series.uid, series.recurring, reader) for o in found]
        except TooManyOccurrences:
            reason = (
                f"repeats too often: more than {max_occurrences} occurrences "
                "up to the end of the window"
            )
            skipped.append(SkippedEvent(series.where, reason))
            continue
        except TooFine:
            skipped.append(SkippedEvent(series.where, TOO_FINE))
            continue
        except BudgetExceeded:
            raise
        except Exception as error:  # third-party expansion of untrusted data: skip the series
            skipped.append(SkippedEvent(series.where, expansion_problem(error)))
            continue
        for event in events:
            if event is not None:
                candidates.setdefault(event.id, event)
    return list(candidates.values()), skipped
