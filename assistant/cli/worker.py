"""`agenda-regie run-once | status`: the background workers' commands that run and end (a shell).

`worker`, `beat` and `serve` are in `assistant.cli.processes`. `run-once` runs the weekly
pipeline for one leader in this process, without Redis. `status` shows the queue depths in
Redis, each connection's last sync, failures, the next reviews due, the leaders who paused their
review, and the reviews whose last attempt failed.

The services come from `assistant.bootstrap`, as the workers' do.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from assistant.cli.errors import EXIT_INPUT, say
from assistant.cli.processes import QUEUES
from assistant.i18n.operator import operator_language, tr
from assistant.i18n.wording import word

WORKER_COMMANDS = ("run-once", "status")


def add_worker_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    once = subparsers.add_parser(
        "run-once", help="sync, review and email one leader's last week, without Redis"
    )
    once.add_argument("--leader", required=True, metavar="EMAIL")
    subparsers.add_parser(
        "status", help="queue depths, last syncs, failures, next reviews, paused leaders"
    )


def worker_command(args: argparse.Namespace) -> int:
    if args.command == "run-once":
        return _run_once(args.leader)
    return _status()


def _run_once(leader: str) -> int:
    from assistant import bootstrap
    from assistant.app.pipeline import run_once

    services = bootstrap.build_services(bootstrap.load_settings())
    try:
        week, delivery = run_once(services, leader, datetime.now(UTC))
    finally:
        bootstrap.close_services(services)
    said = {"leader": leader, "week": week, "id": delivery.message_id}
    if delivery.status == "already_sent":
        print(tr("%(leader)s %(week)s: already sent, nothing sent now (%(id)s)", **said))
    elif delivery.status == "paused":
        until = delivery.paused_until
        if until is None:
            print(
                tr(
                    "%(leader)s %(week)s: the weekly review is paused until they resume it; "
                    "nothing sent",
                    **said,
                )
            )
        else:
            when = until.isoformat(timespec="minutes")
            print(
                tr(
                    "%(leader)s %(week)s: the weekly review is paused until %(when)s; nothing sent",
                    when=when,
                    **said,
                )
            )
    elif delivery.status == "no_calendar":
        say(tr("%(leader)s %(week)s: not sent, %(why)s", why=delivery.reason, **said))
        return EXIT_INPUT
    elif delivery.status == "no_data" and delivery.why is not None:
        why = word(delivery.why, operator_language())
        print(tr("%(leader)s %(week)s: not sent, the week has no data: %(why)s", why=why, **said))
    else:
        print(f"{leader} {week}: {delivery_word(delivery.status)} ({delivery.message_id})")
    return 0


def delivery_word(status: str) -> str:
    """What became of a weekly review, in the operator's language."""
    words = {"sent": tr("sent"), "failed": tr("failed"), "already_sent": tr("already sent")}
    return words.get(status, status.replace("_", " "))


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
    none = tr("none")
    print(tr("Queues"))
    for name, depth in queue_depths(workers.broker_url, workers.redis_key_prefix).items():
        print(f"  {name:<8} {tr('unreachable') if depth is None else depth}")
    engine = bootstrap.open_engine(settings)
    try:
        status = pipeline_status(engine, now)
    finally:
        engine.dispose()
    print(tr("Connections"))
    for c in status.connections:
        last = c.last_sync_at.isoformat(timespec="minutes") if c.last_sync_at else tr("never")
        line = "  " + tr(
            "#%(id)s %(leader)s %(provider)s %(status)s, last sync %(last)s",
            id=c.connection_id,
            leader=c.leader,
            provider=c.provider,
            status=c.status,
            last=last,
        )
        line += f" ({c.detail})" if c.detail else ""
        print(line + (f": {c.last_error}" if c.last_error else ""))
    print(tr("No review without a working calendar"))
    for leader, why in status.without_calendar:
        print(f"  {leader}: {why}")
    if not status.without_calendar:
        print(f"  {none}")
    print(tr("No review for a week without data"))
    for leader, week, reason in status.no_data:
        why = word(reason, operator_language())
        print(f"  {leader} {week}: {why}")
    if not status.no_data:
        print(f"  {none}")
    print(tr("Failures"))
    for f in status.failures or []:
        print(f"  {f.at.isoformat(timespec='minutes')} {f.leader} {f.stage}: {f.error}")
    if not status.failures:
        print(f"  {none}")
    print(tr("Next reviews"))
    for leader, moment in status.next_reviews:
        print(f"  {moment.isoformat(timespec='minutes')} {leader}")
    if not status.next_reviews:
        print(f"  {none}")
    print(tr("Paused"))
    for leader, until in status.paused:
        if until is None:
            print("  " + tr("%(leader)s until they resume", leader=leader))
        else:
            when = until.isoformat(timespec="minutes")
            print("  " + tr("%(leader)s until %(when)s", leader=leader, when=when))
    if not status.paused:
        print(f"  {none}")
    print(tr("Reviews not sent"))
    for leader, week, attempted_at in status.failed_reviews:
        at = attempted_at.isoformat(timespec="minutes")
        print(
            "  "
            + tr(
                "%(at)s %(week)s %(leader)s: the last attempt failed",
                at=at,
                week=week,
                leader=leader,
            )
        )
    if not status.failed_reviews:
        print(f"  {none}")
    return 0
