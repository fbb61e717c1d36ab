"""The confirm path's checks, on SQLite and the real PostgreSQL: a link acts only on the
proposal generation it was signed for and only for its own leader; a disabled connection is no
calendar to write to; and how a failed write is answered depends on why it failed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.app.acceptance import decide, view, withdraw
from assistant.app.writers import (
    CalendarWriters,
    ConnectionNotWorkingError,
    no_withdraw,
    no_write_back,
    provider_writers,
)
from assistant.core.reasons import reason
from assistant.core.review import Buffer, IsoWeek, Proposal
from assistant.mail.links import ProposalLink
from assistant.store import repositories as repo
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, OutboxEntry, ProposalRow
from connectors.model import Block

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Years ahead of the wall clock, so a moment dropped for the clock's own would show.
NOW = datetime(2036, 12, 1, 12, 0, tzinfo=AMSTERDAM)
LEADER = "sanne.devries@example.org"
KEY = f"{LEADER}/2036-W49/reflection/0"
ICS_ONLY = CalendarWriters(no_write_back, no_withdraw)


@pytest.fixture
def proposed(session: Session) -> Callable[[int], None]:
    """Stores the proposal, open; `proposed(n)` makes its stored generation n (a proposal made
    again for the same slot after the email went out)."""
    leader = repo.upsert_leader(session, LEADER, timezone="Europe/Amsterdam")
    repo.upsert_leader(session, "other.leader@example.org", timezone="Europe/Amsterdam")
    start = datetime(2036, 12, 2, 9, 0, tzinfo=AMSTERDAM)
    why = reason("proposal.reflection.preferred")
    proposal = Proposal(
        KEY, "reflection", Buffer.MINI_RETRAITES, start, start + timedelta(hours=1.5), why
    )
    repo.ensure_proposals(session, leader, IsoWeek(2036, 49), [proposal], now=NOW)
    session.commit()

    def set_generation(generation: int) -> None:
        row = repo.proposal_by_key(session, KEY)
        assert row is not None
        row.generation = generation
        session.commit()

    return set_generation


def stored(engine: Engine) -> tuple[str, int, list[str], list[str]]:
    """The proposal's status, generation, its outbox actions and its audit lines."""
    with session_scope(engine) as session:
        row = session.scalars(select(ProposalRow).where(ProposalRow.key == KEY)).one()
        actions = session.scalars(select(OutboxEntry.action).order_by(OutboxEntry.id)).all()
        audit = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        return row.status, row.generation, list(actions), list(audit)


def test_a_link_to_an_older_generation_acts_on_nothing(
    engine: Engine, proposed: Callable[[int], None]
) -> None:
    proposed(1)
    old = ProposalLink(KEY, 0, LEADER)
    assert view(engine, old) is None
    assert decide(engine, old, "accept", ICS_ONLY, NOW) == "gone"
    assert withdraw(engine, old, ICS_ONLY, NOW) == "gone"
    assert stored(engine) == ("proposed", 1, [], [])
    current = ProposalLink(KEY, 1, LEADER)
    shown = view(engine, current)
    assert shown is not None
    assert (shown.key, shown.status, shown.withdrawn) == (KEY, "proposed", False)
    assert decide(engine, current, "accept", ICS_ONLY, NOW) == "ics"
    assert stored(engine) == ("accepted", 1, ["create"], ["proposal.accepted"])


def test_a_link_signed_for_another_leader_acts_on_nothing(
    engine: Engine, proposed: Callable[[int], None]
) -> None:
    theirs = ProposalLink(KEY, 0, "other.leader@example.org")
    assert view(engine, theirs) is None
    assert decide(engine, theirs, "accept", ICS_ONLY, NOW) == "gone"
    assert decide(engine, theirs, "decline", ICS_ONLY, NOW) == "gone"
    assert stored(engine) == ("proposed", 0, [], [])
    # The leader's own address, as a mail client may have spelled it, is the leader.
    mine = ProposalLink(KEY, 0, " Sanne.DeVries@Example.org ")
    assert decide(engine, mine, "decline", ICS_ONLY, NOW) == "declined"
    assert decide(engine, mine, "decline", ICS_ONLY, NOW) == "declined_before"
    assert stored(engine) == ("declined", 0, [], ["proposal.declined"])


def _connect(session: Session, *statuses: str) -> None:
    leader = repo.find_leader(session, LEADER)
    assert leader is not None
    for number, status in enumerate(statuses):
        connection = repo.upsert_connection(session, leader, "google", f"cal{number}@example.org")
        connection.status = status
    session.commit()


def test_a_disabled_connection_is_no_calendar_to_write_to(
    engine: Engine, session: Session, proposed: Callable[[int], None]
) -> None:
    _connect(session, "disabled")
    writers = provider_writers(cipher=None)
    link = ProposalLink(KEY, 0, LEADER)
    assert decide(engine, link, "accept", writers, NOW) == "ics"  # offered as a file
    assert withdraw(engine, link, writers, NOW) == "withdrawn_ics"
    assert stored(engine)[2] == ["create", "delete"]


