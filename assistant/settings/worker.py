"""The workers' group of settings (docs/workers.md): Celery on Redis, retries and limits."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import Field

from assistant.settings.groups import Group, variable_of
from assistant.settings.names import BROKER_URL_VARIABLE, RESULT_BACKEND_VARIABLE

if TYPE_CHECKING:
    import httpx

# The workers --------------------------------------------------------------------------------------


_PREFIX = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _worker(name: str) -> Any:
    return f"AGENDA_REGIE_{name}"


class WorkerSettings(Group):
    """The workers' settings (docs/workers.md).

    Delays are chosen so that every retry and every countdown stays below the Redis visibility
    timeout: a message that waits longer than that is handed to a second worker (calendar-apis.md
    C.2). And the waits inside one task (provider retries, a mailbox slot or a Google token, the
    longest Graph request) fit in the soft time limit, so a sync ends with our own error, retried
    by Celery, before the time limit stops it.
    """

    broker_url: str = Field("redis://127.0.0.1:6379/0", validation_alias=BROKER_URL_VARIABLE)
    result_backend: str = Field(
        "redis://127.0.0.1:6379/1", validation_alias=RESULT_BACKEND_VARIABLE
    )
    # Put before every key the workers keep in Redis (queues, results, provider limits), so that
    # several installations, or test runs, can share one Redis without taking each other's tasks.
    redis_key_prefix: str = Field("", validation_alias=_worker("REDIS_KEY_PREFIX"))
    visibility_timeout_seconds: int = Field(3600, validation_alias=_worker("VISIBILITY_TIMEOUT"))
    # How often a worker looks for messages whose worker died (older than the visibility timeout).
    unacked_restore_seconds: int = Field(60, validation_alias=_worker("UNACKED_RESTORE_SECONDS"))
    task_time_limit_seconds: int = Field(600, validation_alias=_worker("TASK_TIME_LIMIT"))
    retry_base_seconds: float = Field(30.0, validation_alias=_worker("RETRY_BASE_SECONDS"))
    retry_max_seconds: float = Field(600.0, validation_alias=_worker("RETRY_MAX_SECONDS"))
    max_retries: int = Field(4, validation_alias=_worker("MAX_RETRIES"))
    # Inside one task: all pauses of provider retries together, and the longest wait for one
    # Graph mailbox slot or one Google token.
    provider_wait_seconds: float = Field(240.0, validation_alias=_worker("PROVIDER_WAIT_SECONDS"))
    limit_wait_seconds: float = Field(60.0, validation_alias=_worker("LIMIT_WAIT_SECONDS"))
    sync_period_seconds: int = Field(900, validation_alias=_worker("SYNC_PERIOD_SECONDS"))
    dispatch_every_seconds: int = Field(300, validation_alias=_worker("DISPATCH_EVERY_SECONDS"))
    redispatch_after_seconds: int = Field(
        3600, validation_alias=_worker("REDISPATCH_AFTER_SECONDS")
    )
    google_attempts_per_call: int = Field(6, validation_alias=_worker("GOOGLE_ATTEMPTS_PER_CALL"))
    google_requests_per_second: float = Field(
        5.0, validation_alias=_worker("GOOGLE_REQUESTS_PER_SECOND")
    )
    google_burst: int = Field(10, validation_alias=_worker("GOOGLE_BURST"))
    microsoft_in_flight_per_mailbox: int = Field(4, validation_alias=_worker("MICROSOFT_IN_FLIGHT"))
    # CalDAV requests in flight per server (scheme, host, port), across all workers.
    caldav_in_flight_per_server: int = Field(4, validation_alias=_worker("CALDAV_IN_FLIGHT"))
    # Each wait of a Graph request (read, write; connect and pool at most 10 s); a request ends
    # by two of them, and holds a mailbox slot at most three.
    graph_timeout_seconds: float = Field(60.0, validation_alias=_worker("GRAPH_TIMEOUT_SECONDS"))

    @property
    def graph_timeout(self) -> httpx.Timeout:
        from connectors.microsoft.graph import graph_timeout

        return graph_timeout(self.graph_timeout_seconds)

    @property
    def graph_longest_request_seconds(self) -> float:
        from connectors.microsoft.graph import longest_request_seconds

        return longest_request_seconds(self.graph_timeout)

    @property
    def soft_time_limit_seconds(self) -> float:
        """When Celery interrupts a task (`SoftTimeLimitExceeded`), before the hard limit."""
        return self.task_time_limit_seconds - min(30.0, self.task_time_limit_seconds / 10)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            text = raw.get(name, "").strip()
            variable = variable_of(info)
            if not text:
                continue
            if name == "redis_key_prefix":
                if _PREFIX.fullmatch(text):
                    values[name] = text
                else:
                    problems.append(
                        f"{variable} may hold only letters, digits and . _ : - (at most 64)"
                    )
                continue
            if info.annotation in (int, float, "int", "float"):
                kind = int if info.annotation in (int, "int") else float
                try:
                    number = kind(text)
                except ValueError:
                    problems.append(f"{variable} {text!r} is not a number")
                    continue
                if number <= 0:
                    problems.append(f"{variable} must be above 0")
                    continue
                values[name] = number
            elif text.startswith(("redis://", "rediss://")):
                values[name] = text
            else:
                problems.append(f"{variable} must be a redis:// or rediss:// URL")
        problems.extend(cls(**values).wait_problems())
        return values

    def wait_problems(self) -> list[str]:
        """Where the waits do not fit the visibility timeout or the soft time limit."""
        problems = []
        longest_wait = max(self.retry_max_seconds, self.sync_period_seconds)
        if self.visibility_timeout_seconds <= longest_wait + self.task_time_limit_seconds:
            problems.append(
                "AGENDA_REGIE_VISIBILITY_TIMEOUT must be above the longest retry delay or sync "
                f"countdown ({longest_wait:.0f} s) plus the task time limit "
                f"({self.task_time_limit_seconds} s), or waiting tasks run twice"
            )
        longest_request = self.graph_longest_request_seconds
        in_task = self.provider_wait_seconds + self.limit_wait_seconds + longest_request
        if in_task >= self.soft_time_limit_seconds:
            problems.append(
                f"AGENDA_REGIE_PROVIDER_WAIT_SECONDS ({self.provider_wait_seconds:g} s) plus "
                f"AGENDA_REGIE_LIMIT_WAIT_SECONDS ({self.limit_wait_seconds:g} s) plus the "
                f"longest Graph request ({longest_request:g} s, three times "
                f"AGENDA_REGIE_GRAPH_TIMEOUT_SECONDS) must stay below the soft time limit "
                f"({self.soft_time_limit_seconds:g} s, from AGENDA_REGIE_TASK_TIME_LIMIT "
                f"{self.task_time_limit_seconds} s), or a sync is stopped while it waits"
            )
        return problems
