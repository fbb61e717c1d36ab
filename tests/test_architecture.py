"""The import direction of docs/architecture.md holds, and breaking it is caught.

`scripts/check` runs `lint-imports` on the tree; these tests run it on a copy of the tree with
one deliberate wrong import, so a contract that silently stopped checking would fail here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("assistant", "connectors", "rules", "worker")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(module: Path, statement: str) -> None:
    module.write_text(module.read_text(encoding="utf-8") + f"\n{statement}\n", encoding="utf-8")


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = lint_imports(tree)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("module", "statement", "named"),
    [
        ("assistant/core/timeline.py", "import assistant.store.models", "assistant.store"),
        ("assistant/store/models.py", "import assistant.app.review", "assistant.app"),
        ("assistant/app/review.py", "import assistant.web.app", "assistant.web"),
        ("connectors/model.py", "import assistant.core.review", "assistant"),
        ("rules/model.py", "import connectors.model", "connectors"),
        ("assistant/mail/links.py", "import assistant.render.text", "assistant.render"),
        ("assistant/app/review.py", "import assistant.bootstrap", "assistant.bootstrap"),
        ("assistant/bootstrap.py", "import assistant.cli.main", "assistant.cli"),
        ("assistant/settings/groups.py", "import assistant.store.models", "assistant.store"),
    ],
)
def test_an_import_against_the_layers_is_caught(
    tree: Path, module: str, statement: str, named: str
) -> None:
    add_import(tree / module, statement)

    result = lint_imports(tree)

    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert f"is not allowed to import {named}" in result.stdout


@pytest.mark.parametrize("library", ["sqlalchemy", "smtplib", "httpx", "jinja2", "celery"])
def test_the_core_may_not_do_io(tree: Path, library: str) -> None:
    add_import(tree / "assistant/core/intervals.py", f"import {library}")

    result = lint_imports(tree)

    assert result.returncode != 0
    assert f"assistant.core is not allowed to import {library}" in result.stdout


@pytest.mark.parametrize(
    ("module", "provider"),
    [
        ("assistant/app/pipeline.py", "connectors.google"),
        ("assistant/app/writers.py", "connectors.microsoft"),
        ("assistant/store/models.py", "connectors.google"),
    ],
)
def test_a_provider_package_outside_the_accounts_is_caught(
    tree: Path, module: str, provider: str
) -> None:
    add_import(tree / module, f"import {provider}.errors")

    result = lint_imports(tree)

    assert result.returncode != 0
    assert "Calendar providers are reached through the accounts registry BROKEN" in result.stdout


@pytest.mark.parametrize("module", ["assistant/app/pipeline.py", "assistant/accounts/cache.py"])
def test_sql_outside_the_store_is_caught(tree: Path, module: str) -> None:
    add_import(tree / module, "from sqlalchemy import select")

    result = lint_imports(tree)

    assert result.returncode != 0
    assert "Only the store speaks SQL BROKEN" in result.stdout
