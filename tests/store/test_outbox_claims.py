"""An outbox entry is done by one flush only: two drains at once (or a drain and the confirm
page's immediate write) claim it with one conditional UPDATE, and only the winner calls the
calendar. Real threads, each with its own connection, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
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
# Years ahead of the wall clock, so a moment dropped for the clock's own would show.
NOW = datetime(2036, 12, 1, 12, 0, tzinfo=AMSTERDAM)
WEEK = IsoWeek(2036, 49)
# The store keeps no reason; any will do.
WHY = reason("proposal.reflection.preferred")
KEY = "sanne.devries@example.org/2036-W49/reflection/0"
WAIT_SECONDS = 30.0


@pytest.fixture
def accepted(session: Session) -> int:
    """An accepted proposal whose create is due in the outbox; the entry's id."""
    leader = repo.upsert_leader(session, "sanne.devries@example.org", timezone="Europe/Amsterdam")
    start = datetime(2036, 12, 2, 9, 0, tzinfo=AMSTERDAM)
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


@pytest.mark.parametrize(
    "second_at",
    [timedelta(0), timedelta(minutes=14)],
    ids=["same-moment", "within-the-lease"],
)
def test_two_flushes_at_once_write_a_due_block_once(
    engine: Engine, accepted: int, second_at: timedelta
) -> None:
    """The second flush runs whole while the first is inside its calendar call (held there by
    an event, not by timing): it finds the entry claimed and leaves it, also 14 minutes on,
    inside the 15-minute lease."""
    calls: list[str] = []
    inside, release = threading.Event(), threading.Event()
    outcomes: list[dict[str, str]] = []

    def write(_engine: Engine, _leader: int, block: Block) -> str | None:
        calls.append(block.key)
        if len(calls) == 1:
            inside.set()
            assert release.wait(WAIT_SECONDS)  # the first write is still on the way
        return "event-1"

    def withdraw(_engine: Engine, _leader: int, _key: str, _generation: int) -> bool | None:
        raise AssertionError("nothing was withdrawn")

    def first_flush() -> None:
        outcomes.append(dict(flush_outbox(engine, write, NOW, withdraw=withdraw)))

    first = threading.Thread(target=first_flush)
    first.start()
    try:
        assert inside.wait(WAIT_SECONDS), "the first flush never reached the calendar"
        second = flush_outbox(engine, write, NOW + second_at, withdraw=withdraw)
    finally:
        release.set()
        first.join(WAIT_SECONDS)
    assert second == {}
    assert calls == [KEY]
    assert outcomes == [{KEY: "written"}]
    with session_scope(engine) as session:
        entry = session.get(OutboxEntry, accepted)
        assert entry is not None
        assert entry.done_at is not None
        assert entry.attempts == 1
        proposal = repo.proposal_by_key(session, KEY)
        assert proposal is not None
        assert proposal.status == "written"


def test_a_flush_that_died_is_taken_over_when_its_lease_ends(engine: Engine, accepted: int) -> None:
    calls: list[datetime] = []

    def dies(_engine: Engine, _leader: int, _block: Block) -> str | None:
        raise SystemExit("the worker was killed during the write")  # not caught: no record

    def write(_engine: Engine, _leader: int, _block: Block) -> str | None:
        calls.append(NOW)
        return "event-1"

    def withdraw(_engine: Engine, _leader: int, _key: str, _generation: int) -> bool | None:
        raise AssertionError("nothing was withdrawn")

    with pytest.raises(SystemExit):
        flush_outbox(engine, dies, NOW, withdraw=withdraw)
    assert flush_outbox(engine, write, NOW + timedelta(minutes=14), withdraw=withdraw) == {}
    assert calls == []
    later = NOW + timedelta(minutes=15, seconds=1)
    assert flush_outbox(engine, write, later, withdraw=withdraw) == {KEY: "written"}
    assert len(calls) == 1


