"""The confirm page's use cases beyond one proposal's accept, on SQLite and the real
PostgreSQL: what a proposal's page shows, accepting the whole week, the week's open proposals,
the leader's own rating and the language of the pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.app.acceptance import (
    accept_all,
    decide,
    leader_language,
    open_proposals,
    rate,
    view,
    withdraw,
)
from assistant.app.writers import CalendarWriters, no_withdraw, no_write_back
from assistant.core.reasons import reason
from assistant.core.review import Buffer, IsoWeek, Proposal
from assistant.mail.links import AllLink, ProposalLink, RatingLink
from assistant.store import repositories as repo
from assistant.store.database import session_scope
from assistant.store.models import OutboxEntry
from connectors.model import Block

TOKYO = ZoneInfo("Asia/Tokyo")
# Years ahead of the wall clock, so a moment dropped for the clock's own would show.
NOW = datetime(2036, 12, 1, 12, 0, tzinfo=TOKYO)
LEADER = "kenji@example.org"
WEEK = IsoWeek(2036, 49)
MONDAY = datetime(2036, 12, 1, 9, 0, tzinfo=TOKYO)
ICS_ONLY = CalendarWriters(no_write_back, no_withdraw)


def key(kind: str, index: int) -> str:
    return f"{LEADER}:{WEEK}:{kind}:{index}"


@pytest.fixture
def week(session: Session) -> list[str]:
    """Three proposals of the leader's week (in Tokyo, in Dutch), one of another leader's; the
    keys of the leader's, in time order."""
    leader = repo.upsert_leader(session, LEADER, timezone="Asia/Tokyo", language="nl")
    other = repo.upsert_leader(session, "someone@example.org")
    why = reason("proposal.reflection.preferred")

    def proposal(name: str, days: int, hours: float) -> Proposal:
        start = MONDAY + timedelta(days=days)
        return Proposal(
            name, "reflection", Buffer.MINI_RETRAITES, start, start + timedelta(hours=hours), why
        )

    mine = [proposal(key("reflection", 1), 3, 1.5), proposal(key("reflection", 0), 1, 1.5)]
    mine.append(proposal(key("mini_retreat", 0), 2, 3))
    repo.ensure_proposals(session, leader, WEEK, mine, now=NOW)
    theirs = proposal("someone@example.org:2036-W49:reflection:0", 1, 1.5)
    repo.ensure_proposals(session, other, WEEK, [theirs], now=NOW)
    session.commit()
    return [key("reflection", 0), key("mini_retreat", 0), key("reflection", 1)]


def test_a_proposals_page_shows_its_slot_in_the_leaders_zone_and_language(
    engine: Engine, week: list[str]
) -> None:
    link = ProposalLink(week[0], 0, LEADER)
    shown = view(engine, link)
    assert shown is not None
    assert (shown.key, shown.kind, shown.status) == (week[0], "reflection", "proposed")
    assert (shown.start, shown.end) == (
        MONDAY + timedelta(days=1),
        MONDAY + timedelta(days=1, hours=1.5),
    )
    assert (shown.language, shown.timezone, shown.withdrawn) == ("nl", "Asia/Tokyo", False)
    assert decide(engine, link, "accept", ICS_ONLY, NOW) == "ics"
    assert withdraw(engine, link, ICS_ONLY, NOW) == "withdrawn_ics"
    taken_back = view(engine, link)
    assert taken_back is not None
    assert (taken_back.status, taken_back.withdrawn) == ("declined", True)
    # Declined from the start is not taken back.
    other = ProposalLink(week[1], 0, LEADER)
    assert decide(engine, other, "decline", ICS_ONLY, NOW) == "declined"
    declined = view(engine, other)
    assert declined is not None
    assert (declined.status, declined.withdrawn) == ("declined", False)


