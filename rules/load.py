"""Loading protection rules: the bundled defaults, overridden by a leader's file.

A leader's file holds only what differs. Mappings merge key by key; any other value (a list, a
number) replaces the default whole.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rules.errors import RuleProblem, RulesError
from rules.model import Rules

DEFAULTS_NAME = "defaults.yaml"


def default_rules_text() -> str:
    return resources.files("rules").joinpath(DEFAULTS_NAME).read_text(encoding="utf-8")


def load_rules(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Rules:
    """The effective rules: defaults, then the file at `path`, then `overrides` (from the CLI)."""
    data = _parse(default_rules_text(), f"<bundled {DEFAULTS_NAME}>")[0]
    lines: dict[tuple[str, ...], tuple[int, int]] = {}
    where = f"<bundled {DEFAULTS_NAME}>"
    if path is not None:
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RulesError([RuleProblem(where, "", "file not found")]) from None
        except (OSError, UnicodeDecodeError) as error:
            raise RulesError([RuleProblem(where, "", f"cannot be read ({error})")]) from None
        override, lines = _parse(text, where)
        data = merge(data, override)
    if overrides:
        data = merge(data, overrides)
    try:
        return Rules.model_validate(data)
    except ValidationError as error:
        raise RulesError(_problems(error, where, lines)) from None


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _parse(text: str, where: str) -> tuple[dict[str, Any], dict[tuple[str, ...], tuple[int, int]]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        problems = [RuleProblem(where, "", f"not valid YAML: {problem}", line, column)]
        raise RulesError(problems) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise RulesError([RuleProblem(where, "", "must be a mapping of settings", 1, 1)])
    lines: dict[tuple[str, ...], tuple[int, int]] = {}
    _collect_lines(node, (), lines)
    return data, lines


def _collect_lines(
    node: yaml.Node | None, prefix: tuple[str, ...], out: dict[tuple[str, ...], tuple[int, int]]
) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            out[path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _collect_lines(value_node, path, out)


def _problems(
    error: ValidationError, where: str, lines: dict[tuple[str, ...], tuple[int, int]]
) -> list[RuleProblem]:
    problems = []
    for item in error.errors():
        path = tuple(str(p) for p in item["loc"] if not str(p).isdigit())
        key = ".".join(path)
        line, column = None, None
        for depth in range(len(path), 0, -1):
            if path[:depth] in lines:
                line, column = lines[path[:depth]]
                break
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown setting"
        problems.append(RuleProblem(where, key, message, line, column))
    return problems
