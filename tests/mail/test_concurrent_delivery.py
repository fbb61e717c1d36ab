"""Two sends of the same leader's week at the same moment, on the real PostgreSQL: exactly one
message reaches the SMTP server, and the other run reports it as already sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine

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

    def slow_send(message: EmailMessage, smtp: SmtpSettings) -> None:
        time.sleep(0.5)  # a slow SMTP server: both runs are inside `deliver` at once
        smtp_send_once(message, smtp)

    def run() -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(deliver(postgres_store, prepared, settings, now=NOW, send=slow_send))
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
