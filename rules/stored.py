"""Rules as a store keeps them: the validated model's JSON, without the leader's identity.

A leader's address, name, language and time zone belong to the leader (the store's `leaders`
row is their one home), not to one version of their rules, so `rules_json` leaves them out and
`rules_from_json` puts the leader's back: no stored version carries a second copy that could
disagree. Imports nothing of agenda-regie.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from rules.model import Leader, Rules

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
    checked again here; times come back as stored ("09:00:00" is 09:00). The sections are
    validated once per distinct stored text in a process (a stored version never changes) and
    shared by every leader who has it; only the leader's section is validated per call."""
    identity = {"email": email, "timezone": timezone, "language": language, "name": name}
    shared, leader_data = _validated(text)
    try:
        leader = Leader.model_validate({**leader_data, **identity})
    except ValidationError:
        # The same error, located the same way, as validating the whole rules gives.
        data: dict[str, Any] = json.loads(text)
        data["leader"] = {**data["leader"], **identity}
        return Rules.model_validate(data)
    return shared.model_copy(update={"leader": leader})


# Stands in for a leader's identity while the shared sections are validated.
_NOBODY = {"email": None, "timezone": "UTC", "language": "en", "name": None}


@lru_cache(maxsize=128)
def _validated(text: str) -> tuple[Rules, dict[str, Any]]:
    data: dict[str, Any] = json.loads(text)
    leader_data = dict(data["leader"])
    data["leader"] = {**leader_data, **_NOBODY}
    return Rules.model_validate(data), leader_data
