"""Everything the store keeps about one leader: read for their export, removed for their
deletion.

"About the leader" is their row and every row that points at it, plus what names them by
address or name elsewhere: audit entries (by id, or their address in the actor, subject or the
JSON around a change), their console account and its sessions, sign-in failures counted under
their address, connect links and flows on their way (the caller picks those out, since a flow is
sealed), grants that made them someone's coach, an assistant entry under their address, and
their address as the author of other rule versions (replaced, the versions stay).

Reads return plain column values (no ciphertext but the notes', which the caller decrypts);
never a token, a password hash or an invitation hash.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from assistant.store.models import (
    Assistant,
    AuditEntry,
    Base,
    CachedEvent,
    Connection,
    Leader,
    OutboxEntry,
    ProposalRow,
    ReviewDelivery,
    RuleSet,
    SelfRating,
    WeeklyMetricsRow,
    assistant_leaders,
)

from assistant.store.console_models import (  # isort: skip  (after models, which loads them)
    ConsoleSession,
    ConsoleUser,
    PendingSignIn,
    SignInFailure,
    console_assignments,
)
from assistant.store.place_models import CoachGrant, CoachNote, CoachView, LeaderSharing
from assistant.store.repositories.base import _rowcount

Row = dict[str, Any]
# Who wrote a rule version, once that person's data is deleted.
REMOVED_AUTHOR = "removed"

LEADER_COLUMNS = ("id", "email", "name", "timezone", "language", "created_at", "paused_at")
CONNECTION_COLUMNS = ("id", "provider", "account", "status", "last_sync_at", "last_error")
RULE_COLUMNS = ("version", "created_at", "created_by", "extends", "rules_json", "layer_json")
PROPOSAL_COLUMNS = (
    "iso_week", "kind", "start", "end", "status", "generation", "provider_event_id", "updated_at",
)  # fmt: skip
REVIEW_COLUMNS = ("iso_week", "sent_at", "delivery_status", "message_id")
RATING_COLUMNS = ("iso_week", "score", "recorded_at")
GRANT_COLUMNS = ("id", "coach_email", "created_at", "expires_at", "revoked_at", "accepted_at")
EVENT_COLUMNS = (
    "start", "end", "all_day", "status", "my_response", "busy", "kind", "other_attendees",
    "organized_by_me", "recurring", "ours", "counterforce",
)  # fmt: skip
# The tables whose rows point at the leader, children first.
LEADER_TABLES = (
    "coach_views", "coach_notes", "coach_grants", "leader_sharing", "self_ratings",
    "review_claims", "reviews", "proposals", "weekly_metrics", "rule_sets", "connections",
)  # fmt: skip
AUDIT_COLUMNS = ("at", "actor", "action", "subject", "detail", "before", "after")


def _plain(row: object, columns: Sequence[str]) -> Row:
    return {column: getattr(row, column) for column in columns}


def _rows(session: Session, statement: Any, columns: Sequence[str]) -> list[Row]:
    return [_plain(row, columns) for row in session.scalars(statement)]


def about_leader(leader: Leader) -> ColumnElement[bool]:
    """The audit entries that concern this leader: by id, or naming them as the actor or the
    subject (their address, or a proposal key made from it), or as a whole JSON string (their
    address or name) in the detail, before or after. Whole values only: another address that
    merely contains theirs (jan@ holds an@) is someone else's."""
    address = leader.email.lower()
    texts = [
        func.lower(cast(column, Text))
        for column in (AuditEntry.detail, AuditEntry.before, AuditEntry.after)
    ]
    found: list[ColumnElement[bool]] = [AuditEntry.leader_id == leader.id]
    for column in (AuditEntry.actor, AuditEntry.subject):
        named = func.lower(column)
        found += [named == address, named.startswith(f"{address}:", autoescape=True)]
    wholes = {json.dumps(address), f'"{address}:'}
    if leader.name:
        name = leader.name.lower()
        found.append(func.lower(AuditEntry.subject) == name)
        wholes |= {json.dumps(name), json.dumps(name, ensure_ascii=False)}
    found += [text.contains(whole, autoescape=True) for text in texts for whole in wholes]
    return or_(*found)


