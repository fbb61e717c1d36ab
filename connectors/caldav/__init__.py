"""CalDAV (Nextcloud, iCloud, Fastmail, Radicale, ...): read with sync-collection or etags, write
accepted blocks as busy events with a deterministic UID.

Built on the caldav library's request elements and httpx (client.py says why not its client);
events are read through the one iCalendar mapping (`connectors.ics`). Imports nothing of
`assistant` or `rules`: options come in as plain dataclasses, credentials and the in-flight limit
are handed in.
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Loaded when first asked for: telling whether a location is a CalDAV address
# (`connectors.caldav.address`) needs neither httpx nor the caldav library.
_HOMES = {
    "CalDavClient": "client",
    "Collection": "dav",
    "CalDavError": "errors",
    "NeedsReauthorisationError": "errors",
    "NotACalendarError": "errors",
    "RetriesExhaustedError": "errors",
    "CalDavSource": "source",
    "SyncState": "source",
    "Retrier": "throttle",
    "ServerLimiter": "throttle",
    "ServerSlots": "throttle",
    "server_of": "throttle",
    "CalDavWriter": "writer",
    "WriteResult": "writer",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


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
