"""Links to connect a calendar, and the provider flows they begin, kept as pending sign-ins
(`console_pending_sign_ins`): a link is a row found by the SHA-256 of its nonce, gone once used
or expired; a flow on its way is a row found by the SHA-256 of its state (taken once by
`take_pending_sign_in`). The caller hashes and encrypts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.store.models import Base  # noqa: F401  (loads the console tables)

from assistant.store.console_models import PendingSignIn  # isort: skip
from assistant.store.repositories.base import _aware


def find_pending(
    session: Session, token_hash: str, provider: str, *, now: datetime
) -> dict[str, Any] | None:
    """What a live row of this provider keeps, without taking it (a look writes nothing)."""
    row = session.scalars(
        select(PendingSignIn).where(
            PendingSignIn.token_hash == token_hash, PendingSignIn.provider == provider
        )
    ).one_or_none()
    if row is None or row.expires_at <= _aware(now, "now"):
        return None
    return dict(row.pending)


def drop_pending(session: Session, token_hash: str, provider: str) -> bool:
    """Forget the row; False when it was already gone (used by someone else first)."""
    result = session.execute(
        delete(PendingSignIn).where(
            PendingSignIn.token_hash == token_hash, PendingSignIn.provider == provider
        )
    )
    return bool(getattr(result, "rowcount", 0))
