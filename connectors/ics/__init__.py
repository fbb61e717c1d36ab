"""iCalendar (a .ics file or an http, https or webcal feed) as a CalendarSource.

fetch (bounded reading) -> parse -> series (grouped by UID) -> expand (bounded recurrence)
-> mapping (occurrence -> CalendarEvent); time makes every time aware. Imports nothing of
agenda-regie outside connectors.
"""

from connectors.ics.mapping import OUR_MARKER_PROPERTY, OUR_MARKER_VALUE
from connectors.ics.source import IcsSource

__all__ = ["OUR_MARKER_PROPERTY", "OUR_MARKER_VALUE", "IcsSource"]
