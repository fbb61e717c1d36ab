"""What changed between two sets of rules, setting by setting (pure; imports nothing of
agenda-regie but the model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.model import Rules


@dataclass(frozen=True)
class Change:
    """One setting that differs: its dotted name, and its JSON value before and after (None:
    not set)."""

    setting: str
    before: Any
    after: Any


def settings_of(rules: Rules) -> dict[str, Any]:
    """Every setting of `rules` by dotted name (the leader's address aside), as JSON values."""
    data = rules.model_dump(mode="json", exclude={"leader": {"email"}})
    return dict(_leaves(data, ()))


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
        if isinstance(value, dict) and value:
            out.extend(_leaves(value, path))
        else:
            out.append((".".join(path), value))
    return out
