"""Worker settings from the environment, checked at once (every problem in one SettingsError).

Delays are chosen so that every retry and every countdown stays below the Redis visibility
timeout: a message that waits longer than that is handed to a second worker (calendar-apis.md C.2).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from assistant.settings import SettingsError

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
    sync_period_seconds: int = 900
    dispatch_every_seconds: int = 300
    redispatch_after_seconds: int = 3600
    google_api_endpoint: str | None = None
    google_attempts_per_call: int = 6
    google_requests_per_second: float = 5.0
    google_burst: int = 10
    microsoft_in_flight_per_mailbox: int = 4

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
        number("SYNC_PERIOD_SECONDS", "sync_period_seconds", int)
        number("DISPATCH_EVERY_SECONDS", "dispatch_every_seconds", int)
        number("REDISPATCH_AFTER_SECONDS", "redispatch_after_seconds", int)
        number("GOOGLE_ATTEMPTS_PER_CALL", "google_attempts_per_call", int)
        number("GOOGLE_REQUESTS_PER_SECOND", "google_requests_per_second", float)
        number("GOOGLE_BURST", "google_burst", int)
        number("MICROSOFT_IN_FLIGHT", "microsoft_in_flight_per_mailbox", int)
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
