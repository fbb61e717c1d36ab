"""Benchmark of an organisation's week: N leaders through the whole weekly pipeline.

    .venv/bin/python bench/bench_org.py --leaders 1000 [--workers 2] [--concurrency 4]

Everything is real and on loopback: N leaders, 60% with a Google connection, 30% with a
Microsoft 365 connection (each its own mailbox) and 10% with an iCalendar feed, against the fake
Google, Graph (behind a private CA, as msal wants https) and feed servers of the tests, through
the real client libraries; a fresh PostgreSQL database (dropped at the end); Redis under a key
prefix of its own (removed at the end); an aiosmtpd SMTP server that counts the messages per
recipient; and `agenda-regie worker` processes, started as an operator starts them.

One `dispatch_due` at the delivery moment starts every leader's pipeline. The clock stops when
the SMTP server holds one message per leader; then the queues are drained and every leader must
have exactly one message (more or fewer fails the run). The cost of each stage comes from the
workers' own log lines: dispatch (the `dispatch_due` task), sync (each connection, by provider),
and compute, render and send (each review). The peak memory (VmHWM) of every worker process is
read when 1,000 reviews are out and at the end. The last line is `leaders/s: X`.
"""

from __future__ import annotations

import argparse
import email
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from assistant.accounts.google import ConnectionState as GoogleState  # noqa: E402
from assistant.accounts.ics import FeedState  # noqa: E402
from assistant.accounts.microsoft import ConnectionState as GraphState  # noqa: E402
from assistant.store import migrations  # noqa: E402
from assistant.store.crypto import SecretBox  # noqa: E402
from assistant.store.database import make_engine, session_scope  # noqa: E402
from assistant.store.repositories import store_rules, upsert_leader  # noqa: E402
from assistant.store.repositories.connections import (  # noqa: E402
    save_connection_token,
    upsert_connection,
)
from connectors.google.auth import authorisation_to_json  # noqa: E402
from connectors.ics.fetch import Location  # noqa: E402
from connectors.microsoft.auth import APPLICATION_SCOPES, StoredAuthorisation  # noqa: E402
from rules import load_rules  # noqa: E402
from tests.connectors.google.conftest import user_credentials  # noqa: E402
from tests.connectors.google.events import meeting as google_meeting  # noqa: E402
from tests.connectors.microsoft.events import meeting as graph_meeting  # noqa: E402
from tests.fakes.google_calendar import FakeGoogleCalendar  # noqa: E402
from tests.fakes.ics_feed import FakeIcsFeed  # noqa: E402
from tests.fakes.microsoft_graph import FakeGraph  # noqa: E402
from tests.tls import PrivateCA  # noqa: E402

