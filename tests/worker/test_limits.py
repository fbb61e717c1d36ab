"""Provider limits shared through Redis: at most 4 Graph requests in flight per mailbox across
threads (standing in for workers), at most N CalDAV requests in flight per server, and Google's
per-user budget as a token bucket."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.fakes.caldav_server import RadicaleServer, caldav_client, put_spec, radicale_server
from tests.worker.conftest import redis_db
from worker.limits import (
    LimitTimeoutError,
    google_user_bucket,
    microsoft_mailbox_semaphore,
)

__all__ = ["radicale_server", "redis_db"]


def test_at_most_four_requests_in_flight_per_mailbox(redis_db: Any) -> None:
    peak, current, lock = [0], [0], threading.Lock()

    def request() -> None:
        semaphore = microsoft_mailbox_semaphore(redis_db, "Leader@Example.org")
        with semaphore.slot(timeout_seconds=20):
            with lock:
                current[0] += 1
                peak[0] = max(peak[0], current[0])
            time.sleep(0.05)
            with lock:
                current[0] -= 1

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert peak[0] == 4
    assert microsoft_mailbox_semaphore(redis_db, "leader@example.org").in_flight() == 0


def test_a_dead_holder_frees_its_slot_when_the_lease_ends(redis_db: Any) -> None:
    from worker.limits import RedisSemaphore

    semaphore = RedisSemaphore(redis_db, "agenda-regie:test:lease", 1, lease_seconds=0.3)
    assert semaphore.try_acquire() is not None  # never released: its worker died
    assert semaphore.try_acquire() is None
    time.sleep(0.4)
    assert semaphore.try_acquire() is not None


def test_google_budget_is_a_token_bucket_shared_by_everyone(redis_db: Any) -> None:
    first = google_user_bucket(redis_db, 7, rate_per_second=20.0, burst=5)
    second = google_user_bucket(redis_db, 7, rate_per_second=20.0, burst=5)
    assert [first.wait_needed_seconds() for _ in range(5)] == [0.0] * 5
    assert second.wait_needed_seconds() > 0  # the burst is spent for both
    started = time.monotonic()
    second.take(timeout_seconds=5)
    assert 0.02 < time.monotonic() - started < 1.0
    other_user = google_user_bucket(redis_db, 8, rate_per_second=20.0, burst=5)
    assert other_user.wait_needed_seconds() == 0.0
    slow = google_user_bucket(redis_db, 9, rate_per_second=0.1, burst=1)
    slow.take()
    with pytest.raises(LimitTimeoutError):
        slow.take(timeout_seconds=1)


def test_a_graph_slot_lease_outlasts_the_longest_graph_request(redis_db: Any) -> None:
    from connectors.microsoft.graph import LONGEST_REQUEST_SECONDS
    from worker.limits import RedisMailboxSlots

    with RedisMailboxSlots(redis_db, 4).slot("Leader@Example.org"):
        [(_, lease_ends_ms)] = redis_db.zrange(
            "agenda-regie:limit:microsoft:leader@example.org", 0, -1, withscores=True
        )
        seconds, micros = redis_db.time()
        lease_left_seconds = lease_ends_ms / 1000 - (seconds + micros / 1_000_000)
    assert lease_left_seconds > LONGEST_REQUEST_SECONDS + 30


def test_redis_not_answering_is_a_limit_error_for_slots_and_tokens() -> None:
    import redis

    from tests.mail.fixtures import free_port
    from worker.limits import LimitError, LimitUnavailableError, RedisMailboxSlots

    gone = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    slots = RedisMailboxSlots(gone, 4, timeout_seconds=1)
    with (
        pytest.raises(LimitUnavailableError, match="Redis, which did not answer"),
        slots.slot("leader@example.org"),
    ):
        pass
    with pytest.raises(LimitError, match="agenda-regie:limit:google:7"):
        google_user_bucket(gone, 7, rate_per_second=5.0, burst=10).take(timeout_seconds=1)
    gone.close()


def test_a_slot_whose_redis_went_away_during_the_request_is_left_to_its_lease(
    redis_db: Any,
) -> None:
    import redis

    from worker.limits import RedisSemaphore

    semaphore = RedisSemaphore(redis_db, "agenda-regie:test:outage", 1, lease_seconds=0.3)
    answered = False
    with semaphore.slot(timeout_seconds=1):
        semaphore.client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
        answered = True  # the request's answer, which giving back the slot must not lose
    assert answered
    semaphore.client = redis_db
    time.sleep(0.4)
    assert semaphore.try_acquire() is not None


def test_caldav_requests_in_flight_per_server_are_limited_across_workers(
    redis_db: Any, radicale_server: RadicaleServer
) -> None:
    from datetime import datetime, timedelta

    from connectors import TimeWindow
    from connectors.caldav import CalDavSource, server_of
    from tests.contracts.source import AMSTERDAM, EventSpec
    from worker.limits import RedisServerSlots

    start = datetime(2026, 6, 1, 9, tzinfo=AMSTERDAM)
    put_spec(radicale_server, 0, EventSpec(start, start + timedelta(hours=1)))
    radicale_server.slow_seconds = 0.2  # long enough that unlimited syncs would overlap
    window = TimeWindow(start - timedelta(hours=9), start + timedelta(days=6))
    failures: list[Exception] = []

    def worker() -> None:
        # Each worker its own client and its own Redis-backed slots: only Redis is shared.
        slots = RedisServerSlots(redis_db, 2, timeout_seconds=20)
        try:
            client = caldav_client(radicale_server, slots=slots)
            CalDavSource(client, zone=AMSTERDAM).sync(None, window)
        except Exception as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert radicale_server.most_in_flight == 2
    key = f"agenda-regie:limit:caldav:{server_of(radicale_server.url)}"
    assert redis_db.zcard(key) == 0  # every slot given back
