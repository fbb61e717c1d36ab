"""Two sends of the same leader's week at the same moment, on the real PostgreSQL: exactly one
message reaches the SMTP server, and the other run reports it as already sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine, text

from assistant.app.delivery import deliver, prepare_email
from assistant.core.review import WeeklyReview
from assistant.mail.links import LinkSigner
from assistant.mail.send import Delivery, SmtpSettings, smtp_send_once
from assistant.store import migrations
from assistant.store.database import make_engine
from tests.mail.fixtures import LEADER, NOW, SECRET, SmtpServer
from tests.store.conftest import NewDatabase


@pytest.fixture
def postgres_store(new_database: NewDatabase) -> Iterator[Engine]:
    url = new_database("postgresql")
    migrations.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_two_concurrent_sends_of_one_week_deliver_one_message(
    postgres_store: Engine, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer
) -> None:
    signer = LinkSigner(SECRET, "https://regie.example.org")
    prepared = prepare_email(
        postgres_store, reviews["en"], leader_email=LEADER, signer=signer, now=NOW
    )
    settings = SmtpSettings(smtp_server.host, smtp_server.port, "none", "review@regie.example.org")
    start = threading.Barrier(2)
    outcomes: list[Delivery] = []
    errors: list[BaseException] = []

    def send_when_the_other_waits(message: EmailMessage, smtp: SmtpSettings) -> None:
        # The run that holds the leader's lock sends only once the other run is seen waiting
        # for that lock: both are inside `deliver` at once, whatever the threads' timing.
        _wait_for_a_blocked_transaction(postgres_store)
        smtp_send_once(message, smtp)

    def run() -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(
                deliver(postgres_store, prepared, settings, now=NOW, send=send_when_the_other_waits)
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(o.status for o in outcomes) == ["already_sent", "sent"]
    assert len(smtp_server.inbox.messages) == 1
    assert len({o.message_id for o in outcomes}) == 1


def _wait_for_a_blocked_transaction(engine: Engine, deadline_seconds: float = 10.0) -> None:
    """Poll PostgreSQL until a session of this database waits for a lock (bounded)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + deadline_seconds
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            if connection.execute(query).scalar_one() > 0:
                return
            connection.rollback()
            time.sleep(0.01)
    raise AssertionError("the second run never waited for the leader's lock")
