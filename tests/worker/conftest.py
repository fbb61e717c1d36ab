"""Worker fixtures: the real Redis, real stores, a real SMTP server (aiosmtpd) that can be told to
be slow, and in-process or subprocess Celery workers.

Each test run keeps its Redis keys (queues, results, provider limits) under a prefix of its own
(`AGENDA_REGIE_REDIS_KEY_PREFIX`), and removes only those, so two runs on one machine never take
each other's tasks. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import email
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from assistant.store import migrations
from assistant.store.crypto import SecretBox
from assistant.store.database import make_engine, session_scope
from assistant.store.repositories import store_rules, upsert_leader
from assistant.store.repositories.connections import save_connection_token, upsert_connection
from rules import load_rules
from tests.mail.fixtures import free_port
from tests.store.conftest import NewDatabase, new_database, postgres_admin_url

__all__ = ["new_database", "postgres_admin_url"]

REPO = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
BROKER_DB, RESULT_DB = 11, 12  # the Redis databases of the test suite, shared by its runs
# This run's keys in them: every test's queues, results and limits, removed before and after.
REDIS_PREFIX = f"agenda-test-{os.getpid()}-{secrets.token_hex(4)}:"
SECRET_KEY = Fernet.generate_key().decode()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.05)


@dataclass
class SlowInbox:
    """Counts what the SMTP server accepted; can hold EHLO answers back for a while, and refuse
    messages (a 451 to DATA, as a server with a full queue answers) while `refusing`."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ehlo_delay_seconds: float = 0.0
    ehlo_seen: int = 0
    refusing: bool = False
    refused: int = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.ehlo_seen += 1
        if self.ehlo_delay_seconds:
            await asyncio.sleep(self.ehlo_delay_seconds)
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refusing:
                self.refused += 1
                return "451 4.3.0 Requested action aborted: try again later"
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def recipients(self) -> list[str]:
        with self.lock:
            return [str(m["To"]) for m in self.messages]


@dataclass
class Smtp:
    port: int
    inbox: SlowInbox


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    inbox = SlowInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield Smtp(port, inbox)
    controller.stop()


def flush_redis(port: int = REDIS_PORT) -> None:
    """Removes this run's keys; other runs' keys in the same databases stay."""
    for number in (BROKER_DB, RESULT_DB):
        client = redis.Redis(host=REDIS_HOST, port=port, db=number)
        # kombu puts its fanout channels' bindings under the prefix too (`<prefix>_kombu...`)
        for key in client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000):
            client.delete(key)
        client.close()


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    flush_redis()
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=BROKER_DB)
    yield client
    client.close()
    flush_redis()


@pytest.fixture(scope="session")
def template_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("worker-template") / "agenda-regie.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, new_database: NewDatabase, template_sqlite: Path
) -> str:
    if request.param == "sqlite":
        url = new_database("sqlite")
        Path(url.removeprefix("sqlite:///")).write_bytes(template_sqlite.read_bytes())
        return url
    url = new_database("postgresql")
    migrations.upgrade(url)
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def worker_environment(
    database_url: str, smtp_port: int, *, redis_port: int = REDIS_PORT, **extra: str
) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "AGENDA_REGIE_SECRET_KEYS": SECRET_KEY,
        "AGENDA_REGIE_BROKER_URL": f"redis://{REDIS_HOST}:{redis_port}/{BROKER_DB}",
        "AGENDA_REGIE_RESULT_BACKEND": f"redis://{REDIS_HOST}:{redis_port}/{RESULT_DB}",
        "AGENDA_REGIE_REDIS_KEY_PREFIX": REDIS_PREFIX,
        "AGENDA_REGIE_SMTP_HOST": "127.0.0.1",
        "AGENDA_REGIE_SMTP_PORT": str(smtp_port),
        "AGENDA_REGIE_SMTP_SECURITY": "none",
        "AGENDA_REGIE_SMTP_FROM": "agenda-regie@example.org",
        "AGENDA_REGIE_LINK_SECRET": "JVzPPbDrGhRjMA6Eju52Oyjy4AvMcJTnetfob5PEgTc",
        "AGENDA_REGIE_BASE_URL": "http://127.0.0.1:8000",
        "AGENDA_REGIE_RETRY_BASE_SECONDS": "0.2",
        "AGENDA_REGIE_RETRY_MAX_SECONDS": "1",
        "AGENDA_REGIE_MAX_RETRIES": "3",
        "AGENDA_REGIE_GOOGLE_ATTEMPTS_PER_CALL": "1",
        **extra,
    }


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[dict[str, str]], Any]]:
    """Points the in-process Celery app and the tasks' services at the test's environment.

    The broker and result databases and the key prefix are the same for every test of a run, so
    the app's connection pools stay valid; the store and the SMTP port change per test and are
    read when the services are built again.
    """
    from worker import tasks
    from worker.app import app, celery_config
    from worker.config import WorkerSettings

    def apply(environment: dict[str, str]) -> Any:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        _reset_services()
        app.conf.update(celery_config(WorkerSettings.from_environ()))
        return tasks

    yield apply
    _reset_services()


