"""Provider limits shared by every worker on every machine, kept in Redis.

- `RedisSemaphore`: at most N requests in flight per key (Microsoft Graph: 4 per mailbox; CalDAV:
  4 per server, `RedisServerSlots`). Each
  holder has a lease, so a worker killed while holding a slot frees it when the lease runs out.
  The lease of a Graph mailbox slot is above the longest a Graph request can take
  (`connectors.microsoft.graph.longest_request_seconds`), so it never ends under a live request.
- `TokenBucket`: a request budget per key (Google: per user), refilled at a steady rate.

Both run as one Lua script on the Redis server, which is atomic and uses the server's clock, so
workers on machines with different clocks agree. When Redis does not answer, taking a slot or a
token raises `LimitUnavailableError` (the task is retried later); giving a slot back is left to
its lease.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import redis

from assistant.errors import Fault
from connectors.microsoft.graph import LONGEST_REQUEST_SECONDS

log = logging.getLogger("worker.limits")


def mailbox_lease_seconds(longest_request_seconds: float = LONGEST_REQUEST_SECONDS) -> float:
    """A Graph slot's lease: the longest request, and as much again (at most a minute) for the
    slot's own calls to Redis and the time between the server's clock and ours."""
    return longest_request_seconds + min(60.0, longest_request_seconds)


class LimitError(Fault):
    """A provider limit could not be applied now; the caller may retry later."""


class LimitTimeoutError(LimitError):
    """No slot or token came free within the time allowed; the caller may retry later."""

    def __init__(self, key: str, waited_seconds: float) -> None:
        self.key, self.waited_seconds = key, waited_seconds
        super().__init__(f"no capacity for {key} after waiting {waited_seconds:.1f} s")


class LimitUnavailableError(LimitError):
    """Redis, which keeps the limits, did not answer; the caller may retry later."""

    def __init__(self, key: str, error: Exception) -> None:
        self.key = key
        super().__init__(f"the limit {key} is kept in Redis, which did not answer ({error})")


_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
"""

_TAKE = """
local now = redis.call('TIME')
local now_s = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now_s
tokens = math.min(capacity, tokens + math.max(0, now_s - at) * rate)
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait_ms = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now_s))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return wait_ms
"""


class RedisSemaphore:
    def __init__(
        self,
        client: Any,
        key: str,
        limit: int,
        *,
        lease_seconds: float = 120.0,
        poll_seconds: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.key, self.limit = client, key, limit
        self.lease_ms = int(lease_seconds * 1000)
        self.poll_seconds, self.sleep = poll_seconds, sleep
        self._acquire = client.register_script(_ACQUIRE)

    def try_acquire(self) -> str | None:
        token = uuid.uuid4().hex
        try:
            got = self._acquire(keys=[self.key], args=[self.limit, self.lease_ms, token])
        except redis.RedisError as error:
            raise LimitUnavailableError(self.key, error) from error
        return token if int(got) == 1 else None

    def release(self, token: str) -> None:
        try:
            self.client.zrem(self.key, token)
        except redis.RedisError as error:
            # The answer is in already; the lease gives the slot back.
            log.warning("could not give back a slot of %s, its lease will: %s", self.key, error)

    def in_flight(self) -> int:
        return int(self.client.zcard(self.key))

    @contextmanager
    def slot(self, timeout_seconds: float = 60.0) -> Iterator[str]:
        started = time.monotonic()
        while (token := self.try_acquire()) is None:
            waited = time.monotonic() - started
            if waited >= timeout_seconds:
                raise LimitTimeoutError(self.key, waited)
            self.sleep(self.poll_seconds)
        try:
            yield token
        finally:
            self.release(token)


class TokenBucket:
    def __init__(
        self,
        client: Any,
        key: str,
        rate_per_second: float,
        capacity: int,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.key = client, key
        self.rate, self.capacity, self.sleep = rate_per_second, capacity, sleep
        self._take = client.register_script(_TAKE)

    def wait_needed_seconds(self) -> float:
        """Take a token when one is there (0.0); else how long until one will be."""
        try:
            wait_ms = self._take(keys=[self.key], args=[self.rate, self.capacity])
        except redis.RedisError as error:
            raise LimitUnavailableError(self.key, error) from error
        return int(wait_ms) / 1000.0

    def take(self, timeout_seconds: float = 60.0) -> float:
        """Block until a token is taken; the seconds waited."""
        waited = 0.0
        while (needed := self.wait_needed_seconds()) > 0:
            if waited + needed > timeout_seconds:
                raise LimitTimeoutError(self.key, waited)
            self.sleep(needed)
            waited += needed
        return waited


def microsoft_mailbox_semaphore(
    client: Any,
    mailbox: str,
    limit: int = 4,
    *,
    lease_seconds: float | None = None,
    key_prefix: str = "",
) -> RedisSemaphore:
    """At most `limit` Graph requests in flight for one mailbox, across all workers."""
    return RedisSemaphore(
        client,
        f"{key_prefix}agenda-regie:limit:microsoft:{mailbox.lower()}",
        limit,
        lease_seconds=mailbox_lease_seconds() if lease_seconds is None else lease_seconds,
    )


def google_user_bucket(
    client: Any, connection_id: int, rate_per_second: float, burst: int, *, key_prefix: str = ""
) -> TokenBucket:
    """Google's per-user budget for one connection, across all workers."""
    key = f"{key_prefix}agenda-regie:limit:google:{connection_id}"
    return TokenBucket(client, key, rate_per_second, burst)


class RedisMailboxSlots:
    """Graph's in-flight limit per mailbox for every worker on every machine: a
    `connectors.microsoft.throttle.MailboxSlots` whose slots are `RedisSemaphore` leases."""

    def __init__(
        self,
        client: Any,
        limit: int = 4,
        *,
        timeout_seconds: float = 60.0,
        lease_seconds: float | None = None,
        key_prefix: str = "",
    ) -> None:
        self.client, self.limit, self.timeout_seconds = client, limit, timeout_seconds
        self.key_prefix = key_prefix
        self.lease_seconds = mailbox_lease_seconds() if lease_seconds is None else lease_seconds

    @contextmanager
    def slot(self, mailbox: str) -> Iterator[None]:
        semaphore = microsoft_mailbox_semaphore(
            self.client,
            mailbox.strip(),
            self.limit,
            lease_seconds=self.lease_seconds,
            key_prefix=self.key_prefix,
        )
        with semaphore.slot(timeout_seconds=self.timeout_seconds):
            yield


class RedisServerSlots:
    """CalDAV's in-flight limit per server for every worker on every machine: a
    `connectors.caldav.ServerSlots` whose slots are `RedisSemaphore` leases."""

    def __init__(
        self,
        client: Any,
        limit: int = 4,
        *,
        timeout_seconds: float = 60.0,
        lease_seconds: float = 120.0,
        key_prefix: str = "",
    ) -> None:
        self.client, self.limit, self.timeout_seconds = client, limit, timeout_seconds
        self.lease_seconds = lease_seconds
        self.key_prefix = key_prefix

    @contextmanager
    def slot(self, server: str) -> Iterator[None]:
        semaphore = RedisSemaphore(
            self.client,
            f"{self.key_prefix}agenda-regie:limit:caldav:{server.strip().lower()}",
            self.limit,
            lease_seconds=self.lease_seconds,
        )
        with semaphore.slot(timeout_seconds=self.timeout_seconds):
            yield
