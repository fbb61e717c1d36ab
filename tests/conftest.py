"""Shared fixtures: where the repository and the shared workspace files are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_WORLD = SHARED / "calendars" / "real-world"
SAMPLE = REPO / "examples" / "sample-leader.ics"
SAMPLE_LEADER = "sanne.devries@example.org"


@pytest.fixture(scope="session")
def real_world_dir() -> Path:
    assert REAL_WORLD.is_dir(), f"the real-world calendars are missing: {REAL_WORLD}"
    return REAL_WORLD
