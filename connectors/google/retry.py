"""Deliberate retries for Google calls (STYLE 8): named errors only, bounded, jittered, logged.

Retried: `RetryableError` (403 rate limits, 429, 5xx), honouring `Retry-After`. Never retried:
other 4xx, and `NeedsReauthorisationError` (a failed refresh is terminal). The 401 case is handled
one level down: the authorised transport refreshes the token once and repeats the request.

Sleep and randomness are injected so tests run instantly and deterministically.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from connectors.google.errors import RetriesExhaustedError, RetryableError

T = TypeVar("T")
log = logging.getLogger("connectors.google")


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per call and a total wait budget per `Retrier` (one sync or one write)."""

    max_attempts_per_call: int = 6
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 32.0
    max_total_wait_seconds: float = 300.0  # below a Celery visibility timeout of one hour


@dataclass
class Retrier:
    """Runs calls with retries; `total_wait_seconds` sums every pause it took."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    total_wait_seconds: float = 0.0
    retries: int = 0

    def call(self, what: str, action: Callable[[], T]) -> T:
        attempt = 1
        while True:
            try:
                return action()
            except RetryableError as error:
                delay = self._delay(attempt, error.retry_after_seconds)
                budget_left = self.policy.max_total_wait_seconds - self.total_wait_seconds
                if attempt >= self.policy.max_attempts_per_call or delay > budget_left:
                    log.warning(
                        "google %s: giving up after %d attempts and %.1f s of waiting in total",
                        what,
                        attempt,
                        self.total_wait_seconds,
                    )
                    raise RetriesExhaustedError(
                        error.where,
                        f"{error.problem}; gave up after {attempt} attempts and "
                        f"{self.total_wait_seconds:.1f} s of waiting",
                        status=error.status,
                        reason=error.reason,
                    ) from error
                log.info(
                    "google %s: %s %s, attempt %d, waiting %.2f s",
                    what,
                    error.status,
                    error.reason or "",
                    attempt,
                    delay,
                )
                self.sleep(delay)
                self.total_wait_seconds += delay
                self.retries += 1
                attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        # Full jitter (AWS architecture blog): uniform in [0, cap], never below Retry-After.
        cap = min(
            self.policy.max_delay_seconds, self.policy.base_delay_seconds * 2.0 ** (attempt - 1)
        )
        delay = cap * float(self.jitter())
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.policy.max_delay_seconds))
        return delay