def test_a_workers_flush_does_every_due_entry_for_its_leader(
    engine: Engine, session: Session
) -> None:
    """A delete before a create in one flush: both done, each through the leader's calendar."""
    leader = repo.upsert_leader(session, "sanne.devries@example.org", timezone="Europe/Amsterdam")
    start = datetime(2036, 12, 2, 9, 0, tzinfo=AMSTERDAM)
    first, second = (f"sanne.devries@example.org/2036-W49/reflection/{i}" for i in (0, 1))
    proposals = [
        Proposal(key, "reflection", Buffer.MINI_RETRAITES, begins, begins + timedelta(hours=1), WHY)
        for key, begins in ((first, start), (second, start + timedelta(days=1)))
    ]
    repo.ensure_proposals(session, leader, WEEK, proposals, now=NOW)
    assert repo.decide_proposal(session, first, 0, "accepted", now=NOW)
    leader_id = leader.id
    session.commit()  # and no transaction left open: SQLite's lock is taken at BEGIN
    calls: list[tuple[str, int, str]] = []

    def write(_engine: Engine, leader_id: int, block: Block) -> str | None:
        calls.append(("write", leader_id, block.key))
        return f"event-{len(calls)}"

    def delete(_engine: Engine, leader_id: int, key: str, generation: int) -> bool | None:
        calls.append(("delete", leader_id, key))
        return True

    assert flush_outbox(engine, write, NOW, withdraw=delete) == {first: "written"}
    with session_scope(engine) as other:
        assert repo.withdraw_proposal(other, first, 0, now=NOW)  # a delete now due (entry 2)
        assert repo.decide_proposal(other, second, 0, "accepted", now=NOW)  # a create (entry 3)
    later = NOW + timedelta(minutes=5)
    assert flush_outbox(engine, write, later, withdraw=delete) == {
        first: "withdrawn",
        second: "written",
    }
    assert calls == [
        ("write", leader_id, first),
        ("delete", leader_id, first),
        ("write", leader_id, second),
    ]
    with session_scope(engine) as check:
        entries = check.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        assert [(e.action, e.done_at) for e in entries] == [
            ("create", NOW),
            ("delete", later),
            ("create", later),
        ]
        written = repo.proposal_by_key(check, second)
        assert written is not None
        assert (written.status, written.provider_event_id) == ("written", "event-3")


def test_a_failed_write_is_logged_by_action_block_and_kind_of_error(
    engine: Engine, accepted: int, caplog: pytest.LogCaptureFixture
) -> None:
    def fails(_engine: Engine, _leader: int, block: Block) -> str | None:
        raise TimeoutError("the calendar did not answer in 30 s")

    def no_delete(_engine: Engine, _leader: int, key: str, generation: int) -> bool | None:
        raise AssertionError("nothing to delete")

    with caplog.at_level("WARNING"):
        assert flush_outbox(engine, fails, NOW, withdraw=no_delete) == {KEY: "queued"}
    assert [r.getMessage() for r in caplog.records if r.name == "assistant.web"] == [
        f"create of block {KEY} failed: TimeoutError"
    ]


def test_blocks_withdrawn_while_being_written_do_not_stop_the_flush(
    engine: Engine, session: Session
) -> None:
    """The leader withdraws the first block while its write lands, and the second while its
    write fails; both get a delete of their own, and the third block is still written."""
    leader = repo.upsert_leader(session, "sanne.devries@example.org", timezone="Europe/Amsterdam")
    start = datetime(2036, 12, 2, 9, 0, tzinfo=AMSTERDAM)
    keys = [f"sanne.devries@example.org/2036-W49/reflection/{i}" for i in range(3)]
    proposals = [
        Proposal(
            key,
            "reflection",
            Buffer.MINI_RETRAITES,
            start + timedelta(days=i),
            start + timedelta(days=i, hours=1),
            WHY,
        )
        for i, key in enumerate(keys)
    ]
    repo.ensure_proposals(session, leader, WEEK, proposals, now=NOW)
    for key in keys:
        assert repo.decide_proposal(session, key, 0, "accepted", now=NOW)
    session.commit()  # and no transaction left open: SQLite's lock is taken at BEGIN
    written: list[str] = []
    deleted: list[str] = []

    def write(_engine: Engine, _leader: int, block: Block) -> str | None:
        if block.key != keys[2]:
            with session_scope(engine) as meanwhile:  # the leader's withdraw, mid-write
                assert repo.withdraw_proposal(meanwhile, block.key, 0, now=NOW)
        if block.key == keys[1]:
            raise TimeoutError("the calendar did not answer")  # it may have landed anyway
        written.append(block.key)
        return f"event-{len(written)}"

    def delete(_engine: Engine, _leader: int, key: str, generation: int) -> bool | None:
        deleted.append(key)
        return True

    assert flush_outbox(engine, write, NOW, withdraw=delete) == {
        keys[0]: "already_removed",
        keys[1]: "already_removed",
        keys[2]: "written",
    }
    # Each withdrawn block is deleted twice: by the withdraw's own delete and by one for a block
    # that may have landed after it (deletes are idempotent).
    assert written == [keys[0], keys[2]]
    assert deleted == [keys[0], keys[0], keys[1], keys[1]]
    with session_scope(engine) as check:
        creates = check.scalars(
            select(OutboxEntry).where(OutboxEntry.action == "create").order_by(OutboxEntry.id)
        ).all()
        assert [e.done_at for e in creates] == [NOW, NOW, NOW]
