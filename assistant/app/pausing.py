"""Use cases of the pause page behind the email's footer link: pause the weekly review for four
weeks or until the leader resumes, and resume it. Stored on the leader (`paused_at`,
`paused_until`) with an audit line; `send-review` and `deliver` honour it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from assistant.mail.links import PauseLink
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.leaders import (
    find_leader,
    pause_reviews,
    resume_reviews,
    reviews_paused,
)

PAUSE_WEEKS = 4
PauseAction = Literal["pause_weeks", "pause", "resume"]


@dataclass(frozen=True)
class PauseView:
    language: str
    timezone: str
    paused: bool
    until: datetime | None  # None while paused: until the leader resumes


def pause_state(engine: Engine, link: PauseLink, now: datetime) -> PauseView | None:
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return None
        paused = reviews_paused(leader, now)
        return PauseView(
            leader.language, leader.timezone, paused, leader.paused_until if paused else None
        )


def change_pause(
    engine: Engine, link: PauseLink, action: PauseAction, now: datetime
) -> PauseView | None:
    """Pause (for four weeks, or until resumed) or resume; the state afterwards."""
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return None
        if action == "resume":
            resume_reviews(session, leader, now=now, actor=leader.email)
        else:
            until = now + timedelta(weeks=PAUSE_WEEKS) if action == "pause_weeks" else None
            pause_reviews(session, leader, until, now=now, actor=leader.email)
    return pause_state(engine, link, now)
