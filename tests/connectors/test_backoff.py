"""The shared retry loop (`connectors.backoff.Retrier`) through both providers' subclasses: a
`Retry-After` is never shortened; one longer than the time budget has left ends the retries at
once with the provider's exhausted error, so the task queue tries again later."""

from __future__ import annotations

import logging

import pytest

from connectors.backoff import RetryPolicy, retry_after_seconds
from connectors.google import errors as google_errors
from connectors.google.retry import Retrier as GoogleRetrier
from connectors.google.retry import RetryPolicy as GoogleRetryPolicy
from connectors.microsoft import errors as graph_errors
from connectors.microsoft.throttle import Retrier as GraphRetrier
from connectors.microsoft.throttle import RetryPolicy as GraphRetryPolicy

WHERE = "https://calendar.example.org/events"


def throttled_graph(retry_after: float | None) -> graph_errors.ThrottledError:
    return graph_errors.ThrottledError(
        WHERE, "Graph answered 429", status=429, code="TooManyRequests",
        retry_after_seconds=retry_after,
    )  # fmt: skip


def throttled_google(retry_after: float | None) -> google_errors.RetryableError:
    return google_errors.RetryableError(
        WHERE, "Google answered 429", status=429, reason="rateLimitExceeded",
        retry_after_seconds=retry_after,
    )  # fmt: skip


