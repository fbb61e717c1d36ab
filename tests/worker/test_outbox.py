"""The write queue: `drain_outbox` on a real worker writes accepted blocks and deletes withdrawn
ones through each leader's own calendar, Google (the fake Google server) or Microsoft 365 (the
fake Graph, through httpx and the real msal), exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from assistant.accounts.google import connect_google
from assistant.accounts.microsoft import connect_microsoft
from assistant.core.reasons import reason
from assistant.core.review import Buffer, IsoWeek, Proposal
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import ProposalRow
from assistant.store.repositories import decide_proposal, ensure_proposals, withdraw_proposal
from connectors.google.mapping import TAG_KEY
from connectors.microsoft.auth import APPLICATION_SCOPES, StoredAuthorisation
from connectors.microsoft.mapping import TAG_PROPERTY_ID
from connectors.microsoft.writer import tag_value
from tests.connectors.google.conftest import user_credentials
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.microsoft_graph import FakeGraph
from tests.tls import PrivateCA
from tests.worker.conftest import SECRET_KEY, Smtp, add_leader, redis_db, worker_environment

__all__ = ["redis_db"]

LEADER = "ams@example.org"
JOINED = datetime(2026, 10, 19, tzinfo=UTC)
NOW = datetime(2026, 10, 26, 7, 30, tzinfo=UTC)  # the Monday after week 43
# The store keeps no reason; any will do.
WHY = reason("proposal.reflection.preferred")
KEY = "reflection-2026-10-27"


def accept_a_block(store: Engine, leader_id: int) -> None:
    """The leader accepted a reflection block of week 44 (stored, and put in the outbox)."""
    start = datetime(2026, 10, 27, 14, 0, tzinfo=UTC)
    proposal = Proposal(
        KEY, "reflection", Buffer.AGENDA_REGIE, start, start + timedelta(hours=1), WHY
    )
    with session_scope(store) as session:
        rows = ensure_proposals(session, leader_id, IsoWeek(2026, 44), [proposal], now=NOW)
        assert decide_proposal(session, KEY, rows[KEY].generation, "accepted", now=NOW)


def withdraw_the_block(store: Engine, now: datetime) -> None:
    """The leader took the accept back; its delete waits in the outbox (as it does when the
    confirm page's immediate delete failed)."""
    with session_scope(store) as session:
        assert withdraw_proposal(session, KEY, 0, now=now)


def status_of(store: Engine) -> str:
    with session_scope(store) as session:
        return session.scalars(select(ProposalRow.status).where(ProposalRow.key == KEY)).one()


def blocks_at_google(fake: FakeGoogleCalendar) -> list[dict[str, Any]]:
    return [
        event
        for event in fake.live().values()
        if (event.get("extendedProperties") or {}).get("private", {}).get(TAG_KEY) == KEY
    ]


def blocks_at_graph(fake: FakeGraph) -> list[dict[str, Any]]:
    wanted = tag_value(KEY, 0)
    return [
        event
        for event_id, event in fake.live(LEADER).items()
        if fake.properties.get((LEADER, event_id), {}).get(TAG_PROPERTY_ID) == wanted
    ]


def test_a_withdrawn_block_waiting_in_the_outbox_leaves_google(
    store: Engine, database_url: str, smtp: Smtp, redis_db: Any, in_process_worker: Any
) -> None:
    fake = FakeGoogleCalendar(owner=LEADER).start()
    try:
        leader_id = add_leader(
            store, LEADER, "Europe/Amsterdam", "monday", "08:00", JOINED, calendar=None
        )
        connect_google(
            store, LEADER, LEADER, user_credentials(fake), SecretBox([SECRET_KEY]), now=JOINED
        )
        tasks = in_process_worker(
            worker_environment(database_url, smtp.port, AGENDA_REGIE_GOOGLE_API_ENDPOINT=fake.url)
        )
        accept_a_block(store, leader_id)
        assert tasks.drain_outbox.delay(NOW.isoformat()).get(timeout=30) == {KEY: "written"}
        assert len(blocks_at_google(fake)) == 1

        later = NOW + timedelta(hours=1)
        withdraw_the_block(store, later)
        drained = tasks.drain_outbox.delay(later.isoformat()).get(timeout=30)
        assert drained == {KEY: "withdrawn"}
        assert blocks_at_google(fake) == []
        assert fake.count("DELETE") == 1
        assert tasks.drain_outbox.delay(later.isoformat()).get(timeout=30) == {}
        assert status_of(store) == "declined"
    finally:
        fake.stop()


def test_a_microsoft_leaders_block_is_written_once_then_withdrawn_by_the_worker(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    in_process_worker: Any,
    tmp_path: Path,
) -> None:
    # msal accepts only an https authority: Entra ID and Graph behind a private CA.
    ca = PrivateCA(tmp_path)
    fake = FakeGraph(owner=LEADER, tls=ca.server_context()).start()
    try:
        leader_id = add_leader(
            store, LEADER, "Europe/Amsterdam", "monday", "08:00", JOINED, calendar=None
        )
        stored = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
        connect_microsoft(store, LEADER, stored, SecretBox([SECRET_KEY]), now=JOINED)
        tasks = in_process_worker(
            worker_environment(
                database_url,
                smtp.port,
                AGENDA_REGIE_MICROSOFT_CLIENT_ID="client-1",
                AGENDA_REGIE_MICROSOFT_TENANT="tenant1",
                AGENDA_REGIE_MICROSOFT_CLIENT_SECRET="secret",
                AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST=fake.login_host,
                AGENDA_REGIE_MICROSOFT_GRAPH_URL=fake.graph_url,
                REQUESTS_CA_BUNDLE=str(ca.ca_file),
                SSL_CERT_FILE=str(ca.ca_file),
            )
        )
        accept_a_block(store, leader_id)
        assert tasks.drain_outbox.delay(NOW.isoformat()).get(timeout=30) == {KEY: "written"}
        assert tasks.drain_outbox.delay(NOW.isoformat()).get(timeout=30) == {}
        [block] = blocks_at_graph(fake)
        assert block["showAs"] == "busy"
        assert fake.count("POST", "/events") == 1
        assert status_of(store) == "written"

        later = NOW + timedelta(hours=1)
        withdraw_the_block(store, later)
        drained = tasks.drain_outbox.delay(later.isoformat()).get(timeout=30)
        assert drained == {KEY: "withdrawn"}
        assert blocks_at_graph(fake) == []
    finally:
        fake.stop()
