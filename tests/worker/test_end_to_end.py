"""One organisation's week, end to end, with real processes: `agenda-regie worker`, `beat` and
`web` against the real Redis, PostgreSQL and an SMTP server. Three leaders, each with another
calendar: an iCalendar feed served locally (Tokyo), a fake Google (Amsterdam), a fake Microsoft
365 behind a private CA (New York), and a fourth without any connection. The clock is advanced
through the week an hour at a time (each tick a `dispatch_due` run by the worker at that
instant); each connected leader gets exactly one email, at 08:00 in their own zone; an accept
clicked in Chromium lands once in the right calendar (the feed leader gets the `.ics`); the
fourth gets nothing and `status` says why."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from assistant.accounts.google import connect_google
from assistant.accounts.ics import connect_ics
from assistant.accounts.microsoft import connect_microsoft
from assistant.store.crypto import SecretBox
from connectors.google.mapping import TAG_KEY
from connectors.microsoft.auth import APPLICATION_SCOPES, StoredAuthorisation
from tests.connectors.google.conftest import user_credentials
from tests.connectors.google.events import meeting
from tests.connectors.microsoft.events import meeting as graph_meeting
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.ics_feed import FakeIcsFeed
from tests.fakes.microsoft_graph import FakeGraph
from tests.mail.fixtures import free_port
from tests.tls import PrivateCA
from tests.web.test_confirm_pages import links
from tests.worker.conftest import (
    SECRET_KEY,
    WEEKLY_MEETING,
    Smtp,
    add_leader,
    redis_db,
    worker_environment,
)
from tests.worker.processes import Started, healthy, pong, started, wait_for, worker_name
from tests.worker.test_commands import _sections, agenda_regie
from worker.app import create_app
from worker.config import WorkerSettings

__all__ = ["redis_db", "started"]

AMS, NYC, TYO, NONE = (
    "ams@example.org",
    "nyc@example.org",
    "tyo@example.org",
    "none@example.org",
)
ZONES = {AMS: "Europe/Amsterdam", NYC: "America/New_York", TYO: "Asia/Tokyo"}
# They joined on Sunday 25 October 2026 (the night Amsterdam left summer time); the clock runs
# from noon that day through the following week.
JOINED = datetime(2026, 10, 25, 10, 0, tzinfo=UTC)
START = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
TICKS = [START + timedelta(hours=hour) for hour in range(7 * 24)]
CIPHER = SecretBox([SECRET_KEY])


def html_of(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_one_stack_runs_every_leaders_week_from_connection_to_accepted_block(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    started: Any,
    browser: Any,
    tmp_path: Path,
) -> None:
    ca = PrivateCA(tmp_path)
    graph = FakeGraph(owner=NYC, tls=ca.server_context()).start()
    google = FakeGoogleCalendar(owner=AMS).start()
    feed = FakeIcsFeed(WEEKLY_MEETING.read_text()).start()
    try:
        for number in range(5):
            google.put(meeting(number, datetime(2026, 10, 19 + number, 9, tzinfo=UTC)))
            # Each calendar holds the reviewed week's meetings: a week without any is not sent.
            graph.put(graph_meeting(number, datetime(2026, 10, 19 + number, 14, tzinfo=UTC)))
        for address, zone in ZONES.items():
            add_leader(store, address, zone, "monday", "08:00", JOINED, calendar=None)
        add_leader(store, NONE, "Europe/Amsterdam", "monday", "08:00", JOINED, calendar=None)
        connect_google(store, AMS, AMS, user_credentials(google), CIPHER, now=JOINED)
        application = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
        connect_microsoft(store, NYC, application, CIPHER, now=JOINED)
        connect_ics(store, TYO, feed.url, CIPHER, now=JOINED, timezone="Asia/Tokyo")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        environment = worker_environment(
            database_url,
            smtp.port,
            AGENDA_REGIE_BASE_URL=base,
            AGENDA_REGIE_GOOGLE_API_ENDPOINT=google.url,
            AGENDA_REGIE_MICROSOFT_CLIENT_ID="client-1",
            AGENDA_REGIE_MICROSOFT_TENANT="tenant1",
            AGENDA_REGIE_MICROSOFT_CLIENT_SECRET="secret",
            AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST=graph.login_host,
            AGENDA_REGIE_MICROSOFT_GRAPH_URL=graph.graph_url,
            REQUESTS_CA_BUNDLE=str(ca.ca_file),
            SSL_CERT_FILE=str(ca.ca_file),
            AGENDA_REGIE_NOW=START.isoformat(),
            AGENDA_REGIE_DISPATCH_EVERY_SECONDS="2",
        )
        name = worker_name()
        worker: Started = started(["worker", "--concurrency", "2", "--hostname", name], environment)
        beat: Started = started(["beat", "--schedule", str(tmp_path / "beat")], environment)
        here = name.replace("%h", socket.gethostname())
        wait_for(lambda: pong(environment, here), 90, "the worker to answer a ping")

        # The week, an hour at a time: each tick is `dispatch_due` at that instant, and every
        # pipeline it starts (syncs, then the review) is waited for before the next tick.
        client = create_app(WorkerSettings.from_environ(environment))
        arrived: dict[str, list[datetime]] = {}
        outcomes: dict[str, list[str]] = {}
        try:
            for tick in TICKS:
                seen = smtp.inbox.count()
                begun = client.send_task("agenda_regie.dispatch_due", args=(tick.isoformat(),)).get(
                    timeout=60
                )
                for item in begun:
                    result = client.AsyncResult(item["task"]).get(timeout=120)
                    outcomes.setdefault(item["leader"], []).append(result)
                for message in smtp.inbox.messages[seen:]:
                    arrived.setdefault(str(message["To"]), []).append(tick)
        finally:
            client.close()

        # Exactly one email each, at 08:00 on Monday in the leader's own zone.
        assert smtp.inbox.count() == 3
        assert set(arrived) == {AMS, NYC, TYO}
        for address, ticks in arrived.items():
            [tick] = ticks
            local = tick.astimezone(ZoneInfo(ZONES[address]))
            assert (local.strftime("%A"), local.hour) == ("Monday", 8), (address, local)
        assert outcomes == {AMS: ["sent"], NYC: ["sent"], TYO: ["sent"]}
        assert NONE not in arrived
        assert "Sending due task dispatch-due-reviews" in beat.output()
        assert "Traceback" not in worker.output()

        # The fourth leader: `status` says why nothing was sent.
        status = _sections(agenda_regie(environment, "status"))
        assert status["No review without a working calendar"] == [
            f"{NONE}: no calendar connection; connect one (agenda-regie connect "
            f"google|microsoft|ics|caldav --leader {NONE})"
        ]
        assert all(" ok, last sync 2026-10-2" in line for line in status["Connections"])

        # The leaders accept a proposed block in Chromium, on the web app the links point at.
        # On Monday afternoon (UTC), once every email is in: the week's last block is still
        # ahead (a block whose time has passed can no longer be accepted).
        web_environment = {**environment, "AGENDA_REGIE_NOW": TICKS[25].isoformat()}
        started(["web", "--port", str(port)], web_environment)
        wait_for(lambda: healthy(base), 90, "the web app")
        messages = {str(m["To"]): m for m in smtp.inbox.messages}
        pages: dict[str, str] = {}
        for address in (AMS, NYC, TYO):
            accept = links(html_of(messages[address]), "?do=accept")[-1]
            assert accept.startswith(base + "/p/")
            page = browser.new_page()
            try:
                page.goto(accept)
                page.get_by_role("button", name="Accept").click()
                pages[address] = page.locator("h1").inner_text()
                page.goto(accept)  # a second visit, then a second press, change nothing
                again = page.locator("h1").inner_text()
            finally:
                page.close()
            if address != TYO:
                assert again == "This block is already in your calendar."

        assert pages[AMS] == "Added to your calendar."
        blocks = [
            event
            for event in google.live().values()
            if (event.get("extendedProperties") or {}).get("private", {}).get(TAG_KEY)
        ]
        assert len(blocks) == 1
        assert pages[NYC] == "Added to your calendar."
        assert graph.count("POST", "/events") == 1
        # The feed leader's calendar is read only: the block comes as an .ics to import.
        assert pages[TYO] == "Accepted. Download the .ics file to add it to your calendar."
        kinds = [part.get_content_type() for part in messages[TYO].walk()]
        assert "text/calendar" in kinds
        assert "text/calendar" not in [p.get_content_type() for p in messages[AMS].walk()]
        assert feed.count("POST") == 0
    finally:
        feed.stop()
        google.stop()
        graph.stop()
