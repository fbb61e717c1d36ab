"""Every CalendarSource passes the source contract: memory (the reference), iCalendar, Google
and Microsoft (against the fakes, through the real client libraries), and CalDAV (against a real
Radicale server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors import CalendarSource, MemorySource
from connectors.caldav import CalDavSource
from connectors.google import GoogleSource
from connectors.ics import IcsSource
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.source import MicrosoftSource
from tests.connectors.google.events import from_spec as google_event
from tests.connectors.ics_writer import write_ics
from tests.connectors.microsoft.events import from_spec as graph_event
from tests.contracts.memory_events import memory_event
from tests.contracts.source import ME, CalendarSourceContract, EventSpec
from tests.fakes.caldav_server import RadicaleServer, caldav_client, put_specs
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.microsoft_graph import FakeGraph


class TestMemorySource(CalendarSourceContract):
    def make_source(self, events: list[EventSpec], zone: ZoneInfo) -> CalendarSource:
        built = [memory_event(spec, index, zone) for index, spec in enumerate(events)]
        return MemorySource(event for event in built if event is not None)


class TestIcsSource(CalendarSourceContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def make_source(self, events: list[EventSpec], zone: ZoneInfo) -> CalendarSource:
        path = self.folder / f"calendar-{len(list(self.folder.iterdir()))}.ics"
        path.write_text(write_ics(events, ME), encoding="utf-8", newline="")
        return IcsSource(path, zone=zone, me=[ME])


class TestGoogleSource(CalendarSourceContract):
    @pytest.fixture(autouse=True)
    def _server(self, google_calendar: FakeGoogleCalendar, google_service: Any) -> None:
        self.fake = google_calendar
        self.service = google_service

    def make_source(self, events: list[EventSpec], zone: ZoneInfo) -> CalendarSource:
        with self.fake.lock:
            self.fake.events.clear()
        for index, spec in enumerate(events):
            self.fake.put(google_event(spec, index, zone))
        return GoogleSource(self.service, zone=zone)


class TestMicrosoftSource(CalendarSourceContract):
    @pytest.fixture(autouse=True)
    def _server(self, graph: FakeGraph, graph_client: GraphClient) -> None:
        self.fake = graph
        self.client = graph_client

    def make_source(self, events: list[EventSpec], zone: ZoneInfo) -> CalendarSource:
        with self.fake.lock:
            self.fake.events.clear()
        for index, spec in enumerate(events):
            self.fake.put(graph_event(spec, index, zone))
        return MicrosoftSource(self.client, zone=zone, mailbox=ME)


class TestCalDavSource(CalendarSourceContract):
    @pytest.fixture(autouse=True)
    def _server(self, radicale_server: RadicaleServer) -> None:
        self.server = radicale_server
        self.calendars = 0

    def make_source(self, events: list[EventSpec], zone: ZoneInfo) -> CalendarSource:
        self.calendars += 1
        name = f"calendar-{self.calendars}"
        self.server.make_calendar(name)
        put_specs(self.server, events, calendar=name)
        return CalDavSource(caldav_client(self.server, name), zone=zone, me=[ME])
