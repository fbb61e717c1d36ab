"""Throttling for Graph (STYLE 8): a per-mailbox limit on requests in flight, and bounded retries.

Outlook allows 4 concurrent requests per app and mailbox (calendar-apis.md B.4). `MailboxLimiter`
holds one semaphore of 4 per mailbox *in this process*; several worker processes on one mailbox
each have their own (a broker-wide semaphore would be needed for that, see docs/microsoft.md).

`Retrier` retries only `RetryableError` (429, 5xx, connection failures): it honours `Retry-After`,
else waits with full jitter, bounded in attempts per call and in total waiting per sync or write.
The pause is taken outside the semaphore, so a throttled call does not hold a slot while it waits.
Sleep and randomness are injected so tests run instantly and deterministically.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from connectors.microsoft.errors import RetriesExhaustedError, RetryableError

T = TypeVar("T")
log = logging.getLogger("connectors.microsoft")

MAX_IN_FLIGHT_PER_MAILBOX = 4


class MailboxSlots(Protocol):
    """What Graph requests wait on: a slot of a mailbox's in-flight limit (per process here,
    shared by every worker through Redis in `worker.limits`)."""

    def slot(self, mailbox: str) -> AbstractContextManager[None]: ...


class MailboxLimiter:
    """At most `limit` requests in flight per mailbox (case-insensitive address or id)."""

    def __init__(self, limit: int = MAX_IN_FLIGHT_PER_MAILBOX) -> None:
        if limit < 1:
            raise ValueError("the limit must be at least 1")
        self.limit = limit
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, mailbox: str) -> Iterator[None]:
        key = mailbox.strip().lower()
        with self._lock:
            semaphore = self._semaphores.setdefault(key, threading.BoundedSemaphore(self.limit))
        with semaphore:
            yield


# One per process: every client in this process shares it unless a test hands in its own.
PROCESS_LIMITER = MailboxLimiter()


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per call and a total wait budget per `Retrier` (one sync or one write)."""

    max_attempts_per_call: int = 8
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 60.0
    max_total_wait_seconds: float = 600.0  # below a Celery visibility timeout of one hour


@dataclass
class Retrier:
    """Runs calls with retries; `total_wait_seconds` sums every pause taken. Thread-safe."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    total_wait_seconds: float = 0.0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def call(self, what: str, action: Callable[[], T]) -> T:
        attempt = 1
        while True:
            try:
                return action()
            except RetryableError as error:
                delay = self._delay(attempt, error.retry_after_seconds)
                with self._lock:
                    budget_left = self.policy.max_total_wait_seconds - self.total_wait_seconds
                    give_up = attempt >= self.policy.max_attempts_per_call or delay > budget_left
                    if not give_up:
                        self.total_wait_seconds += delay
                        self.retries += 1
                if give_up:
                    log.warning(
                        "graph %s: giving up after %d attempts and %.1f s of waiting in total",
                        what,
                        attempt,
                        self.total_wait_seconds,
                    )
                    raise RetriesExhaustedError(
                        error.where,
                        f"{error.problem}; gave up after {attempt} attempts and "
                        f"{self.total_wait_seconds:.1f} s of waiting",
                        status=error.status,
                        code=error.code,
                    ) from error
                log.info(
                    "graph %s: %s %s, attempt %d, waiting %.2f s",
                    what,
                    error.status,
                    error.code or "",
                    attempt,
                    delay,
                )
                self.sleep(delay)
                attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            # Graph says how long; waiting exactly that is what its throttling guide asks.
            return min(retry_after, self.policy.max_delay_seconds)
        cap = min(
            self.policy.max_delay_seconds, self.policy.base_delay_seconds * 2.0 ** (attempt - 1)
        )
        return cap * float(self.jitter())
