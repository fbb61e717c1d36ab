"""Every IncrementalSource passes the incremental contract: memory (the reference), Google
(syncToken) and Microsoft (calendarView delta), against the fakes through the real clients, and
CalDAV against a real Radicale server: with sync-collection, and as a server without it would be
read (getctag and etags; etags alone)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from connectors import EventStatus, IncrementalSource, MemoryIncrementalSource, Response
from connectors.caldav import CalDavSource
from connectors.google import GoogleSource
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.source import MicrosoftSource
from tests.connectors.google.events import from_spec as google_event
from tests.connectors.microsoft.events import from_spec as graph_event
from tests.contracts.incremental import WEEK, IncrementalSourceContract, meeting
from tests.contracts.memory_events import memory_event
from tests.contracts.source import AMSTERDAM, ME, EventSpec
from tests.fakes.caldav_server import RadicaleServer, caldav_client, put_spec
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


class TestCalDavIncrementalSource(IncrementalSourceContract):
    """sync-collection (RFC 6578): a token the server forgot gives a full resync."""

    @pytest.fixture(autouse=True)
    def _server(self, radicale_server: RadicaleServer) -> None:
        self.server = radicale_server

    def make_source(self) -> IncrementalSource[Any]:
        return CalDavSource(caldav_client(self.server), zone=AMSTERDAM, me=[ME])

    def put(self, index: int, spec: EventSpec) -> None:
        put_spec(self.server, index, spec)

    def remove(self, index: int) -> None:
        self.server.remove(f"spec-{index}.ics")

    def forget_states(self) -> None:
        self.server.forget_sync_tokens()

    def test_an_unchanged_calendar_costs_the_server_one_request(self) -> None:
        self.put(0, meeting(0, 9))
        source, first = self.first()
        self.server.seen.clear()

        again = source.sync(first.state, WEEK)

        assert (again.kind, again.requests) == ("incremental", 1)
        assert [r.method for r in self.server.seen] == ["REPORT"]


class TestCalDavIncrementalSourceByCtag(TestCalDavIncrementalSource):
    """A server without sync-collection: the collection's getctag, then the members' etags.
    There is no token to forget: a sync after any change compares every etag."""

    @pytest.fixture(autouse=True)
    def _without_sync_collection(self, radicale_server: RadicaleServer) -> None:
        radicale_server.offer_sync_collection = False

    def test_an_unchanged_calendar_costs_the_server_one_request(self) -> None:
        self.put(0, meeting(0, 9))
        source, first = self.first()
        self.server.seen.clear()

        again = source.sync(first.state, WEEK)

        assert (again.kind, again.kept, again.removed, again.requests) == (
            "incremental",
            (),
            (),
            1,
        )
        assert [r.method for r in self.server.seen] == ["PROPFIND"]

    def test_a_forgotten_state_gives_a_full_resync_that_reconciles_deletions(self) -> None:
        self.put(0, meeting(0, 9))
        self.put(1, meeting(1, 10))
        source, first = self.first()
        cache = self.cache_after({}, first)

        self.remove(0)
        self.put(2, meeting(2, 11))
        self.forget_states()
        after = source.sync(first.state, WEEK)

        assert after.kind == "incremental"
        assert self.cache_after(cache, after).keys() == {e.id for e in source.fetch(WEEK)}
        assert self.hours(after) == [(4, 11)]


class TestCalDavIncrementalSourceByEtag(TestCalDavIncrementalSourceByCtag):
    """A server with neither sync-collection nor getctag: every member's etag, each sync."""

    @pytest.fixture(autouse=True)
    def _without_ctag(self, radicale_server: RadicaleServer) -> None:
        radicale_server.offer_ctag = False
