"""`agenda-regie worker | beat | run-once | status`: the background workers' commands (a shell).

`worker` and `beat` run Celery on `worker.app` in a child process (assistant never imports the
worker package). `run-once` runs the weekly pipeline for one leader in this process, without
Redis. `status` shows the queue depths in Redis, each connection's last sync, failures, the
next reviews due, the leaders who paused their review, and the reviews whose last attempt failed.

The services come from `assistant.bootstrap`, as the workers' do.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime

WORKER_COMMANDS = ("worker", "beat", "run-once", "status")
QUEUES = ("sync", "review", "write")


def add_worker_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = subparsers.add_parser("worker", help="run a background worker (Celery on Redis)")
    worker.add_argument("--concurrency", type=int, default=None, help="worker processes")
    worker.add_argument("--queues", default=",".join(QUEUES), help="queues to consume")
    worker.add_argument("--loglevel", default="INFO")
    beat = subparsers.add_parser("beat", help="run the single scheduler (dispatch and syncs)")
    beat.add_argument("--loglevel", default="INFO")
    once = subparsers.add_parser(
        "run-once", help="sync, review and email one leader's last week, without Redis"
    )
    once.add_argument("--leader", required=True, metavar="EMAIL")
    subparsers.add_parser(
        "status", help="queue depths, last syncs, failures, next reviews, paused leaders"
    )


def worker_command(args: argparse.Namespace) -> int:
    if args.command == "worker":
        command = ["worker", "-Q", args.queues, "--loglevel", args.loglevel]
        if args.concurrency:
            command += ["--concurrency", str(args.concurrency)]
        return _celery(command)
    if args.command == "beat":
        return _celery(["beat", "--loglevel", args.loglevel])
    if args.command == "run-once":
        return _run_once(args.leader)
    return _status()


def _celery(arguments: list[str]) -> int:
    command = [sys.executable, "-m", "celery", "-A", "worker.app", *arguments]
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def _run_once(leader: str) -> int:
    from assistant import bootstrap
    from assistant.app.pipeline import run_once

    services = bootstrap.build_services(bootstrap.load_settings())
    try:
        week, delivery = run_once(services, leader, datetime.now(UTC))
    finally:
        bootstrap.close_services(services)
    if delivery.status == "already_sent":
        print(f"{leader} {week}: already sent, nothing sent now ({delivery.message_id})")
    elif delivery.status == "paused":
        until = delivery.paused_until
        when = until.isoformat(timespec="minutes") if until else "they resume it"
        print(f"{leader} {week}: the weekly review is paused until {when}; nothing sent")
    else:
        print(f"{leader} {week}: {delivery.status.replace('_', ' ')} ({delivery.message_id})")
    return 0


def queue_depths(broker_url: str, key_prefix: str = "") -> dict[str, int | None]:
    """Messages waiting per queue; None when Redis cannot be reached."""
    import redis

    client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return {name: int(client.llen(key_prefix + name)) for name in QUEUES}
    except redis.RedisError:
        return dict.fromkeys(QUEUES)
    finally:
        client.close()


def _status() -> int:
    from assistant import bootstrap
    from assistant.app.status import pipeline_status

    settings = bootstrap.load_settings()
    workers = settings.worker()
    now = datetime.now(UTC)
    print("Queues")
    for name, depth in queue_depths(workers.broker_url, workers.redis_key_prefix).items():
        print(f"  {name:<8} {'unreachable' if depth is None else depth}")
    engine = bootstrap.open_engine(settings)
    try:
        status = pipeline_status(engine, now)
    finally:
        engine.dispose()
    print("Connections")
    for c in status.connections:
        last = c.last_sync_at.isoformat(timespec="minutes") if c.last_sync_at else "never"
        line = f"  #{c.connection_id} {c.leader} {c.provider} {c.status}, last sync {last}"
        print(line + (f": {c.last_error}" if c.last_error else ""))
    print("Failures")
    for f in status.failures or []:
        print(f"  {f.at.isoformat(timespec='minutes')} {f.leader} {f.stage}: {f.error}")
    if not status.failures:
        print("  none")
    print("Next reviews")
    for leader, moment in status.next_reviews:
        print(f"  {moment.isoformat(timespec='minutes')} {leader}")
    if not status.next_reviews:
        print("  none")
    print("Paused")
    for leader, until in status.paused:
        print(f"  {leader} until {until.isoformat(timespec='minutes') if until else 'they resume'}")
    if not status.paused:
        print("  none")
    print("Reviews not sent")
    for leader, week, attempted_at in status.failed_reviews:
        at = attempted_at.isoformat(timespec="minutes")
        print(f"  {at} {week} {leader}: the last attempt failed")
    if not status.failed_reviews:
        print("  none")
    return 0
