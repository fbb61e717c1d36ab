"""CalDAV (Nextcloud, iCloud, Fastmail, Radicale, ...): read with sync-collection or etags, write
accepted blocks as busy events with a deterministic UID.

Built on the caldav library's request elements and httpx (client.py says why not its client);
events are read through the one iCalendar mapping (`connectors.ics`). Imports nothing of
`assistant` or `rules`: options come in as plain dataclasses, credentials and the in-flight limit
are handed in.
"""

import logging

from connectors.caldav.client import CalDavClient
from connectors.caldav.dav import Collection
from connectors.caldav.errors import (
    CalDavError,
    NeedsReauthorisationError,
    NotACalendarError,
    RetriesExhaustedError,
)
from connectors.caldav.source import CalDavSource, SyncState
from connectors.caldav.throttle import Retrier, ServerLimiter, ServerSlots, server_of
from connectors.caldav.writer import CalDavWriter, WriteResult

# A library's log: the process that runs it decides where it goes (no last-resort printing
# of a retry's warning under a command's one clear line).
logging.getLogger("connectors.caldav").addHandler(logging.NullHandler())

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