def test_accept_all_accepts_the_leaders_open_proposals_of_that_week_and_writes_them(
    engine: Engine, week: list[str]
) -> None:
    written: list[str] = []
    blocks: list[Block] = []

    def write(_engine: Engine, _leader: int, block: Block) -> str | None:
        written.append(block.key)
        blocks.append(block)
        return f"event-{len(written)}"

    writers = CalendarWriters(write, no_withdraw)
    assert decide(engine, ProposalLink(week[1], 0, LEADER), "decline", writers, NOW) == "declined"
    assert [p.key for p in open_proposals(engine, AllLink(LEADER, str(WEEK)), NOW)] == [
        week[0],
        week[2],
    ]

    assert accept_all(engine, AllLink(LEADER, str(WEEK)), writers, NOW) == [week[0], week[2]]
    assert written == [week[0], week[2]]
    # What reaches the calendar: the slot in the leader's zone, titled in the leader's language.
    first = blocks[0]
    assert (first.key, first.generation) == (week[0], 0)
    assert (first.start, first.end) == (
        MONDAY + timedelta(days=1),
        MONDAY + timedelta(days=1, hours=1.5),
    )
    assert (first.title, first.description, first.zone) == ("Reflectieblok", "agenda-regie", TOKYO)
    with session_scope(engine) as session:
        leader = repo.find_leader(session, LEADER)
        assert leader is not None
        statuses = {row.key: row.status for row in repo.proposals_of_week(session, leader, WEEK)}
        theirs = repo.proposal_by_key(session, "someone@example.org:2036-W49:reflection:0")
        assert theirs is not None
        assert theirs.status == "proposed"  # another leader's week is not touched
    assert statuses == {week[0]: "written", week[1]: "declined", week[2]: "written"}
    assert open_proposals(engine, AllLink(LEADER, str(WEEK)), NOW) == []
    assert accept_all(engine, AllLink(LEADER, str(WEEK)), writers, NOW) == []  # nothing again
    assert written == [week[0], week[2]]


def test_accept_all_writes_only_what_it_accepted_now(engine: Engine, week: list[str]) -> None:
    written: list[str] = []

    def fails(_engine: Engine, _leader: int, block: Block) -> str | None:
        raise TimeoutError("the calendar did not answer")

    def write(_engine: Engine, _leader: int, block: Block) -> str | None:
        written.append(block.key)
        return "event"

    # The first accept's write failed: it waits in the outbox for the worker, not for this page.
    failing = CalendarWriters(fails, no_withdraw)
    assert decide(engine, ProposalLink(week[0], 0, LEADER), "accept", failing, NOW) == "queued"
    later = NOW + timedelta(hours=1)
    accepted = accept_all(
        engine, AllLink(LEADER, str(WEEK)), CalendarWriters(write, no_withdraw), later
    )
    assert accepted == [week[1], week[2]]
    assert written == [week[1], week[2]]
    with session_scope(engine) as session:
        waiting = session.scalars(
            select(OutboxEntry.proposal_key).where(OutboxEntry.done_at.is_(None))
        )
        assert list(waiting) == [week[0]]


def test_the_week_links_of_an_unknown_leader_do_nothing(engine: Engine, week: list[str]) -> None:
    nobody = "nobody@example.org"
    assert open_proposals(engine, AllLink(nobody, str(WEEK)), NOW) == []
    assert accept_all(engine, AllLink(nobody, str(WEEK)), ICS_ONLY, NOW) == []
    assert rate(engine, RatingLink(nobody, str(WEEK), 4), NOW) is False
    assert leader_language(engine, nobody) is None
    assert leader_language(engine, LEADER) == "nl"


def test_a_rating_is_stored_for_its_week_and_a_later_one_replaces_it(
    engine: Engine, week: list[str]
) -> None:
    assert rate(engine, RatingLink(LEADER, str(WEEK), 2), NOW) is True
    assert rate(engine, RatingLink(LEADER, "2036-W50", 5), NOW) is True
    assert rate(engine, RatingLink(LEADER, str(WEEK), 4), NOW + timedelta(hours=1)) is True
    with session_scope(engine) as session:
        leader = repo.find_leader(session, LEADER)
        assert leader is not None
        stored = repo.self_ratings(session, leader, [WEEK, IsoWeek(2036, 50), IsoWeek(2036, 51)])
    assert stored == {WEEK: 4, IsoWeek(2036, 50): 5}


