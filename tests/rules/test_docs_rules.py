"""docs/rules.md describes every setting a rule file can hold, and names no setting that does not
exist; the JSON Schema editors use accepts the shipped rule files and rejects a misspelt one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from rules import default_rules_text
from rules.schema import rules_json_schema
from tests.conftest import REPO

RULES_DOC = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
EXAMPLES = sorted((REPO / "examples" / "rules").glob("*.yaml"))


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref ("#/$defs/Name"), and the one non-null branch of an anyOf."""
    while True:
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/$defs/")
            node = schema["$defs"][name]
            continue
        branches = [b for b in node.get("anyOf", []) if b.get("type") != "null"]
        if len(branches) == 1 and "properties" in _peek(branches[0], schema):
            node = branches[0]
            continue
        return node


def _peek(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return schema["$defs"][node["$ref"].removeprefix("#/$defs/")]  # type: ignore[no-any-return]
    return node


def _setting_paths(schema: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(leaf settings, every setting or section) of the schema, as dotted names."""
    leaves: set[str] = set()
    every: set[str] = set()

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, child in node["properties"].items():
            path = f"{prefix}{name}"
            every.add(path)
            resolved = _resolve(child, schema)
            if "properties" in resolved:
                walk(resolved, f"{path}.")
            else:
                leaves.add(path)

    walk(schema, "")
    return leaves, every


LEAVES, EVERY_PATH = _setting_paths(rules_json_schema())
SECTIONS = {path for path in EVERY_PATH if "." not in path}


def _inline_code(text: str) -> list[str]:
    """The contents of `inline code` spans, outside fenced code blocks."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"(?<!`)`([^`\n]+)`(?!`)", prose)


def test_the_schema_walk_finds_the_settings_a_rule_file_has() -> None:
    # A sanity check of the walk itself, on settings of every shape: a plain value, a weekday,
    # a threshold level, a nested section, the file's own keys.
    for path in (
        "version",
        "extends",
        "leader.timezone",
        "working_hours.monday",
        "working_hours.sunday",
        "thresholds.meeting_share.attention",
        "thresholds.days_since_mini_retreat.missing",
        "reflection.preferred_windows",
        "google.focus_time.auto_decline",
        "delivery.assistant_cc",
    ):
        assert path in LEAVES, path
    assert "google.focus_time" not in LEAVES
    assert "thresholds.meeting_share" not in LEAVES
    assert len(LEAVES) > 70


def test_every_setting_is_described_in_docs_rules_md() -> None:
    named = set(_inline_code(RULES_DOC))
    undocumented = sorted(path for path in LEAVES if path not in named)
    assert not undocumented, f"docs/rules.md does not describe: {undocumented}"


def test_every_setting_has_a_reference_table_row() -> None:
    # Each setting starts a row of a reference table (a threshold row starts with its three
    # levels), so a reader finds its default, unit and meaning next to it.
    row_starts = set()
    for line in RULES_DOC.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            row_starts.update(re.findall(r"`([^`]+)`", first_cell))
    missing = sorted(path for path in LEAVES if path not in row_starts)
    assert not missing, f"no reference row in docs/rules.md for: {missing}"


def test_docs_rules_md_names_no_setting_that_does_not_exist() -> None:
    dotted = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
    unknown = sorted(
        {
            name
            for name in _inline_code(RULES_DOC)
            if dotted.match(name) and name.split(".")[0] in SECTIONS and name not in EVERY_PATH
        }
    )
    assert not unknown, f"docs/rules.md names settings that do not exist: {unknown}"


def test_docs_rules_md_gives_the_defaults_of_the_bundled_file() -> None:
    defaults = yaml.safe_load(default_rules_text())
    for weekday, ranges in defaults["working_hours"].items():
        assert f"| `working_hours.{weekday}` | `{_flow(ranges)}` |" in RULES_DOC, weekday
    for indicator, levels in defaults["thresholds"].items():
        row = next(
            line for line in RULES_DOC.splitlines() if f"`thresholds.{indicator}.attention`" in line
        )
        assert f'`"{levels["attention"]}"`<br>`"{levels["alert"]}"`' in row, indicator
    for section in ("measurement", "recovery", "mini_retreat"):
        for name, value in defaults[section].items():
            assert f"| `{section}.{name}` | `{_flow(value)}` |" in RULES_DOC, f"{section}.{name}"


def _flow(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def test_docs_rules_md_ends_with_a_dutch_summary_for_assistants() -> None:
    heading = "## In het Nederlands"
    assert heading in RULES_DOC
    summary = RULES_DOC.split(heading, 1)[1]
    assert "## " not in summary, "the Dutch summary is the last section"
    for command in ("rules check", "rules show", "rules preview", "rules schema", "extends"):
        assert command in summary, command


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = rules_json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _errors(validator: Draft202012Validator, data: object) -> list[str]:
    return [error.message for error in validator.iter_errors(data)]


def test_the_schema_accepts_the_bundled_defaults(validator: Draft202012Validator) -> None:
    assert _errors(validator, yaml.safe_load(default_rules_text())) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_schema_accepts_every_example_rule_file(
    validator: Draft202012Validator, path: Path
) -> None:
    assert _errors(validator, yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_there_are_example_rule_files() -> None:
    names = {path.name for path in EXAMPLES}
    assert {
        "organisation.yaml",
        "leader-four-day-week.yaml",
        "leader-new-york.yaml",
    } <= names


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("version: 1\nleader:\n  timzone: Europe/Amsterdam\n", "timzone"),
        ("version: 1\nlunch_break:\n  minutes: 30\n", "lunch_break"),
        ("version: 1\nthresholds:\n  meeting_shar: {attention: '>= 0.5'}\n", "meeting_shar"),
    ],
)
def test_the_schema_rejects_a_file_with_an_unknown_setting(
    validator: Draft202012Validator, text: str, unknown: str
) -> None:
    errors = _errors(validator, yaml.safe_load(text))
    assert len(errors) == 1
    assert f"'{unknown}' was unexpected" in errors[0]
