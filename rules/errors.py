"""Errors of the rules package."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong in a rule file, with where it is."""

    path: str
    key: str
    message: str  # English; a template ("must be at most %(limit)s") when `values` are given
    line: int | None = None
    column: int | None = None
    values: Mapping[str, object] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """`path:line:column`, as far as known."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def said(self, message: str) -> str:
        """The problem's line with `message` (this problem's message, maybe translated)."""
        key = f" {self.key}:" if self.key else ""
        return f"{self.where}:{key} {message % dict(self.values) if self.values else message}"

    def __str__(self) -> str:
        return self.said(self.message)


class RuleValueError(ValueError):
    """A setting's value is wrong; the English `template` with `values` (`%(name)s`) lets the
    command line say it in the operator's language (the template is the catalogue's msgid)."""

    def __init__(self, template: str, **values: object) -> None:
        self.template = template
        self.values = values
        super().__init__(template % values if values else template)


class RulesError(Exception):
    """A rule file could not be used; `problems` lists every problem found, not just the first."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))
