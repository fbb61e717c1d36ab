"""Calendar I/O for agenda-regie.

This package owns the calendar vocabulary (`CalendarEvent`, `TimeWindow`, ...) and the protocols
`CalendarSource`, `IncrementalSource` and `CalendarWriter` with in-memory versions; ics/, google/
and microsoft/ implement them. It imports nothing else of agenda-regie: `assistant` depends on it,
never the other way round.
"""

from connectors.classify import ClassifyOptions, RawEvent, classify
from connectors.errors import (
    CalendarFetchError,
    CalendarParseError,
    ConnectorError,
    ProviderError,
)
from connectors.memory import MemoryIncrementalSource, MemorySource, MemoryWriter
from connectors.model import (
    Block,
    CalendarEvent,
    EventKind,
    EventStatus,
    FetchResult,
    IncrementalSync,
    Response,
    SkippedEvent,
    TimeWindow,
)
from connectors.protocols import CalendarSource, CalendarWriter, IncrementalSource

__all__ = [
    "Block",
    "CalendarEvent",
    "CalendarFetchError",
    "CalendarParseError",
    "CalendarSource",
    "CalendarWriter",
    "ClassifyOptions",
    "ConnectorError",
    "EventKind",
    "EventStatus",
    "FetchResult",
    "IncrementalSource",
    "IncrementalSync",
    "MemoryIncrementalSource",
    "MemorySource",
    "MemoryWriter",
    "ProviderError",
    "RawEvent",
    "Response",
    "SkippedEvent",
    "TimeWindow",
    "classify",
]