def test_an_accept_written_then_withdrawn_leaves_the_calendar_at_those_moments(
    engine: Engine, week: list[str]
) -> None:
    deleted: list[tuple[str, int]] = []

    def write(_engine: Engine, _leader: int, block: Block) -> str | None:
        return "event-1"

    def delete(_engine: Engine, _leader: int, key: str, generation: int) -> bool | None:
        deleted.append((key, generation))
        return True

    writers = CalendarWriters(write, delete)
    link = ProposalLink(week[0], 0, LEADER)
    later = NOW + timedelta(minutes=7)
    assert decide(engine, link, "accept", writers, NOW) == "written"
    assert withdraw(engine, link, writers, later) == "withdrawn"
    assert withdraw(engine, link, writers, later) == "already_removed"
    assert deleted == [(week[0], 0)]
    with session_scope(engine) as session:
        entries = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        done = [(e.action, e.done_at, e.attempts) for e in entries]
    assert done == [("create", NOW, 1), ("delete", later, 1)]


def test_each_decision_is_audited_with_its_generation_and_moment(
    engine: Engine, week: list[str]
) -> None:
    from assistant.store.models import AuditEntry

    link = ProposalLink(week[0], 0, LEADER)
    later = NOW + timedelta(hours=2)
    assert decide(engine, link, "accept", ICS_ONLY, NOW) == "ics"
    assert decide(engine, link, "accept", ICS_ONLY, later) == "already"  # audited once
    assert withdraw(engine, link, ICS_ONLY, later) == "withdrawn_ics"
    assert withdraw(engine, link, ICS_ONLY, later) == "already_removed"
    never = ProposalLink(week[1], 0, LEADER)
    assert withdraw(engine, never, ICS_ONLY, later) == "not_in_calendar"  # never accepted
    assert decide(engine, never, "decline", ICS_ONLY, later) == "declined"
    assert withdraw(engine, never, ICS_ONLY, later) == "declined_before"
    with session_scope(engine) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        audited = [(r.actor, r.action, r.subject, r.detail, r.at) for r in rows]
    via = {"generation": 0, "via": "confirm page"}
    assert audited == [
        (LEADER, "proposal.accepted", week[0], via, NOW),
        (LEADER, "proposal.withdrawn", week[0], via, later),
        (LEADER, "proposal.declined", week[1], via, later),
    ]


def test_the_open_proposals_are_shown_as_stored(engine: Engine, week: list[str]) -> None:
    shown = open_proposals(engine, AllLink(LEADER, str(WEEK)), NOW)
    first = shown[0]
    assert (first.key, first.kind, first.status, first.language, first.timezone) == (
        week[0],
        "reflection",
        "proposed",
        "nl",
        "Asia/Tokyo",
    )
    assert (first.start, first.end) == (
        MONDAY + timedelta(days=1),
        MONDAY + timedelta(days=1, hours=1.5),
    )
    assert [(p.kind, p.end - p.start) for p in shown[1:]] == [
        ("reflection", timedelta(hours=3)),
        ("reflection", timedelta(hours=1.5)),
    ]


def test_a_rating_remembers_when_it_was_given(engine: Engine, week: list[str]) -> None:
    from assistant.store.models import SelfRating

    assert rate(engine, RatingLink(LEADER, str(WEEK), 3), NOW) is True
    with session_scope(engine) as session:
        stored = session.scalars(select(SelfRating)).one()
        assert (stored.score, stored.iso_week, stored.recorded_at) == (3, str(WEEK), NOW)


def _statuses(engine: Engine) -> dict[str, tuple[str, datetime]]:
    with session_scope(engine) as session:
        leader = repo.find_leader(session, LEADER)
        assert leader is not None
        rows = repo.proposals_of_week(session, leader, WEEK)
        return {row.key: (row.status, row.updated_at) for row in rows}


