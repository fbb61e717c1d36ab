"""`agenda-regie leader-data`: an operator handles a leader's request by email; the same export
and deletion as the leader's own page, and every wrong input one line with exit 2."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from assistant.cli.main import main
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, Leader
from tests.console.conftest import Console, console, migrated_template, store
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.place.data_fixtures import GOOGLE_REFRESH, LOTTE, NOTE, SAM, populate

__all__ = ["console", "migrated_template", "store"]


@pytest.fixture
def google() -> Iterator[FakeGoogleCalendar]:
    server = FakeGoogleCalendar(LOTTE).start()
    yield server
    server.stop()


@pytest.fixture
def filled(
    console: Console, google: FakeGoogleCalendar, monkeypatch: pytest.MonkeyPatch
) -> Console:
    """Lotte and Sam in the console's store, which the command line opens with the same key."""
    key = Fernet.generate_key().decode()
    mine = replace(console, box=SecretBox([key]))
    populate(mine, google)
    monkeypatch.setenv("DATABASE_URL", console.store.url.render_as_string(hide_password=False))
    monkeypatch.setenv("AGENDA_REGIE_SECRET_KEYS", key)
    return mine


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _leaders(console: Console) -> set[str]:
    with session_scope(console.store) as session:
        return set(session.scalars(select(Leader.email)))


def test_an_operator_exports_a_leaders_data_as_a_zip(
    filled: Console, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "lotte.zip"
    code, out, _ = run(
        capsys, "leader-data", "export", "--leader", LOTTE.upper(), "--format", "zip",
        "--output", str(target),
    )  # fmt: skip
    assert code == 0
    assert str(target) in out
    with zipfile.ZipFile(target) as files:
        assert NOTE in files.read("coach_notes.csv").decode()
        assert GOOGLE_REFRESH not in b"".join(files.read(n) for n in files.namelist()).decode()

    code, out, _ = run(capsys, "leader-data", "export", "--leader", LOTTE)
    assert code == 0
    assert f'"email": "{LOTTE}"' in out


def test_wrong_requests_are_one_line_and_delete_nothing(
    filled: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "leader-data", "delete", "--leader", LOTTE)
    assert code == 2
    assert "cannot be undone; add --yes" in err
    code, _, err = run(capsys, "leader-data", "export", "--leader", "nobody@example.org")
    assert code == 2
    assert err == "agenda-regie: no leader nobody@example.org in the database\n"
    code, _, err = run(capsys, "leader-data", "export", "--leader", LOTTE, "--format", "zip")
    assert code == 2
    assert "--output" in err
    assert {LOTTE, SAM} <= _leaders(filled)


def test_an_operator_deletes_a_leader_and_the_google_token_is_revoked(
    filled: Console, google: FakeGoogleCalendar, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "leader-data", "delete", "--leader", LOTTE, "--yes", "--by", "privacy officer"
    )
    assert code == 0, out
    assert f"rows about {LOTTE}." in out
    assert f"google ({LOTTE}): access revoked at the provider." in out
    assert "myapps.microsoft.com" in out
    assert google.revocations == [GOOGLE_REFRESH]
    assert _leaders(filled) == {SAM}
    with session_scope(filled.store) as session:
        actors = select(AuditEntry.actor).where(AuditEntry.action == "leader.data_deleted")
        assert list(session.scalars(actors)) == ["privacy officer"]
        mentions = select(func.count()).where(AuditEntry.subject == LOTTE)
        assert session.scalar(mentions) == 0
