"""Limits for CalDAV servers (STYLE 8): requests in flight per server, and bounded retries.

A CalDAV server is often one organisation's Nextcloud on a modest machine, shared by all its
leaders; `ServerLimiter` keeps at most `limit` requests in flight per server (scheme, host and
port) *in this process*; the workers share one across processes and machines through Redis
(`worker.limits`); both are `ServerSlots`.

`Retrier` (the shared `connectors.backoff` loop) retries only `RetryableError` (429, 5xx, no
answer), honouring `Retry-After` as a floor under the jitter, bounded in attempts per call and
in total waiting per sync or write. The pause is taken outside the slot.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from connectors.backoff import Retrier as _Retrier
from connectors.backoff import RetryPolicy
from connectors.caldav.errors import RetriesExhaustedError, RetryableError
from connectors.limits import KeyedLimiter

MAX_IN_FLIGHT_PER_SERVER = 4


def server_of(url: str) -> str:
    """The server a limit applies to: scheme, host and port, lower case ("https://cloud.nl:443")."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


class ServerSlots(Protocol):
    """What CalDAV requests wait on: a slot of a server's in-flight limit (per process here,
    shared by every worker through Redis in `worker.limits`)."""

    def slot(self, server: str) -> AbstractContextManager[None]: ...


class ServerLimiter(KeyedLimiter):
    """At most `limit` requests in flight per server (`server_of`), in this process."""

    def __init__(self, limit: int = MAX_IN_FLIGHT_PER_SERVER) -> None:
        super().__init__(limit)


# One per process: every CalDAV client in this process shares it unless handed another.
PROCESS_LIMITER = ServerLimiter()


@dataclass
class Retrier(
    _Retrier,
    label="caldav",
    logger="connectors.caldav",
    retryable=RetryableError,
    exhausted=RetriesExhaustedError,
):
    """CalDAV's retries: the shared policy, a `Retry-After` as the least wait."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