class Answers:
    """Fails with the given errors in turn, then answers "done"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def test_graph_waits_a_retry_after_above_the_longest_backoff_in_full() -> None:
    sleeps: list[float] = []
    retrier = GraphRetrier(GraphRetryPolicy(), sleep=sleeps.append)
    assert retrier.call("list events", Answers(throttled_graph(120.0))) == "done"
    assert sleeps == [120.0]
    assert retrier.total_wait_seconds == 120.0


def test_google_takes_a_retry_after_above_the_longest_backoff_as_a_floor() -> None:
    sleeps: list[float] = []
    retrier = GoogleRetrier(GoogleRetryPolicy(), sleep=sleeps.append, jitter=lambda: 1.0)
    assert retrier.call("list events", Answers(throttled_google(90.0))) == "done"
    assert sleeps == [90.0]


@pytest.mark.parametrize(
    ("retrier", "error", "exhausted"),
    [
        (
            GraphRetrier(GraphRetryPolicy(max_total_wait_seconds=100.0)),
            throttled_graph(120.0),
            graph_errors.RetriesExhaustedError,
        ),
        (
            GoogleRetrier(GoogleRetryPolicy(max_total_wait_seconds=100.0)),
            throttled_google(120.0),
            google_errors.RetriesExhaustedError,
        ),
    ],
    ids=["graph", "google"],
)
def test_a_retry_after_beyond_the_budget_left_gives_up_at_once_without_waiting(
    retrier: GraphRetrier | GoogleRetrier, error: Exception, exhausted: type[Exception]
) -> None:
    sleeps: list[float] = []
    retrier.sleep = sleeps.append
    answers = Answers(error)
    with pytest.raises(exhausted) as raised:
        retrier.call("list events", answers)
    assert (answers.calls, sleeps) == (1, [])
    assert "next wait (120.0 s) is more than the 100.0 s left" in str(raised.value)
    assert raised.value.__cause__ is error  # which carries the Retry-After for the task queue


def test_the_budget_counts_every_wait_and_the_next_retry_after_that_does_not_fit_ends_it() -> None:
    sleeps: list[float] = []
    retrier = GraphRetrier(GraphRetryPolicy(max_total_wait_seconds=100.0), sleep=sleeps.append)
    assert retrier.call("page 1", Answers(throttled_graph(70.0))) == "done"
    with pytest.raises(graph_errors.RetriesExhaustedError):
        retrier.call("page 2", Answers(throttled_graph(40.0)))
    assert sleeps == [70.0]
    assert retrier.total_wait_seconds == 70.0


def test_without_a_retry_after_the_backoff_stays_jittered_and_capped() -> None:
    sleeps: list[float] = []
    retrier = GraphRetrier(GraphRetryPolicy(), sleep=sleeps.append, jitter=lambda: 1.0)
    errors = [throttled_graph(None) for _ in range(7)]
    assert retrier.call("list events", Answers(*errors)) == "done"
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0]


def test_a_subclass_of_a_providers_retrier_keeps_the_providers_settings() -> None:
    class Gated(GoogleRetrier):
        """As the shells subclass it (to wait outside a lock, say)."""

    retrier = Gated(GoogleRetryPolicy(max_attempts_per_call=2), sleep=lambda _: None)
    failing = Answers(throttled_google(None), throttled_google(None))

    with pytest.raises(google_errors.RetriesExhaustedError) as caught:
        retrier.call("events.list", failing)

    assert caught.value.reason == "rateLimitExceeded"
    with pytest.raises(ValueError, match="not retried"):
        retrier.call("events.list", Answers(ValueError("not retried")))


# the arithmetic and the words -----------------------------------------------------------------


def test_the_pause_is_the_jitter_times_a_cap_doubling_per_attempt() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts_per_call=5, base_delay_seconds=2.0, max_delay_seconds=10.0)
    retrier = GoogleRetrier(policy, sleep=sleeps.append, jitter=lambda: 0.25)
    errors = [throttled_google(None) for _ in range(4)]
    assert retrier.call("events.list", Answers(*errors)) == "done"
    # caps 2, 4, 8, 10 (the longest), a quarter of each
    assert sleeps == [0.5, 1.0, 2.0, 2.5]
    assert (retrier.retries, retrier.total_wait_seconds) == (4, 6.0)


def test_a_google_retry_after_is_a_floor_under_a_longer_jittered_pause() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(base_delay_seconds=8.0)
    retrier = GoogleRetrier(policy, sleep=sleeps.append, jitter=lambda: 1.0)
    assert retrier.call("events.list", Answers(throttled_google(3.0))) == "done"
    assert sleeps == [8.0]  # the backoff is longer than the 3 s asked for: the backoff it is


def test_a_graph_retry_after_is_the_exact_wait_even_below_the_backoff() -> None:
    sleeps: list[float] = []
    retrier = GraphRetrier(RetryPolicy(base_delay_seconds=8.0), sleep=sleeps.append)
    assert retrier.call("events", Answers(throttled_graph(0.5))) == "done"
    assert sleeps == [0.5]


def test_the_last_attempt_gives_up_and_says_how_long_it_tried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts_per_call=3, base_delay_seconds=1.0)
    retrier = GoogleRetrier(policy, sleep=sleeps.append, jitter=lambda: 1.0)
    answers = Answers(*[throttled_google(None) for _ in range(3)])
    with (
        caplog.at_level(logging.INFO),
        pytest.raises(google_errors.RetriesExhaustedError) as raised,
    ):
        retrier.call("events.list", answers)
    assert (answers.calls, sleeps, retrier.retries) == (3, [1.0, 2.0], 2)
    assert str(raised.value).endswith(
        "Google answered 429; gave up after 3 attempts and 3.0 s of waiting"
    )
    assert raised.value.status == 429
    assert raised.value.reason == "rateLimitExceeded"
    messages = [r.getMessage() for r in caplog.records]
    assert messages[-1].endswith(
        "events.list: giving up after 3 attempts and 3.0 s of waiting in total"
    )
    assert messages[0] == "google events.list: 429 rateLimitExceeded, attempt 1, waiting 1.00 s"
    assert messages[-1].startswith("google events.list: giving up")
    assert raised.value.where == WHERE


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        ("2.128", 2.128),  # Graph's fractional seconds
        ("-3", 0.0),  # never a negative pause
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),  # an HTTP date: the backoff applies
    ],
)
def test_a_retry_after_header_in_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_giving_up_for_lack_of_budget_says_how_little_was_left() -> None:
    sleeps: list[float] = []
    retrier = GraphRetrier(RetryPolicy(max_total_wait_seconds=10.0), sleep=sleeps.append)
    assert retrier.call("events", Answers(throttled_graph(9.6))) == "done"
    with pytest.raises(graph_errors.RetriesExhaustedError) as raised:
        retrier.call("events", Answers(throttled_graph(2.0)))
    assert str(raised.value).endswith(
        "gave up after 1 attempts and 9.6 s of waiting; the next wait (2.0 s) is more than the "
        "0.4 s left of the time budget"
    )
    assert raised.value.code == "TooManyRequests"


def test_a_wait_that_exactly_uses_up_the_budget_is_still_taken() -> None:
    sleeps: list[float] = []
    retrier = GraphRetrier(RetryPolicy(max_total_wait_seconds=10.0), sleep=sleeps.append)
    answers = Answers(throttled_graph(6.0), throttled_graph(4.0))
    assert retrier.call("events", answers) == "done"
    assert (sleeps, retrier.total_wait_seconds) == ([6.0, 4.0], 10.0)


def test_the_last_attempt_with_a_wait_that_would_just_fit_names_no_lack_of_budget() -> None:
    """Out of attempts, not out of time: the message says only how long it tried."""
    retrier = GraphRetrier(
        RetryPolicy(max_attempts_per_call=1, max_total_wait_seconds=5.0), sleep=lambda _: None
    )
    with pytest.raises(graph_errors.RetriesExhaustedError) as raised:
        retrier.call("events", Answers(throttled_graph(5.0)))
    assert str(raised.value).endswith("gave up after 1 attempts and 0.0 s of waiting")
