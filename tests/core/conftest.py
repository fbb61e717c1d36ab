"""Shared fixtures for the core tests: the folder of hand-made calendars."""

from __future__ import annotations

from pathlib import Path

import pytest

CALENDARS = Path(__file__).parent / "calendars"


@pytest.fixture
def calendars() -> Path:
    return CALENDARS
