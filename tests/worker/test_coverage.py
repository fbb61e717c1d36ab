"""A review goes out only when a healthy calendar connection covers the week: a leader without a
connection is not dispatched, one whose connections fail or were not synced since the week ended
gets no email, and `status` and `run-once` say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from assistant.accounts.ics import IcsAccount
from assistant.app.pipeline import Services, send_review
from assistant.app.status import pipeline_status
from assistant.core.review import IsoWeek
from assistant.i18n.wording import word
from assistant.mail.links import LinkSigner
from assistant.mail.send import SmtpSettings
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Connection, ReviewClaim, ReviewDelivery, WeeklyMetricsRow
from tests.worker.conftest import SECRET_KEY, Smtp, add_leader, redis_db, worker_environment
from tests.worker.test_commands import agenda_regie, refused

__all__ = ["redis_db"]

JOINED = datetime(2026, 10, 19, tzinfo=UTC)
DUE = datetime(2026, 10, 26, 7, 5, tzinfo=UTC)  # Monday 08:05 in Amsterdam (CET)
WEEK = IsoWeek(2026, 43)
NO_CONNECTION = (
    "no calendar connection; connect one (agenda-regie connect google|microsoft|ics|caldav "
    "--leader {leader})"
)


def services(store: Engine, smtp: Smtp) -> Services:
    return Services(
        engine=store,
        smtp=SmtpSettings("127.0.0.1", smtp.port, "none", "agenda-regie@example.org"),
        signer=LinkSigner("test-link-secret-0123456789abcdef", "http://127.0.0.1:8000"),
        cipher=SecretBox([SECRET_KEY]),
    )


def test_a_leader_without_a_connection_is_not_dispatched_and_status_says_why(
    store: Engine, database_url: str, smtp: Smtp, redis_db: Any, configure: Any
) -> None:
    add_leader(store, "with@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    add_leader(
        store, "none@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED, calendar=None
    )
    tasks = configure(worker_environment(database_url, smtp.port))

    started = tasks.dispatch_due.apply((DUE.isoformat(),)).get()
    assert [item["leader"] for item in started] == ["with@example.org"]
    with session_scope(store) as session:
        assert len(session.scalars(select(ReviewClaim)).all()) == 1
    status = pipeline_status(store, DUE)
    # The other leader's syncs wait in the queue (no worker runs here).
    assert status.without_calendar == [
        ("with@example.org", "the ics connection has not been synced yet"),
        ("none@example.org", NO_CONNECTION.format(leader="none@example.org")),
    ]
    assert smtp.inbox.count() == 0


def test_no_email_until_a_healthy_connection_covers_the_week(store: Engine, smtp: Smtp) -> None:
    leader = add_leader(store, "ams@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)

    never = send_review(services(store, smtp), leader, WEEK, DUE)
    assert never.status == "no_calendar"
    assert never.reason == (
        "the ics connection was not synced since the week ended (last sync never)"
    )
    with session_scope(store) as session:
        [connection] = session.scalars(select(Connection)).all()
        connection.status = "needs_reauthorisation"
        connection.last_error = "the feed answers HTTP 404"
    flagged = send_review(services(store, smtp), leader, WEEK, DUE)
    assert flagged.reason == (
        "the ics connection needs re-authorisation: the feed answers HTTP 404"
    )
    assert smtp.inbox.count() == 0

    with session_scope(store) as session:
        [connection] = session.scalars(select(Connection)).all()
        connection.status, connection.last_error = "ok", None
        # Synced before the week ended: the cache may miss the week's last days.
        connection.last_sync_at = DUE - timedelta(days=2)
    stale = send_review(services(store, smtp), leader, WEEK, DUE)
    assert stale.status == "no_calendar"
    assert stale.reason is not None
    assert "was not synced since the week ended (last sync 2026-10-24T07:05" in stale.reason
    with session_scope(store) as session:
        [connection] = session.scalars(select(Connection)).all()
        connection_id = connection.id
    # A real sync after the week: the cache now holds the week's events.
    synced = IcsAccount().sync(store, connection_id, cipher=SecretBox([SECRET_KEY]), now=DUE)
    assert synced.status == "synced"
    assert send_review(services(store, smtp), leader, WEEK, DUE).status == "sent"
    assert smtp.inbox.recipients() == ["ams@example.org"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_run_once_for_a_leader_without_a_connection_says_why_and_sends_nothing(
    store: Engine, database_url: str, smtp: Smtp
) -> None:
    add_leader(
        store, "none@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED, calendar=None
    )
    line = refused(worker_environment(database_url, smtp.port), "run-once", "--leader",
                   "none@example.org")  # fmt: skip
    assert line.startswith("agenda-regie: none@example.org 20")
    assert line.endswith(": not sent, " + NO_CONNECTION.format(leader="none@example.org"))
    assert smtp.inbox.count() == 0


# An Outlook export whose date range ends on 7 October: the reviewed week (19-25 October) lies
# after its last event.
EXPORT_ENDS_EARLY = Path(__file__).parent / "calendars" / "export_ends_early.ics"
AFTER_LAST = (
    "The calendar holds no events from this week on (an export's date range may end before it), "
    "so there is nothing to measure."
)


def test_a_week_without_data_is_not_sent_and_status_says_why(
    store: Engine, database_url: str, smtp: Smtp, redis_db: Any, configure: Any
) -> None:
    leader = add_leader(
        store,
        "ams@example.org",
        "Europe/Amsterdam",
        "monday",
        "08:00",
        JOINED,
        calendar=EXPORT_ENDS_EARLY,
        synced_at=DUE,
    )
    environment = worker_environment(database_url, smtp.port)
    tasks = configure(environment)

    # The workers' own task: the week is computed, found without data, and not sent.
    assert tasks.send_review.apply((leader, str(WEEK), DUE.isoformat())).get() == "no_data"
    assert smtp.inbox.count() == 0
    with session_scope(store) as session:
        assert session.scalars(select(ReviewDelivery)).all() == []
        # A week without data is not recorded as a week of zeros in the leader's history.
        recorded = session.scalars(select(WeeklyMetricsRow.iso_week)).all()
        assert str(WEEK) not in recorded
    status = pipeline_status(store, DUE)
    assert [(who, week, word(why, "en")) for who, week, why in status.no_data] == [
        ("ams@example.org", str(WEEK), AFTER_LAST)
    ]
    # `agenda-regie status` says why, in the operator's language.
    english = agenda_regie(environment, "status")
    assert f"No review for a week without data\n  ams@example.org {WEEK}: {AFTER_LAST}\n" in english
    dutch = agenda_regie({**environment, "LANGUAGE": "nl"}, "status")
    assert (
        f"Geen overzicht voor een week zonder gegevens\n  ams@example.org {WEEK}: De agenda "
        "bevat vanaf deze week geen afspraken meer (misschien houdt het datumbereik van een "
        "export eerder op), dus er valt niets te meten.\n"
    ) in dutch
    # Asked again, the week still sends nothing, and status names it once.
    assert tasks.send_review.apply((leader, str(WEEK), DUE.isoformat())).get() == "no_data"
    assert len(pipeline_status(store, DUE).no_data) == 1
    assert smtp.inbox.count() == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_run_once_for_a_week_without_data_says_why_in_the_operators_language(
    store: Engine, database_url: str, smtp: Smtp
) -> None:
    add_leader(
        store, "ams@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED,
        calendar=EXPORT_ENDS_EARLY,
    )  # fmt: skip
    environment = {**worker_environment(database_url, smtp.port), "LANGUAGE": "nl"}
    said = agenda_regie(environment, "run-once", "--leader", "ams@example.org")
    assert said.startswith("ams@example.org 20")
    assert ": niet verstuurd, de week heeft geen gegevens: De agenda bevat " in said
    assert smtp.inbox.count() == 0