def _reset_services() -> None:
    from worker import tasks

    if tasks.services.cache_info().currsize:
        tasks.close_services(tasks.services())
    tasks.services.cache_clear()
    tasks.settings.cache_clear()
    tasks.worker_settings.cache_clear()
    tasks.calendar_writers.cache_clear()


@pytest.fixture
def in_process_worker(configure: Any) -> Callable[[dict[str, str]], Any]:
    """Starts a real worker thread (solo pool) on the test's Redis; stopped at the end."""
    import celery.contrib.testing.tasks  # noqa: F401  (the ping task the start check needs)
    from celery.contrib.testing.worker import start_worker

    from worker.app import app

    stack: list[Any] = []

    def start(environment: dict[str, str]) -> Any:
        tasks = configure(environment)
        manager = start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=10.0
        )
        manager.__enter__()
        stack.append(manager)
        return tasks

    yield start  # type: ignore[misc]
    while stack:
        stack.pop().__exit__(None, None, None)


WEEKLY_MEETING = Path(__file__).parent / "calendars" / "weekly_meeting.ics"


def add_leader(
    engine: Engine,
    address: str,
    zone: str,
    weekday: str,
    clock: str,
    joined: datetime,
    *,
    calendar: Path | None = WEEKLY_MEETING,
    synced_at: datetime | None = None,
) -> int:
    """A leader with rules, and (unless `calendar` is None) an iCalendar file as their calendar
    connection, synced at `synced_at` when given: a review goes out only for a leader whose
    calendar covers the week (tests that send without the pipeline's syncs give the instant)."""
    rules = {
        "leader": {"email": address, "timezone": zone, "language": "en"},
        "delivery": {"weekday": weekday, "time": clock},
    }
    with session_scope(engine) as session:
        leader = upsert_leader(session, address, timezone=zone, now=joined)
        store_rules(session, leader, load_rules(None, rules), actor="test", now=joined)
        if calendar is not None:
            connection = upsert_connection(session, leader, "ics", str(calendar))
            save_connection_token(
                session, connection, str(calendar).encode(), SecretBox([SECRET_KEY])
            )
        leader_id, connection_id = leader.id, connection.id if calendar else None
    if connection_id is not None and synced_at is not None:
        from assistant.accounts.ics import IcsAccount

        outcome = IcsAccount().sync(
            engine, connection_id, cipher=SecretBox([SECRET_KEY]), now=synced_at
        )
        assert outcome.status == "synced", outcome.message
    return leader_id


class WorkerProcess:
    """`celery -A worker.app worker` as a child process, killed by its pid."""

    def __init__(
        self,
        environment: dict[str, str],
        log_path: Path,
        *,
        pool: str = "solo",
        concurrency: int = 1,
    ) -> None:
        env = {**os.environ, **environment, "PYTHONPATH": str(REPO)}
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "worker.app", "worker",
                "--pool", pool, "--concurrency", str(concurrency), "-Q", "sync,review,write",
                "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def worker_processes(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Starts `celery worker` child processes (solo pool unless told otherwise); stopped at the
    end. Each writes its own log in the test's folder."""
    started: list[WorkerProcess] = []

    def start(environment: dict[str, str], *, pool: str = "solo", concurrency: int = 1) -> Any:
        log = tmp_path / f"worker{len(started)}.log"
        process = WorkerProcess(environment, log, pool=pool, concurrency=concurrency)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


# redis-py 8 deprecates SETEX, which Celery's Redis result backend (5.7) still calls; nothing of
# ours calls it. Ignored for this suite only, by message, category and the calling module.
SETEX_DEPRECATION = "ignore:Call to deprecated setex:DeprecationWarning:celery.backends.redis"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(SETEX_DEPRECATION))
