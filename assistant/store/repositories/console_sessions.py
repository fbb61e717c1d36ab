"""The console's sign-in sessions and the failed sign-ins its rate limits count.

A session is found by the SHA-256 of the cookie's random value (the caller hashes); it ends at
its expiry, when its user is disabled or removed, at sign-out, or when the user signs out
everywhere. Every function takes `now`: the clock is the caller's, so tests need no sleeps.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.store.models import Base  # noqa: F401  (loads the console tables)

from assistant.store.console_models import (  # isort: skip
    ConsoleSession,
    ConsoleUser,
    PendingSignIn,
    SignInFailure,
)
from assistant.store.repositories.base import _aware


def open_console_session(
    session: Session,
    user: ConsoleUser,
    *,
    token_hash: str,
    form_token: str,
    now: datetime,
    lifetime: timedelta,
) -> ConsoleSession:
    at = _aware(now, "now")
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= at))
    row = ConsoleSession(
        token_hash=token_hash,
        user_id=user.id,
        form_token=form_token,
        created_at=at,
        expires_at=at + lifetime,
        last_seen_at=at,
    )
    session.add(row)
    session.flush()
    return row


def live_console_session(
    session: Session, token_hash: str, *, now: datetime
) -> tuple[ConsoleSession, ConsoleUser] | None:
    """The session and its user, when the session is open and the user enabled; marks it seen."""
    at = _aware(now, "now")
    found = session.execute(
        select(ConsoleSession, ConsoleUser)
        .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
        .where(ConsoleSession.token_hash == token_hash)
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if row.expires_at <= at or user.disabled:
        session.delete(row)
        return None
    row.last_seen_at = at
    return row, user


def close_console_session(session: Session, token_hash: str) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


def close_every_console_session(session: Session, user_id: int) -> int:
    """Sign the user out everywhere; how many sessions ended."""
    result = session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0))


def open_session_count(session: Session, user_id: int, *, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ConsoleSession)
            .where(ConsoleSession.user_id == user_id, ConsoleSession.expires_at > now)
        )
        or 0
    )


def record_sign_in_failure(
    session: Session, keys: list[str], *, now: datetime, keep: timedelta = timedelta(days=1)
) -> None:
    """Count a failed sign-in under each key; failures older than `keep` go (bounded size)."""
    at = _aware(now, "now")
    session.execute(delete(SignInFailure).where(SignInFailure.at < at - keep))
    session.add_all(SignInFailure(key=key[:400], at=at) for key in keys)


def sign_in_failures_since(session: Session, key: str, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SignInFailure)
            .where(SignInFailure.key == key[:400], SignInFailure.at > since)
        )
        or 0
    )


def forget_sign_in_failures(session: Session, key: str) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.key == key[:400]))


def keep_pending_sign_in(
    session: Session,
    token_hash: str,
    provider: str,
    pending: dict[str, Any],
    *,
    expires_at: datetime,
) -> None:
    session.add(
        PendingSignIn(
            token_hash=token_hash,
            provider=provider,
            pending=pending,
            expires_at=_aware(expires_at, "expires_at"),
        )
    )


def take_pending_sign_in(
    session: Session, token_hash: str, *, now: datetime
) -> tuple[str, dict[str, Any]] | None:
    """The provider and what it kept, once: the row goes (and every expired one with it)."""
    row = session.scalars(
        select(PendingSignIn).where(PendingSignIn.token_hash == token_hash)
    ).one_or_none()
    session.execute(delete(PendingSignIn).where(PendingSignIn.expires_at <= now))
    if row is None or row.expires_at <= now:
        return None
    session.delete(row)
    return row.provider, dict(row.pending)
