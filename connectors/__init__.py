"""Calendar I/O for agenda-regie.

This package owns the calendar vocabulary (`CalendarEvent`, `TimeWindow`, ...) and the
`CalendarSource` protocol. It imports nothing else of agenda-regie: `assistant` depends on it,
never the other way round.
"""

from connectors.classify import ClassifyOptions, RawEvent, classify
from connectors.errors import CalendarFetchError, CalendarParseError, ConnectorError
from connectors.memory import MemorySource
from connectors.model import (
    CalendarEvent,
    CalendarSource,
    EventKind,
    EventStatus,
    FetchResult,
    Response,
    SkippedEvent,
    TimeWindow,
)

__all__ = [
    "CalendarEvent",
    "CalendarFetchError",
    "CalendarParseError",
    "CalendarSource",
    "ClassifyOptions",
    "ConnectorError",
    "EventKind",
    "EventStatus",
    "FetchResult",
    "MemorySource",
    "RawEvent",
    "Response",
    "SkippedEvent",
    "TimeWindow",
    "classify",
]
