"""Whose data a signed-in viewer reaches in the leader's own place and as a coach.

The leader's place is theirs alone: the leader whose address is the viewer's. A coach reaches a
leader only through a live grant made to their address; each such look is recorded for the
leader to see. Anything else is None, exactly like what does not exist (the pages answer 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assistant.app.console.signin import Viewer
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.coaching import live_grant, record_view
from assistant.store.repositories.leaders import find_leader

COACH_PAGES = ("trend", "summary", "summary_pdf")


@dataclass(frozen=True)
class PlaceOwner:
    """The leader a viewer's own place belongs to."""

    leader_id: int
    email: str
    name: str | None
    timezone: str
    language: str


@dataclass(frozen=True)
class CoachAccess:
    """A coach's live grant and the leader it is for."""

    grant_id: int
    leader_id: int
    email: str
    name: str | None
    timezone: str
    expires_at: datetime


def own_leader(engine: Engine, viewer: Viewer) -> PlaceOwner | None:
    """The leader whose address is the viewer's; None for anyone else (admins included)."""
    with session_scope(engine) as session:
        leader = find_leader(session, viewer.email)
        if leader is None:
            return None
        return PlaceOwner(leader.id, leader.email, leader.name, leader.timezone, leader.language)


def coach_access(
    engine: Engine, viewer: Viewer, grant_id: int, now: datetime, *, page: str
) -> CoachAccess | None:
    """The leader this coach may look at through the grant, recording the look; None when the
    grant is unknown, someone else's, revoked or expired."""
    if page not in COACH_PAGES:
        raise ValueError(f"unknown coach page {page!r}")
    with session_scope(engine) as session:
        found = live_grant(session, grant_id, viewer.email, now=now)
        if found is None:
            return None
        grant, leader = found
        record_view(session, grant, page, now=now)
        return CoachAccess(
            grant.id, leader.id, leader.email, leader.name, leader.timezone, grant.expires_at
        )
