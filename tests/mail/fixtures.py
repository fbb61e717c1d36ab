"""Shared parts of the mail and web tests: a marked sample calendar, a migrated SQLite store, a
real SMTP server (aiosmtpd) and a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import email
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from assistant.app.history import review_with_history
from assistant.app.review import open_ics
from assistant.core.review import IsoWeek, WeeklyReview
from assistant.store import migrations
from assistant.store.database import make_engine, session_scope
from rules import load_rules
from tests.conftest import SAMPLE, SAMPLE_LEADER

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=AMSTERDAM)  # the sample's Monday
WEEK = IsoWeek(2026, 48)
MARKER = "Vertrouwelijk-Titel-9q4z"  # every event title carries it; no email may show it
LEADER = SAMPLE_LEADER
SECRET = "JVzPPbDrGhRjMA6Eju52Oyjy4AvMcJTnetfob5PEgTc"  # 32 random bytes, as the settings require
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def marked_calendar(folder: Path) -> Path:
    """The sample calendar with the marker in every title (and description)."""
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("\nSUMMARY:", f"\nSUMMARY:{MARKER} ")
    target = folder / "marked-sample.ics"
    target.write_text(text, encoding="utf-8")
    return target


def leader_speaks(store: Engine, language: str, leader: str = LEADER) -> None:
    """The leader's assistant applies rules in `language` (idempotent): the language the
    email, the pages and the .ics follow."""
    from assistant.store.repositories.rules import apply_rules

    with session_scope(store) as session:
        rules = load_rules(None, {"leader": {"language": language}})
        apply_rules(session, leader, rules, "ea@example.org", now=NOW)


def review_of(calendar: Path, language: str, week: IsoWeek = WEEK) -> WeeklyReview:
    rules = load_rules(None, {"leader": {"language": language, "email": LEADER}})
    source = open_ics(calendar, rules, [LEADER])
    return review_with_history(source, rules, week, NOW, None)


@pytest.fixture(scope="session")
def marked_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return marked_calendar(tmp_path_factory.mktemp("calendar"))


@pytest.fixture(scope="session")
def reviews(marked_path: Path) -> dict[str, WeeklyReview]:
    return {language: review_of(marked_path, language) for language in ("en", "nl")}


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "agenda-regie.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def store(migrated_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite store at the current schema (a copy of one migrated file)."""
    path = tmp_path / "store.db"
    shutil.copyfile(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer("127.0.0.1", port, inbox)
    controller.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Clock:
    """The web app's clock, moved by the tests."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class WebServer:
    url: str
    clock: Clock


def serve(app: Any) -> Iterator[str]:
    """Uvicorn in a thread on 127.0.0.1 and a free port; yields the base URL."""
    import time

    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def press(url: str, action: str, client: Any = None) -> Any:
    """What the leader's browser does: open the page (its cookie and hidden form field), then
    post its form with the button `action`."""
    import httpx

    with httpx.Client() as own:
        browser = client or own
        shown = browser.get(url)
        found = re.search(r'name="form_token" value="([^"]+)"', shown.text)
        assert found, f"the page at {url} has no form"
        return browser.post(
            url.split("?")[0], data={"action": action, "form_token": found.group(1)}
        )
