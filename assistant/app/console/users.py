"""Console users: add, list, remove, and assign leaders to an assistant (`agenda-regie users`),
each change audited with who made it, when, and the state before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assistant.app.console.credentials import hash_password, new_totp_secret, totp_uri
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.console_users import (
    ConsoleUserError,
    add_console_user,
    assign_leader,
    console_user,
    console_users,
    remove_console_user,
    unassign_leader,
    visible_leaders,
)
from assistant.store.repositories.leaders import find_leader

USER_ADDED = "console.user_added"
USER_REMOVED = "console.user_removed"
LEADER_ASSIGNED = "console.leader_assigned"
LEADER_UNASSIGNED = "console.leader_unassigned"


@dataclass(frozen=True)
class UserLine:
    """A console user as `users list` shows them."""

    email: str
    role: str
    password: bool
    totp: bool
    disabled: bool
    leaders: tuple[str, ...]


def add_user(
    engine: Engine,
    box: SecretBox,
    email: str,
    role: str,
    *,
    password: str | None,
    totp: bool,
    language: str | None,
    actor: str,
    now: datetime,
) -> str | None:
    """Add a console user; returns the otpauth:// address of their new TOTP secret (or None).

    Without a password the user signs in only through the organisation's sign-in."""
    hashed = None if password is None else hash_password(password)
    secret = new_totp_secret() if totp else None
    ciphertext = None if secret is None else box.encrypt(secret.encode())
    with session_scope(engine) as session:
        user = add_console_user(
            session,
            email,
            role,
            password_hash=hashed,
            totp_ciphertext=ciphertext,
            language=language,
            now=now,
        )
        add_audit(
            session,
            actor=actor,
            action=USER_ADDED,
            subject=user.email,
            now=now,
            after={"role": role, "password": hashed is not None, "totp": totp},
        )
        address = user.email
    return None if secret is None else totp_uri(secret, address)


def list_users(engine: Engine) -> list[UserLine]:
    with session_scope(engine) as session:
        return [
            UserLine(
                user.email,
                user.role,
                user.password_hash is not None,
                user.totp_ciphertext is not None,
                user.disabled,
                tuple(
                    leader.email
                    for leader in (
                        visible_leaders(session, user) if user.role == "assistant" else []
                    )
                ),
            )
            for user in console_users(session)
        ]


def remove_user(engine: Engine, email: str, *, actor: str, now: datetime) -> None:
    with session_scope(engine) as session:
        user = remove_console_user(session, email)
        add_audit(
            session,
            actor=actor,
            action=USER_REMOVED,
            subject=user.email,
            now=now,
            before={"role": user.role},
        )


def assign(
    engine: Engine, email: str, leader_email: str, *, remove: bool, actor: str, now: datetime
) -> bool:
    """Assign (or with `remove`, unassign) the leader to the assistant; False: nothing changed."""
    with session_scope(engine) as session:
        user = console_user(session, email)
        leader = find_leader(session, leader_email)
        if leader is None:
            raise ConsoleUserError(
                "there is no leader %(email)s in the database", email=leader_email.strip().lower()
            )
        changed = (
            unassign_leader(session, user, leader)
            if remove
            else assign_leader(session, user, leader)
        )
        if changed:
            add_audit(
                session,
                actor=actor,
                action=LEADER_UNASSIGNED if remove else LEADER_ASSIGNED,
                subject=user.email,
                now=now,
                leader_id=leader.id,
                before={"assigned": remove},
                after={"assigned": not remove},
            )
        return changed


def leader_addresses(engine: Engine) -> list[str]:
    """Every leader's address, for an admin assigning them."""
    from assistant.store.repositories.console_users import all_leader_addresses

    with session_scope(engine) as session:
        return all_leader_addresses(session)
