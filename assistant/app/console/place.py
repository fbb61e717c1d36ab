"""What the leader's own place and a coach's view show. Reads only (a look writes nothing), but
for the one thing the issue of trust asks: a coach's look is recorded for the leader to see
(`access.coach_access`).

The leader sees everything of their own: their weeks (12 to 52), the signals and what they mean,
their felt room, the blocks they accepted and whether each held, who can see what, and the
coaches' looks. A coach sees what the leader shares with a coach: the trend (the same charts),
the signals, the felt room and the leader's notes to the coach; never events, rules,
proposals or other leaders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.accounts.cache import CachedCalendar
from assistant.app.console.access import CoachAccess, PlaceOwner
from assistant.app.console.leaders import LeaderDetail, the_leader
from assistant.app.console.signin import Viewer
from assistant.core.buffers import buffer_statuses, indicator_results
from assistant.core.catalogue import INDICATORS
from assistant.core.held import Held, held
from assistant.core.review import Buffer, IsoWeek, Status, WeekMetrics
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, Session, session_scope
from assistant.store.place_models import CoachGrant
from assistant.store.repositories.coaching import (
    assistants_see_personal,
    grants_of,
    notes_of,
    views_of,
)
from assistant.store.repositories.console_reads import recent_proposals
from assistant.store.repositories.console_users import (
    assigned_user_ids,
    console_users,
)
from assistant.store.repositories.feedback import self_ratings
from connectors.model import TimeWindow
from rules import Rules

ACCEPTED = ("accepted", "written")


@dataclass(frozen=True)
class Block:
    week: str
    kind: str
    start: datetime
    end: datetime
    held: Held


@dataclass(frozen=True)
class GrantLine:
    grant_id: int
    coach: str
    created_at: datetime
    expires_at: datetime
    state: str  # invited, active, revoked, expired


@dataclass(frozen=True)
class ViewLine:
    at: datetime
    coach: str
    page: str


@dataclass(frozen=True)
class Note:
    note_id: int
    written_at: datetime
    text: str


@dataclass(frozen=True)
class Place:
    owner: PlaceOwner
    detail: LeaderDetail
    felt_room: dict[IsoWeek, int]
    blocks: list[Block]
    assistants_see_personal: bool
    assistants: list[str]
    admins: int
    grants: list[GrantLine]
    views: list[ViewLine]
    notes: list[Note]


@dataclass(frozen=True)
class CoachPage:
    access: CoachAccess
    history: list[WeekMetrics]
    felt_room: dict[IsoWeek, int]
    detail: LeaderDetail
    notes: list[Note]


def leader_place(
    engine: Engine, box: SecretBox, viewer: Viewer, owner: PlaceOwner, now: datetime, weeks: int
) -> Place | None:
    """The owner's place as they see it; None when the viewer is not the owner."""
    if viewer.email != owner.email:
        return None
    detail = the_leader(engine, _as_leader(viewer), owner.leader_id, now, weeks=weeks)
    if detail is None:
        return None
    blocks = _blocks(engine, owner.leader_id, detail.summary.week, weeks, now)
    with session_scope(engine) as session:
        users = console_users(session)
        assigned = assigned_user_ids(session, owner.leader_id)
        assistants = [
            u.email for u in users if u.role == "assistant" and not u.disabled and u.id in assigned
        ]
        admins = sum(1 for u in users if u.role == "admin" and not u.disabled)
        grants = [
            GrantLine(g.id, g.coach_email, g.created_at, g.expires_at, _state(g, now))
            for g in grants_of(session, owner.leader_id)
        ]
        views = [ViewLine(v.at, email, v.page) for v, email in views_of(session, owner.leader_id)]
        notes = _notes(session, box, owner.leader_id)
        sharing = assistants_see_personal(session, owner.leader_id)
        felt = self_ratings(session, owner.leader_id, [m.week for m in detail.history])
    return Place(owner, detail, felt, blocks, sharing, assistants, admins, grants, views, notes)


def coach_page(
    engine: Engine, box: SecretBox, access: CoachAccess, now: datetime, weeks: int
) -> CoachPage | None:
    """What the leader shares with their coach through a live grant (`access`)."""
    detail = the_leader(engine, _owner_viewer(access.email), access.leader_id, now, weeks=weeks)
    if detail is None:
        return None
    with session_scope(engine) as session:
        felt = self_ratings(session, access.leader_id, [m.week for m in detail.history])
        notes = _notes(session, box, access.leader_id)
    return CoachPage(access, detail.history, felt, detail, notes)


def personal_for_assistants(
    engine: Engine, box: SecretBox, leader_id: int, weeks: list[IsoWeek]
) -> tuple[dict[IsoWeek, int], list[Note]] | None:
    """The leader's felt room and notes for their assistants' page: only when the leader allows
    it (None otherwise)."""
    with session_scope(engine) as session:
        if not assistants_see_personal(session, leader_id):
            return None
        return self_ratings(session, leader_id, weeks), _notes(session, box, leader_id)


def _state(grant: CoachGrant, now: datetime) -> str:
    if grant.revoked_at is not None:
        return "revoked"
    if grant.expires_at <= now:
        return "expired"
    return "active" if grant.accepted_at is not None else "invited"


def _notes(session: Session, box: SecretBox, leader_id: int) -> list[Note]:
    return [
        Note(n.id, n.written_at, box.decrypt(n.ciphertext).decode("utf-8", "replace"))
        for n in notes_of(session, leader_id)
    ]


def _as_leader(viewer: Viewer) -> Viewer:
    return Viewer(viewer.user_id, viewer.email, "leader", viewer.language, viewer.form_token)


def _owner_viewer(email: str) -> Viewer:
    """The scoping of the leader themselves, for reading what they share (no session)."""
    return Viewer(0, email, "leader", None, "")


def _blocks(
    engine: Engine, leader_id: int, week: IsoWeek, weeks: int, now: datetime
) -> list[Block]:
    """The blocks the leader accepted in the weeks shown, and whether each held."""
    first = week.shifted(-(weeks - 1))
    with session_scope(engine) as session:
        rows = [
            (p.iso_week, p.kind, p.start, p.end)
            for p in recent_proposals(session, leader_id, str(first))
            if p.status in ACCEPTED
        ]
    if not rows:
        return []
    window = TimeWindow(
        min(r[2] for r in rows) - timedelta(hours=1), max(r[3] for r in rows) + timedelta(hours=1)
    )
    events = CachedCalendar.of_leader(engine, leader_id).fetch(window).events
    return [
        Block(w, kind, start, end, held(start, end, events, now)) for w, kind, start, end in rows
    ]


def buffers_by_week(
    history: list[WeekMetrics], rules: Rules
) -> list[tuple[IsoWeek, tuple[tuple[Buffer, Status], ...]]]:
    """Each stored week's three buffer statuses under the leader's rules now (a week stored
    before every indicator existed reads as no data)."""
    context = rules.measurement.context_weeks + 1
    shown = []
    for metrics in history:
        if not all(d.id in metrics.values for d in INDICATORS):
            shown.append((metrics.week, tuple((b, Status.NO_DATA) for b in Buffer)))
            continue
        statuses = buffer_statuses(indicator_results(metrics.values, rules), rules, context)
        shown.append((metrics.week, tuple((s.buffer, s.status) for s in statuses)))
    return shown
