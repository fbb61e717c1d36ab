"""Shared fixtures: where the repository and the shared workspace files are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_WORLD = SHARED / "calendars" / "real-world"
SAMPLE = REPO / "examples" / "sample-leader.ics"
SAMPLE_LEADER = "sanne.devries@example.org"


@pytest.fixture(autouse=True)
def _own_database(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test that reviews through the CLI records into its own SQLite file, never into the
    user's data directory, and reads the command line in English."""
    folder = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder / 'agenda-regie.db'}")
    monkeypatch.delenv("AGENDA_REGIE_SECRET_KEYS", raising=False)
    # The command line speaks the operator's language (assistant.i18n.operator); the tests read
    # English unless a test asks for Dutch, whatever the locale of the machine running them.
    monkeypatch.setenv("LANGUAGE", "en")
    # The tests' feed servers listen on loopback, which feeds may only use when the operator
    # allows the host (docs/security.md); the adversarial tests take the allowance away.
    monkeypatch.setenv("AGENDA_REGIE_FEED_ALLOWED_HOSTS", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def real_world_dir() -> Path:
    assert REAL_WORLD.is_dir(), f"the real-world calendars are missing: {REAL_WORLD}"
    return REAL_WORLD


# One Chromium for the whole run, shared by the web tests and the end-to-end test: Playwright's
# sync API allows one instance at a time in a process, so the fixture has one definition, here.
from tests.mail.fixtures import browser  # noqa: E402

__all__ = ["browser"]
