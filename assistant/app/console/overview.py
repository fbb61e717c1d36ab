"""The admin's settings overview: how the console signs people in, what the store holds, and the
organisation's and teams' shared rules (their latest versions). Reads only; no secret is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.store.database import Engine, session_scope
from assistant.store.repositories.console_reads import overview_counts
from assistant.store.repositories.shared_rules import latest_shared


@dataclass(frozen=True)
class SharedSet:
    name: str
    kind: str
    version: int
    extends: str | None
    created_at: datetime
    settings: dict[str, Any]


def overview(engine: Engine) -> tuple[dict[str, int], list[SharedSet]]:
    with session_scope(engine) as session:
        counts = overview_counts(session)
        shared = [
            SharedSet(s.name, s.kind, s.version, s.extends, s.created_at, _flat(s.data))
            for s in sorted(
                latest_shared(session).values(), key=lambda s: (s.extends or "", s.name)
            )
        ]
    return counts, shared


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}."))
        else:
            out[name] = value
    return out