def test_a_broken_connection_beside_a_disabled_one_keeps_the_write_waiting(
    engine: Engine, session: Session, proposed: Callable[[int], None]
) -> None:
    _connect(session, "disabled", "needs_reauthorisation")
    link = ProposalLink(KEY, 0, LEADER)
    assert decide(engine, link, "accept", provider_writers(cipher=None), NOW) == (
        "queued_for_connection"
    )
    with session_scope(engine) as s:
        entry = s.scalars(select(OutboxEntry)).one()
        assert (entry.done_at, entry.attempts) == (None, 1)
        assert entry.next_attempt_at == NOW + timedelta(minutes=5)  # tried again then
        assert entry.last_error == (
            "the google connection is in status needs_reauthorisation; the write waits"
        )
    assert stored(engine)[0] == "accepted"


def _failing(error: Exception, *, withdraw_first: bool) -> CalendarWriters:
    def write(engine: Engine, _leader: int, block: Block) -> str | None:
        if withdraw_first:  # the leader takes the accept back while the write is on its way
            with session_scope(engine) as session:
                assert repo.withdraw_proposal(session, block.key, block.generation, now=NOW)
        raise error

    return CalendarWriters(write, no_withdraw)


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (TimeoutError("the calendar did not answer"), "queued"),
        (ConnectionNotWorkingError("google", "error"), "queued_for_connection"),
    ],
)
def test_a_failed_write_is_answered_by_why_it_failed(
    engine: Engine, proposed: Callable[[int], None], error: Exception, outcome: str
) -> None:
    link = ProposalLink(KEY, 0, LEADER)
    assert decide(engine, link, "accept", _failing(error, withdraw_first=False), NOW) == outcome
    assert stored(engine)[:3] == ("accepted", 0, ["create"])


@pytest.mark.parametrize(
    ("error", "outcome", "actions"),
    [
        # A write that timed out may have landed: it gets a delete of its own, done at once.
        (TimeoutError("timed out"), "already_removed", ["create", "delete", "delete"]),
        # A connection that is not working wrote nothing: the withdraw's delete is enough.
        (
            ConnectionNotWorkingError("google", "error"),
            "queued_for_connection",
            ["create", "delete"],
        ),
    ],
)
def test_a_write_failing_after_a_withdraw_gets_a_delete_only_when_it_may_have_landed(
    engine: Engine,
    proposed: Callable[[int], None],
    error: Exception,
    outcome: str,
    actions: list[str],
) -> None:
    link = ProposalLink(KEY, 0, LEADER)
    writers = _failing(error, withdraw_first=True)
    assert decide(engine, link, "accept", writers, NOW) == outcome
    status, _, stored_actions, _ = stored(engine)
    assert (status, stored_actions) == ("declined", actions)


@pytest.mark.parametrize(
    ("withdraw_answer", "outcome", "calls"),
    [
        # Both deletes run at once (the withdraw's own, which ran before the block existed, and
        # the landed block's); deletes are idempotent.
        (True, "already_removed", ["write", "withdraw", "withdraw"]),
        (None, "already_removed", ["write", "withdraw", "withdraw"]),  # nothing to delete
        (TimeoutError("no answer"), "withdraw_queued", ["write", "withdraw", "withdraw"]),
    ],
    ids=["deleted", "ics", "delete-failed"],
)
def test_a_block_that_landed_after_its_withdraw_is_deleted_right_away(
    engine: Engine,
    proposed: Callable[[int], None],
    withdraw_answer: bool | Exception | None,
    outcome: str,
    calls: list[str],
) -> None:
    done: list[str] = []

    def write(engine: Engine, _leader: int, block: Block) -> str | None:
        done.append("write")
        with session_scope(engine) as session:  # the leader takes it back meanwhile
            assert repo.withdraw_proposal(session, block.key, block.generation, now=NOW)
        return "event-1"  # and then the write lands

    def withdraw(_engine: Engine, _leader: int, key: str, generation: int) -> bool | None:
        assert (key, generation) == (KEY, 0)
        done.append("withdraw")
        if isinstance(withdraw_answer, Exception):
            raise withdraw_answer
        return withdraw_answer

    link = ProposalLink(KEY, 0, LEADER)
    assert decide(engine, link, "accept", CalendarWriters(write, withdraw), NOW) == outcome
    assert done == calls
    with session_scope(engine) as session:
        entries = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        left = [(e.action, e.done_at is None) for e in entries]
    # The create, the withdraw's own delete (which ran before the block existed), the delete of
    # the block that landed: done, or waiting when its delete failed.
    assert left[0] == ("create", False)
    assert left[-1] == ("delete", isinstance(withdraw_answer, Exception))
