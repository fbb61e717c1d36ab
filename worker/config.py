"""Worker settings from the environment, checked at once (every problem in one SettingsError).

Delays are chosen so that every retry and every countdown stays below the Redis visibility
timeout: a message that waits longer than that is handed to a second worker (calendar-apis.md C.2).
And the waits inside one task (provider retries, a mailbox slot or a Google token, the longest
Graph request) fit in the soft time limit, so a sync ends with our own error, retried by Celery,
before the time limit stops it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx

from assistant.settings import SettingsError
from connectors.microsoft.graph import graph_timeout, longest_request_seconds

BROKER_URL = "AGENDA_REGIE_BROKER_URL"
RESULT_BACKEND = "AGENDA_REGIE_RESULT_BACKEND"
CLOCK = "AGENDA_REGIE_NOW"  # an ISO datetime with offset: the workers' clock, for tests


@dataclass(frozen=True)
class WorkerSettings:
    broker_url: str = "redis://127.0.0.1:6379/0"
    result_backend: str = "redis://127.0.0.1:6379/1"
    visibility_timeout_seconds: int = 3600
    # How often a worker looks for messages whose worker died (older than the visibility timeout).
    unacked_restore_seconds: int = 60
    task_time_limit_seconds: int = 600
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 600.0
    max_retries: int = 4
    # Inside one task: all pauses of provider retries together, and the longest wait for one
    # Graph mailbox slot or one Google token.
    provider_wait_seconds: float = 240.0
    limit_wait_seconds: float = 60.0
    sync_period_seconds: int = 900
    dispatch_every_seconds: int = 300
    redispatch_after_seconds: int = 3600
    google_api_endpoint: str | None = None
    google_attempts_per_call: int = 6
    google_requests_per_second: float = 5.0
    google_burst: int = 10
    microsoft_in_flight_per_mailbox: int = 4
    # Each wait of a Graph request (read, write; connect and pool at most 10 s); a request ends
    # by two of them, and holds a mailbox slot at most three.
    graph_timeout_seconds: float = 60.0

    @property
    def graph_timeout(self) -> httpx.Timeout:
        return graph_timeout(self.graph_timeout_seconds)

    @property
    def graph_longest_request_seconds(self) -> float:
        return longest_request_seconds(self.graph_timeout)

    @property
    def soft_time_limit_seconds(self) -> float:
        """When Celery interrupts a task (`SoftTimeLimitExceeded`), before the hard limit."""
        return self.task_time_limit_seconds - min(30.0, self.task_time_limit_seconds / 10)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> WorkerSettings:
        env = os.environ if environ is None else environ
        problems: list[str] = []
        defaults = cls()
        values: dict[str, object] = {}

        def number(name: str, attribute: str, kind: type[int] | type[float]) -> None:
            raw = env.get(f"AGENDA_REGIE_{name}", "").strip()
            if not raw:
                return
            try:
                value = kind(raw)
            except ValueError:
                problems.append(f"AGENDA_REGIE_{name} {raw!r} is not a number")
                return
            if value <= 0:
                problems.append(f"AGENDA_REGIE_{name} must be above 0")
                return
            values[attribute] = value

        number("VISIBILITY_TIMEOUT", "visibility_timeout_seconds", int)
        number("UNACKED_RESTORE_SECONDS", "unacked_restore_seconds", int)
        number("TASK_TIME_LIMIT", "task_time_limit_seconds", int)
        number("RETRY_BASE_SECONDS", "retry_base_seconds", float)
        number("RETRY_MAX_SECONDS", "retry_max_seconds", float)
        number("MAX_RETRIES", "max_retries", int)
        number("PROVIDER_WAIT_SECONDS", "provider_wait_seconds", float)
        number("LIMIT_WAIT_SECONDS", "limit_wait_seconds", float)
        number("SYNC_PERIOD_SECONDS", "sync_period_seconds", int)
        number("DISPATCH_EVERY_SECONDS", "dispatch_every_seconds", int)
        number("REDISPATCH_AFTER_SECONDS", "redispatch_after_seconds", int)
        number("GOOGLE_ATTEMPTS_PER_CALL", "google_attempts_per_call", int)
        number("GOOGLE_REQUESTS_PER_SECOND", "google_requests_per_second", float)
        number("GOOGLE_BURST", "google_burst", int)
        number("MICROSOFT_IN_FLIGHT", "microsoft_in_flight_per_mailbox", int)
        number("GRAPH_TIMEOUT_SECONDS", "graph_timeout_seconds", float)
        for variable, attribute in ((BROKER_URL, "broker_url"), (RESULT_BACKEND, "result_backend")):
            raw = env.get(variable, "").strip()
            if raw and not raw.startswith(("redis://", "rediss://")):
                problems.append(f"{variable} must be a redis:// or rediss:// URL")
            elif raw:
                values[attribute] = raw
        endpoint = env.get("AGENDA_REGIE_GOOGLE_API_ENDPOINT", "").strip()
        if endpoint and not endpoint.startswith(("http://", "https://")):
            problems.append("AGENDA_REGIE_GOOGLE_API_ENDPOINT must be an http:// or https:// URL")
        elif endpoint:
            values["google_api_endpoint"] = endpoint
        settings = replace(defaults, **values)  # type: ignore[arg-type]
        longest_wait = max(settings.retry_max_seconds, settings.sync_period_seconds)
        if settings.visibility_timeout_seconds <= longest_wait + settings.task_time_limit_seconds:
            problems.append(
                "AGENDA_REGIE_VISIBILITY_TIMEOUT must be above the longest retry delay or sync "
                f"countdown ({longest_wait:.0f} s) plus the task time limit "
                f"({settings.task_time_limit_seconds} s), or waiting tasks run twice"
            )
        longest_request = settings.graph_longest_request_seconds
        in_task = settings.provider_wait_seconds + settings.limit_wait_seconds + longest_request
        if in_task >= settings.soft_time_limit_seconds:
            problems.append(
                f"AGENDA_REGIE_PROVIDER_WAIT_SECONDS ({settings.provider_wait_seconds:g} s) plus "
                f"AGENDA_REGIE_LIMIT_WAIT_SECONDS ({settings.limit_wait_seconds:g} s) plus the "
                f"longest Graph request ({longest_request:g} s, three times "
                f"AGENDA_REGIE_GRAPH_TIMEOUT_SECONDS) must stay below the soft time limit "
                f"({settings.soft_time_limit_seconds:g} s, from AGENDA_REGIE_TASK_TIME_LIMIT "
                f"{settings.task_time_limit_seconds} s), or a sync is stopped while it waits"
            )
        if problems:
            raise SettingsError(problems)
        return settings


def clock(environ: Mapping[str, str] | None = None) -> datetime:
    """Now (aware, UTC), or the instant in AGENDA_REGIE_NOW when a test sets one."""
    env = os.environ if environ is None else environ
    raw = env.get(CLOCK, "").strip()
    if not raw:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise SettingsError([f"{CLOCK} must carry a UTC offset, like 2026-10-26T08:00+01:00"])
    return moment
