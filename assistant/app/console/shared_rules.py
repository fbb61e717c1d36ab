"""The admin's editor of the organisation's and the teams' shared rule sets: start from a set's
latest settings, check a typed change (every problem at its line), preview what it does to the
leaders who extend the set (their current week before and after, from the cached calendars),
apply it as a new version with author and time, list the versions and roll back. Only `apply`
and `rollback` write (each audited); a check and a preview write nothing. Admins only: for
anyone else every function answers None, as for a set that does not exist.

Uses the same store functions as `agenda-regie rules apply --shared`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from assistant.accounts.cache import CachedCalendar
from assistant.app.console.signin import Viewer
from assistant.app.history import Store, review_with_history
from assistant.app.review import default_week
from assistant.core.review import WeeklyReview
from assistant.store import StoreError
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.rules import leaders_under_shared_change
from assistant.store.repositories.shared_rules import (
    SharedVersion,
    latest_shared,
    shared_chain,
    shared_versions,
    store_shared_rules,
)
from rules import RulesError
from rules.errors import RuleProblem
from rules.text import load_text

WHERE = "shared rules"
# A preview computes two weeks per leader; beyond this many, the rest are named only (bounded time).
PREVIEW_LEADERS = 40


class NoSuchVersionError(StoreError):
    """A rollback to a version the shared set does not have."""


@dataclass(frozen=True)
class SharedDraft:
    name: str
    kind: str  # "organisation" or "team"
    extends: str | None
    text: str
    versions: list[SharedVersion]


@dataclass(frozen=True)
class SharedChecked:
    """A typed change of a shared set: its settings, or every problem with its line."""

    data: dict[str, Any] | None
    problems: list[RuleProblem]


@dataclass(frozen=True)
class LeaderEffect:
    """One leader the change reaches: their current week under the rules now and after."""

    leader_id: int
    email: str
    name: str | None
    before: WeeklyReview | None  # None: beyond PREVIEW_LEADERS, named only
    after: WeeklyReview | None  # None: the leader's own settings no longer fit with the change


def _admin(viewer: Viewer) -> bool:
    return viewer.role == "admin"


def shared_draft(engine: Engine, viewer: Viewer, name: str) -> SharedDraft | None:
    if not _admin(viewer):
        return None
    with session_scope(engine) as session:
        versions = shared_versions(session, name)
    if not versions:
        return None
    latest = versions[-1]
    text = (
        "" if not latest.data else yaml.safe_dump(latest.data, sort_keys=False, allow_unicode=True)
    )
    kind = "organisation" if latest.extends is None else "team"
    return SharedDraft(name, kind, latest.extends, text, versions)


def check_shared(engine: Engine, viewer: Viewer, name: str, text: str) -> SharedChecked | None:
    """The typed settings of the set, checked on top of the sets it extends."""
    if not _admin(viewer):
        return None
    with session_scope(engine) as session:
        shared = latest_shared(session)
        if name not in shared:
            return None
        below = shared[name].extends
        parents = [] if below is None else shared_chain(shared, below)
    layers = [(f"{s.kind} {s.name} v{s.version}", dict(s.data)) for s in parents]
    try:
        _, own = load_text(text, WHERE, shared=layers)
    except RulesError as error:
        return SharedChecked(None, error.problems)
    return SharedChecked(own, [])


def preview_shared(
    engine: Engine, viewer: Viewer, name: str, data: dict[str, Any], now: datetime
) -> list[LeaderEffect] | None:
    """Each leader who extends the set, with their current week under their rules now and with
    `data` as the set's settings, from their cached calendar; writes nothing."""
    if not _admin(viewer):
        return None
    with session_scope(engine) as session:
        reached = leaders_under_shared_change(session, name, data)
    effects = []
    for leader in reached[:PREVIEW_LEADERS]:
        source = CachedCalendar.of_leader(engine, leader.leader_id)
        week = default_week(now, leader.before)
        store = Store(engine, leader.email)
        before = review_with_history(source, leader.before, week, now, store, record=False)
        after = (
            None
            if leader.after is None
            else review_with_history(source, leader.after, week, now, store, record=False)
        )
        effects.append(LeaderEffect(leader.leader_id, leader.email, leader.name, before, after))
    named = [
        LeaderEffect(leader.leader_id, leader.email, leader.name, None, None)
        for leader in reached[PREVIEW_LEADERS:]
    ]
    return effects + named


def apply_shared(
    engine: Engine, viewer: Viewer, name: str, data: dict[str, Any], now: datetime
) -> tuple[int, bool] | None:
    """The set's new version (version, stored), by the viewer; the same settings store nothing."""
    if not _admin(viewer):
        return None
    with session_scope(engine) as session:
        versions = shared_versions(session, name)
        if not versions:
            return None
        return store_shared_rules(session, name, data, versions[-1].extends, viewer.email, now=now)


def rollback_shared(
    engine: Engine, viewer: Viewer, name: str, version: int, now: datetime
) -> tuple[int, bool] | None:
    """A new version with the settings of `version` (audited as a rollback)."""
    if not _admin(viewer):
        return None
    with session_scope(engine) as session:
        versions = shared_versions(session, name)
        if not versions:
            return None
        old = next((v for v in versions if v.version == version), None)
        if old is None:
            raise NoSuchVersionError(
                "the shared rules %(name)s have no version %(version)s", name=name, version=version
            )
        return store_shared_rules(
            session, name, old.data, old.extends, viewer.email, now=now, rolled_back_to=version
        )
