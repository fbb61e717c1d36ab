"""The JSON Schema of a rule file, for editors that autocomplete and check YAML.

Derived from the pydantic model, then shaped for files as people write them: every setting is
optional (a file holds only what differs), times and ranges are the strings people type, and
`extends` names the layer below.
"""

from __future__ import annotations

from typing import Any

from rules.model import Rules

CLOCK_PATTERN = r"^\s*\d{1,2}:\d{2}\s*$"
RANGE_PATTERN = r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$"
COMPARISON_PATTERN = r"^\s*(<=|>=|<|>|=)\s*(target|-?\d+(\.\d+)?)\s*$"
SCHEMA_ID = "urn:agenda-regie:schema:rules:1"


def rules_json_schema() -> dict[str, Any]:
    schema = Rules.model_json_schema(mode="validation")
    definitions = schema["$defs"]
    definitions["ClockRange"] = {
        "type": "string",
        "pattern": RANGE_PATTERN,
        "description": 'A local time range such as "08:30-17:30"; 24:00 may end a range.',
    }
    definitions["Comparison"] = {
        "type": "string",
        "pattern": COMPARISON_PATTERN,
        "description": 'A threshold such as ">= 0.60" or "< 10"; "target" stands for '
        "reflection_target_minutes.",
    }
    _shape(schema)
    # Like the loader: a single range may stand alone, and null (for a weekday) means none.
    ranges = {
        "anyOf": [
            {"type": "array", "items": {"$ref": "#/$defs/ClockRange"}},
            {"$ref": "#/$defs/ClockRange"},
            {"type": "null"},
        ]
    }
    for weekday in definitions["WorkingHours"]["properties"]:
        definitions["WorkingHours"]["properties"][weekday] = dict(ranges)
    definitions["Reflection"]["properties"]["preferred_windows"] = dict(ranges)
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "The rule file this one builds on (organisation, then team), relative "
        "to this file.",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "agenda-regie protection rules",
        **schema,
    }


def _shape(node: Any) -> None:
    """Make every setting optional and write clock times as the strings people type."""
    if isinstance(node, dict):
        node.pop("required", None)
        node.pop("title", None)
        if node.get("format") == "time":
            node.pop("format")
            node["pattern"] = CLOCK_PATTERN
        for value in node.values():
            _shape(value)
    elif isinstance(node, list):
        for value in node:
            _shape(value)
