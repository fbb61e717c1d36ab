"""A leader's stored rules: one truth, changed only on purpose.

`rules apply` stores a version with who, when and what changed (the same file again stores
nothing), `rules history` lists the versions, `rules rollback` restores one; a review, a preview
and a dry run write nothing at all, and `history` stores no rules. Every test runs on a SQLite
file and on a PostgreSQL database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from assistant.cli.main import main
from assistant.store import migrations
from assistant.store.database import make_engine, session_scope
from assistant.store.models import Base
from assistant.store.repositories import find_leader
from assistant.store.repositories.rules import leader_rules
from tests.conftest import SAMPLE, SAMPLE_LEADER
from tests.store.conftest import NewDatabase

TODAY = "2026-11-30"  # a Monday: the review is of 2026-W48
DUTCH_FOUR_DAYS = """\
leader:
  name: Sanne de Vries
  language: nl
working_hours:
  friday: []
classification:
  reflection_keywords: [denktijd, stilte]
"""
ENGLISH = """\
leader:
  language: en
  timezone: Europe/London
"""


@pytest.fixture(autouse=True)
def _dutch_assistant(monkeypatch: pytest.MonkeyPatch) -> None:
    """The assistant who applies the rules works in Dutch: the rules commands speak the
    operator's language (the leader's is for the review)."""
    monkeypatch.setenv("LANGUAGE", "nl")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    url = new_database(request.param)
    migrations.upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("AGENDA_REGIE_LINK_SECRET", "JVzPPbDrGhRjMA6Eju52Oyjy4AvMcJTnetfob5PEgTc")
    monkeypatch.setenv("AGENDA_REGIE_BASE_URL", "https://regie.example.org")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, content in (("dutch", DUTCH_FOUR_DAYS), ("english", ENGLISH)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(content, encoding="utf-8")
        out[name] = path
    return out


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the schema's revision), in a fixed order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in [*Base.metadata.sorted_tables]:
            rows = connection.execute(table.select()).all()
            out[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
        out["alembic_version"] = [
            tuple(row) for row in connection.execute(text("SELECT * FROM alembic_version"))
        ]
    return out


def apply(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "rules", "apply", str(path), "--leader", SAMPLE_LEADER, *extra)


def test_a_review_a_preview_and_a_dry_run_change_no_row(
    capsys: pytest.CaptureFixture[str],
    database: Engine,
    files: dict[str, Path],
    tmp_path: Path,
) -> None:
    assert apply(capsys, files["dutch"], "--by", "ea@example.org")[0] == 0
    code, out, err = run(
        capsys, "history", str(SAMPLE), "--leader", SAMPLE_LEADER, "--weeks", "4", "--today", TODAY
    )
    assert code == 0, err
    before = dump(database)
    assert before["rule_sets"]
    assert before["weekly_metrics"]

    review = ["review", str(SAMPLE), "--me", SAMPLE_LEADER, "--today", TODAY, "--format", "json"]
    assert run(capsys, *review)[0] == 0
    code, out, err = run(capsys, *review, "--rules", str(files["english"]), "--lang", "en")
    assert code == 0, err
    assert '"language": "en"' in out
    code, out, err = run(
        capsys, "rules", "preview", str(files["english"]), "--calendar", str(SAMPLE),
        "--today", TODAY,
    )  # fmt: skip
    assert code == 0, err
    for extra in ([], ["--rules", str(files["english"])]):
        code, out, err = run(
            capsys,
            "send-review",
            "--leader",
            SAMPLE_LEADER,
            "--calendar",
            str(SAMPLE),
            "--week",
            "2026-W48",
            "--dry-run",
            "--output",
            str(tmp_path / "review.eml"),
            *extra,
        )
        assert code == 0, err
        assert (tmp_path / "review.eml").stat().st_size > 0

    assert dump(database) == before


def test_the_plain_review_and_the_dry_run_follow_the_stored_rules(
    capsys: pytest.CaptureFixture[str],
    database: Engine,
    files: dict[str, Path],
    tmp_path: Path,
) -> None:
    assert apply(capsys, files["dutch"])[0] == 0
    code, out, err = run(
        capsys, "review", str(SAMPLE), "--me", SAMPLE_LEADER, "--today", TODAY, "--format", "json"
    )
    assert code == 0, err
    assert '"language": "nl"' in out  # the leader's stored rules, without --rules
    eml = tmp_path / "review.eml"
    code, _, err = run(
        capsys, "send-review", "--leader", SAMPLE_LEADER, "--calendar", str(SAMPLE),
        "--week", "2026-W48", "--dry-run", "--output", str(eml),
    )  # fmt: skip
    assert code == 0, err
    assert "Weekoverzicht" in eml.read_text(encoding="utf-8")


def test_history_and_a_real_send_refuse_rules_that_are_not_the_stored_ones(
    capsys: pytest.CaptureFixture[str], database: Engine, files: dict[str, Path]
) -> None:
    assert apply(capsys, files["dutch"])[0] == 0
    before = dump(database)
    code, out, err = run(
        capsys, "history", str(SAMPLE), "--leader", SAMPLE_LEADER, "--rules", str(files["english"])
    )
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"agenda-regie rules apply {files['english']} --leader {SAMPLE_LEADER}" in err
    assert dump(database) == before

    # The file that was applied is the stored rules: history takes it.
    code, out, err = run(
        capsys, "history", str(SAMPLE), "--leader", SAMPLE_LEADER, "--rules", str(files["dutch"]),
        "--weeks", "2", "--today", TODAY,
    )  # fmt: skip
    assert code == 0, err
    assert dump(database)["rule_sets"] == before["rule_sets"]


def test_apply_stores_a_version_with_who_when_and_what_changed_and_once(
    capsys: pytest.CaptureFixture[str], database: Engine, files: dict[str, Path]
) -> None:
    code, out, err = apply(capsys, files["dutch"], "--by", "ea@example.org")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Versie 1 van de regels van {SAMPLE_LEADER} vastgelegd")
    assert "door ea@example.org" in lines[0]
    assert '  leader.language: "en" → "nl"' in lines
    assert '  working_hours.friday: ["08:30-17:30"] → []' in lines
    assert '  leader.name: (niet ingesteld) → "Sanne de Vries"' in lines

    again = apply(capsys, files["dutch"], "--by", "someone.else@example.org")
    assert again[0] == 0
    assert "niets vastgelegd" in again[1]
    assert "versie 1" in again[1]
    with session_scope(database) as session:
        count = session.execute(text("SELECT count(*) FROM rule_sets")).scalar_one()
        leader = find_leader(session, SAMPLE_LEADER)
        assert leader is not None
        assert (leader.language, leader.name) == ("nl", "Sanne de Vries")
    assert count == 1

    code, out, err = run(capsys, "rules", "history", "--leader", SAMPLE_LEADER)
    assert code == 0, err
    assert out.splitlines()[0] == f"Versies van de regels van {SAMPLE_LEADER}, oudste eerst:"
    assert "Versie 1: " in out
    assert "door ea@example.org" in out


def test_rollback_restores_the_effective_rules_exactly(
    capsys: pytest.CaptureFixture[str], database: Engine, files: dict[str, Path]
) -> None:
    assert apply(capsys, files["dutch"])[0] == 0
    with session_scope(database) as session:
        leader = find_leader(session, SAMPLE_LEADER)
        assert leader is not None
        first = leader_rules(session, leader)
    code, out, err = apply(capsys, files["english"])
    assert code == 0, err
    assert '  leader.timezone: "Europe/Amsterdam" → "Europe/London"' in out.splitlines()

    code, out, err = run(
        capsys, "rules", "rollback", "--leader", SAMPLE_LEADER, "--to", "1", "--by", "ea"
    )
    assert code == 0, err
    assert out.splitlines()[0].startswith(
        f"Versie 1 van de regels van {SAMPLE_LEADER} teruggezet als versie 3"
    )
    with session_scope(database) as session:
        leader = find_leader(session, SAMPLE_LEADER)
        assert leader is not None
        assert leader_rules(session, leader) == first
        assert (leader.timezone, leader.language) == ("Europe/Amsterdam", "nl")

    code, out, err = run(capsys, "rules", "rollback", "--leader", SAMPLE_LEADER, "--to", "7")
    assert (code, out) == (2, "")
    assert err == (
        f"agenda-regie: {SAMPLE_LEADER} heeft geen regelversie 7 (versies 1 tot en met 3)\n"
    )


def test_a_file_for_another_leader_and_an_unknown_leader_are_one_clear_line(
    capsys: pytest.CaptureFixture[str], database: Engine, tmp_path: Path
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("leader:\n  email: jan@example.org\n", encoding="utf-8")
    code, out, err = apply(capsys, other)
    assert (code, out) == (2, "")
    assert err == (
        f"agenda-regie: {other}: het bestand is voor jan@example.org, niet voor {SAMPLE_LEADER}\n"
    )
    code, out, err = run(capsys, "rules", "history", "--leader", "nobody@example.org")
    assert (code, out) == (2, "")
    assert "nobody@example.org staat niet als leider in de database" in err


def test_show_leader_names_where_each_value_comes_from(
    capsys: pytest.CaptureFixture[str], database: Engine, files: dict[str, Path]
) -> None:
    assert apply(capsys, files["dutch"])[0] == 0
    code, out, err = run(capsys, "rules", "show", "--leader", SAMPLE_LEADER)
    assert code == 0, err
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert rows["working_hours.friday"].endswith("leider (versie 1)")
    assert rows["working_hours.monday"].endswith("standaard")
    assert rows["leader.language"].split()[1] == '"nl"'
