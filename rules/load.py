"""Loading protection rules in layers: bundled defaults, organisation, team, leader.

A rule file holds only what differs from the layer below it and names that layer with
`extends: PATH` (relative to the file). Mappings merge key by key; any other value (a list, a
number) replaces the one below it whole. Every effective value remembers which file set it, so
`rules show` can say where it comes from and every problem points at a file, line and column.
"""

from __future__ import annotations

import copy
import difflib
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rules.checks import cross_checks
from rules.errors import RuleProblem, RulesError
from rules.model import Rules
from rules.problems import said_problem, validation_problem, yaml_error_position
from rules.values import WEEKDAYS, ClockRange

DEFAULTS_NAME = "defaults.yaml"
DEFAULTS_WHERE = f"<bundled {DEFAULTS_NAME}>"
EXTENDS = "extends"

KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class Origin:
    """Where a value was set: a file and the line and column of its key."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


@dataclass
class Layer:
    """One parsed rule file."""

    where: str
    data: dict[str, Any]
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Layered:
    """The merged data of all layers, and the origin of every value in it."""

    data: dict[str, Any]
    origins: dict[KeyPath, Origin]
    files: list[str]


def default_rules_text() -> str:
    return resources.files("rules").joinpath(DEFAULTS_NAME).read_text(encoding="utf-8")


def load_rules(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Rules:
    """The effective rules: defaults, then the chain of files ending in `path`, then `overrides`
    (from the command line)."""
    rules, _ = load_with_origins(path, overrides)
    return rules


def load_with_origins(
    path: Path | None = None, overrides: dict[str, Any] | None = None
) -> tuple[Rules, Layered]:
    return _validated(merge_layers(path, overrides))


def load_layers(layers: list[tuple[str, dict[str, Any]]]) -> tuple[Rules, Layered]:
    """The effective rules of stored layers (lowest first, each named by `where`) on top of the
    bundled defaults, and where each value comes from."""
    data: dict[str, Any] = {}
    origins: dict[KeyPath, Origin] = {}
    defaults = _defaults_layer()
    chain = [Layer(defaults.where, copy.deepcopy(defaults.data), defaults.positions)]
    chain += [Layer(where, copy.deepcopy(layer)) for where, layer in layers]
    for layer in chain:
        layer.data.pop(EXTENDS, None)
        data = _merge(data, layer.data, (), layer, origins)
    return _validated(Layered(data, origins, [layer.where for layer in chain]))


@cache
def _defaults_layer() -> Layer:
    """The bundled defaults, parsed once per process (resolving stored layers is done for every
    leader); callers copy its data before merging."""
    return _parse(default_rules_text(), DEFAULTS_WHERE)


def file_chain(path: Path) -> list[Layer]:
    """The rule file at `path` and the files it extends, lowest layer first, each as written."""
    return _chain(path)


def _validated(layered: Layered) -> tuple[Rules, Layered]:
    try:
        rules = Rules.model_validate(layered.data)
    except ValidationError as error:
        problems = _problems(error, layered) + _cross_problems_despite(error, layered)
        raise RulesError(sorted(problems, key=_problem_order)) from None
    problems = []
    for key, said in cross_checks(rules):
        where, line, column = _locate(layered, key)
        problems.append(said_problem(where, ".".join(key), said, line, column))
    if problems:
        raise RulesError(problems)
    return rules, layered


def merge_layers(path: Path | None, overrides: dict[str, Any] | None = None) -> Layered:
    base = _parse(default_rules_text(), DEFAULTS_WHERE)
    layers = [base, *(_chain(path) if path is not None else [])]
    if overrides:
        layers.append(Layer("<command line>", overrides))
    data: dict[str, Any] = {}
    origins: dict[KeyPath, Origin] = {}
    for layer in layers:
        layer.data.pop(EXTENDS, None)
        data = _merge(data, layer.data, (), layer, origins)
    return Layered(data, origins, [layer.where for layer in layers])


def _chain(path: Path) -> list[Layer]:
    """The file at `path` and the files it extends, lowest layer first."""
    chain: list[Layer] = []
    seen: set[Path] = set()
    current: Path | None = path
    extended_from: tuple[Layer, KeyPath] | None = None
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            layer, key = extended_from  # type: ignore[misc]
            line, column = layer.positions.get(key, (None, None))
            raise RulesError(
                [
                    RuleProblem(
                        layer.where,
                        EXTENDS,
                        "%(path)s extends itself in a loop",
                        line,
                        column,
                        {"path": current},
                    )
                ]
            )
        seen.add(resolved)
        layer = _read(current, extended_from)
        chain.append(layer)
        parent = layer.data.get(EXTENDS)
        if parent is None:
            break
        if not isinstance(parent, str):
            line, column = layer.positions.get((EXTENDS,), (None, None))
            raise RulesError(
                [RuleProblem(layer.where, EXTENDS, "must be the path of a rule file", line, column)]
            )
        extended_from = (layer, (EXTENDS,))
        current = current.parent / parent
    return list(reversed(chain))


def _read(path: Path, extended_from: tuple[Layer, KeyPath] | None) -> Layer:
    where = os.path.normpath(path)  # "team/../organisation.yaml" reads as "organisation.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        missing = not path.is_dir()
        if extended_from is not None:
            layer, key = extended_from
            line, column = layer.positions.get(key, (None, None))
            said = {"path": where}
            problem = (
                "%(path)s: file not found"
                if missing
                else "%(path)s: is a directory, not a rule file"
            )
            raise RulesError(
                [RuleProblem(layer.where, EXTENDS, problem, line, column, said)]
            ) from None
        problem = "file not found" if missing else "is a directory, not a rule file"
        raise RulesError([RuleProblem(where, "", problem)]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(
            [RuleProblem(where, "", "cannot be read (%(reason)s)", values={"reason": error})]
        ) from None
    return _parse(text, where)


# libyaml's parser when PyYAML has it (several times faster); a file it refuses is read again by
# the pure-Python parser, whose words and positions the messages give.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    try:
        return yaml.compose(text, Loader=_FAST_LOADER), yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        return node, yaml.load(text, Loader=yaml.SafeLoader)


def _parse(text: str, where: str) -> Layer:
    try:
        node, data = _read_yaml(text)
    except yaml.YAMLError as error:
        line, column = yaml_error_position(error, text)
        # The reader's own message runs on with where it is ("in <unicode string>, position 31").
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        said = {"reason": problem}
        problems = [RuleProblem(where, "", "not valid YAML: %(reason)s", line, column, said)]
        raise RulesError(problems) from None
    if data is None:
        return Layer(where, {})
    if not isinstance(data, dict):
        raise RulesError([RuleProblem(where, "", "must be a mapping of settings", 1, 1)])
    positions: dict[KeyPath, tuple[int, int]] = {}
    _collect_positions(node, (), positions)
    return Layer(where, data, positions)


def _collect_positions(
    node: yaml.Node | None, prefix: KeyPath, out: dict[KeyPath, tuple[int, int]]
) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            out[path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _collect_positions(value_node, path, out)


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge two layers of rule data (mappings key by key, anything else replaced)."""
    return _merge(base, override, (), Layer("", override), {})