def test_a_block_whose_start_has_come_cannot_be_accepted_but_can_be_declined(
    engine: Engine, week: list[str]
) -> None:
    written: list[str] = []

    def write(_engine: Engine, _leader: int, block: Block) -> str | None:
        written.append(block.key)
        return "event"

    writers = CalendarWriters(write, no_withdraw)
    begins = MONDAY + timedelta(days=1)  # week[0]'s start
    link = ProposalLink(week[0], 0, LEADER)
    assert decide(engine, link, "accept", writers, begins) == "past"
    assert written == []
    assert _statuses(engine)[week[0]][0] == "proposed"
    assert decide(engine, link, "decline", writers, begins) == "declined"
    # A second before its start a block is still ahead: accepted and written; a second accept
    # of a written block says it is there already.
    mini = ProposalLink(week[1], 0, LEADER)
    just_before = MONDAY + timedelta(days=2) - timedelta(seconds=1)
    assert decide(engine, mini, "accept", writers, just_before) == "written"
    assert decide(engine, mini, "accept", writers, just_before) == "already"
    assert written == [week[1]]


def test_accept_all_and_the_open_list_leave_out_a_block_whose_start_has_come(
    engine: Engine, week: list[str]
) -> None:
    begins = MONDAY + timedelta(days=1)  # week[0]'s start
    link = AllLink(LEADER, str(WEEK))
    assert [p.key for p in open_proposals(engine, link, begins)] == [week[1], week[2]]
    assert accept_all(engine, link, ICS_ONLY, begins) == [week[1], week[2]]
    assert _statuses(engine)[week[0]][0] == "proposed"


def test_each_decision_stores_its_own_moment(engine: Engine, week: list[str]) -> None:
    def fails(_engine: Engine, _leader: int, block: Block) -> str | None:
        raise TimeoutError("the calendar did not answer")

    waiting = CalendarWriters(fails, no_withdraw)
    accepted, withdrawn, all_at = (NOW + timedelta(minutes=m) for m in (1, 2, 3))
    assert decide(engine, ProposalLink(week[0], 0, LEADER), "accept", waiting, accepted) == (
        "queued"
    )
    assert _statuses(engine)[week[0]] == ("accepted", accepted)
    # Without a calendar to delete from (an iCalendar leader), the page says to remove it.
    assert withdraw(engine, ProposalLink(week[0], 0, LEADER), waiting, withdrawn) == (
        "withdrawn_ics"
    )
    assert _statuses(engine)[week[0]] == ("declined", withdrawn)
    with session_scope(engine) as session:
        create = session.scalars(
            select(OutboxEntry).where(OutboxEntry.action == "create").order_by(OutboxEntry.id)
        ).first()
        assert create is not None  # the create that waited is closed at the withdrawal
        assert (create.done_at, create.last_error) == (withdrawn, "withdrawn before it was written")
    assert accept_all(engine, AllLink(LEADER, str(WEEK)), waiting, all_at) == [week[1], week[2]]
    assert _statuses(engine)[week[1]] == ("accepted", all_at)


def test_a_proposals_page_writes_and_deletes_only_its_own_proposal(
    engine: Engine, week: list[str]
) -> None:
    written: list[str] = []
    deleted: list[str] = []

    def fails(_engine: Engine, _leader: int, block: Block) -> str | None:
        raise TimeoutError("the calendar did not answer")

    def write(_engine: Engine, _leader: int, block: Block) -> str | None:
        written.append(block.key)
        return "event"

    def delete(_engine: Engine, _leader: int, key: str, generation: int) -> bool | None:
        deleted.append(key)
        return True

    # The first accept's write failed: by an hour later it is due again, but it is the
    # worker's, not the next page's.
    failing = CalendarWriters(fails, no_withdraw)
    assert decide(engine, ProposalLink(week[0], 0, LEADER), "accept", failing, NOW) == "queued"
    later = NOW + timedelta(hours=1)
    writers = CalendarWriters(write, delete)
    assert decide(engine, ProposalLink(week[1], 0, LEADER), "accept", writers, later) == "written"
    assert withdraw(engine, ProposalLink(week[1], 0, LEADER), writers, later) == "withdrawn"
    assert (written, deleted) == ([week[1]], [week[1]])
    with session_scope(engine) as session:
        open_entries = session.scalars(
            select(OutboxEntry.proposal_key).where(OutboxEntry.done_at.is_(None))
        )
        assert list(open_entries) == [week[0]]
