"""Bounded, jittered retries shared by the provider connectors (STYLE 8).

A `Retrier` runs one call at a time with retries of the provider's retryable error only: full
jitter (uniform in [0, cap], the cap doubling per attempt), a `Retry-After` honoured, a bounded
number of attempts per call and a total wait budget per retrier (one sync or one write), every
pause logged. The pause is taken outside any lock or slot. Sleep and randomness are injected so
tests run instantly and deterministically. Each provider subclasses it with its error types, its
policy and whether a `Retry-After` is the exact wait or a floor under the jitter.

A `Retry-After` is never shortened: `max_delay_seconds` caps only our own backoff. When the wait
a provider asks for is more than the budget has left, the retrier gives up at once, without
waiting, with the provider's exhausted error (caused by the provider's error, which carries the
`Retry-After`), so the task queue tries again later instead of the call being repeated too soon.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per call and a total wait budget per `Retrier` (one sync or one write)."""

    max_attempts_per_call: int = 6
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 32.0  # our own backoff's longest pause; never cuts a Retry-After
    max_total_wait_seconds: float = 300.0  # below a Celery visibility timeout of one hour


@dataclass
class Retrier:
    """Runs calls with retries; `total_wait_seconds` sums every pause taken. Thread-safe."""

    # What a provider's subclass sets: its log, its errors, and how it reads `Retry-After`.
    label: ClassVar[str] = "provider"
    log: ClassVar[logging.Logger] = logging.getLogger("connectors")
    retryable: ClassVar[type[Exception]] = Exception
    exhausted: ClassVar[Callable[..., Exception]] = RuntimeError
    retry_after_is_exact: ClassVar[bool] = False
    # The error's attribute naming the provider's reason or code (logged, and passed on).
    detail: ClassVar[str | None] = None

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    total_wait_seconds: float = 0.0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __init_subclass__(
        cls,
        *,
        label: str | None = None,
        logger: str | None = None,
        retryable: type[Exception] | None = None,
        exhausted: Callable[..., Exception] | None = None,
        detail: str | None = None,
        retry_after_is_exact: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """A provider's retrier names its settings in its class line: `class R(Retrier, ...)`;
        a subclass of that one keeps whatever it does not name again."""
        super().__init_subclass__(**kwargs)
        if label is not None:
            cls.label = label
        if logger is not None:
            cls.log = logging.getLogger(logger)
        if retryable is not None:
            cls.retryable = retryable
        if exhausted is not None:
            cls.exhausted = exhausted
        if detail is not None:
            cls.detail = detail
        if retry_after_is_exact is not None:
            cls.retry_after_is_exact = retry_after_is_exact

    def call(self, what: str, action: Callable[[], T]) -> T:
        attempt = 1
        while True:
            try:
                return action()
            except self.retryable as error:
                delay = self._delay(attempt, getattr(error, "retry_after_seconds", None))
                with self._lock:
                    budget_left = self.policy.max_total_wait_seconds - self.total_wait_seconds
                    give_up = attempt >= self.policy.max_attempts_per_call or delay > budget_left
                    if not give_up:
                        self.total_wait_seconds += delay
                        self.retries += 1
                if give_up:
                    too_long = (
                        f"; the next wait ({delay:.1f} s) is more than the "
                        f"{max(0.0, budget_left):.1f} s left of the time budget"
                        if delay > budget_left
                        else ""
                    )
                    self.log.warning(
                        "%s %s: giving up after %d attempts and %.1f s of waiting in total%s",
                        self.label,
                        what,
                        attempt,
                        self.total_wait_seconds,
                        too_long,
                    )
                    raise self._exhausted(error, attempt, too_long) from error
                self.log.info(
                    "%s %s: %s %s, attempt %d, waiting %.2f s",
                    self.label,
                    what,
                    getattr(error, "status", None),
                    self._detail(error) or "",
                    attempt,
                    delay,
                )
                self.sleep(delay)
                attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        # A Retry-After is the provider's word: never cut short (one that does not fit the
        # budget ends the retries in `call` instead).
        if retry_after is not None and self.retry_after_is_exact:
            return retry_after
        # Full jitter (AWS architecture blog): uniform in [0, cap], never below Retry-After.
        cap = min(
            self.policy.max_delay_seconds, self.policy.base_delay_seconds * 2.0 ** (attempt - 1)
        )
        delay = cap * float(self.jitter())
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _detail(self, error: Any) -> str | None:
        return getattr(error, self.detail) if self.detail else None

    def _exhausted(self, error: Any, attempt: int, too_long: str = "") -> Exception:
        named = {self.detail: self._detail(error)} if self.detail else {}
        return self.exhausted(
            error.where,
            f"{error.problem}; gave up after {attempt} attempts and "
            f"{self.total_wait_seconds:.1f} s of waiting{too_long}",
            status=error.status,
            **named,
        )


def retry_after_seconds(value: str | None) -> float | None:
    """A `Retry-After` header in seconds (Google's whole, Graph's possibly fractional "2.128").

    An HTTP date is rare from these providers and then ignored: the backoff applies.
    """
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