def _merge(
    base: dict[str, Any],
    override: dict[str, Any],
    prefix: KeyPath,
    layer: Layer,
    origins: dict[KeyPath, Origin],
) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, path, layer, origins)
            continue
        merged[key] = value
        # A replaced mapping or list no longer holds what lower layers set inside it.
        for stale in [k for k in origins if k[: len(path)] == path and len(k) > len(path)]:
            del origins[stale]
        line, column = layer.positions.get(path, (None, None))
        origins[path] = Origin(layer.where, line, column)
        if isinstance(value, dict):
            for inner in _leaf_paths(value, path):
                line, column = layer.positions.get(inner, (None, None))
                origins[inner] = Origin(layer.where, line, column)
    return merged


def _leaf_paths(data: dict[str, Any], prefix: KeyPath) -> list[KeyPath]:
    paths = []
    for key, value in data.items():
        path = (*prefix, str(key))
        paths.append(path)
        if isinstance(value, dict):
            paths.extend(_leaf_paths(value, path))
    return paths


def _locate(layered: Layered, key: KeyPath) -> tuple[str, int | None, int | None]:
    """The file, line and column that set `key` (or its nearest enclosing setting).

    A problem with a whole section (say `lunch`) points at the highest layer that set anything
    in it, not at the defaults where the section first appeared.
    """
    for depth in range(len(key), 0, -1):
        prefix = key[:depth]
        origin = layered.origins.get(prefix)
        if origin is None:
            continue
        inside = [o for k, o in layered.origins.items() if k[:depth] == prefix]
        rank = {where: index for index, where in enumerate(layered.files)}
        latest = max(inside, key=lambda o: (rank.get(o.path, -1), -(o.line or 0)))
        chosen = latest if rank.get(latest.path, -1) > rank.get(origin.path, -1) else origin
        return chosen.path, chosen.line, chosen.column
    return layered.files[-1], None, None