def leader_address(session: Session, leader_id: int) -> str | None:
    """The leader's address, lower case; None when there is no such leader."""
    address = session.scalar(select(Leader.email).where(Leader.id == leader_id))
    return None if address is None else address.lower()


def leader_tables(session: Session, leader_id: int) -> dict[str, list[Row]]:
    """Every table's rows about the leader, by table; empty when there is no such leader."""
    leader = session.get(Leader, leader_id)
    if leader is None:
        return {}
    mine = leader.id
    metrics = [
        c.key for c in WeeklyMetricsRow.__table__.columns if c.key not in {"id", "leader_id"}
    ]
    user = session.scalars(select(ConsoleUser).where(ConsoleUser.email == leader.email)).first()
    sharing = session.get(LeaderSharing, mine)
    assistants = select(ConsoleUser.email).join(
        console_assignments, console_assignments.c.user_id == ConsoleUser.id
    )
    views = (
        select(CoachView.at, CoachView.page, CoachView.grant_id, CoachGrant.coach_email)
        .join(CoachGrant, CoachGrant.id == CoachView.grant_id)
        .where(CoachView.leader_id == mine)
        .order_by(CoachView.at, CoachView.id)
    )
    events = (
        select(CachedEvent)
        .join(Connection, Connection.id == CachedEvent.connection_id)
        .where(Connection.leader_id == mine)
        .order_by(CachedEvent.start, CachedEvent.id)
    )
    return {
        "leader": [_plain(leader, (*LEADER_COLUMNS, "paused_until"))],
        "console_account": [] if user is None else [_account(user)],
        "connections": _rows(
            session,
            select(Connection).where(Connection.leader_id == mine).order_by(Connection.id),
            CONNECTION_COLUMNS,
        ),
        "rule_sets": _rows(
            session,
            select(RuleSet).where(RuleSet.leader_id == mine).order_by(RuleSet.version),
            RULE_COLUMNS,
        ),
        "weekly_metrics": _rows(
            session,
            select(WeeklyMetricsRow)
            .where(WeeklyMetricsRow.leader_id == mine)
            .order_by(WeeklyMetricsRow.iso_week),
            metrics,
        ),
        "proposals": _rows(
            session,
            select(ProposalRow)
            .where(ProposalRow.leader_id == mine)
            .order_by(ProposalRow.start, ProposalRow.id),
            PROPOSAL_COLUMNS,
        ),
        "reviews": _rows(
            session,
            select(ReviewDelivery)
            .where(ReviewDelivery.leader_id == mine)
            .order_by(ReviewDelivery.iso_week),
            REVIEW_COLUMNS,
        ),
        "self_ratings": _rows(
            session,
            select(SelfRating).where(SelfRating.leader_id == mine).order_by(SelfRating.iso_week),
            RATING_COLUMNS,
        ),
        "sharing": [
            {
                "assistants_see_personal": bool(sharing and sharing.assistants_see_personal),
                "updated_at": None if sharing is None else sharing.updated_at,
            }
        ],
        "assigned_assistants": [
            {"email": email}
            for email in session.scalars(
                assistants.where(console_assignments.c.leader_id == mine).order_by(
                    ConsoleUser.email
                )
            )
        ],
        "coach_grants": _rows(
            session,
            select(CoachGrant).where(CoachGrant.leader_id == mine).order_by(CoachGrant.id),
            GRANT_COLUMNS,
        ),
        "coach_views": [
            {"at": at, "page": page, "grant_id": grant, "coach_email": coach}
            for at, page, grant, coach in session.execute(views)
        ],
        "cached_events": _rows(session, events, EVENT_COLUMNS),
        "audit": _rows(
            session,
            select(AuditEntry).where(about_leader(leader)).order_by(AuditEntry.at, AuditEntry.id),
            AUDIT_COLUMNS,
        ),
    }


def _account(user: ConsoleUser) -> Row:
    return {
        "email": user.email,
        "role": user.role,
        "language": user.language,
        "created_at": user.created_at,
        "disabled": user.disabled,
        "password": user.password_hash is not None,
        "two_factor": user.totp_ciphertext is not None,
    }


