"""CalDAV (Nextcloud, iCloud, Fastmail, Radicale, ...): read with sync-collection or etags, write
accepted blocks as busy events with a deterministic UID.

Built on the caldav library's client, elements and parsers; events are read through the one
iCalendar mapping (`connectors.ics`). Imports nothing of `assistant` or `rules`: options come in
as plain dataclasses, credentials and the in-flight limit are handed in.
"""

from connectors.caldav.client import CalDavClient, Collection
from connectors.caldav.errors import (
    CalDavError,
    NeedsReauthorisationError,
    NotACalendarError,
    RetriesExhaustedError,
)
from connectors.caldav.source import CalDavSource, SyncState
from connectors.caldav.throttle import Retrier, ServerLimiter, ServerSlots, server_of
from connectors.caldav.writer import CalDavWriter, WriteResult

__all__ = [
    "CalDavClient",
    "CalDavError",
    "CalDavSource",
    "CalDavWriter",
    "Collection",
    "NeedsReauthorisationError",
    "NotACalendarError",
    "Retrier",
    "RetriesExhaustedError",
    "ServerLimiter",
    "ServerSlots",
    "SyncState",
    "WriteResult",
    "server_of",
]
