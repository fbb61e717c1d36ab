"""Throttling for Graph (STYLE 8): a per-mailbox limit on requests in flight, and bounded retries.

Outlook allows 4 concurrent requests per app and mailbox (calendar-apis.md B.4). `MailboxLimiter`
holds one semaphore of 4 per mailbox *in this process*; the workers share one across processes
and machines through Redis (`worker.limits`); both are `MailboxSlots`.

`Retrier` (the shared `connectors.backoff` loop) retries only `RetryableError` (429, 5xx,
connection failures): it waits exactly the `Retry-After` Graph gives, else with full jitter,
bounded in attempts per call and in total waiting per sync or write. The pause is taken outside
the semaphore, so a throttled call does not hold a slot while it waits.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from connectors.backoff import Retrier as _Retrier
from connectors.backoff import RetryPolicy as _RetryPolicy
from connectors.limits import KeyedLimiter
from connectors.microsoft.errors import RetriesExhaustedError, RetryableError

MAX_IN_FLIGHT_PER_MAILBOX = 4


class MailboxSlots(Protocol):
    """What Graph requests wait on: a slot of a mailbox's in-flight limit (per process here,
    shared by every worker through Redis in `worker.limits`)."""

    def slot(self, mailbox: str) -> AbstractContextManager[None]: ...


class MailboxLimiter(KeyedLimiter):
    """At most `limit` requests in flight per mailbox (case-insensitive address or id)."""

    def __init__(self, limit: int = MAX_IN_FLIGHT_PER_MAILBOX) -> None:
        super().__init__(limit)

    def key(self, name: str) -> str:
        return name.strip().lower()


# One per process: every client in this process shares it unless a test hands in its own.
PROCESS_LIMITER = MailboxLimiter()


@dataclass(frozen=True)
class RetryPolicy(_RetryPolicy):
    """Graph's policy: more attempts and a longer budget than Google's."""

    max_attempts_per_call: int = 8
    max_delay_seconds: float = 60.0
    max_total_wait_seconds: float = 600.0  # below a Celery visibility timeout of one hour


@dataclass
class Retrier(
    _Retrier,
    label="graph",
    logger="connectors.microsoft",
    retryable=RetryableError,
    exhausted=RetriesExhaustedError,
    detail="code",
    retry_after_is_exact=True,
):
    """Graph's retries: a `Retry-After` is waited exactly, as Graph's throttling guide asks."""

    policy: _RetryPolicy = field(default_factory=RetryPolicy)
