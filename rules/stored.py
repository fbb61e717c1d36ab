"""Rules as a store keeps them: the validated model's JSON, without the leader's identity.

A leader's address, name, language and time zone belong to the leader (the store's `leaders`
row is their one home), not to one version of their rules, so `rules_json` leaves them out and
`rules_from_json` puts the leader's back: no stored version carries a second copy that could
disagree. Imports nothing of agenda-regie.
"""

from __future__ import annotations

import json
from typing import Any

from rules.model import Rules

# The settings of `Rules.leader` that the leader's own record holds, not the stored rules.
LEADER_IDENTITY = frozenset({"email", "name", "language", "timezone"})


def rules_json(rules: Rules) -> str:
    """The stored form of validated rules: their JSON, without the leader's identity."""
    return rules.model_dump_json(exclude={"leader": set(LEADER_IDENTITY)})


def rules_from_json(
    text: str, *, email: str | None, timezone: str, language: str = "en", name: str | None = None
) -> Rules:
    """Rules stored by `rules_json`, for the leader with this address, zone, language and name.

    The stored form was validated (cross-checks included) when it was made, and the identity is
    checked again here; times come back as stored ("09:00:00" is 09:00)."""
    data: dict[str, Any] = json.loads(text)
    identity = {"email": email, "timezone": timezone, "language": language, "name": name}
    data["leader"] = {**data["leader"], **identity}
    return Rules.model_validate(data)
