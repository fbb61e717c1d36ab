"""Rules from a text typed in a form (the console's editor) rather than a file: the YAML and the
form's fields validated as one, every problem at its line (the form's fields by their key).

The text may not name a file to extend (`extends`): it is one layer on top of the defaults and
the shared layers its caller hands in, and reads no file. A setting the form holds may not also be
written in the text, so no value silently wins over another.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from rules.errors import RuleProblem, RulesError
from rules.load import (
    EXTENDS,
    KeyPath,
    Layer,
    Layered,
    Origin,
    _defaults_layer,
    _merge,
    _parse,
    _validated,
)
from rules.model import Rules

MAX_TEXT_CHARACTERS = 64_000
FORM_WHERE = "form"


def nested(settings: dict[str, Any]) -> dict[str, Any]:
    """Dotted settings ("reflection.minutes": 90) as the nested data of a rule file."""
    data: dict[str, Any] = {}
    for key, value in settings.items():
        *parents, last = key.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return data


def load_text(
    text: str,
    where: str,
    *,
    form: dict[str, Any] | None = None,
    shared: Sequence[tuple[str, dict[str, Any]]] = (),
) -> tuple[Rules, dict[str, Any]]:
    """The effective rules of defaults, `shared` layers, the text and the form's dotted
    settings; and the leader's own layer (the text's data with the form's values in it)."""
    if len(text) > MAX_TEXT_CHARACTERS:
        raise RulesError(
            [
                RuleProblem(
                    where, "", "is longer than %(limit)s characters",
                    values={"limit": MAX_TEXT_CHARACTERS},
                )
            ]
        )  # fmt: skip
    layer = _parse(text, where)
    problems = []
    if EXTENDS in layer.data:
        line, column = layer.positions.get((EXTENDS,), (None, None))
        problems.append(
            RuleProblem(where, EXTENDS, "cannot be set here; the shared rules stay as they are",
                        line, column)
        )  # fmt: skip
    for key in form or {}:
        path: KeyPath = tuple(key.split("."))
        if path in layer.positions:
            line, column = layer.positions[path]
            problems.append(
                RuleProblem(where, key, "is set in the form above; change it there", line, column)
            )
    if problems:
        raise RulesError(problems)
    own = _merge(copy.deepcopy(layer.data), nested(form or {}), (), Layer(FORM_WHERE, {}), {})
    defaults = _defaults_layer()
    chain = [Layer(defaults.where, copy.deepcopy(defaults.data), defaults.positions)]
    chain += [Layer(name, copy.deepcopy(data)) for name, data in shared]
    chain += [layer, Layer(FORM_WHERE, nested(form or {}))]
    data: dict[str, Any] = {}
    origins: dict[KeyPath, Origin] = {}
    for each in chain:
        each.data.pop(EXTENDS, None)
        data = _merge(data, each.data, (), each, origins)
    rules, _ = _validated(Layered(data, origins, [each.where for each in chain]))
    return rules, own
