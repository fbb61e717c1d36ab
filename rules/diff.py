"""What changed between two sets of rules, setting by setting (pure; imports nothing of
agenda-regie but the model)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rules.model import Rules
from rules.values import ClockRange, Comparison

_SECONDS = re.compile(r"^\d{2}:\d{2}:00$")


@dataclass(frozen=True)
class Change:
    """One setting that differs: its dotted name, and its JSON value before and after (None:
    not set)."""

    setting: str
    before: Any
    after: Any


def settings_of(rules: Rules) -> dict[str, Any]:
    """Every setting of `rules` by dotted name (the leader's address aside), as JSON values
    written the way a rule file writes them ("08:30-17:30", ">= 0.6", "13:00")."""
    data = rules.model_dump(mode="json", exclude={"leader": {"email"}})
    return {key: _as_written(value) for key, value in _leaves(data, ())}


def _as_written(value: Any) -> Any:
    if isinstance(value, list):
        return [_as_written(item) for item in value]
    if isinstance(value, dict) and set(value) == {"start_minute", "end_minute"}:
        return str(ClockRange(**value))
    if isinstance(value, dict) and set(value) == {"op", "value"}:
        return str(Comparison(**value))
    if isinstance(value, str) and _SECONDS.match(value):
        return value[:5]  # a time of day: "09:00:00" is written 09:00
    return value


def rules_changes(before: Rules | None, after: Rules) -> list[Change]:
    """The settings whose value differs from `before` to `after`, in the rules' own order;
    every setting when there was nothing before."""
    old = settings_of(before) if before is not None else {}
    new = settings_of(after)
    return [
        Change(key, old.get(key), value)
        for key, value in new.items()
        if key not in old or old[key] != value
    ]


def _leaves(data: dict[str, Any], prefix: tuple[str, ...]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and value and not _is_value(value):
            out.extend(_leaves(value, path))
        else:
            out.append((".".join(path), value))
    return out


def _is_value(value: dict[str, Any]) -> bool:
    return set(value) in ({"start_minute", "end_minute"}, {"op", "value"})
