"""A leader's effective rules: the latest stored version, with the leader's address.

The stored form is the validated rules' JSON (`RuleSet.yaml_text`); loading it goes through the
one rules loader (`rules.load_rules`), so stored and file rules are checked alike.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from assistant.store.models import Leader
from assistant.store.repositories.rules import latest_rules
from rules import Rules, load_rules

_SECONDS_ZERO = re.compile(r"\d\d:\d\d:00")


def leader_rules(session: Session, leader: Leader) -> Rules:
    """The leader's effective rules: the latest stored set (JSON), with the leader's address."""
    stored = latest_rules(session, leader)
    return effective_rules(stored.yaml_text if stored else "", leader.email, leader.timezone)


@lru_cache(maxsize=4096)
def effective_rules(text: str, email: str | None, zone: str) -> Rules:
    """The rules stored as `text` (empty: the defaults) for the leader `email` in `zone`.

    Loading rules takes tens of milliseconds and a stored rule set never changes (a change is a
    new version), so each distinct text is loaded once per process. `email` None: the rules for
    the schedule only (zone, weekday, time), shared by every leader with the same text."""
    data: dict[str, Any] = _clock_times(json.loads(text)) if text else {}
    section = dict(data.get("leader") or {})
    section["email"] = email
    section.setdefault("timezone", zone)
    data["leader"] = section
    return load_rules(None, overrides=data)


def _clock_times(value: Any) -> Any:
    """Times as the rules loader reads them: the history stores `model_dump(mode="json")`, which
    writes 09:00 as "09:00:00", and the loader accepts only "09:00"."""
    if isinstance(value, dict):
        return {key: _clock_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clock_times(item) for item in value]
    if isinstance(value, str) and _SECONDS_ZERO.fullmatch(value):
        return value[:5]
    return value
