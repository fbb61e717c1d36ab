"""Thin tasks: each takes ids (and the clock's instant as ISO text), reloads state from the store,
calls one use case of `assistant.app.pipeline`, and is safe to run twice.

Retries are deliberate: only calendar errors are retried, a bounded number of times, with a delay
below the visibility timeout; when they are spent the failure is recorded where `agenda-regie
status` shows it, and the next period tries again. A provider limit that cannot be applied (no
slot or token in time, or Redis not answering) and a sync stopped by the soft time limit count as
such an error too, so no sync is lost without a trace.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from celery import Task, chain
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_process_shutdown

from assistant import bootstrap
from assistant.app import pipeline, schedule
from assistant.core.review import IsoWeek
from connectors import ConnectorError
from worker.app import app
from worker.config import WorkerSettings, clock
from worker.limits import LimitError

if TYPE_CHECKING:
    from assistant.app.writers import CalendarWriters
    from assistant.settings import Settings

log = logging.getLogger("worker.tasks")


@cache
def settings() -> Settings:
    """This worker process's settings, read once from the environment."""
    return bootstrap.load_settings()


@cache
def worker_settings() -> WorkerSettings:
    return settings().worker()


@cache
def services() -> pipeline.Services:
    """Built once per worker process (after the fork), by `assistant.bootstrap`, with the
    provider limits shared through Redis by every worker."""
    import redis

    from worker.limits import (
        RedisMailboxSlots,
        RedisServerSlots,
        google_user_bucket,
        mailbox_lease_seconds,
    )

    config = worker_settings()
    client = redis.Redis.from_url(config.broker_url)

    def google_gate(connection_id: int) -> None:
        bucket = google_user_bucket(
            client,
            connection_id,
            config.google_requests_per_second,
            config.google_burst,
            key_prefix=config.redis_key_prefix,
        )
        bucket.take(timeout_seconds=config.limit_wait_seconds)

    return bootstrap.build_services(
        settings(),
        worker=config,
        google_gate=google_gate,
        mailbox_slots=RedisMailboxSlots(
            client,
            config.microsoft_in_flight_per_mailbox,
            timeout_seconds=config.limit_wait_seconds,
            lease_seconds=mailbox_lease_seconds(config.graph_longest_request_seconds),
            key_prefix=config.redis_key_prefix,
        ),
        caldav_slots=RedisServerSlots(
            client,
            config.caldav_in_flight_per_server,
            timeout_seconds=config.limit_wait_seconds,
            key_prefix=config.redis_key_prefix,
        ),
    )


@cache
def calendar_writers() -> CalendarWriters:
    """How the write queue reaches each leader's calendar, built once per worker process: through
    their Google connection (the worker's API endpoint) or their Microsoft 365 connection (the
    worker's Graph access); writes accepted blocks and deletes withdrawn ones."""
    return bootstrap.services_writers(services())


@worker_init.connect
def _preload(**_: Any) -> None:
    """Before the pool processes are forked: what every pipeline imports, loaded once."""
    bootstrap.preload_pipeline()


@worker_process_shutdown.connect
def _dispose(**_: Any) -> None:
    if services.cache_info().currsize:
        close_services(services())


def close_services(current: pipeline.Services) -> None:
    """Give back what the process's services hold open: the store's pool and Graph's client."""
    bootstrap.close_services(current)


def instant(text: str | None) -> datetime:
    return datetime.fromisoformat(text) if text else clock()


def retry_delay(
    retries: int, settings: WorkerSettings, error: BaseException | None = None
) -> float:
    """Exponential with full jitter, never above the configured maximum; not before a provider's
    `Retry-After` that the sync could not wait for (as far as the maximum allows)."""
    cap = min(settings.retry_max_seconds, settings.retry_base_seconds * 2.0**retries)
    delay = cap * (0.5 + random.random() / 2)
    asked = getattr(error.__cause__, "retry_after_seconds", None) if error else None
    if isinstance(asked, float | int):
        delay = max(delay, min(float(asked), settings.retry_max_seconds))
    return delay


