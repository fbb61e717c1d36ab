"""`agenda-regie run-once` and `agenda-regie status` as a user runs them: child processes of the
installed command on the test's own SQLite store, Redis database and SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from assistant.accounts.google import connect_google
from assistant.accounts.microsoft import connect_microsoft
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Leader
from connectors.microsoft.auth import APPLICATION_SCOPES, StoredAuthorisation
from tests.connectors.google.conftest import user_credentials
from tests.connectors.google.events import meeting
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.worker.conftest import SECRET_KEY, Smtp, add_leader, redis_db, worker_environment
from worker.app import create_app
from worker.config import WorkerSettings

__all__ = ["redis_db"]

AGENDA_REGIE = os.path.join(os.path.dirname(sys.executable), "agenda-regie")
JOINED = datetime.now(UTC) - timedelta(days=30)
# Thursday noon of the last complete week in Amsterdam: the week `run-once` reviews today,
# whatever today's weekday (a fixed distance from today fell outside it on some weekdays).
_TODAY = datetime.now(ZoneInfo("Europe/Amsterdam"))
LAST_WEEK = (_TODAY - timedelta(days=_TODAY.weekday() + 4)).replace(
    hour=12, minute=0, second=0, microsecond=0
)
NOT_SET_UP = "Microsoft 365 is not set up: set AGENDA_REGIE_MICROSOFT_CLIENT_ID (docs/microsoft.md)"


def run(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGENDA_REGIE, *arguments],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def agenda_regie(environment: dict[str, str], *arguments: str) -> str:
    done = run(environment, *arguments)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def refused(environment: dict[str, str], *arguments: str) -> str:
    """What the command says on stderr when it refuses: one line, exit code 2, no traceback."""
    done = run(environment, *arguments)
    assert (done.returncode, done.stdout) == (2, ""), done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    return done.stderr.strip()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_run_once_sends_once_and_status_shows_what_happened(
    store: Engine, database_url: str, smtp: Smtp, redis_db: object
) -> None:
    fake = FakeGoogleCalendar(owner="ams@example.org").start()
    try:
        fake.put(meeting(1, LAST_WEEK))
        cipher = SecretBox([SECRET_KEY])
        add_leader(
            store, "ams@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED, calendar=None
        )
        add_leader(
            store, "nyc@example.org", "America/New_York", "monday", "08:00", JOINED, calendar=None
        )
        add_leader(
            store, "off@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED, calendar=None
        )
        google = connect_google(
            store, "ams@example.org", "ams@example.org", user_credentials(fake), cipher, now=JOINED
        )
        stored = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
        microsoft = connect_microsoft(store, "ams@example.org", stored, cipher, now=JOINED)
        with session_scope(store) as session:
            paused = session.scalars(select(Leader).where(Leader.email == "off@example.org")).one()
            paused.paused_at = JOINED
        # No Microsoft app is registered here: that connection fails, visibly, and the review
        # goes out with what the Google connection brought in.
        environment = worker_environment(
            database_url, smtp.port, AGENDA_REGIE_GOOGLE_API_ENDPOINT=fake.url
        )

        first = agenda_regie(environment, "run-once", "--leader", "ams@example.org")
        assert smtp.inbox.count() == 1
        assert first.startswith("ams@example.org 20")
        assert ": sent (<" in first
        second = agenda_regie(environment, "run-once", "--leader", "ams@example.org")
        assert smtp.inbox.count() == 1
        assert "already sent, nothing sent now" in second

        client = create_app(WorkerSettings.from_environ(environment))
        client.send_task("agenda_regie.dispatch_due")  # waits in the queue: no worker runs
        client.close()
        status = agenda_regie(environment, "status")
    finally:
        fake.stop()

    sections = _sections(status)
    assert sections["Queues"] == ["sync     0", "review   1", "write    0"]
    [google_line, microsoft_line] = sections["Connections"]
    assert google_line.startswith(f"#{google} ams@example.org google ok, last sync 20")
    assert microsoft_line.startswith(
        f"#{microsoft} ams@example.org microsoft error, last sync never"
    )
    assert microsoft_line.endswith(f": {NOT_SET_UP}")
    [failure] = sections["Failures"]
    assert failure.endswith(f" ams@example.org sync: {NOT_SET_UP}")
    # Each leader's own Monday 08:00, soonest first, the paused leader not among them. Which
    # comes first depends on the clock: Amsterdam's was already sent this week, so on a Monday
    # between 08:00 in Amsterdam and 08:00 in New York, New York's comes first.
    upcoming = [line.split() for line in sections["Next reviews"]]
    moments = [datetime.fromisoformat(moment) for moment, _ in upcoming]
    assert moments == sorted(moments)
    zones = {"ams@example.org": "Europe/Amsterdam", "nyc@example.org": "America/New_York"}
    assert sorted(leader for _, leader in upcoming) == sorted(zones)
    for (_, leader), moment in zip(upcoming, moments, strict=True):
        local = moment.astimezone(ZoneInfo(zones[leader]))
        assert (local.weekday(), local.hour, local.minute) == (0, 8, 0)
        assert timedelta(0) < moment - datetime.now(UTC) <= timedelta(days=7)
    assert sections["Paused"] == ["off@example.org until they resume"]
    assert sections["No review without a working calendar"] == [
        "nyc@example.org: no calendar connection; connect one (agenda-regie connect "
        "google|microsoft|ics|caldav --leader nyc@example.org)"
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_run_once_for_a_paused_leader_says_until_when_and_sends_nothing(
    store: Engine, database_url: str, smtp: Smtp
) -> None:
    add_leader(store, "off@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    add_leader(store, "away@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    until = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=10)
    with session_scope(store) as session:
        for leader in session.scalars(select(Leader)):
            leader.paused_at = JOINED
            leader.paused_until = until if leader.email == "away@example.org" else None
    environment = worker_environment(database_url, smtp.port)

    off = agenda_regie(environment, "run-once", "--leader", "off@example.org")
    away = agenda_regie(environment, "run-once", "--leader", "away@example.org")
    assert smtp.inbox.count() == 0
    assert off.startswith("off@example.org 20")
    assert off.strip().endswith(": the weekly review is paused until they resume it; nothing sent")
    assert away.strip().endswith(
        f": the weekly review is paused until {until.isoformat(timespec='minutes')}; nothing sent"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failed_run_once_is_recorded_and_status_shows_it_until_it_is_sent(
    store: Engine, database_url: str, smtp: Smtp, redis_db: object
) -> None:
    add_leader(store, "ams@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    environment = worker_environment(database_url, smtp.port)
    smtp.inbox.refusing = True

    problem = refused(environment, "run-once", "--leader", "ams@example.org")
    assert problem.startswith("agenda-regie: the weekly review of ams@example.org for 20")
    assert "451" in problem
    assert problem.endswith("it is recorded as failed and the next run tries again")
    [failed] = _sections(agenda_regie(environment, "status"))["Reviews not sent"]
    assert failed.startswith("20")
    assert failed.endswith(" ams@example.org: the last attempt failed")

    smtp.inbox.refusing = False
    sent = agenda_regie(environment, "run-once", "--leader", "ams@example.org")
    assert ": sent (<" in sent
    assert _sections(agenda_regie(environment, "status"))["Reviews not sent"] == ["none"]
    assert smtp.inbox.recipients() == ["ams@example.org"]


NO_LEADER = (
    "agenda-regie: nobody@example.org is not a leader in the database: check the address, or "
    "connect the leader's calendar first (agenda-regie connect)"
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("unset", "leader", "expected"),
    [
        (None, "nobody@example.org", NO_LEADER),
        ("AGENDA_REGIE_SMTP_HOST", "ams@example.org", "AGENDA_REGIE_SMTP_HOST is not set"),
        ("AGENDA_REGIE_LINK_SECRET", "ams@example.org", "set AGENDA_REGIE_LINK_SECRET"),
    ],
)
def test_run_once_names_what_is_wrong_in_one_line(
    store: Engine, database_url: str, smtp: Smtp, unset: str | None, leader: str, expected: str
) -> None:
    add_leader(store, "ams@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    environment = worker_environment(database_url, smtp.port)
    if unset is not None:
        environment[unset] = ""
    assert expected in refused(environment, "run-once", "--leader", leader)
    assert smtp.inbox.count() == 0


def _sections(output: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = ""
    for line in output.splitlines():
        if line.startswith("  "):
            found[current].append(line.strip())
        elif line.strip():
            current = line.strip()
            found[current] = []
    return found
