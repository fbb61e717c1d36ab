"""Every CalendarWriter passes the writer contract: memory (the reference), Google and
Microsoft, against the fakes through the real clients, and CalDAV against a real Radicale server;
each read back by its own source."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import CalendarWriter, FetchResult, MemoryWriter, TimeWindow
from connectors.caldav import CalDavSource, CalDavWriter
from connectors.google import GoogleSource
from connectors.google.writer import GoogleWriter
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.source import MicrosoftSource
from connectors.microsoft.writer import MicrosoftWriter
from tests.contracts.source import AMSTERDAM, ME
from tests.contracts.writer import CalendarWriterContract
from tests.fakes.caldav_server import RadicaleServer, caldav_client
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.microsoft_graph import FakeGraph


class TestMemoryWriter(CalendarWriterContract):
    @pytest.fixture(autouse=True)
    def _calendar(self) -> None:
        self.writer = MemoryWriter()

    def make_writer(self) -> CalendarWriter:
        return MemoryWriter(self.writer.calendar)

    def read(self, window: TimeWindow) -> FetchResult:
        return self.writer.calendar.fetch(window)


class TestGoogleWriter(CalendarWriterContract):
    @pytest.fixture(autouse=True)
    def _server(self, google_calendar: FakeGoogleCalendar, google_service: Any) -> None:
        self.service = google_service

    def make_writer(self) -> CalendarWriter:
        return GoogleWriter(self.service)

    def read(self, window: TimeWindow) -> FetchResult:
        return GoogleSource(self.service, zone=AMSTERDAM).fetch(window)


class TestGoogleWriterWithoutFocusTime(TestGoogleWriter):
    """An account without focus time gets normal busy events, just as protected."""

    @pytest.fixture(autouse=True)
    def _refusing(self, google_calendar: FakeGoogleCalendar) -> None:
        google_calendar.refuse_focus_time = True


class TestMicrosoftWriter(CalendarWriterContract):
    @pytest.fixture(autouse=True)
    def _server(self, graph: FakeGraph, graph_client: GraphClient) -> None:
        self.client = graph_client

    def make_writer(self) -> CalendarWriter:
        return MicrosoftWriter(self.client, mailbox=ME)

    def read(self, window: TimeWindow) -> FetchResult:
        return MicrosoftSource(self.client, zone=AMSTERDAM, mailbox=ME).fetch(window)


class TestCalDavWriter(CalendarWriterContract):
    @pytest.fixture(autouse=True)
    def _server(self, radicale_server: RadicaleServer) -> None:
        self.server = radicale_server

    def make_writer(self) -> CalendarWriter:
        return CalDavWriter(caldav_client(self.server))

    def read(self, window: TimeWindow) -> FetchResult:
        return CalDavSource(caldav_client(self.server), zone=AMSTERDAM).fetch(window)
