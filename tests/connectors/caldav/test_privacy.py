"""No title of the leader's events reaches a log, whatever the log level (DESIGN 3)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from connectors import TimeWindow
from connectors.caldav import CalDavSource
from tests.contracts.source import AMSTERDAM, ME, SECRET, EventSpec
from tests.fakes.caldav_server import RadicaleServer, caldav_client, put_spec


def test_no_title_is_logged_even_at_debug_level(
    radicale_server: RadicaleServer, caplog: pytest.LogCaptureFixture
) -> None:
    start = datetime(2026, 6, 1, 9, tzinfo=AMSTERDAM)
    put_spec(radicale_server, 0, EventSpec(start, start + timedelta(hours=1)))
    source = CalDavSource(caldav_client(radicale_server), zone=AMSTERDAM, me=[ME])

    with caplog.at_level(logging.DEBUG):
        first = source.sync(None, TimeWindow(start - timedelta(hours=9), start + timedelta(days=6)))
        source.fetch(TimeWindow(start - timedelta(hours=9), start + timedelta(days=6)))

    assert len(first.kept) == 1
    assert SECRET not in caplog.text
