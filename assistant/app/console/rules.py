"""The console's rules editor: start from the leader's own settings, check a typed change
(the YAML and the form as one), preview it on the leader's cached weeks, apply it as a new
version with author and time, list the versions and roll back. Only `apply` and `rollback`
write; a check and a preview write nothing.

Uses the same store functions as `agenda-regie rules apply | history | rollback | show`.
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
from assistant.store.database import Engine, Session, session_scope
from assistant.store.models import Leader
from assistant.store.repositories.console_rules import leader_layers
from assistant.store.repositories.console_users import find_console_user, visible_leader
from assistant.store.repositories.rule_versions import (
    RulesVersion,
    rollback_rules,
    rules_versions,
)
from assistant.store.repositories.rules import Applied, apply_rules, leader_rules
from rules import Rules, RulesError
from rules.diff import settings_of
from rules.errors import RuleProblem
from rules.text import load_text

# The settings the form holds; everything else is written in the YAML.
FORM_SETTINGS: dict[str, type] = {
    "leader.language": str,
    "leader.timezone": str,
    "reflection.blocks_per_week": int,
    "reflection.minutes": int,
    "lunch.enabled": bool,
    "delivery.weekday": str,
}
WHERE = "rules"


@dataclass(frozen=True)
class Draft:
    """What the editor shows: the form's values and the YAML of the other own settings."""

    leader_id: int
    email: str
    name: str | None
    form: dict[str, Any]
    text: str
    versions: list[RulesVersion]


@dataclass(frozen=True)
class Checked:
    """A typed change: the rules it makes, or every problem with its line."""

    rules: Rules | None
    own: dict[str, Any]
    problems: list[RuleProblem]


def _leader(session: Session, viewer: Viewer, leader_id: int) -> Leader | None:
    user = find_console_user(session, viewer.email)
    return None if user is None else visible_leader(session, user, leader_id)


def draft(engine: Engine, viewer: Viewer, leader_id: int) -> Draft | None:
    with session_scope(engine) as session:
        leader = _leader(session, viewer, leader_id)
        if leader is None:
            return None
        rules = leader_rules(session, leader)
        _, _, own = leader_layers(session, leader)
        values = settings_of(rules)
        form = {key: values.get(key) for key in FORM_SETTINGS}
        rest = _without(own, {**FORM_SETTINGS, "leader.name": str})
        text = "" if not rest else yaml.safe_dump(rest, sort_keys=False, allow_unicode=True)
        versions = rules_versions(session, leader.email)
        return Draft(leader.id, leader.email, leader.name, form, text, versions)


def _without(data: dict[str, Any], keys: dict[str, type]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            inner = {
                k: v for k, v in value.items() if f"{key}.{k}" not in keys
            }  # two levels deep: the form's settings are all section.setting
            if inner:
                out[key] = inner
        elif key not in keys:
            out[key] = value
    return out


def form_values(raw: dict[str, str]) -> dict[str, Any]:
    """The form's fields as settings (a number stays text when it is not one: the rules'
    validation then names it)."""
    values: dict[str, Any] = {}
    for key, kind in FORM_SETTINGS.items():
        given = raw.get(key, "").strip()
        if kind is bool:
            values[key] = given == "yes"
        elif kind is int:
            values[key] = int(given) if given.lstrip("-").isdigit() else given
        else:
            values[key] = given
    return values


def check(
    engine: Engine, viewer: Viewer, leader_id: int, text: str, form: dict[str, Any]
) -> Checked | None:
    """The typed change as rules, or its problems; None when the leader is out of sight."""
    with session_scope(engine) as session:
        leader = _leader(session, viewer, leader_id)
        if leader is None:
            return None
        _, shared, _ = leader_layers(session, leader)
        # The leader's name lives in their row; the text need not repeat it to keep it.
        if leader.name:
            shared = [*shared, ("leader", {"leader": {"name": leader.name}})]
    try:
        rules, own = load_text(text, WHERE, form=form, shared=shared)
    except RulesError as error:
        return Checked(None, {}, error.problems)
    return Checked(rules, own, [])


def preview(
    engine: Engine, viewer: Viewer, leader_id: int, candidate: Rules, now: datetime
) -> tuple[WeeklyReview, WeeklyReview] | None:
    """The leader's week under their rules now and under `candidate`, from the cached
    calendar; writes nothing."""
    with session_scope(engine) as session:
        leader = _leader(session, viewer, leader_id)
        if leader is None:
            return None
        current, email = leader_rules(session, leader), leader.email
    wanted = candidate.model_copy(
        update={"leader": candidate.leader.model_copy(update={"email": email})}
    )
    source = CachedCalendar.of_leader(engine, leader_id)
    week = default_week(now, current)
    store = Store(engine, email)
    before = review_with_history(source, current, week, now, store, record=False)
    after = review_with_history(source, wanted, week, now, store, record=False)
    return before, after


def apply(
    engine: Engine,
    viewer: Viewer,
    leader_id: int,
    candidate: Rules,
    own: dict[str, Any],
    now: datetime,
) -> Applied | None:
    """Make `candidate` the leader's rules: a new version by the viewer (audited)."""
    with session_scope(engine) as session:
        leader = _leader(session, viewer, leader_id)
        if leader is None:
            return None
        extends, _, _ = leader_layers(session, leader)
        return apply_rules(
            session,
            leader.email,
            candidate,
            viewer.email,
            now=now,
            extends=extends,
            layer=own if extends is not None else None,
        )


def rollback(
    engine: Engine, viewer: Viewer, leader_id: int, version: int, now: datetime
) -> Applied | None:
    with session_scope(engine) as session:
        leader = _leader(session, viewer, leader_id)
        if leader is None:
            return None
        return rollback_rules(session, leader.email, version, viewer.email, now=now)
