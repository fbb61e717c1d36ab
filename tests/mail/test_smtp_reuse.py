"""One kept SMTP connection for review after review, as the workers send them: each leader gets
their review once, over one connection; a kept connection the server closed meanwhile (a restart)
is noticed before a message goes over it, and the review goes out once over a new one."""

from __future__ import annotations

import email
import threading
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from assistant.app.delivery import deliver, prepare_email
from assistant.core.review import WeeklyReview
from assistant.mail.links import LinkSigner
from assistant.mail.send import SmtpConnections, SmtpSettings
from assistant.store.database import session_scope
from assistant.store.repositories import find_leader, review_delivery
from tests.mail.fixtures import NOW, SECRET, WEEK, free_port

LEADERS = ["anna@example.org", "bram@example.org", "chris@example.org"]


@dataclass
class CountingServer:
    """Counts the SMTP sessions (EHLO) and keeps every message it accepted."""

    messages: list[Message] = field(default_factory=list)
    sessions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(str(m["To"]) for m in self.messages)


def _send(
    store: Engine, review: WeeklyReview, leader: str, port: int, connections: SmtpConnections
) -> str:
    signer = LinkSigner(SECRET, "https://regie.example.org")
    prepared = prepare_email(store, review, leader_email=leader, signer=signer, now=NOW)
    settings = SmtpSettings("127.0.0.1", port, "none", "review@regie.example.org")
    return deliver(store, prepared, settings, now=NOW, send=connections.send).status


def _recorded(store: Engine, leader: str) -> str | None:
    with session_scope(store) as session:
        found = find_leader(session, leader)
        assert found is not None
        delivery = review_delivery(session, found, WEEK)
        return None if delivery is None else delivery.delivery_status


def test_reviews_one_after_another_share_one_connection(
    reviews: dict[str, WeeklyReview], store: Engine
) -> None:
    server, port = CountingServer(), free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    connections = SmtpConnections()
    try:
        outcomes = [_send(store, reviews["en"], leader, port, connections) for leader in LEADERS]
    finally:
        connections.close()
        controller.stop()
    assert outcomes == ["sent"] * len(LEADERS)
    assert server.recipients() == LEADERS  # each leader once
    assert server.sessions == 1
    assert connections.opened == 1


def test_a_kept_connection_the_server_closed_is_replaced_and_nothing_goes_twice(
    reviews: dict[str, WeeklyReview], store: Engine
) -> None:
    server, port = CountingServer(), free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    connections = SmtpConnections()
    try:
        assert _send(store, reviews["en"], LEADERS[0], port, connections) == "sent"
        controller.stop()  # the mail server restarts: the kept connection is gone
        controller = Controller(server, hostname="127.0.0.1", port=port)
        controller.start()
        assert _send(store, reviews["en"], LEADERS[1], port, connections) == "sent"
    finally:
        connections.close()
        controller.stop()
    assert server.recipients() == LEADERS[:2]
    assert server.sessions == 2
    assert connections.opened == 2
    # The dead connection was noticed before the review went out: no failed attempt recorded.
    assert [_recorded(store, leader) for leader in LEADERS[:2]] == ["sent", "sent"]


def test_a_connection_is_renewed_after_its_message_limit(
    reviews: dict[str, WeeklyReview], store: Engine
) -> None:
    server, port = CountingServer(), free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    connections = SmtpConnections(max_messages=2)
    try:
        for leader in LEADERS:
            assert _send(store, reviews["en"], leader, port, connections) == "sent"
    finally:
        connections.close()
        controller.stop()
    # After two messages the connection is closed and a new one carries the third.
    assert server.recipients() == LEADERS
    assert (server.sessions, connections.opened) == (2, 2)
