"""The documentation names every indicator and every rule setting it promises to."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.cli.main import main
from assistant.core.catalogue import INDICATOR_IDS
from rules import Rules, default_rules_text
from tests.conftest import REPO, SAMPLE, SAMPLE_LEADER

INDICATORS_DOC = (REPO / "docs" / "indicators.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_indicator_is_defined_in_the_docs_and_the_readme() -> None:
    for indicator in INDICATOR_IDS:
        assert f"| `{indicator}` |" in INDICATORS_DOC, indicator
        assert f"`{indicator}`" in README, indicator


def test_the_default_rule_file_sets_every_setting_the_core_reads() -> None:
    data = yaml.safe_load(default_rules_text())

    def walk(model: type, values: dict[str, object], path: str) -> None:
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            if field.is_required():
                assert name in values, f"{path}{name} is missing from rules/defaults.yaml"
            if name not in values:
                continue
            annotation = field.annotation
            # Sections forbid unknown keys; values such as a clock range are written as text.
            if getattr(annotation, "model_config", {}).get("extra") == "forbid":
                walk(annotation, values[name], f"{path}{name}.")  # type: ignore[arg-type]

    walk(Rules, data, "")


def test_every_default_setting_is_explained_by_a_comment() -> None:
    lines = default_rules_text().splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"^(\w+):\s*$", line)
        if match and match.group(1) not in {"version"}:
            above = lines[number - 1].strip() if number else ""
            below = lines[number + 1].strip()
            assert above.startswith("#") or below.startswith("#"), (
                f"section {match.group(1)} of rules/defaults.yaml has no comment"
            )


def test_the_readme_starts_with_the_two_commands() -> None:
    head = README[:2500]
    assert "agenda-regie review examples/sample-leader.ics" in head
    assert "scripts/check" in head
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/check" in ci


def test_the_readme_excerpt_is_what_the_first_command_prints(tmp_path: Path) -> None:
    block = README.split("An excerpt of the first command's output", 1)[1]
    excerpt = block.split("```", 2)[1].strip("\n").splitlines()
    target = tmp_path / "review.txt"
    code = main(
        [
            "review",
            str(SAMPLE),
            "--today",
            "2026-11-30",
            "--me",
            SAMPLE_LEADER,
            "--output",
            str(target),
        ]
    )
    assert code == 0
    printed = [line.rstrip() for line in target.read_text(encoding="utf-8").splitlines()]
    missing = [line for line in excerpt if line.strip() and line.rstrip() not in printed]
    assert not missing, f"README lines the review no longer prints: {missing[:3]}"
