"""Organisation and team rules: rule sets of their own, by name, which leaders' rules extend.

A shared set keeps only the settings its file sets, and the name of the set it extends (a team
extends its organisation). A leader's effective rules are resolved when used, with each shared
set's latest version, so a new version of the organisation's rules reaches every leader who
extends it from their next review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.store import StoreError
from assistant.store.models import SharedRuleSet
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import _aware

SHARED_RULES_STORED = "rules.shared.store"
MAX_DEPTH = 8  # organisation, team, sub-team...: deeper is a loop or a mistake


class SharedRulesError(StoreError):
    """A shared rule set that is missing or extends itself in a loop."""


@dataclass(frozen=True)
class SharedLayer:
    """One shared set's latest version as a layer of a leader's rules."""

    name: str
    version: int
    data: dict[str, Any]
    extends: str | None
    created_at: datetime

    @property
    def kind(self) -> str:
        """ "organisation" for a set that extends nothing, else "team"."""
        return "organisation" if self.extends is None else "team"


def store_shared_rules(
    session: Session,
    name: str,
    data: dict[str, Any],
    extends: str | None,
    actor: str,
    *,
    now: datetime,
    rolled_back_to: int | None = None,
) -> tuple[int, bool]:
    """Store `data` as the shared set `name` (extending `extends`); (version, stored). The same
    settings again store nothing. The audit line keeps the settings before and after (and, for
    a rollback, the version whose settings came back)."""
    text = _canonical(data)
    latest = session.scalars(
        select(SharedRuleSet)
        .where(SharedRuleSet.name == name)
        .order_by(SharedRuleSet.version.desc())
        .limit(1)
        .with_for_update()
    ).one_or_none()
    if latest is not None and latest.layer_json == text and latest.extends == extends:
        return latest.version, False
    version = (latest.version if latest is not None else 0) + 1
    at = _aware(now, "now")
    session.add(
        SharedRuleSet(
            name=name,
            version=version,
            layer_json=text,
            extends=extends,
            created_at=at,
            created_by=actor,
        )
    )
    detail: dict[str, Any] = {"version": version, "extends": extends}
    if rolled_back_to is not None:
        detail["rolled_back_to"] = rolled_back_to
    add_audit(
        session,
        actor=actor,
        action=SHARED_RULES_STORED,
        subject=name,
        detail=detail,
        now=at,
        before=None if latest is None else flat(json.loads(latest.layer_json)),
        after=flat(data),
    )
    session.flush()
    return version, True


@dataclass(frozen=True)
class SharedVersion:
    """One stored version of a shared set: its settings, what it extends, who stored it when."""

    version: int
    data: dict[str, Any]
    extends: str | None
    created_at: datetime
    created_by: str


def shared_versions(session: Session, name: str) -> list[SharedVersion]:
    """Every version of the shared set `name`, oldest first (empty: no such set)."""
    rows = session.scalars(
        select(SharedRuleSet).where(SharedRuleSet.name == name).order_by(SharedRuleSet.version)
    )
    return [
        SharedVersion(
            row.version,
            json.loads(row.layer_json),
            row.extends,
            _aware(row.created_at, "at"),
            row.created_by,
        )
        for row in rows
    ]


def flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Rule-file data as dotted settings ("reflection.minutes": 90)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def latest_shared(session: Session) -> dict[str, SharedLayer]:
    """Every shared set's latest version, by name (one query)."""
    newest = (
        select(SharedRuleSet.name, func.max(SharedRuleSet.version).label("version"))
        .group_by(SharedRuleSet.name)
        .subquery()
    )
    rows = session.scalars(
        select(SharedRuleSet).join(
            newest,
            (newest.c.name == SharedRuleSet.name) & (newest.c.version == SharedRuleSet.version),
        )
    )
    return {
        row.name: SharedLayer(
            row.name,
            row.version,
            json.loads(row.layer_json),
            row.extends,
            _aware(row.created_at, "at"),
        )
        for row in rows
    }


def shared_chain(shared: dict[str, SharedLayer], name: str) -> list[SharedLayer]:
    """The shared set `name` and the sets it extends, lowest (the organisation) first."""
    chain: list[SharedLayer] = []
    current: str | None = name
    while current is not None:
        layer = shared.get(current)
        if layer is None:
            raise SharedRulesError("the shared rules %(name)s are not stored", name=current)
        if layer in chain or len(chain) >= MAX_DEPTH:
            raise SharedRulesError(
                "the shared rules %(name)s extend themselves in a loop", name=name
            )
        chain.append(layer)
        current = layer.extends
    return list(reversed(chain))


def layers_key(chain: list[SharedLayer]) -> str:
    """The chain as one text (a cache key and a comparison)."""
    return json.dumps([[layer.name, layer.version, layer.data] for layer in chain], sort_keys=True)


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
