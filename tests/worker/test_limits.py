"""Provider limits shared through Redis: at most 4 Graph requests in flight per mailbox across
threads (standing in for workers), at most N CalDAV requests in flight per server, and Google's
per-user budget as a token bucket. Every key is under this run's prefix; idle time is made by
moving the bucket's last refill back, not waited."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.fakes.caldav_server import RadicaleServer, caldav_client, put_spec, radicale_server
from tests.worker.conftest import REDIS_PREFIX, redis_db, wait_until
from worker.limits import (
    LimitTimeoutError,
    google_user_bucket,
    microsoft_mailbox_semaphore,
)

__all__ = ["radicale_server", "redis_db"]


def _mailbox(client: Any, mailbox: str, **options: Any) -> Any:
    return microsoft_mailbox_semaphore(client, mailbox, key_prefix=REDIS_PREFIX, **options)


def _bucket(client: Any, connection_id: int, rate: float, burst: int) -> Any:
    return google_user_bucket(client, connection_id, rate, burst, key_prefix=REDIS_PREFIX)


def test_at_most_four_requests_in_flight_per_mailbox(redis_db: Any) -> None:
    peak, current, done, lock = [0], [0], [0], threading.Lock()
    # Holders wait for each other in fours: four slots are held at once every time, and a fifth
    # holder, were the limit broken, would be inside with them.
    together = threading.Barrier(4)

    def request() -> None:
        semaphore = _mailbox(redis_db, "Leader@Example.org")
        with semaphore.slot(timeout_seconds=20):
            with lock:
                current[0] += 1
                peak[0] = max(peak[0], current[0])
            together.wait(timeout=20)
            with lock:
                current[0] -= 1
                done[0] += 1

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert (peak[0], done[0]) == (4, 16)
    assert _mailbox(redis_db, "leader@example.org").in_flight() == 0


def test_a_dead_holder_frees_its_slot_when_the_lease_ends(redis_db: Any) -> None:
    from worker.limits import RedisSemaphore

    key = f"{REDIS_PREFIX}test:lease"
    semaphore = RedisSemaphore(redis_db, key, 1, lease_seconds=0.3)
    started = time.monotonic()
    assert semaphore.try_acquire() is not None  # never released: its worker died
    assert semaphore.try_acquire() is None
    assert 0 < redis_db.pttl(key) <= 300  # the key itself goes with the last lease
    wait_until(lambda: semaphore.try_acquire() is not None, 5, "the dead holder's lease to end")
    assert time.monotonic() - started >= 0.25


def _lease_ends_in(client: Any, key: str, holder: bytes, seconds: float) -> None:
    now_s, micros = client.time()
    client.zadd(key, {holder: (now_s + micros / 1_000_000 + seconds) * 1000})


def test_a_slot_is_free_exactly_when_its_lease_has_ended(redis_db: Any) -> None:
    from worker.limits import RedisSemaphore

    key = f"{REDIS_PREFIX}test:edge"
    semaphore = RedisSemaphore(redis_db, key, 2, lease_seconds=60)
    assert semaphore.try_acquire() is not None
    assert semaphore.try_acquire() is not None
    assert semaphore.try_acquire() is None  # two of two held
    assert 59_000 < redis_db.pttl(key) <= 60_000
    first, second = redis_db.zrange(key, 0, -1)
    _lease_ends_in(redis_db, key, first, 5)
    assert semaphore.try_acquire() is None  # a lease still running keeps its slot
    _lease_ends_in(redis_db, key, second, -0.5)
    assert semaphore.try_acquire() is not None  # an ended one frees it
    assert semaphore.in_flight() == 2


def test_google_budget_is_a_token_bucket_shared_by_everyone(redis_db: Any) -> None:
    first = _bucket(redis_db, 7, 20.0, 5)
    second = _bucket(redis_db, 7, 20.0, 5)
    assert [first.wait_needed_seconds() for _ in range(5)] == [0.0] * 5
    assert second.wait_needed_seconds() > 0  # the burst is spent for both
    started = time.monotonic()
    second.take(timeout_seconds=5)
    assert 0.02 < time.monotonic() - started < 1.0
    other_user = _bucket(redis_db, 8, 20.0, 5)
    assert other_user.wait_needed_seconds() == 0.0
    slow = _bucket(redis_db, 9, 0.1, 1)
    slow.take()
    with pytest.raises(LimitTimeoutError):
        slow.take(timeout_seconds=1)


def test_a_graph_slot_lease_outlasts_the_longest_graph_request(redis_db: Any) -> None:
    from connectors.microsoft.graph import LONGEST_REQUEST_SECONDS
    from worker.limits import RedisMailboxSlots

    with RedisMailboxSlots(redis_db, 4, key_prefix=REDIS_PREFIX).slot("Leader@Example.org"):
        [(_, lease_ends_ms)] = redis_db.zrange(
            f"{REDIS_PREFIX}agenda-regie:limit:microsoft:leader@example.org",
            0,
            -1,
            withscores=True,
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
        pytest.raises(
            LimitUnavailableError, match=r"Redis, which did not answer \(Error "
        ) as raised,
        slots.slot("leader@example.org"),
    ):
        pass
    # Without a prefix: the keys every worker of an installation shares.
    assert raised.value.key == "agenda-regie:limit:microsoft:leader@example.org"
    with pytest.raises(LimitError, match=r"google:7 is kept in Redis, which did not answer \(Err"):
        google_user_bucket(gone, 7, rate_per_second=5.0, burst=10).take(timeout_seconds=1)
    gone.close()


def test_graph_slots_default_to_four_per_mailbox_leased_past_the_longest_request() -> None:
    from worker.limits import RedisMailboxSlots, mailbox_lease_seconds

    slots = RedisMailboxSlots(object())
    assert (slots.limit, slots.timeout_seconds, slots.key_prefix) == (4, 60.0, "")
    assert slots.lease_seconds == mailbox_lease_seconds()
    assert RedisMailboxSlots(object(), lease_seconds=5.0).lease_seconds == 5.0


def test_a_slot_whose_redis_went_away_during_the_request_is_left_to_its_lease(
    redis_db: Any,
) -> None:
    import redis

    from worker.limits import RedisSemaphore

    key = f"{REDIS_PREFIX}test:outage"
    semaphore = RedisSemaphore(redis_db, key, 1, lease_seconds=60)
    answered = False
    with semaphore.slot(timeout_seconds=1):
        semaphore.client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
        answered = True  # the request's answer, which giving back the slot must not lose
    assert answered
    semaphore.client = redis_db
    assert semaphore.try_acquire() is None  # still held: its lease has not ended
    [(holder, _)] = redis_db.zrange(key, 0, -1, withscores=True)
    _lease_ends_in(redis_db, key, holder, -1)  # a minute later, by the server's clock
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
        slots = RedisServerSlots(redis_db, 2, timeout_seconds=20, key_prefix=REDIS_PREFIX)
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
    key = f"{REDIS_PREFIX}agenda-regie:limit:caldav:{server_of(radicale_server.url)}"
    assert redis_db.zcard(key) == 0  # every slot given back


def _idle_for(client: Any, key: str, seconds: float) -> None:
    """As if the bucket had not been touched for `seconds` (by the Redis server's clock)."""
    now_s, micros = client.time()
    client.hset(key, "at", str(now_s + micros / 1_000_000 - seconds))


def test_a_bucket_left_idle_refills_only_up_to_its_burst(redis_db: Any) -> None:
    bucket = _bucket(redis_db, 21, 0.5, 3)  # one token every 2 s, at most 3 saved up
    assert [bucket.wait_needed_seconds() for _ in range(3)] == [0.0] * 3
    first_wait = bucket.wait_needed_seconds()
    assert 1.9 < first_wait <= 2.0  # a whole token at 0.5 per second
    assert first_wait * 1000 == round(first_wait * 1000)  # whole milliseconds, from Redis
    _idle_for(redis_db, bucket.key, 600)  # 300 tokens' worth of idle time
    assert [bucket.wait_needed_seconds() for _ in range(3)] == [0.0] * 3
    assert 1.9 < bucket.wait_needed_seconds() <= 2.0  # capped at the burst: the fourth waits


def test_a_bucket_key_expires_once_it_would_be_full_again(redis_db: Any) -> None:
    bucket = _bucket(redis_db, 22, 0.5, 3)
    bucket.wait_needed_seconds()
    # Full again after burst / rate = 6 s; the key lives that long plus a second, then goes
    # (an absent key is a full bucket), so idle connections leave nothing behind in Redis.
    assert 6000 < redis_db.pttl(bucket.key) <= 7000
    tokens, at = redis_db.hmget(bucket.key, "tokens", "at")
    assert float(tokens) == pytest.approx(2.0, abs=0.01)
    now_s, micros = redis_db.time()
    assert abs(float(at) - (now_s + micros / 1_000_000)) < 5


def test_the_key_prefix_keeps_installations_apart(redis_db: Any) -> None:
    ours = _bucket(redis_db, 23, 0.5, 1)
    theirs = google_user_bucket(redis_db, 23, 0.5, 1, key_prefix=f"{REDIS_PREFIX}other:")
    assert ours.key == f"{REDIS_PREFIX}agenda-regie:limit:google:23"
    assert ours.wait_needed_seconds() == 0.0
    assert ours.wait_needed_seconds() > 0
    assert theirs.wait_needed_seconds() == 0.0  # its own budget under its own prefix
    slots = _mailbox(redis_db, "Board@Example.org", limit=1)
    assert slots.key == f"{REDIS_PREFIX}agenda-regie:limit:microsoft:board@example.org"


def test_a_graph_slot_lease_is_the_longest_request_and_as_much_again_up_to_a_minute() -> None:
    from worker.limits import mailbox_lease_seconds

    assert mailbox_lease_seconds(20.0) == 40.0
    assert mailbox_lease_seconds(60.0) == 120.0
    assert mailbox_lease_seconds(190.0) == 250.0  # a minute more, not twice as long


def test_waiting_for_a_token_sleeps_the_wait_redis_names_and_gives_up_past_the_timeout(
    redis_db: Any,
) -> None:
    from worker.limits import TokenBucket

    pauses: list[float] = []
    key = f"{REDIS_PREFIX}test:patient"
    bucket = TokenBucket(redis_db, key, 0.5, 1, sleep=pauses.append)  # no real sleep
    assert bucket.take() == 0.0
    assert pauses == []
    # The clock does not move while nothing sleeps: each try still needs about 2 s; two pauses
    # fit the 5 s allowed, a third would not.
    with pytest.raises(LimitTimeoutError) as raised:
        bucket.take(timeout_seconds=5.0)
    first, second = pauses
    assert 1.9 < first <= 2.0
    assert 1.9 < second <= 2.0
    assert raised.value.waited_seconds == first + second
    assert str(raised.value) == f"no capacity for {key} after waiting {first + second:.1f} s"


def test_waiting_for_a_slot_polls_and_gives_up_past_the_timeout(redis_db: Any) -> None:
    from worker.limits import RedisSemaphore

    pauses: list[float] = []
    key = f"{REDIS_PREFIX}test:busy"
    semaphore = RedisSemaphore(redis_db, key, 1, poll_seconds=0.02, sleep=pauses.append)
    with semaphore.slot():
        assert semaphore.in_flight() == 1
        started = time.monotonic()
        with pytest.raises(LimitTimeoutError) as raised, semaphore.slot(timeout_seconds=0.2):
            pass
        assert 0.2 <= raised.value.waited_seconds <= time.monotonic() - started
        assert pauses
        assert set(pauses) == {0.02}
    assert semaphore.in_flight() == 0  # given back when the block ended


def test_a_mailbox_slot_takes_the_lease_it_is_given(redis_db: Any) -> None:
    from worker.limits import mailbox_lease_seconds

    default = _mailbox(redis_db, "board@example.org")
    assert default.lease_ms == int(mailbox_lease_seconds() * 1000)
    assert _mailbox(redis_db, "board@example.org", lease_seconds=5.0).lease_ms == 5000


def test_caldav_slots_are_kept_under_the_installations_prefix(redis_db: Any) -> None:
    from worker.limits import RedisServerSlots

    slots = RedisServerSlots(redis_db, 1, timeout_seconds=1, key_prefix=REDIS_PREFIX)
    key = f"{REDIS_PREFIX}agenda-regie:limit:caldav:cal.example.org"
    with slots.slot(" Cal.Example.org "):
        assert redis_db.zcard(key) == 1
    assert redis_db.zcard(key) == 0


def test_caldav_slots_default_to_four_per_server_for_a_minute_leased_two() -> None:
    from worker.limits import RedisServerSlots

    slots = RedisServerSlots(object())
    assert (slots.limit, slots.timeout_seconds, slots.lease_seconds, slots.key_prefix) == (
        4,
        60.0,
        120.0,
        "",
    )
