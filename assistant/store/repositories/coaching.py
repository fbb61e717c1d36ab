"""What a leader shares and with whom: their assistants' view of their felt room and notes, the
coaches they invited, every look a coach took, and their notes to the coach.

A coach's access is a grant by address: live while not revoked and before its expiry, and only
ever for the one leader who made it. Every function takes `now` from the caller's clock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.store.models import Leader

from assistant.store.place_models import (  # isort: skip  (after models, which loads it)
    CoachGrant,
    CoachNote,
    CoachView,
    LeaderSharing,
)
from assistant.store.repositories.base import _address, _aware, _rowcount


def assistants_see_personal(session: Session, leader_id: int) -> bool:
    """Whether the leader lets their assistants see their felt room and notes (default: no)."""
    row = session.get(LeaderSharing, leader_id)
    return bool(row is not None and row.assistants_see_personal)


def set_assistants_see_personal(
    session: Session, leader_id: int, allowed: bool, *, now: datetime
) -> None:
    row = session.get(LeaderSharing, leader_id)
    if row is None:
        row = LeaderSharing(leader_id=leader_id, updated_at=_aware(now, "now"))
        session.add(row)
    row.assistants_see_personal = allowed
    row.updated_at = _aware(now, "now")
    session.flush()


def add_grant(
    session: Session,
    leader_id: int,
    coach_email: str,
    *,
    expires_at: datetime,
    invite_hash: str,
    now: datetime,
) -> CoachGrant:
    grant = CoachGrant(
        leader_id=leader_id,
        coach_email=_address(coach_email),
        created_at=_aware(now, "now"),
        expires_at=_aware(expires_at, "expires_at"),
        invite_hash=invite_hash,
    )
    session.add(grant)
    session.flush()
    return grant


def grants_of(session: Session, leader_id: int) -> list[CoachGrant]:
    """Every grant the leader made, newest first (revoked and expired ones included)."""
    statement = (
        select(CoachGrant)
        .where(CoachGrant.leader_id == leader_id)
        .order_by(CoachGrant.created_at.desc(), CoachGrant.id.desc())
    )
    return list(session.scalars(statement))


def _live(now: datetime) -> tuple[object, object]:
    at = _aware(now, "now")
    return CoachGrant.revoked_at.is_(None), CoachGrant.expires_at > at


def live_grant(
    session: Session, grant_id: int, coach_email: str, *, now: datetime
) -> tuple[CoachGrant, Leader] | None:
    """The grant and its leader when it is this coach's and still live; None otherwise (unknown,
    someone else's, revoked and expired all look the same)."""
    statement = (
        select(CoachGrant, Leader)
        .join(Leader, Leader.id == CoachGrant.leader_id)
        .where(CoachGrant.id == grant_id, CoachGrant.coach_email == _address(coach_email))
        .where(*_live(now))  # type: ignore[arg-type]
    )
    found = session.execute(statement).one_or_none()
    return None if found is None else (found[0], found[1])


def live_grants_for(
    session: Session, coach_email: str, *, now: datetime
) -> list[tuple[CoachGrant, Leader]]:
    """The live grants made to this coach, with their leaders, by the leader's address."""
    statement = (
        select(CoachGrant, Leader)
        .join(Leader, Leader.id == CoachGrant.leader_id)
        .where(CoachGrant.coach_email == _address(coach_email))
        .where(*_live(now))  # type: ignore[arg-type]
        .order_by(Leader.email, CoachGrant.id)
    )
    return [(grant, leader) for grant, leader in session.execute(statement)]


def take_invitation(session: Session, invite_hash: str, *, now: datetime) -> CoachGrant | None:
    """The live grant this invitation belongs to, once: the invitation is used up."""
    statement = (
        select(CoachGrant).where(CoachGrant.invite_hash == invite_hash).where(*_live(now))  # type: ignore[arg-type]
    )
    grant = session.scalars(statement).one_or_none()
    if grant is None:
        return None
    grant.invite_hash = None
    grant.accepted_at = _aware(now, "now")
    session.flush()
    return grant


def revoke_grant(session: Session, leader_id: int, grant_id: int, *, now: datetime) -> bool:
    """End the leader's grant now; False when it is not theirs or already ended."""
    grant = session.get(CoachGrant, grant_id)
    if grant is None or grant.leader_id != leader_id or grant.revoked_at is not None:
        return False
    grant.revoked_at = _aware(now, "now")
    grant.invite_hash = None
    session.flush()
    return True


def record_view(session: Session, grant: CoachGrant, page: str, *, now: datetime) -> None:
    session.add(
        CoachView(grant_id=grant.id, leader_id=grant.leader_id, at=_aware(now, "now"), page=page)
    )
    session.flush()


def views_of(session: Session, leader_id: int, limit: int = 200) -> list[tuple[CoachView, str]]:
    """The coaches' looks at this leader, newest first, with the coach's address."""
    statement = (
        select(CoachView, CoachGrant.coach_email)
        .join(CoachGrant, CoachGrant.id == CoachView.grant_id)
        .where(CoachView.leader_id == leader_id)
        .order_by(CoachView.at.desc(), CoachView.id.desc())
        .limit(limit)
    )
    return [(view, email) for view, email in session.execute(statement)]


def add_note(session: Session, leader_id: int, ciphertext: bytes, *, now: datetime) -> CoachNote:
    note = CoachNote(leader_id=leader_id, written_at=_aware(now, "now"), ciphertext=ciphertext)
    session.add(note)
    session.flush()
    return note


def notes_of(session: Session, leader_id: int, limit: int = 100) -> list[CoachNote]:
    statement = (
        select(CoachNote)
        .where(CoachNote.leader_id == leader_id)
        .order_by(CoachNote.written_at.desc(), CoachNote.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def remove_note(session: Session, leader_id: int, note_id: int) -> bool:
    result = session.execute(
        delete(CoachNote).where(CoachNote.id == note_id, CoachNote.leader_id == leader_id)
    )
    return _rowcount(result) > 0


def invitation(
    session: Session, invite_hash: str, *, now: datetime
) -> tuple[CoachGrant, Leader] | None:
    """The live grant of an invitation not yet taken up, with its leader; writes nothing."""
    statement = (
        select(CoachGrant, Leader)
        .join(Leader, Leader.id == CoachGrant.leader_id)
        .where(CoachGrant.invite_hash == invite_hash)
        .where(*_live(now))  # type: ignore[arg-type]
    )
    found = session.execute(statement).one_or_none()
    return None if found is None else (found[0], found[1])