def _problems(error: ValidationError, layered: Layered) -> list[RuleProblem]:
    problems = []
    for item in error.errors():
        loc = tuple(str(p) for p in item["loc"])
        key_path = tuple(p for p in loc if not p.isdigit())
        where, line, column = _locate(layered, key_path)
        close = _close_setting(key_path) if item["type"] == "extra_forbidden" else None
        problems.append(validation_problem(item, where, ".".join(key_path), close, line, column))
    return problems  # in pydantic's order; the caller sorts them with the cross-check problems


def _problem_order(problem: RuleProblem) -> tuple[str, int, int, str]:
    return (problem.path, problem.line or 0, problem.column or 0, problem.key)


def _cross_problems_despite(error: ValidationError, layered: Layered) -> list[RuleProblem]:
    """The cross-checks that do not depend on an invalid setting, so that one run reports every
    problem. The invalid settings are put back to their bundled defaults, except a day of
    working hours: overlapping ranges become their union, anything else the whole day, so a
    check may miss a problem but never invents one. A check about a section with an invalid
    setting is left out."""
    broken = [tuple(str(p) for p in item["loc"] if not str(p).isdigit()) for item in error.errors()]
    if not all(broken):
        return []
    defaults = yaml.load(default_rules_text(), Loader=_FAST_LOADER)
    data = copy.deepcopy(layered.data)
    for key in broken:
        if key[:1] == ("working_hours",):
            if len(key) != 2 or key[1] not in WEEKDAYS or not isinstance(data[key[0]], dict):
                return []
            data[key[0]][key[1]] = _union_or_whole_day(data[key[0]][key[1]])
        elif key[0] not in defaults or not _reset(data, defaults, key):
            return []  # an unknown section may be misspelt working hours
    try:
        rules = Rules.model_validate(data)
    except ValidationError:
        return []
    sections = {key[0] for key in broken}
    problems = []
    for key, said in cross_checks(rules):
        if key[0] not in sections:
            where, line, column = _locate(layered, key)
            problems.append(said_problem(where, ".".join(key), said, line, column))
    return problems


def _union_or_whole_day(value: Any) -> list[str]:
    texts = [value] if isinstance(value, str) else value
    try:
        ranges = sorted((ClockRange.parse(text) for text in texts), key=lambda r: r.start_minute)
    except (TypeError, ValueError):
        return ["00:00-24:00"]
    union: list[ClockRange] = []
    for clock_range in ranges:
        if union and clock_range.start_minute <= union[-1].end_minute:
            end = max(union[-1].end_minute, clock_range.end_minute)
            union[-1] = ClockRange(start_minute=union[-1].start_minute, end_minute=end)
        else:
            union.append(clock_range)
    return [str(r) for r in union]


def _reset(data: dict[str, Any], defaults: dict[str, Any], key: KeyPath) -> bool:
    """Put the setting at `key` back to its bundled default (or remove an unknown one)."""
    if not key:
        return False
    for name in key[:-1]:
        data, defaults = data.get(name), defaults.get(name, {})  # type: ignore[assignment]
        if not isinstance(data, dict) or not isinstance(defaults, dict):
            return False
    if key[-1] in defaults:
        data[key[-1]] = copy.deepcopy(defaults[key[-1]])
    else:
        data.pop(key[-1], None)
    return True


def _close_setting(key_path: KeyPath) -> str | None:
    """The known setting whose name is nearest an unknown one's, if any is near."""
    section: type[BaseModel] = Rules
    for name in key_path[:-1]:
        annotation = section.model_fields[name].annotation if name in section.model_fields else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        section = annotation
    known = [n for n in section.model_fields if n != "version"] + (
        [EXTENDS] if section is Rules else []
    )
    close = difflib.get_close_matches(key_path[-1], known, n=1, cutoff=0.6)
    return close[0] if close else None
