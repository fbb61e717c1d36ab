"""Organisation and team files are stored as rule sets of their own; a leader's effective rules
are resolved when used, so a change to the organisation's file reaches every leader who extends
it, without a new version of theirs. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from assistant.cli.main import main
from assistant.store import migrations
from assistant.store.database import make_engine, session_scope
from assistant.store.models import RuleSet
from assistant.store.repositories import find_leader
from assistant.store.repositories.rules import leader_rules, leaders_with_rules
from tests.store.conftest import NewDatabase

ANNA, BEN = "anna@example.org", "ben@example.org"
FILES = {
    "organisation.yaml": 'working_hours:\n  friday: ["08:30-13:00"]\n',
    "team.yaml": "extends: organisation.yaml\nreflection:\n  minutes: 60\n",
    "anna.yaml": "extends: team.yaml\nleader:\n  language: nl\n",
    "ben.yaml": "extends: organisation.yaml\nleader:\n  name: Ben\n",
}


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
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, content in FILES.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def fridays(engine: Engine) -> dict[str, list[str]]:
    with session_scope(engine) as session:
        out = {}
        for address in (ANNA, BEN):
            leader = find_leader(session, address)
            assert leader is not None
            out[address] = [str(r) for r in leader_rules(session, leader).working_hours.friday]
        scheduled = leaders_with_rules(session, paused=False, now=datetime.now(UTC))
        assert {
            row.email: [str(r) for r in row.rules.working_hours.friday] for row in scheduled
        } == out
        return out


def origins(capsys: pytest.CaptureFixture[str], leader: str) -> dict[str, str]:
    out = run(capsys, "rules", "show", "--leader", leader)
    return {line.split()[0]: line.split("  ")[-1].strip() for line in out.splitlines()}


def test_an_organisation_change_reaches_two_leaders_without_a_version_of_theirs(
    capsys: pytest.CaptureFixture[str], database: Engine, folder: Path
) -> None:
    anna = run(capsys, "rules", "apply", str(folder / "anna.yaml"), "--leader", ANNA)
    assert anna.splitlines()[:2] == [
        "Versie 1 van de gedeelde regels organisation vastgelegd.",
        "Versie 1 van de gedeelde regels team vastgelegd.",
    ]
    ben = run(capsys, "rules", "apply", str(folder / "ben.yaml"), "--leader", BEN)
    assert ben.splitlines()[0] == (
        "De gedeelde regels organisation zijn al deze (versie 1); niets vastgelegd."
    )
    assert fridays(database) == {ANNA: ["08:30-13:00"], BEN: ["08:30-13:00"]}

    shown = origins(capsys, ANNA)
    assert shown["working_hours.friday"] == "organisatie organisation (versie 1)"
    assert shown["reflection.minutes"] == "team team (versie 1)"
    assert shown["leader.language"] == "leider (versie 1)"
    assert shown["working_hours.monday"] == "standaard"

    (folder / "organisation.yaml").write_text("working_hours:\n  friday: []\n", encoding="utf-8")
    out = run(capsys, "rules", "apply", str(folder / "organisation.yaml"), "--shared")
    assert out == "Versie 2 van de gedeelde regels organisation vastgelegd.\n"

    assert fridays(database) == {ANNA: [], BEN: []}
    assert origins(capsys, BEN)["working_hours.friday"] == "organisatie organisation (versie 2)"
    with session_scope(database) as session:
        assert session.scalar(select(func.count()).select_from(RuleSet)) == 2  # one each

    # Applying the leader's file again stores nothing: the organisation's change is no change
    # of the leader's own rules.
    again = run(capsys, "rules", "apply", str(folder / "ben.yaml"), "--leader", BEN)
    assert "niets vastgelegd" in again.splitlines()[-1]


def test_a_rollback_restores_the_layers_and_the_identity_of_the_version(
    capsys: pytest.CaptureFixture[str], database: Engine, folder: Path
) -> None:
    run(capsys, "rules", "apply", str(folder / "anna.yaml"), "--leader", ANNA)
    (folder / "anna-en.yaml").write_text(
        "extends: organisation.yaml\nleader:\n  language: en\n", encoding="utf-8"
    )
    run(capsys, "rules", "apply", str(folder / "anna-en.yaml"), "--leader", ANNA)
    with session_scope(database) as session:
        leader = find_leader(session, ANNA)
        assert leader is not None
        assert (leader.language, leader_rules(session, leader).reflection.minutes) == ("en", 90)

    out = run(capsys, "rules", "rollback", "--leader", ANNA, "--to", "1")
    assert out.splitlines()[0].startswith(
        f"Versie 1 van de regels van {ANNA} teruggezet als versie 3"
    )
    with session_scope(database) as session:
        leader = find_leader(session, ANNA)
        assert leader is not None
        rules = leader_rules(session, leader)
        assert (leader.language, rules.leader.language, rules.reflection.minutes) == (
            "nl",
            "nl",
            60,
        )
    assert origins(capsys, ANNA)["reflection.minutes"] == "team team (versie 1)"