ADMIN = os.environ.get(
    "AGENDA_REGIE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AGENDA_REGIE = str(Path(sys.executable).with_name("agenda-regie"))
JOINED = datetime(2026, 10, 19, tzinfo=UTC)
DUE = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday 08:00 in Amsterdam (CET)
MEETINGS = 40  # a busy fortnight, the same calendar for everyone
BROKER_DB, RESULT_DB = 12, 11
SUCCEEDED = re.compile(r"Task agenda_regie\.(\w+)\[[^\]]+\] succeeded in ([0-9.]+)s")
SYNCED = re.compile(r"connection \d+ \((\w+)\) synced in ([0-9.]+) ms")
REVIEWED = re.compile(r"compute ([0-9.]+) ms, render ([0-9.]+) ms, send ([0-9.]+) ms")
STAGES = ("dispatch", "sync google", "sync microsoft", "sync ics", "compute", "render", "send")


@dataclass
class CountingInbox:
    """The SMTP server's side: how many messages each recipient got."""

    per_recipient: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    total: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.per_recipient[str(message["To"])] += 1
            self.total += 1
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return self.total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def provider_of(number: int) -> str:
    """60% Google, 30% Microsoft 365, 10% iCalendar feeds, interleaved."""
    slot = number % 10
    return "google" if slot < 6 else "microsoft" if slot < 9 else "ics"


def feed_text(meetings: int) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//agenda-regie//EN"]
    for number, start in enumerate(meeting_starts(meetings), start=1):
        end = start + timedelta(hours=1)
        lines += [
            "BEGIN:VEVENT",
            f"UID:m{number}@bench.agenda-regie.test",
            "DTSTAMP:20261001T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{end:%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Overleg {number}",
            "ORGANIZER:mailto:colleague@example.org",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.org",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def meeting_starts(count: int) -> list[datetime]:
    return [
        datetime(2026, 10, 19, 8, 0, tzinfo=UTC) + timedelta(days=n // 4, hours=2 * (n % 4))
        for n in range(count)
    ]


def add_leaders(url: str, count: int, key: str, google: Any, feed: FakeIcsFeed) -> None:
    """The leaders, their rules and connections, written in batches (setup, not measured)."""
    engine = make_engine(url)
    cipher = SecretBox([key])
    rules = load_rules(None, {"leader": {"timezone": "Europe/Amsterdam"},
                              "delivery": {"weekday": "monday", "time": "08:00"}})  # fmt: skip
    google_token = authorisation_to_json(user_credentials(google))
    graph_token = StoredAuthorisation("application", None, APPLICATION_SCOPES, "").to_bytes()
    feed_where = Location.of(feed.url).where
    for first in range(0, count, 500):
        with session_scope(engine) as session:
            for number in range(first, min(count, first + 500)):
                address = f"leader{number:05d}@example.org"
                leader = upsert_leader(session, address, now=JOINED)
                store_rules(session, leader, rules, actor="bench", now=JOINED)
                provider = provider_of(number)
                if provider == "google":
                    connection = upsert_connection(session, leader, "google", address)
                    save_connection_token(session, connection, google_token, cipher)
                    connection.sync_state = GoogleState().dumps()
                elif provider == "microsoft":
                    connection = upsert_connection(session, leader, "microsoft", "application")
                    save_connection_token(session, connection, graph_token, cipher)
                    connection.sync_state = GraphState(address).dumps()
                else:
                    connection = upsert_connection(session, leader, "ics", feed_where)
                    save_connection_token(session, connection, feed.url.encode(), cipher)
                    connection.sync_state = FeedState().dumps()
                connection.status = "ok"
    engine.dispose()


def process_tree(pid: int) -> list[int]:
    """`pid` and its living descendants (read from /proc)."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(fields[1])].append(int(entry.name))
    found, unvisited = [pid], [pid]
    while unvisited:
        for child in parents.get(unvisited.pop(), []):
            found.append(child)
            unvisited.append(child)
    return found


def peak_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else None


def memory_snapshot(workers: list[subprocess.Popen[bytes]]) -> dict[str, float]:
    """Peak resident memory of every worker process: each `agenda-regie worker` (the Celery
    consumer) and its pool processes."""
    snapshot = {}
    for number, process in enumerate(workers):
        for position, pid in enumerate(process_tree(process.pid)):
            peak = peak_mib(pid)
            if peak is not None:
                name = "main" if position == 0 else f"pool {position}"
                snapshot[f"worker {number} {name} (pid {pid})"] = peak
    return snapshot


def queue_bytes(client: redis.Redis, prefix: str) -> tuple[int, int]:
    """Messages waiting in the three queues and the bytes Redis holds for them."""
    waiting = used = 0
    for name in ("sync", "review", "write"):
        key = f"{prefix}{name}"
        waiting += int(client.llen(key))
        used += int(client.memory_usage(key) or 0)
    return waiting, used


def result_bytes(client: redis.Redis, prefix: str) -> tuple[int, int]:
    """Task results kept in the result database and the bytes they hold (a sample of 200)."""
    keys = list(client.scan_iter(match=f"{prefix}celery-task-meta-*", count=1000))
    sample = keys[:200]
    each = [int(client.memory_usage(key) or 0) for key in sample]
    return len(keys), int(len(keys) * (sum(each) / len(each))) if each else 0


def queues_empty(client: redis.Redis, prefix: str) -> bool:
    keys = [f"{prefix}{name}" for name in ("sync", "review", "write")]
    waiting = sum(int(client.llen(key)) for key in keys)
    return waiting == 0 and int(client.hlen(f"{prefix}unacked")) == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaders", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="`agenda-regie worker` processes")
    parser.add_argument("--concurrency", type=int, default=4, help="pool size of each worker")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()

    name = f"agenda_bench_org_{secrets.token_hex(4)}"
    prefix = f"bench-org-{secrets.token_hex(4)}:"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    folder = Path(tempfile.mkdtemp(prefix="bench-org-"))
    ca = PrivateCA(folder)
    google = FakeGoogleCalendar().start()
    graph = FakeGraph(owner="board@example.org", tls=ca.server_context()).start()
    feed = FakeIcsFeed(feed_text(MEETINGS)).start()
    inbox = CountingInbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    broker = redis.Redis(host="127.0.0.1", port=6379, db=BROKER_DB)
    workers: list[subprocess.Popen[bytes]] = []
    memory: dict[str, dict[str, float]] = {}
    try:
        migrations.upgrade(url)
        for number, start in enumerate(meeting_starts(MEETINGS), start=1):
            google.put(google_meeting(number, start, minutes=60))
        for number in range(args.leaders):
            if provider_of(number) == "microsoft":
                mailbox = f"leader{number:05d}@example.org"
                for meeting_number, start in enumerate(meeting_starts(MEETINGS), start=1):
                    graph.put(graph_meeting(meeting_number, start, minutes=60), mailbox)
        key = Fernet.generate_key().decode()
        started = time.perf_counter()
        add_leaders(url, args.leaders, key, google, feed)
        setup_seconds = time.perf_counter() - started

        environment = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": url,
            "AGENDA_REGIE_SECRET_KEYS": key,
            "AGENDA_REGIE_BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
            "AGENDA_REGIE_RESULT_BACKEND": f"redis://127.0.0.1:6379/{RESULT_DB}",
            "AGENDA_REGIE_REDIS_KEY_PREFIX": prefix,
            "AGENDA_REGIE_SMTP_HOST": "127.0.0.1",
            "AGENDA_REGIE_SMTP_PORT": str(smtp_port),
            "AGENDA_REGIE_SMTP_SECURITY": "none",
            "AGENDA_REGIE_SMTP_FROM": "agenda-regie@example.org",
            "AGENDA_REGIE_LINK_SECRET": secrets.token_urlsafe(32),
            "AGENDA_REGIE_GOOGLE_API_ENDPOINT": google.url,
            "AGENDA_REGIE_GOOGLE_REQUESTS_PER_SECOND": "1000",
            "AGENDA_REGIE_MICROSOFT_CLIENT_ID": "client-1",
            "AGENDA_REGIE_MICROSOFT_TENANT": "tenant1",
            "AGENDA_REGIE_MICROSOFT_CLIENT_SECRET": "secret",
            "AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST": graph.login_host,
            "AGENDA_REGIE_MICROSOFT_GRAPH_URL": graph.graph_url,
            "REQUESTS_CA_BUNDLE": str(ca.ca_file),
            "SSL_CERT_FILE": str(ca.ca_file),
            # The fake feed server listens on loopback, which feeds may otherwise not use.
            "AGENDA_REGIE_FEED_ALLOWED_HOSTS": "127.0.0.1",
        }
        for number in range(args.workers):
            log = (folder / f"worker{number}.log").open("wb")
            command = [AGENDA_REGIE, "worker", "--concurrency", str(args.concurrency),
                       "--hostname", f"org{number}@%h", "--loglevel", "INFO"]  # fmt: skip
            workers.append(
                subprocess.Popen(
                    command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT
                )
            )
        os.environ.update({k: v for k, v in environment.items() if k.startswith("AGENDA_")})
        from worker.app import create_app
        from worker.config import WorkerSettings

        client = create_app(WorkerSettings.from_environ())
        deadline = time.monotonic() + 60
        while len(client.control.ping(timeout=0.5)) < args.workers:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                last = (folder / "worker0.log").read_text(errors="replace").strip()
                said = last.splitlines()[-1] if last else "(nothing in worker0.log)"
                raise SystemExit(f"the workers did not answer a ping within 60 s: {said}")
        started = time.perf_counter()
        client.send_task("agenda_regie.dispatch_due", args=[DUE.isoformat()])
        deadline = time.monotonic() + args.timeout
        peak_queue = (0, 0)
        next_look = 0.0
        while inbox.count() < args.leaders and time.monotonic() < deadline:
            if "after 1000" not in memory and inbox.count() >= min(1000, args.leaders):
                memory["after 1000"] = memory_snapshot(workers)
            if time.monotonic() >= next_look:
                peak_queue = max(peak_queue, queue_bytes(broker, prefix), key=lambda q: q[1])
                next_look = time.monotonic() + 1.0
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        memory[f"after {args.leaders}"] = memory_snapshot(workers)
        # Every queued task done (a second copy of a review would show up now), bounded.
        settle = time.monotonic() + 60
        while not queues_empty(broker, prefix) and time.monotonic() < settle:
            time.sleep(0.2)
        results = result_bytes(redis.Redis(host="127.0.0.1", port=6379, db=RESULT_DB), prefix)
        redis_use = {"queue": peak_queue, "results": results}
        client.close()
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        google.stop()
        graph.stop()
        feed.stop()
        for number in (BROKER_DB, RESULT_DB):
            keys = redis.Redis(host="127.0.0.1", port=6379, db=number)
            for stale in keys.scan_iter(match=f"{prefix}*", count=1000):
                keys.delete(stale)
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return report(args, inbox, elapsed, setup_seconds, folder, memory, redis_use)


def report(
    args: argparse.Namespace,
    inbox: CountingInbox,
    elapsed: float,
    setup_seconds: float,
    folder: Path,
    memory: dict[str, dict[str, float]],
    redis_use: dict[str, tuple[int, int]],
) -> int:
    timings: dict[str, list[float]] = defaultdict(list)
    for path in folder.glob("worker*.log"):
        text = path.read_text(errors="replace")
        for task, seconds in SUCCEEDED.findall(text):
            if task == "dispatch_due":
                timings["dispatch"].append(float(seconds) * 1000)
        for provider, ms in SYNCED.findall(text):
            timings[f"sync {provider}"].append(float(ms))
        for compute, render, send in REVIEWED.findall(text):
            timings["compute"].append(float(compute))
            timings["render"].append(float(render))
            timings["send"].append(float(send))
    expected = {f"leader{n:05d}@example.org" for n in range(args.leaders)}
    counts = inbox.per_recipient
    once = sum(1 for leader in expected if counts.get(leader) == 1)
    missing = sum(1 for leader in expected if leader not in counts)
    twice = sum(1 for leader in expected if counts.get(leader, 0) > 1)
    strangers = sum(1 for recipient in counts if recipient not in expected)
    delivered = inbox.count()
    shares = Counter(provider_of(n) for n in range(args.leaders))
    print(
        f"{args.leaders} leaders (Google {shares['google']}, Microsoft 365 "
        f"{shares['microsoft']}, iCalendar feeds {shares['ics']}); {args.workers} "
        f"`agenda-regie worker` x {args.concurrency} pool processes; PostgreSQL, Redis, SMTP "
        f"and fake providers on loopback; load average before the end: {_load()}"
    )
    print(f"{'figure':<40}{'value':>14}")
    print(f"{'setup (leaders, rules, connections)':<40}{setup_seconds:>12.1f} s")
    print(f"{'messages at the SMTP server':<40}{delivered:>14}")
    print(f"{'leaders with exactly one message':<40}{once:>14}")
    print(f"{'leaders with none / more than one':<40}{f'{missing} / {twice}':>14}")
    print(f"{'messages to anyone else':<40}{strangers:>14}")
    print(f"{'wall time, dispatch to last email':<40}{elapsed:>12.1f} s")
    waiting, queued = redis_use["queue"]
    kept, held = redis_use["results"]
    print(f"{'Redis, queues at their peak':<40}{f'{waiting} msgs, {queued / 1e6:.1f} MB':>20}")
    print(f"{'Redis, task results kept (1 day)':<40}{f'{kept} keys, {held / 1e6:.1f} MB':>20}")
    print()
    print(f"{'stage':<16}{'runs':>7}{'median ms':>11}{'p95 ms':>9}{'total s':>9}")
    for stage in STAGES:
        values = sorted(timings.get(stage, []))
        if not values:
            continue
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(
            f"{stage:<16}{len(values):>7}{statistics.median(values):>11.1f}{p95:>9.1f}"
            f"{sum(values) / 1000:>9.1f}"
        )
    print("(dispatch: the one dispatch_due task that claims every week and queues each pipeline;")
    print(" compute: cache read, history, review, weekly metrics recorded; render: proposals and")
    print(" question stored, links signed, email composed; send: under the leader's lock, SMTP")
    print(" hand-over and the record)")
    print()
    labels = sorted(memory, key=lambda label: int(label.split()[-1]))
    print(f"{'peak memory (VmHWM), MiB':<44}" + "".join(f"{label:>13}" for label in labels))
    names = sorted({name for snapshot in memory.values() for name in snapshot})
    for process in names:
        values = [memory[label].get(process) for label in labels]
        cells = "".join(f"{v:>13.1f}" if v is not None else f"{'-':>13}" for v in values)
        print(f"{process:<44}{cells}")
    ok = once == args.leaders and delivered == args.leaders
    print(f"exactly once: {'yes' if ok else 'NO'}")
    print(f"leaders/s: {delivered / elapsed:.1f}")
    return 0 if ok else 1


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    raise SystemExit(main())
