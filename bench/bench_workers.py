"""Benchmark of the background workers: 1,000 leaders through the whole weekly pipeline.

    .venv/bin/python bench/bench_workers.py [--leaders 1000] [--concurrency 4] [--dispatch-only]

Everything is real and on loopback: Redis (database 12 of 127.0.0.1:6379, flushed), a fresh
PostgreSQL database (dropped at the end), the fake Google Calendar server of the tests driven
through the real client, an aiosmtpd SMTP server counting the messages, and two `celery worker`
processes. One `dispatch_due` at the delivery moment starts every leader's pipeline (sync of the
Google connection, then compute and send the review); the clock stops when the SMTP server holds
one message per leader. The cost of each stage is read from the workers' own task timings.

`--dispatch-only` starts no worker: it times one `dispatch_due` run in this process (finding the
due leaders, claiming each week, queueing each pipeline in Redis), twice: the second run finds
every week claimed and queues nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from assistant.accounts.google import connect_google  # noqa: E402
from assistant.store import migrations  # noqa: E402
from assistant.store.crypto import SecretBox  # noqa: E402
from assistant.store.database import make_engine, session_scope  # noqa: E402
from assistant.store.repositories import store_rules, upsert_leader  # noqa: E402
from rules import load_rules  # noqa: E402
from tests.connectors.google.conftest import user_credentials  # noqa: E402
from tests.connectors.google.events import meeting  # noqa: E402
from tests.fakes.google_calendar import FakeGoogleCalendar  # noqa: E402
from tests.mail.fixtures import Inbox, free_port  # noqa: E402

ADMIN = os.environ.get(
    "AGENDA_REGIE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
JOINED = datetime(2026, 10, 19, tzinfo=UTC)
DUE = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday 08:00 in Amsterdam (CET)
TIMING = re.compile(r"Task (agenda_regie\.\w+)\[[^\]]+\] succeeded in ([0-9.]+)s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaders", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4, help="pool size of each worker")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--dispatch-only", action="store_true", help="time dispatch_due alone")
    args = parser.parse_args()

    name = f"agenda_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    fake = FakeGoogleCalendar().start()
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    broker = redis.Redis(host="127.0.0.1", port=6379, db=12)
    broker.flushdb()
    redis.Redis(host="127.0.0.1", port=6379, db=11).flushdb()
    workers: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    try:
        migrations.upgrade(url)
        engine = make_engine(url)
        key = Fernet.generate_key().decode()
        for number in range(40):  # a busy fortnight, the same calendar for everyone
            start = datetime(2026, 10, 19, 8, 0, tzinfo=UTC) + timedelta(
                days=number // 4, hours=2 * (number % 4)
            )
            fake.put(meeting(number + 1, start, minutes=60))
        started = time.perf_counter()
        rules = load_rules(None, {"leader": {"timezone": "Europe/Amsterdam"},
                                  "delivery": {"weekday": "monday", "time": "08:00"}})  # fmt: skip
        cipher = SecretBox([key])
        for number in range(args.leaders):
            address = f"leader{number:04d}@example.org"
            with session_scope(engine) as session:
                leader = upsert_leader(session, address, now=JOINED)
                store_rules(session, leader, rules, actor="bench", now=JOINED)
            connect_google(engine, address, address, user_credentials(fake), cipher, now=JOINED)
        setup_seconds = time.perf_counter() - started

        environment = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": url,
            "AGENDA_REGIE_SECRET_KEYS": key,
            "AGENDA_REGIE_BROKER_URL": "redis://127.0.0.1:6379/12",
            "AGENDA_REGIE_RESULT_BACKEND": "redis://127.0.0.1:6379/11",
            "AGENDA_REGIE_SMTP_HOST": "127.0.0.1",
            "AGENDA_REGIE_SMTP_PORT": str(smtp_port),
            "AGENDA_REGIE_SMTP_SECURITY": "none",
            "AGENDA_REGIE_SMTP_FROM": "agenda-regie@example.org",
            "AGENDA_REGIE_LINK_SECRET": secrets.token_urlsafe(32),
            "AGENDA_REGIE_GOOGLE_API_ENDPOINT": fake.url,
            "AGENDA_REGIE_GOOGLE_REQUESTS_PER_SECOND": "1000",
        }
        if args.dispatch_only:
            return _dispatch_only(environment, args.leaders, setup_seconds)
        for number in range(2):
            log = (logs / f"worker{number}.log").open("wb")
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "worker.app",
                        "worker",
                        "-Q",
                        "sync,review,write",
                        "--pool",
                        "prefork",
                        "--concurrency",
                        str(args.concurrency),
                        "--loglevel",
                        "INFO",
                        "-n",
                        f"bench{number}@%h",
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    cwd=REPO,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        os.environ.update({k: v for k, v in environment.items() if k.startswith("AGENDA_")})
        from worker.app import create_app
        from worker.config import WorkerSettings

        client = create_app(WorkerSettings.from_environ())
        client.control.ping(timeout=5)
        time.sleep(3)  # let both workers come up
        started = time.perf_counter()
        client.send_task("agenda_regie.dispatch_due", args=[DUE.isoformat()])
        deadline = started + args.timeout
        while len(inbox.messages) < args.leaders and time.perf_counter() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        delivered = len(inbox.messages)
        time.sleep(2)
        client.close()
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=30)
        smtp.stop()
        fake.stop()
        broker.flushdb()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    timings: dict[str, list[float]] = defaultdict(list)
    for path in logs.glob("worker*.log"):
        for task, seconds in TIMING.findall(path.read_text(errors="replace")):
            timings[task.removeprefix("agenda_regie.")].append(float(seconds) * 1000)
    print(f"{args.leaders} leaders, 2 worker processes x {args.concurrency}, PostgreSQL, loopback")
    print(f"{'figure':<34}{'value':>14}")
    print(f"{'setup (leaders, rules, tokens)':<34}{setup_seconds:>12.1f} s")
    print(f"{'reviews delivered':<34}{delivered:>14}")
    print(f"{'wall time, dispatch to last email':<34}{elapsed:>12.1f} s")
    print(f"{'leaders per second':<34}{delivered / elapsed:>14.1f}")
    print(f"{'stage':<20}{'runs':>6}{'median ms':>12}{'p95 ms':>10}{'total s':>10}")
    for stage in ("dispatch_due", "sync_connection", "send_review"):
        values = sorted(timings.get(stage, []))
        if not values:
            continue
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(
            f"{stage:<20}{len(values):>6}{statistics.median(values):>12.1f}{p95:>10.1f}"
            f"{sum(values) / 1000:>10.1f}"
        )
    print("send_review includes computing the week (history, proposals) and the SMTP hand-over.")
    return 0 if delivered == args.leaders else 1


def _dispatch_only(environment: dict[str, str], leaders: int, setup_seconds: float) -> int:
    os.environ.update({k: v for k, v in environment.items() if k.startswith(("AGENDA_", "DATA"))})
    from worker import tasks

    runs = []
    for _ in range(2):
        started = time.perf_counter()
        started_pipelines = tasks.dispatch_due.run(DUE.isoformat())
        runs.append((time.perf_counter() - started, len(started_pipelines)))
    tasks.services().engine.dispose()
    print(f"{leaders} leaders, dispatch_due in this process, PostgreSQL, loopback")
    print(f"{'setup (leaders, rules, tokens)':<34}{setup_seconds:>12.1f} s")
    for number, (seconds, count) in enumerate(runs, start=1):
        print(f"{f'dispatch_due run {number}':<34}{seconds:>12.2f} s  ({count} pipelines started)")
    return 0 if runs[0][1] == leaders and runs[1][1] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
