"""A leader's rule versions, and the leader's effective rules: the one loader every reader uses.

A version is stored as the validated rules' JSON (`rules.rules_json`) without the leader's
identity (address, name, language, time zone): those live in the `leaders` row, their one home,
and are filled in when the effective rules are built (`effective_rules`), so the review, the
schedule, the email, the confirm and pause pages and the calendar sync all see the same ones.
Rules change only by an explicit act (`apply_rules`, `rollback_rules`), which writes the new
version and the leader's identity in one transaction, with who, when and what changed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from assistant.store.models import Leader, RuleSet
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import UnknownLeaderError, _aware, _leader_id
from assistant.store.repositories.leaders import not_paused, upsert_leader
from assistant.store.repositories.shared_rules import (
    SharedLayer,
    SharedRulesError,
    latest_shared,
    layers_key,
    shared_chain,
)
from rules import Rules, RulesError, load_rules, rules_from_json, rules_json
from rules.diff import Change, rules_changes, settings_of
from rules.load import load_layers

RULES_STORED = "rules.store"
log = logging.getLogger("assistant.store.rules")


def store_rules(
    session: Session,
    leader: Leader | int,
    rules: Rules,
    actor: str,
    *,
    now: datetime | None = None,
    changes: list[Change] | None = None,
    extends: str | None = None,
    layer: dict[str, Any] | None = None,
) -> int:
    """Save a new version of the leader's rules and audit who did it; returns the version (1, 2..).

    The rules' identity (name, language, zone) becomes the leader's (the `leaders` row is its
    home); the address is the leader's own. The leader's row is locked (PostgreSQL; SQLite
    writes one at a time anyway) so two assistants saving at once get versions n and n+1."""
    at = _aware(now, "now")
    owner = session.get(Leader, _leader_id(leader), with_for_update=True)
    if owner is None:
        raise UnknownLeaderError(_leader_id(leader))
    owner.timezone = rules.leader.timezone
    owner.language = rules.leader.language
    owner.name = rules.leader.name
    latest = session.scalar(select(func.max(RuleSet.version)).where(RuleSet.leader_id == owner.id))
    version = (latest or 0) + 1
    session.add(
        RuleSet(
            leader_id=owner.id,
            version=version,
            rules_json=rules_json(rules),
            created_at=at,
            created_by=actor,
            extends=extends,
            layer_json=None if layer is None else _canonical(layer),
        )
    )
    detail: dict[str, Any] = {"version": version, "identity": _identity(rules)}
    if extends is not None:
        detail["extends"] = extends
    if changes is not None:
        detail["changes"] = [[c.setting, c.before, c.after] for c in changes]
    add_audit(
        session,
        actor=actor,
        action=RULES_STORED,
        subject=owner.email,
        detail=detail,
        now=at,
        leader_id=owner.id,
        before=None if changes is None else {c.setting: c.before for c in changes},
        after=None if changes is None else {c.setting: c.after for c in changes},
    )
    session.flush()
    return version


@dataclass(frozen=True)
class Applied:
    """The outcome of applying rules: the leader's version now, whether it is new, what changed."""

    leader: str
    version: int
    stored: bool
    changes: list[Change]
    at: datetime
    by: str


def apply_rules(
    session: Session,
    email: str,
    rules: Rules,
    actor: str,
    *,
    now: datetime,
    extends: str | None = None,
    layer: dict[str, Any] | None = None,
) -> Applied:
    """Make `rules` the leader's own (the leader is added when new): a new version with who,
    when and the changes against their effective rules; the same rules again store nothing.
    With `extends`, the version names the shared set the leader's file extends and keeps the
    file's own settings (`layer`), so later versions of the shared set reach the leader."""
    leader = upsert_leader(session, email, now=now)
    session.refresh(leader, with_for_update=True)
    wanted = rules.model_copy(
        update={"leader": rules.leader.model_copy(update={"email": leader.email})}
    )
    latest = latest_rules(session, leader)
    current = leader_rules(session, leader)
    own = None if layer is None else _canonical(layer)
    if (
        latest is not None
        and current == wanted
        and latest.extends == extends
        and latest.layer_json == own
    ):
        when = _aware(latest.created_at, "at")
        return Applied(leader.email, latest.version, False, [], when, latest.created_by)
    changes = rules_changes(current, wanted)
    version = store_rules(
        session, leader, wanted, actor, now=now, changes=changes, extends=extends, layer=layer
    )
    return Applied(leader.email, version, True, changes, _aware(now, "now"), actor)


