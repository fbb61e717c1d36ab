"""The Celery app, configured from the environment (`celery -A worker.app worker` loads it).

Reliability choices (calendar-apis.md section C): late acknowledgement with prefetch 1, so a
worker that dies mid-task leaves its message to be delivered again (the tasks are idempotent);
a Redis visibility timeout above every retry delay and countdown; hard and soft time limits;
JSON only.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu.entity import Exchange, Queue

from worker.beat import beat_schedule
from worker.config import WorkerSettings

QUEUES = ("sync", "review", "write")


def celery_config(settings: WorkerSettings) -> dict[str, Any]:
    transport = {
        "visibility_timeout": settings.visibility_timeout_seconds,
        "unacked_restore_interval": settings.unacked_restore_seconds,
        "unacked_restore_throttle": 1,
        "global_keyprefix": settings.redis_key_prefix,
    }
    return {
        "broker_url": settings.broker_url,
        "result_backend": settings.result_backend,
        "broker_transport_options": transport,
        "result_backend_transport_options": {
            "visibility_timeout": settings.visibility_timeout_seconds,
            "global_keyprefix": settings.redis_key_prefix,
        },
        "visibility_timeout": settings.visibility_timeout_seconds,
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_time_limit": settings.task_time_limit_seconds,
        "task_soft_time_limit": settings.soft_time_limit_seconds,
        "task_queues": [_queue(name) for name in QUEUES],
        "task_default_queue": "review",
        "task_default_exchange": "review",
        "task_default_routing_key": "review",
        "task_routes": {
            "agenda_regie.sync_connection": {"queue": "sync", "routing_key": "sync"},
            "agenda_regie.schedule_syncs": {"queue": "sync", "routing_key": "sync"},
            "agenda_regie.dispatch_due": {"queue": "review", "routing_key": "review"},
            "agenda_regie.compute_week": {"queue": "review", "routing_key": "review"},
            "agenda_regie.send_review": {"queue": "review", "routing_key": "review"},
            "agenda_regie.write_block": {"queue": "write", "routing_key": "write"},
            "agenda_regie.drain_outbox": {"queue": "write", "routing_key": "write"},
        },
        "result_expires": 86400,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": beat_schedule(settings),
        "worker_hijack_root_logger": False,
    }


def create_app(settings: WorkerSettings | None = None) -> Celery:
    settings = settings or WorkerSettings.from_environ()
    celery = Celery("agenda_regie", include=["worker.tasks"])
    celery.conf.update(celery_config(settings))
    return celery


def _queue(name: str) -> Queue:
    # Each queue has its own direct exchange and routing key; with kombu's defaults every queue
    # would be bound to the default exchange under one key and receive every message.
    return Queue(name, Exchange(name, type="direct"), routing_key=name)  # type: ignore[no-untyped-call]


# `celery -A worker.app` needs a module-level app; it reads the environment when imported.
app = create_app()
