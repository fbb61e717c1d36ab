"""The use cases behind the tasks, without Celery: due moments in each zone, the once-a-week
claim in the store, run-once for a single leader, and the worker settings' checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from assistant.mail.links import LinkSigner
from assistant.mail.send import SmtpSettings
from assistant.pipeline import Services, claim_review, run_once
from assistant.review import IsoWeek
from assistant.secrets import SecretBox
from assistant.settings import SettingsError
from tests.worker.conftest import SECRET_KEY, Smtp, add_leader
from worker.config import WorkerSettings
from worker.tasks import spread_countdown

JOINED = datetime(2026, 10, 20, tzinfo=UTC)


def services(store: Engine, smtp: Smtp) -> Services:
    return Services(
        engine=store,
        smtp=SmtpSettings("127.0.0.1", smtp.port, "none", "agenda-regie@example.org"),
        signer=LinkSigner("test-link-secret-0123456789abcdef", "http://127.0.0.1:8000"),
        cipher=SecretBox([SECRET_KEY]),
    )


def test_the_week_is_claimed_once_until_the_next_period(store: Engine) -> None:
    leader = add_leader(store, "a@example.org", "Asia/Tokyo", "monday", "08:00", JOINED)
    now, week, hour = datetime(2026, 10, 26, tzinfo=UTC), IsoWeek(2026, 43), timedelta(hours=1)
    assert claim_review(store, leader, week, now, retry_after=hour)
    assert not claim_review(store, leader, week, now + timedelta(minutes=5), retry_after=hour)
    assert claim_review(store, leader, week, now + timedelta(minutes=61), retry_after=hour)


def test_run_once_sends_the_last_week_once(store: Engine, smtp: Smtp) -> None:
    add_leader(store, "a@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    now = datetime(2026, 10, 28, 12, tzinfo=UTC)
    week, first = run_once(services(store, smtp), "A@example.org", now)
    _, second = run_once(services(store, smtp), "a@example.org", now)
    assert (str(week), first.status, second.status) == ("2026-W43", "sent", "already_sent")
    assert smtp.inbox.count() == 1


def test_worker_settings_keep_waits_below_the_visibility_timeout() -> None:
    with pytest.raises(SettingsError) as raised:
        WorkerSettings.from_environ(
            {"AGENDA_REGIE_VISIBILITY_TIMEOUT": "600", "AGENDA_REGIE_BROKER_URL": "amqp://x"}
        )
    assert len(raised.value.problems) == 2
    assert WorkerSettings.from_environ({}).visibility_timeout_seconds == 3600


def test_periodic_syncs_are_spread_over_the_period() -> None:
    places = {spread_countdown(number, 900) for number in range(1, 201)}
    assert all(0 <= place < 900 for place in places)
    assert len(places) > 150
