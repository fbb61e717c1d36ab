"""Microsoft 365 (Graph): read with calendarView delta, write accepted blocks as busy events.

Imports nothing of `assistant` or `rules`: options come in as plain dataclasses, the HTTP client
and the token source are injected. `mapping` is the only module that reads Graph's event JSON.
"""

from connectors.microsoft.errors import (
    AccessDeniedError,
    GraphError,
    NeedsReauthorisationError,
    RetriesExhaustedError,
    map_http_error,
)
from connectors.microsoft.graph import GRAPH_URL, GraphClient, TokenSource
from connectors.microsoft.source import MicrosoftSource, SyncResult, SyncState
from connectors.microsoft.throttle import MailboxLimiter, Retrier, RetryPolicy
from connectors.microsoft.writer import Block, MicrosoftWriter, WriteResult

__all__ = [
    "GRAPH_URL",
    "AccessDeniedError",
    "Block",
    "GraphClient",
    "GraphError",
    "MailboxLimiter",
    "MicrosoftSource",
    "MicrosoftWriter",
    "NeedsReauthorisationError",
    "Retrier",
    "RetriesExhaustedError",
    "RetryPolicy",
    "SyncResult",
    "SyncState",
    "TokenSource",
    "WriteResult",
    "map_http_error",
]
