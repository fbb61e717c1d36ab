"""Reading the hand-made calendars of calendars/ in the iCalendar tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors import FetchResult, TimeWindow
from connectors.ics import IcsSource
from tests.contracts.source import AMSTERDAM, ME, at

CALENDARS = Path(__file__).parent / "calendars"
TOKYO = ZoneInfo("Asia/Tokyo")
MARCH = TimeWindow(at(date(2026, 3, 1), 0), at(date(2026, 4, 1), 0))


def read(
    name: str, window: TimeWindow = MARCH, zone: ZoneInfo = AMSTERDAM, max_occurrences: int = 20_000
) -> FetchResult:
    source = IcsSource(CALENDARS / name, zone=zone, me=[ME], max_occurrences=max_occurrences)
    return source.fetch(window)


def local_starts(result: FetchResult, zone: ZoneInfo = AMSTERDAM) -> list[str]:
    return [f"{e.start.astimezone(zone):%m-%d %H:%M}" for e in result]