def spread_countdown(connection_id: int, period_seconds: int) -> int:
    """Where in the period this connection's sync runs: the same place every period."""
    digest = hashlib.sha256(f"connection:{connection_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % max(1, period_seconds)


@app.task(bind=True, name="agenda_regie.sync_connection")
def sync_connection(self: Task, connection_id: int, now: str | None = None) -> str:
    moment = instant(now)
    config = worker_settings()
    try:
        return pipeline.sync_connection(services(), connection_id, moment)
    except (ConnectorError, LimitError, SoftTimeLimitExceeded) as error:
        problem = str(error)
        if isinstance(error, SoftTimeLimitExceeded):
            problem = (
                f"the sync did not finish within {config.soft_time_limit_seconds:g} s "
                "(AGENDA_REGIE_TASK_TIME_LIMIT) and was stopped"
            )
        if self.request.retries < config.max_retries:
            log.info("sync of connection %d will be retried: %s", connection_id, problem)
            raise self.retry(
                exc=error, countdown=retry_delay(self.request.retries, config, error)
            ) from None
        pipeline.mark_connection_failed(services().engine, connection_id, problem, moment)
        log.warning("sync of connection %d failed after retries: %s", connection_id, problem)
        return "failed"


@app.task(name="agenda_regie.compute_week")
def compute_week(leader_id: int, week: str, now: str | None = None) -> str:
    review = pipeline.compute_week(services(), leader_id, IsoWeek.parse(week), instant(now))
    return str(review.week)


@app.task(bind=True, name="agenda_regie.send_review")
def send_review(self: Task, leader_id: int, week: str, now: str | None = None) -> str:
    from assistant.mail.send import SendFailedError

    moment = instant(now)
    try:
        return pipeline.send_review(services(), leader_id, IsoWeek.parse(week), moment).status
    except (SendFailedError, SoftTimeLimitExceeded) as error:
        # A send stopped by the soft time limit is tried again (the week is checked under the
        # leader's lock first), not left until the week is dispatched again.
        config = worker_settings()
        if self.request.retries < config.max_retries:
            raise self.retry(
                exc=error, countdown=retry_delay(self.request.retries, config)
            ) from None
        pipeline.record_failure(services().engine, leader_id, "send", str(error), moment)
        raise


@app.task(name="agenda_regie.write_block")
def write_block(proposal_key: str, now: str | None = None) -> dict[str, str]:
    return _flush(instant(now), proposal_key)


@app.task(name="agenda_regie.drain_outbox")
def drain_outbox(now: str | None = None) -> dict[str, str]:
    return _flush(instant(now), None)


def _flush(moment: datetime, key: str | None) -> dict[str, str]:
    from assistant.app.outbox import flush_outbox

    writers = calendar_writers()
    outcomes = flush_outbox(
        services().engine, writers.write, moment, key=key, withdraw=writers.withdraw
    )
    return dict(outcomes)


@app.task(name="agenda_regie.dispatch_due")
def dispatch_due(now: str | None = None) -> list[dict[str, str]]:
    """Start the pipeline of every leader whose review is due in their own zone, once a week,
    when they have a calendar connection."""
    moment = instant(now)
    current, config = services(), worker_settings()
    retry_after = timedelta(seconds=config.redispatch_after_seconds)
    started = time.perf_counter()
    due_now = schedule.due_reviews(current.engine, moment, retry_after=retry_after)
    read = time.perf_counter()
    connections = pipeline.connections_of(current.engine, [due.leader_id for due in due_now])
    # A leader without a calendar connection is not started: nothing could cover their week
    # (`agenda-regie status` says so); one with a connection is, and `send_review` checks after
    # the syncs that a healthy one covers the week.
    startable = [due for due in due_now if connections.get(due.leader_id)]
    won = schedule.claim_reviews(
        current.engine,
        [(due.leader_id, due.week) for due in startable],
        moment,
        retry_after=retry_after,
    )
    claimed = [due for due in startable if (due.leader_id, due.week) in won]
    won_at = time.perf_counter()
    pipelines = []
    for due in claimed:
        task_id = start_pipeline(due.leader_id, due.week, moment, connections.get(due.leader_id))
        pipelines.append({"leader": due.leader, "week": str(due.week), "task": task_id})
    log.info(
        "dispatch: %d due read in %.1f s, %d claimed in %.1f s, %d pipelines queued in %.1f s",
        len(due_now),
        read - started,
        len(claimed),
        won_at - read,
        len(pipelines),
        time.perf_counter() - won_at,
    )
    return pipelines


def start_pipeline(
    leader_id: int, week: IsoWeek, moment: datetime, connection_ids: list[int] | None = None
) -> str:
    """Sync the leader's connections, then send the review (each a task, in order); the id of
    the last task."""
    at = moment.isoformat()
    if connection_ids is None:
        connection_ids = pipeline.leader_connections(services().engine, leader_id)
    steps = [sync_connection.si(connection_id, at) for connection_id in connection_ids]
    result = chain(*steps, send_review.si(leader_id, str(week), at)).apply_async()
    return str(result.id)


@app.task(name="agenda_regie.schedule_syncs")
def schedule_syncs(now: str | None = None) -> int:
    """Queue a sync of every connection, spread over the sync period."""
    # Without an injected instant each sync reads the clock when it runs, not when queued.
    period = worker_settings().sync_period_seconds
    ids = pipeline.all_connections(services().engine)
    for connection_id in ids:
        sync_connection.apply_async(
            (connection_id, now), countdown=spread_countdown(connection_id, period)
        )
    return len(ids)
