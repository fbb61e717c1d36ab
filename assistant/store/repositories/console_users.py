"""The console's users and whom an assistant looks after: the one place that scopes what a
signed-in user may see (`visible_leaders`, `visible_leader`).

An admin sees every leader; an assistant only the leaders assigned to them; a leader only
themselves (the leader whose address is theirs); a coach none here (a coach sees only what a
leader shares with them, through their grant). A leader out of sight is the same as a leader
that does not exist: `visible_leader` returns None for both, so no page, export or search can tell
them apart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.store import StoreError
from assistant.store.models import Leader

from assistant.store.console_models import (  # isort: skip  (after models, which loads it)
    CONSOLE_ROLES,
    ConsoleUser,
    console_assignments,
)
from assistant.store.repositories.base import _address, _aware


class ConsoleUserError(StoreError):
    """A console user who cannot be added, found or assigned; the message says which."""


def add_console_user(
    session: Session,
    email: str,
    role: str,
    *,
    password_hash: str | None,
    totp_ciphertext: bytes | None = None,
    language: str | None = None,
    now: datetime,
) -> ConsoleUser:
    address = _address(email)
    if role not in CONSOLE_ROLES:
        raise ConsoleUserError(
            "role must be one of %(roles)s, not %(role)s", roles=", ".join(CONSOLE_ROLES), role=role
        )
    if find_console_user(session, address) is not None:
        raise ConsoleUserError("there is already a console user %(email)s", email=address)
    user = ConsoleUser(
        email=address,
        role=role,
        password_hash=password_hash,
        totp_ciphertext=totp_ciphertext,
        language=language,
        disabled=False,
        created_at=_aware(now, "now"),
    )
    session.add(user)
    session.flush()
    return user


def find_console_user(session: Session, email: str) -> ConsoleUser | None:
    return session.scalars(
        select(ConsoleUser).where(ConsoleUser.email == _address(email))
    ).one_or_none()


def console_user(session: Session, email: str) -> ConsoleUser:
    """The console user with this address, or an error naming it."""
    user = find_console_user(session, email)
    if user is None:
        raise ConsoleUserError("there is no console user %(email)s", email=_address(email))
    return user


def console_users(session: Session) -> list[ConsoleUser]:
    return list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.email)))


def remove_console_user(session: Session, email: str) -> ConsoleUser:
    """Remove the user (their sessions and assignments go with them)."""
    user = console_user(session, email)
    session.execute(delete(console_assignments).where(console_assignments.c.user_id == user.id))
    session.delete(user)
    session.flush()
    return user


def assign_leader(session: Session, user: ConsoleUser, leader: Leader) -> bool:
    """Let the assistant look after the leader; False when they already did."""
    if user.role != "assistant":
        raise ConsoleUserError(
            "%(email)s is a console %(role)s, not an assistant; only assistants are assigned "
            "leaders",
            email=user.email,
            role=user.role,
        )
    if leader.id in assigned_leader_ids(session, user):
        return False
    session.execute(console_assignments.insert().values(user_id=user.id, leader_id=leader.id))
    return True


def unassign_leader(session: Session, user: ConsoleUser, leader: Leader) -> bool:
    result = session.execute(
        delete(console_assignments).where(
            console_assignments.c.user_id == user.id, console_assignments.c.leader_id == leader.id
        )
    )
    return bool(getattr(result, "rowcount", 0))


def assigned_leader_ids(session: Session, user: ConsoleUser) -> set[int]:
    rows = session.scalars(
        select(console_assignments.c.leader_id).where(console_assignments.c.user_id == user.id)
    )
    return set(rows)


def assigned_user_ids(session: Session, leader_id: int) -> set[int]:
    """The console users (assistants) who look after this leader."""
    rows = session.scalars(
        select(console_assignments.c.user_id).where(console_assignments.c.leader_id == leader_id)
    )
    return set(rows)


def visible_leaders(session: Session, user: ConsoleUser) -> list[Leader]:
    """The leaders this user may see, by address."""
    statement = select(Leader).order_by(Leader.email)
    if user.role == "assistant":
        statement = statement.join(
            console_assignments, console_assignments.c.leader_id == Leader.id
        ).where(console_assignments.c.user_id == user.id)
    elif user.role == "coach":
        return []  # a coach sees only what leaders share (repositories.coaching.live_grant)
    elif user.role != "admin":
        statement = statement.where(Leader.email == user.email)
    return list(session.scalars(statement))


def visible_leader(session: Session, user: ConsoleUser, leader_id: int) -> Leader | None:
    """The leader, when this user may see them; None when not or when there is none."""
    statement = select(Leader).where(Leader.id == leader_id)
    if user.role == "assistant":
        statement = statement.join(
            console_assignments, console_assignments.c.leader_id == Leader.id
        ).where(console_assignments.c.user_id == user.id)
    elif user.role == "coach":
        return None
    elif user.role != "admin":
        statement = statement.where(Leader.email == user.email)
    return session.scalars(statement).one_or_none()


def all_leader_addresses(session: Session) -> list[str]:
    return list(session.scalars(select(Leader.email).order_by(Leader.email)))