def sealed_notes(session: Session, leader_id: int) -> list[tuple[Any, bytes]]:
    """The leader's notes to their coach, oldest first: (written at, ciphertext)."""
    statement = (
        select(CoachNote.written_at, CoachNote.ciphertext)
        .where(CoachNote.leader_id == leader_id)
        .order_by(CoachNote.written_at, CoachNote.id)
    )
    return [(at, bytes(sealed)) for at, sealed in session.execute(statement)]


def sealed_tokens(session: Session, leader_id: int) -> list[tuple[str, str, bytes | None]]:
    """Each connection's (provider, account, token ciphertext), for revoking before deletion."""
    statement = (
        select(Connection.provider, Connection.account, Connection.token_ciphertext)
        .where(Connection.leader_id == leader_id)
        .order_by(Connection.id)
    )
    return [
        (provider, account, None if sealed is None else bytes(sealed))
        for provider, account, sealed in session.execute(statement)
    ]


def pending_rows(session: Session) -> list[tuple[int, str, dict[str, Any]]]:
    """Every pending sign-in, connect link and connect flow: (id, kind, what it keeps)."""
    statement = select(PendingSignIn.id, PendingSignIn.provider, PendingSignIn.pending)
    return [(row_id, kind, dict(kept)) for row_id, kind, kept in session.execute(statement)]


def remove_leader(
    session: Session, leader_id: int, *, pending_ids: Collection[int] = ()
) -> dict[str, int]:
    """Delete every row about the leader (see the module's docstring), in the caller's one
    transaction; how many rows of each table went. Empty when there is no such leader."""
    leader = session.get(Leader, leader_id)
    if leader is None:
        return {}
    mine, address = leader.id, leader.email.lower()
    removed: dict[str, int] = {}

    def gone(table: str, statement: Any) -> None:
        removed[table] = removed.get(table, 0) + _rowcount(session.execute(statement))

    connections = select(Connection.id).where(Connection.leader_id == mine)
    proposals = select(ProposalRow.key).where(ProposalRow.leader_id == mine)
    users = select(ConsoleUser.id).where(func.lower(ConsoleUser.email) == address)
    gone("audit_log", delete(AuditEntry).where(about_leader(leader)))
    gone("event_cache", delete(CachedEvent).where(CachedEvent.connection_id.in_(connections)))
    gone("outbox", delete(OutboxEntry).where(OutboxEntry.proposal_key.in_(proposals)))
    # Grants that made this person someone's coach, with the looks taken through them.
    coached = select(CoachGrant.id).where(func.lower(CoachGrant.coach_email) == address)
    gone("coach_views", delete(CoachView).where(CoachView.grant_id.in_(coached)))
    gone("coach_grants", delete(CoachGrant).where(func.lower(CoachGrant.coach_email) == address))
    for name in LEADER_TABLES:
        table = Base.metadata.tables[name]
        gone(name, delete(table).where(table.c.leader_id == mine))
    gone("console_sessions", delete(ConsoleSession).where(ConsoleSession.user_id.in_(users)))
    gone(
        "console_assignments",
        delete(console_assignments).where(
            or_(console_assignments.c.leader_id == mine, console_assignments.c.user_id.in_(users))
        ),
    )
    gone("console_users", delete(ConsoleUser).where(func.lower(ConsoleUser.email) == address))
    gone(
        "console_sign_in_failures",
        delete(SignInFailure).where(SignInFailure.key == f"account:{address}"),
    )
    if pending_ids:
        gone(
            "console_pending_sign_ins",
            delete(PendingSignIn).where(PendingSignIn.id.in_(pending_ids)),
        )
    gone(
        "assistant_leaders", delete(assistant_leaders).where(assistant_leaders.c.leader_id == mine)
    )
    assistant = select(Assistant.id).where(func.lower(Assistant.email) == address)
    gone(
        "assistant_leaders",
        delete(assistant_leaders).where(assistant_leaders.c.assistant_id.in_(assistant)),
    )
    gone("assistants", delete(Assistant).where(func.lower(Assistant.email) == address))
    for name in ("rule_sets", "shared_rule_sets"):  # their address as others' versions' author
        table = Base.metadata.tables[name]
        session.execute(
            update(table)
            .where(func.lower(table.c.created_by) == address)
            .values(created_by=REMOVED_AUTHOR)
        )
    gone("leaders", delete(Leader).where(Leader.id == mine))
    session.expunge_all()
    return {table: count for table, count in removed.items() if count}
