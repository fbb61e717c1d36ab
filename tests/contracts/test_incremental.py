"""Every IncrementalSource passes the incremental contract: memory (the reference), Google
(syncToken) and Microsoft (calendarView delta), against the fakes through the real clients."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from connectors import EventStatus, IncrementalSource, MemoryIncrementalSource, Response
from connectors.google import GoogleSource
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.source import MicrosoftSource
from tests.connectors.google.events import from_spec as google_event
from tests.connectors.microsoft.events import from_spec as graph_event
from tests.contracts.incremental import IncrementalSourceContract
from tests.contracts.memory_events import memory_event
from tests.contracts.source import AMSTERDAM, ME, EventSpec
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.microsoft_graph import FakeGraph


class TestMemoryIncrementalSource(IncrementalSourceContract):
    @pytest.fixture(autouse=True)
    def _calendar(self) -> None:
        self.calendar = MemoryIncrementalSource()

    def make_source(self) -> IncrementalSource[Any]:
        return self.calendar

    def put(self, index: int, spec: EventSpec) -> None:
        # Held like a provider holds it: a cancelled event stays, sources leave it out.
        visible = replace(spec, status=EventStatus.CONFIRMED, my_response=Response.ACCEPTED)
        event = memory_event(visible, index, AMSTERDAM)
        assert event is not None
        self.calendar.put(replace(event, status=spec.status))

    def remove(self, index: int) -> None:
        assert self.calendar.remove(f"memory-{index}")

    def forget_states(self) -> None:
        self.calendar.expire_states()


class TestGoogleIncrementalSource(IncrementalSourceContract):
    @pytest.fixture(autouse=True)
    def _server(self, google_calendar: FakeGoogleCalendar, google_service: Any) -> None:
        self.fake = google_calendar
        self.service = google_service
        self.ids: dict[int, str] = {}

    def make_source(self) -> IncrementalSource[Any]:
        return GoogleSource(self.service, zone=AMSTERDAM)

    def put(self, index: int, spec: EventSpec) -> None:
        self.ids[index] = self.fake.put(google_event(spec, index, AMSTERDAM))

    def remove(self, index: int) -> None:
        self.fake.cancel(self.ids[index])  # what a deletion is in Google Calendar

    def forget_states(self) -> None:
        self.fake.expire_sync_tokens()


class TestMicrosoftIncrementalSource(IncrementalSourceContract):
    @pytest.fixture(autouse=True)
    def _server(self, graph: FakeGraph, graph_client: GraphClient) -> None:
        self.fake = graph
        self.client = graph_client
        self.ids: dict[int, str] = {}

    def make_source(self) -> IncrementalSource[Any]:
        return MicrosoftSource(self.client, zone=AMSTERDAM, mailbox=ME)

    def put(self, index: int, spec: EventSpec) -> None:
        self.ids[index] = self.fake.put(graph_event(spec, index, AMSTERDAM))

    def remove(self, index: int) -> None:
        self.fake.delete(self.ids[index])

    def forget_states(self) -> None:
        self.fake.expire_delta_tokens()
