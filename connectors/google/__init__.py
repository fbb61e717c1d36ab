"""Google Calendar v3: read with incremental sync, write accepted blocks as Focus Time.

Imports nothing of `assistant` or `rules`: options come in as plain dataclasses, the service
object is injected. `mapping` is the only module that reads Google's event JSON.
"""

from connectors.google.errors import (
    AccessDeniedError,
    GoogleError,
    NeedsReauthorisationError,
    RetriesExhaustedError,
    map_http_error,
)
from connectors.google.retry import Retrier, RetryPolicy
from connectors.google.source import GoogleSource, SyncResult, SyncState

__all__ = [
    "AccessDeniedError",
    "GoogleError",
    "GoogleSource",
    "NeedsReauthorisationError",
    "Retrier",
    "RetriesExhaustedError",
    "RetryPolicy",
    "SyncResult",
    "SyncState",
    "map_http_error",
]
