"""The console's store on SQLite and PostgreSQL: who sees which leader, sessions that end, the
failed sign-ins the rate limits count, and an audit trail per leader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from assistant.store.repositories.audit import add_audit, audit_trail
from assistant.store.repositories.console_sessions import (
    close_every_console_session,
    live_console_session,
    open_console_session,
    record_sign_in_failure,
    sign_in_failures_since,
)
from assistant.store.repositories.console_users import (
    ConsoleUserError,
    add_console_user,
    assign_leader,
    remove_console_user,
    unassign_leader,
    visible_leader,
    visible_leaders,
)
from assistant.store.repositories.leaders import upsert_leader

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _user(session: Session, email: str, role: str) -> object:
    return add_console_user(session, email, role, password_hash=None, now=NOW)


def test_an_assistant_sees_only_the_leaders_assigned_to_them(session: Session) -> None:
    ada = upsert_leader(session, "ada@example.org", now=NOW)
    bob = upsert_leader(session, "bob@example.org", now=NOW)
    cor = upsert_leader(session, "cor@example.org", now=NOW)
    admin = add_console_user(session, "Admin@Example.org", "admin", password_hash=None, now=NOW)
    first = add_console_user(session, "first@example.org", "assistant", password_hash=None, now=NOW)
    second = add_console_user(
        session, "second@example.org", "assistant", password_hash=None, now=NOW
    )
    leader = add_console_user(session, "cor@example.org", "leader", password_hash=None, now=NOW)
    assert assign_leader(session, first, ada)
    assert assign_leader(session, first, bob)
    assert not assign_leader(session, first, bob)  # already
    assign_leader(session, second, cor)

    assert [x.email for x in visible_leaders(session, admin)] == [
        "ada@example.org",
        "bob@example.org",
        "cor@example.org",
    ]
    assert [x.email for x in visible_leaders(session, first)] == [
        "ada@example.org",
        "bob@example.org",
    ]
    assert visible_leader(session, first, ada.id) == ada
    assert visible_leader(session, first, cor.id) is None  # another assistant's leader
    assert visible_leader(session, first, 999_999) is None  # no such leader: the same answer
    assert visible_leader(session, second, ada.id) is None
    assert [x.email for x in visible_leaders(session, leader)] == ["cor@example.org"]
    assert visible_leader(session, leader, ada.id) is None

    assert unassign_leader(session, first, bob)
    assert [x.email for x in visible_leaders(session, first)] == ["ada@example.org"]
    with pytest.raises(ConsoleUserError, match="not an assistant"):
        assign_leader(session, admin, ada)
    with pytest.raises(ConsoleUserError, match=r"already a console user admin@example\.org"):
        add_console_user(session, "admin@example.org", "admin", password_hash=None, now=NOW)
    with pytest.raises(ConsoleUserError, match="role must be one of"):
        add_console_user(session, "x@example.org", "owner", password_hash=None, now=NOW)
    remove_console_user(session, "first@example.org")
    session.flush()
    with pytest.raises(ConsoleUserError, match=r"no console user first@example\.org"):
        remove_console_user(session, "first@example.org")


def test_a_session_ends_at_expiry_when_disabled_and_everywhere(session: Session) -> None:
    user = add_console_user(session, "a@example.org", "admin", password_hash=None, now=NOW)
    hour = timedelta(hours=1)
    open_console_session(session, user, token_hash="a" * 64, form_token="f", now=NOW, lifetime=hour)
    open_console_session(session, user, token_hash="b" * 64, form_token="g", now=NOW, lifetime=hour)
    later = NOW + timedelta(minutes=30)
    found = live_console_session(session, "a" * 64, now=later)
    assert found is not None
    assert found[0].last_seen_at == later
    assert live_console_session(session, "c" * 64, now=later) is None
    assert live_console_session(session, "a" * 64, now=NOW + hour) is None  # expired, and gone
    assert live_console_session(session, "a" * 64, now=NOW) is None
    user.disabled = True
    assert live_console_session(session, "b" * 64, now=later) is None
    user.disabled = False
    open_console_session(session, user, token_hash="d" * 64, form_token="h", now=NOW, lifetime=hour)
    open_console_session(session, user, token_hash="e" * 64, form_token="i", now=NOW, lifetime=hour)
    assert close_every_console_session(session, user.id) == 2
    assert live_console_session(session, "d" * 64, now=later) is None


def test_failed_sign_ins_are_counted_in_their_window(session: Session) -> None:
    record_sign_in_failure(session, ["account:a", "client:1"], now=NOW)
    record_sign_in_failure(session, ["account:a"], now=NOW + timedelta(minutes=10))
    assert sign_in_failures_since(session, "account:a", NOW - timedelta(minutes=15)) == 2
    assert sign_in_failures_since(session, "account:a", NOW) == 1  # the first is outside
    assert sign_in_failures_since(session, "client:1", NOW - timedelta(minutes=1)) == 1
    assert sign_in_failures_since(session, "account:b", NOW - timedelta(minutes=1)) == 0


def test_the_audit_trail_of_a_leader_holds_only_what_concerns_them(session: Session) -> None:
    ada = upsert_leader(session, "ada@example.org", now=NOW)
    bob = upsert_leader(session, "bob@example.org", now=NOW)
    add_audit(
        session,
        actor="as@example.org",
        action="rules.store",
        subject=ada.email,
        now=NOW,
        leader_id=ada.id,
        before={"reflection.blocks": 2},
        after={"reflection.blocks": 3},
    )
    add_audit(
        session, actor="x", action="rules.store", subject=bob.email, now=NOW, leader_id=bob.id
    )
    add_audit(session, actor="x", action="review.paused", subject=ada.email, now=NOW)  # older kind
    session.flush()
    mine = audit_trail(session, leader_ids=[ada.id], subjects=[ada.email], limit=10)
    assert {entry.action for entry in mine} == {"rules.store", "review.paused"}
    assert all(entry.subject == "ada@example.org" for entry in mine)
    change = next(entry for entry in mine if entry.leader_id == ada.id)
    assert (change.before, change.after) == ({"reflection.blocks": 2}, {"reflection.blocks": 3})
    assert len(audit_trail(session, leader_ids=None, limit=10)) == 3
