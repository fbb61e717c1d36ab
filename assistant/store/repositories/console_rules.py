"""What the console's rules editor starts from: the shared layers a leader's rules extend (their
latest versions) and the leader's own layer. Reads only."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from assistant.store.models import Leader
from assistant.store.repositories.rules import latest_rules, leader_rules
from assistant.store.repositories.shared_rules import latest_shared, shared_chain
from rules import load_rules
from rules.diff import settings_of
from rules.text import nested


def leader_layers(
    session: Session, leader: Leader
) -> tuple[str | None, list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """(the shared set extended or None, the shared layers lowest first, the leader's own
    settings as rule-file data). Without a shared set, the own settings are those that differ
    from the defaults."""
    stored = latest_rules(session, leader)
    if stored is not None and stored.extends is not None and stored.layer_json is not None:
        chain = shared_chain(latest_shared(session), stored.extends)
        layers = [(f"{s.kind} {s.name} v{s.version}", dict(s.data)) for s in chain]
        return stored.extends, layers, json.loads(stored.layer_json)
    defaults = settings_of(load_rules(None))
    mine = settings_of(leader_rules(session, leader))
    return None, [], nested({k: v for k, v in mine.items() if defaults.get(k) != v})