def latest_rules(session: Session, leader: Leader | int) -> RuleSet | None:
    statement = (
        select(RuleSet)
        .where(RuleSet.leader_id == _leader_id(leader))
        .order_by(RuleSet.version.desc())
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


def version_holding(session: Session, leader: Leader, rules: Rules) -> int | None:
    """The leader's latest version when their effective rules are exactly `rules` (the address
    aside): the version a measurement made with `rules` is recorded under."""
    latest = latest_rules(session, leader)
    if latest is None:
        return None
    same = leader_rules(session, leader) == rules.model_copy(
        update={"leader": rules.leader.model_copy(update={"email": leader.email})}
    )
    return latest.version if same else None


def leader_rules(session: Session, leader: Leader) -> Rules:
    """The leader's effective rules: the latest stored version (else the defaults), resolved
    with the shared sets it extends, with the leader's identity."""
    stored = latest_rules(session, leader)
    if stored is not None and stored.extends is not None:
        resolved = _resolve(stored, latest_shared(session), leader)
        if resolved is not None:
            return resolved
    return effective_rules(
        stored.rules_json if stored else None,
        leader.email,
        leader.timezone,
        leader.language,
        leader.name,
    )


def leader_rules_with_origins(
    session: Session, leader: Leader
) -> tuple[Rules, dict[str, str], int | None]:
    """The leader's effective rules and where each setting's value comes from: "default",
    "organisation NAME vN", "team NAME vN" or "leader", and the leader's version."""
    rules = leader_rules(session, leader)
    stored = latest_rules(session, leader)
    defaults = settings_of(load_rules(None))
    mine = settings_of(rules)
    if stored is None:
        return rules, dict.fromkeys(mine, "default"), None
    if stored.extends is None or stored.layer_json is None:
        origins = {k: "default" if defaults.get(k) == v else "leader" for k, v in mine.items()}
        return rules, origins, stored.version
    chain = shared_chain(latest_shared(session), stored.extends)
    layers = [(f"{s.kind} {s.name} v{s.version}", s.data) for s in chain]
    _, layered = load_layers([*layers, ("leader", json.loads(stored.layer_json))])
    origins = {}
    for key in mine:
        path = tuple(key.split("."))
        origin = next(
            (
                layered.origins[path[:d]]
                for d in range(len(path), 0, -1)
                if path[:d] in layered.origins
            ),
            None,
        )
        where = origin.path if origin is not None else "default"
        origins[key] = "default" if where.startswith("<bundled") else where
    for key in ("leader.name", "leader.language", "leader.timezone"):
        if key in origins and mine[key] != defaults.get(key):
            origins[key] = "leader"  # the leader's identity is their own
    return rules, origins, stored.version


def _resolve(
    stored: RuleSet,
    shared: dict[str, SharedLayer],
    leader: Leader,
    identity: dict[str, Any] | None = None,
) -> Rules | None:
    """A version that extends a shared set, resolved with the shared sets' latest versions; None
    when that is not possible now (a shared set missing, or the layers no longer valid
    together), and the rules as they were applied are used instead."""
    assert stored.extends is not None
    try:
        chain = shared_chain(shared, stored.extends)
        who = identity or {
            "timezone": leader.timezone,
            "language": leader.language,
            "name": leader.name,
        }
        return effective_rules(
            _layered(layers_key(chain), stored.layer_json or "{}"),
            leader.email,
            who["timezone"],
            who["language"],
            who["name"],
        )
    except (SharedRulesError, RulesError) as error:
        log.warning("rules of %s used as applied: %s", leader.email, error)
        return None


@lru_cache(maxsize=256)
def _layered(chain: str, own: str) -> str:
    """The stored form of the shared layers with the leader's own on top, made once per process
    for each distinct chain and own layer (the leader's identity is put in by `effective_rules`)."""
    layers = [(f"{n} v{v}", data) for n, v, data in json.loads(chain)]
    rules, _ = load_layers([*layers, ("leader", json.loads(own))])
    return rules_json(rules)


def effective_rules(
    stored: str | None,
    email: str,
    timezone: str,
    language: str = "en",
    name: str | None = None,
) -> Rules:
    """The rules stored as `stored` (None: the defaults) for the leader `email` with this zone,
    language and name. The one place a leader's effective rules are built. Loading the defaults
    takes tens of milliseconds; `rules_from_json` validates each distinct stored text once per
    process and only the identity per leader, so a process that serves thousands of leaders
    keeps one copy of each rule set, not one per leader."""
    return rules_from_json(
        stored or _defaults(), email=email, timezone=timezone, language=language, name=name
    )


@lru_cache(maxsize=1)
def _defaults() -> str:
    return rules_json(load_rules(None))


class LeaderWithRules(NamedTuple):
    leader_id: int
    email: str
    created_at: datetime
    rules: Rules


def leaders_with_rules(session: Session, *, paused: bool, now: datetime) -> list[LeaderWithRules]:
    """The leaders whose review is paused at `now` (or, `paused=False`, is not), by id, each
    with their effective rules; two queries (the leaders, the shared sets)."""
    latest = (
        select(RuleSet.leader_id, func.max(RuleSet.version).label("version"))
        .group_by(RuleSet.leader_id)
        .subquery()
    )
    condition = ~not_paused(now) if paused else not_paused(now)
    statement = (
        select(Leader, RuleSet)
        .outerjoin(latest, latest.c.leader_id == Leader.id)
        .outerjoin(
            RuleSet, and_(RuleSet.leader_id == Leader.id, RuleSet.version == latest.c.version)
        )
        .where(condition)
        .order_by(Leader.id)
    )
    rows = session.execute(statement).all()
    shared = latest_shared(session) if any(r.extends for _, r in rows if r) else {}
    out = []
    for leader, stored in rows:
        rules = _resolve(stored, shared, leader) if stored is not None and stored.extends else None
        if rules is None:
            rules = effective_rules(
                stored.rules_json if stored is not None else None,
                leader.email,
                leader.timezone,
                leader.language,
                leader.name,
            )
        out.append(LeaderWithRules(leader.id, leader.email, leader.created_at, rules))
    return out


class LeaderUnderChange(NamedTuple):
    leader_id: int
    email: str
    name: str | None
    before: Rules
    after: Rules | None  # None: the leader's layers are not valid together with the change


def leaders_under_shared_change(
    session: Session, name: str, data: dict[str, Any]
) -> list[LeaderUnderChange]:
    """The leaders whose rules extend the shared set `name` (directly or through a team), each
    with their effective rules now and with `data` as that set's settings; reads only."""
    shared = latest_shared(session)
    if name not in shared:
        return []
    changed = dict(shared)
    changed[name] = SharedLayer(
        name, shared[name].version + 1, data, shared[name].extends, shared[name].created_at
    )
    latest = (
        select(RuleSet.leader_id, func.max(RuleSet.version).label("version"))
        .group_by(RuleSet.leader_id)
        .subquery()
    )
    rows = session.execute(
        select(Leader, RuleSet)
        .join(latest, latest.c.leader_id == Leader.id)
        .join(RuleSet, and_(RuleSet.leader_id == Leader.id, RuleSet.version == latest.c.version))
        .where(RuleSet.extends.is_not(None))
        .order_by(Leader.email)
    ).all()
    out = []
    for leader, stored in rows:
        try:
            names = [layer.name for layer in shared_chain(shared, str(stored.extends))]
        except SharedRulesError:
            continue
        if name in names:
            before = leader_rules(session, leader)
            out.append(
                LeaderUnderChange(
                    leader.id, leader.email, leader.name, before, _resolve(stored, changed, leader)
                )
            )
    return out


def _identity(rules: Rules) -> dict[str, Any]:
    section = rules.leader
    return {"name": section.name, "language": section.language, "timezone": section.timezone}


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
