"""An outbox entry is done by one flush only: two drains at once (or a drain and the confirm
page's immediate write) claim it with one conditional UPDATE, and only the winner calls the
calendar. Real threads, each with its own connection, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.app.outbox import flush_outbox
from assistant.core.reasons import reason
from assistant.core.review import Buffer, IsoWeek, Proposal
from assistant.store import repositories as repo
from assistant.store.database import session_scope
from assistant.store.models import OutboxEntry
from connectors.model import Block

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=AMSTERDAM)
WEEK = IsoWeek(2026, 49)
# The store keeps no reason; any will do.
WHY = reason("proposal.reflection.preferred")
KEY = "sanne.devries@example.org/2026-W49/reflection/0"
WAIT_SECONDS = 30.0


@pytest.fixture
def accepted(session: Session) -> int:
    """An accepted proposal whose create is due in the outbox; the entry's id."""
    leader = repo.upsert_leader(session, "sanne.devries@example.org", timezone="Europe/Amsterdam")
    start = datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)
    proposal = Proposal(
        KEY, "reflection", Buffer.MINI_RETRAITES, start, start + timedelta(hours=1.5), WHY
    )
    repo.ensure_proposals(session, leader, WEEK, [proposal], now=NOW)
    assert repo.decide_proposal(session, KEY, 0, "accepted", now=NOW)
    entry_id = session.scalars(select(OutboxEntry.id)).one()
    session.commit()  # and no transaction left open: SQLite's lock is taken at BEGIN
    return entry_id


def test_an_entry_is_claimed_once_until_its_lease_ends(engine: Engine, accepted: int) -> None:
    lease_end = NOW + timedelta(minutes=15)
    with session_scope(engine) as session:
        assert repo.claim_outbox_entry(session, accepted, now=NOW, until=lease_end)
    with session_scope(engine) as session:
        assert not repo.claim_outbox_entry(session, accepted, now=NOW, until=lease_end)
        assert repo.due_outbox(session, now=NOW) == []
    # A process that died with the entry claimed: after the lease someone else takes it.
    with session_scope(engine) as session:
        assert repo.claim_outbox_entry(
            session, accepted, now=lease_end, until=lease_end + timedelta(minutes=15)
        )
        entry = session.get(OutboxEntry, accepted)
        assert entry is not None
        repo.outbox_written(session, entry, event_id="event-1", status="written", now=lease_end)
    with session_scope(engine) as session:
        later = lease_end + timedelta(days=1)
        assert not repo.claim_outbox_entry(session, accepted, now=later, until=later)


def test_two_flushes_at_once_write_a_due_block_once(engine: Engine, accepted: int) -> None:
    calls: list[str] = []
    release = threading.Event()
    outcomes: list[dict[str, str]] = []

    def write(_engine: Engine, _leader: int, block: Block) -> str | None:
        calls.append(block.key)
        assert release.wait(WAIT_SECONDS)  # the first write is still on the way
        return "event-1"

    def withdraw(_engine: Engine, _leader: int, _key: str, _generation: int) -> bool | None:
        raise AssertionError("nothing was withdrawn")

    start = threading.Barrier(2)

    def flush() -> None:
        start.wait(WAIT_SECONDS)
        outcomes.append(dict(flush_outbox(engine, write, NOW, withdraw=withdraw)))

    flushes = [threading.Thread(target=flush) for _ in range(2)]
    for thread in flushes:
        thread.start()
    try:
        # Either the second flush also calls the calendar, or it finds nothing of its own.
        deadline = time.monotonic() + WAIT_SECONDS
        while len(calls) < 2 and all(t.is_alive() for t in flushes):
            assert time.monotonic() < deadline, "neither flush got anywhere"
            time.sleep(0.01)
    finally:
        release.set()
        for thread in flushes:
            thread.join(WAIT_SECONDS)
    assert calls == [KEY]
    assert sorted(outcomes, key=len) == [{}, {KEY: "written"}]
    with session_scope(engine) as session:
        entry = session.get(OutboxEntry, accepted)
        assert entry is not None
        assert entry.done_at is not None
        assert entry.attempts == 1
        proposal = repo.proposal_by_key(session, KEY)
        assert proposal is not None
        assert proposal.status == "written"
