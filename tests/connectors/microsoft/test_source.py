"""The Microsoft source reads Graph's own fields (its contract is in tests/contracts/)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from connectors import ClassifyOptions, EventKind, EventStatus, Response, TimeWindow
from connectors.microsoft import mapping
from connectors.microsoft.errors import AccessDeniedError, RetriesExhaustedError, UnsafeLinkError
from connectors.microsoft.graph import GRAPH_TIMEOUT, LONGEST_REQUEST_SECONDS, GraphClient
from connectors.microsoft.source import MicrosoftSource, SyncState
from connectors.microsoft.throttle import MailboxLimiter, Retrier, RetryPolicy
from tests.connectors.microsoft.conftest import StaticTokens
from tests.connectors.microsoft.events import meeting, person
from tests.contracts.source import (
    AMSTERDAM,
    DAY,
    ME,
    MONDAY,
    SECRET,
    at,
)
from tests.fakes.microsoft_graph import FakeGraph

WEEK = TimeWindow(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))


def source(client: GraphClient, **options: object) -> MicrosoftSource:
    return MicrosoftSource(client, zone=AMSTERDAM, mailbox=ME, **options)  # type: ignore[arg-type]


def test_show_as_decides_busy_and_kind(fake: FakeGraph, client: GraphClient) -> None:
    for hour, show_as in zip(
        range(9, 14), ["free", "tentative", "busy", "oof", "workingElsewhere"], strict=True
    ):
        fake.put(meeting(hour, at(MONDAY, hour), showAs=show_as))

    events = source(client).fetch(DAY).events

    assert [(e.busy, e.kind, e.status) for e in events] == [
        (False, EventKind.OTHER, EventStatus.CONFIRMED),
        (True, EventKind.MEETING, EventStatus.TENTATIVE),
        (True, EventKind.MEETING, EventStatus.CONFIRMED),
        (True, EventKind.OUT_OF_OFFICE, EventStatus.CONFIRMED),
        (False, EventKind.OTHER, EventStatus.CONFIRMED),
    ]


def test_occurrences_are_recurring_and_series_masters_are_not_events(
    fake: FakeGraph, client: GraphClient
) -> None:
    fake.put(meeting(1, at(MONDAY, 9), type="occurrence", seriesMasterId="AAMkMaster="))
    fake.put(meeting(2, at(MONDAY, 10), type="exception", seriesMasterId="AAMkMaster="))
    fake.put(meeting(3, at(MONDAY, 11), type="seriesMaster"))
    fake.put(meeting(4, at(MONDAY, 12)))

    events = source(client).fetch(DAY).events

    assert [(e.id, e.recurring) for e in events] == [
        ("AAMk0000001=", True),
        ("AAMk0000002=", True),
        ("AAMk0000004=", False),
    ]


def test_resources_and_the_leader_are_not_counted_and_titles_stay_out(
    fake: FakeGraph, client: GraphClient
) -> None:
    event = meeting(1, at(MONDAY, 10), subject=f"Board {SECRET}", bodyPreview=SECRET)
    event["attendees"].append(person("room-1@example.org", "resource"))
    event["location"] = {"displayName": SECRET}
    fake.put(event)

    result = source(client).fetch(DAY)

    assert result.events[0].other_attendees == 2
    assert result.events[0].my_response is Response.ACCEPTED
    assert SECRET not in repr(result)


def test_categories_and_options_classify_and_exception_organisers_may_override(
    fake: FakeGraph, client: GraphClient
) -> None:
    fake.put(meeting(1, at(MONDAY, 9), categories=["Denktijd"]))
    fake.put(meeting(2, at(MONDAY, 11), organizer={"emailAddress": {"address": "CEO@example.org"}}))
    fake.put(meeting(3, at(MONDAY, 13), categories=["agenda-regie"], attendees=[]))
    options = ClassifyOptions(
        reflection_keywords=("denktijd",), exception_organisers=frozenset({"ceo@example.org"})
    )

    first, second, third = source(client, options=options).fetch(DAY).events

    assert first.kind is EventKind.PROTECTED
    assert (second.kind, second.may_override_protection) == (EventKind.MEETING, True)
    assert (third.kind, third.ours) == (EventKind.PROTECTED, True)


def test_windows_and_iana_zone_names_and_seven_digit_fractions_are_read() -> None:
    item = {
        "id": "x",
        "start": {"dateTime": "2026-03-02T09:00:00.1234567", "timeZone": "Eastern Standard Time"},
        "end": {"dateTime": "2026-03-02T10:00:00.0000000", "timeZone": "America/New_York"},
        "createdDateTime": "2026-02-01T08:30:00.1234567Z",
    }

    mapped = mapping.to_mapped(item, zone=AMSTERDAM, options=ClassifyOptions(), source="m")

    assert mapped.event is not None
    assert mapped.event.start == datetime(
        2026, 3, 2, 9, 0, 0, 123456, tzinfo=ZoneInfo("America/New_York")
    )
    assert mapped.event.start.astimezone(AMSTERDAM).hour == 15
    assert mapped.event.created == datetime(2026, 2, 1, 8, 30, 0, 123456, tzinfo=UTC)
    assert mapping.zone_named("tzone://Microsoft/Custom") is None


def test_a_broken_event_is_skipped_and_counted(fake: FakeGraph, client: GraphClient) -> None:
    fake.put(meeting(1, at(MONDAY, 9)))
    fake.put({**meeting(2, at(MONDAY, 10)), "start": {"dateTime": "not a time", "timeZone": "UTC"}})
    fake.put(
        {
            **meeting(3, at(MONDAY, 11)),
            "start": {"dateTime": "2026-03-02T10:00:00", "timeZone": "Mars"},
        }
    )

    result = source(client).fetch(DAY)

    assert len(result.events) == 1
    assert sorted(s.reason.split()[1] for s in result.skipped) == ["AAMk0000002=", "AAMk0000003="]


def test_every_request_asks_immutable_ids_utc_and_a_page_size(
    fake: FakeGraph, client: GraphClient
) -> None:
    for n in range(25):
        fake.put(meeting(n, at(MONDAY, 9) + timedelta(minutes=10 * n), minutes=10))

    result = source(client, page_size=10, slice_days=30).fetch(DAY)

    assert len(result.events) == 25
    assert fake.count("GET", "/calendarView") == 3
    for seen in fake.requests:
        assert 'IdType="ImmutableId"' in seen.headers["prefer"]
        assert 'outlook.timezone="UTC"' in seen.headers["prefer"]
        assert "odata.maxpagesize=10" in seen.headers["prefer"]
        assert seen.path == f"/v1.0/users/{ME}/calendar/calendarView"


def test_delta_first_then_changes_removals_and_duplicates(
    fake: FakeGraph, client: GraphClient
) -> None:
    for n in range(4):
        fake.put(meeting(n, at(MONDAY, 9 + n)))
    graph = source(client, page_size=3)
    first = graph.sync(None, WEEK)
    assert (first.kind, len(first.kept), first.requests) == ("first", 4, 2)
    assert fake.requests[0].path == f"/v1.0/users/{ME}/calendarView/delta"

    fake.delete("AAMk0000000=")
    declined = meeting(1, at(MONDAY, 10), responseStatus={"response": "declined"})
    fake.put(declined)
    fake.change("AAMk0000002=", **meeting(2, at(MONDAY, 15)))
    fake.change("AAMk0000002=", **meeting(2, at(MONDAY, 16)))  # changed twice: comes once
    fake.put(meeting(9, at(MONDAY + timedelta(days=30), 9)))  # outside the window
    second = graph.sync(first.state, WEEK)

    assert second.kind == "incremental"
    assert sorted(second.removed) == ["AAMk0000000=", "AAMk0000001=", "AAMk0000009="]
    assert [(e.id, e.start.hour) for e in second.kept] == [("AAMk0000002=", 16)]
    assert second.requests == 2  # four changes, three a page
    assert second.state.delta_link != first.state.delta_link


@pytest.mark.parametrize("status", [400, 410])
def test_an_expired_delta_token_means_a_full_listing(
    fake: FakeGraph, client: GraphClient, status: int
) -> None:
    fake.put(meeting(1, at(MONDAY, 9)))
    graph = source(client)
    first = graph.sync(None, WEEK)
    fake.expiry_status = status
    fake.expire_delta_tokens()

    again = graph.sync(first.state, WEEK)

    assert (again.kind, [e.id for e in again.kept], again.requests) == (
        "token_expired",
        ["AAMk0000001="],
        2,
    )
    assert graph.sync(again.state, WEEK).kind == "incremental"


def test_a_moved_window_means_a_full_listing(fake: FakeGraph, client: GraphClient) -> None:
    old = SyncState(f"{fake.graph_url}/users/{ME}/calendarView/delta?$deltatoken=x", WEEK)
    new = TimeWindow(WEEK.end, WEEK.end + timedelta(days=7))

    result = source(client).sync(old, new)

    assert result.kind == "window_moved"
    assert "startDateTime" in fake.requests[0].query


def test_a_link_to_another_host_is_not_followed(fake: FakeGraph, client: GraphClient) -> None:
    state = SyncState("https://evil.example/v1.0/users/x/calendarView/delta?$deltatoken=1", WEEK)

    with pytest.raises(UnsafeLinkError):
        source(client).sync(state, WEEK)
    assert fake.count() == 0


def test_a_mailbox_outside_the_access_policy_is_a_clear_error_without_retries(
    fake: FakeGraph, client: GraphClient
) -> None:
    fake.forbidden_mailboxes.add(ME)

    with pytest.raises(AccessDeniedError, match="application access policy"):
        source(client).sync(None, WEEK)
    assert fake.count() == 1


def test_a_401_renews_the_token_once(fake: FakeGraph, http: httpx.Client) -> None:
    tokens = StaticTokens()
    fake.rejected_tokens.add("first-token")
    client = GraphClient(http, tokens, base_url=fake.graph_url, limiter=MailboxLimiter())

    MicrosoftSource(client, zone=AMSTERDAM, mailbox=ME).sync(None, WEEK)

    assert tokens.refreshes == 1
    assert [s.headers["authorization"] for s in fake.requests] == [
        "Bearer first-token",
        "Bearer fresh-1",
    ]


def test_parallel_slices_never_have_more_than_four_requests_in_flight_per_mailbox(
    fake: FakeGraph, client: GraphClient
) -> None:
    for n in range(60):
        fake.put(meeting(n, at(MONDAY, 9) + timedelta(days=7 * (n % 26) - 180, minutes=n)))
    fake.put(meeting(99, at(MONDAY, 9)), mailbox="other@example.org")
    fake.delay_seconds = 0.03
    window = TimeWindow(at(MONDAY - timedelta(weeks=26), 0), at(MONDAY + timedelta(weeks=2), 0))

    mine = source(client, slice_days=7, parallel=10, retrier=Retrier(sleep=lambda _s: None))
    result = mine.fetch(window)

    assert len(result.events) == 60
    assert fake.violations == []
    assert fake.max_in_flight[ME] == 4  # the limit was reached, never passed


class DrippingBody(httpx.SyncByteStream):
    """An answer that keeps coming: one chunk at a time, forever."""

    def __iter__(self) -> Iterator[bytes]:
        while True:
            yield b" "


def test_an_answer_that_keeps_dripping_ends_at_the_request_deadline_and_frees_its_slot() -> None:
    seconds = iter(range(0, 10_000, 25))  # every look at the clock is 25 s later
    http = httpx.Client(
        transport=httpx.MockTransport(lambda _request: httpx.Response(200, stream=DrippingBody()))
    )
    limiter = MailboxLimiter(limit=1)
    client = GraphClient(
        http, StaticTokens(), base_url="https://graph.test/v1.0", limiter=limiter,
        deadline_seconds=120.0, clock=lambda: float(next(seconds)),
    )  # fmt: skip
    retrier = Retrier(RetryPolicy(max_attempts_per_call=1))

    with pytest.raises(RetriesExhaustedError, match="no complete answer from Graph within 120 s"):
        client.request(
            "GET", client.url("users/x/events"), mailbox=ME, retrier=retrier, what="list",
            where="events",
        )  # fmt: skip
    with limiter.slot(ME):  # given back: a held slot would block here
        pass


def test_the_longest_request_covers_every_wait_before_the_deadline_is_checked() -> None:
    waits = (GRAPH_TIMEOUT.pool, GRAPH_TIMEOUT.connect, GRAPH_TIMEOUT.write, GRAPH_TIMEOUT.read)
    assert all(wait is not None for wait in waits)
    assert sum(wait or 0.0 for wait in waits) <= LONGEST_REQUEST_SECONDS


def test_people_arrive_as_keyed_hashes_and_counterforce_is_marked(
    fake: FakeGraph, client: GraphClient
) -> None:
    fake.put(meeting(1, at(MONDAY, 9)))  # colleague@ organises, a@ and b@ attend
    fake.put(meeting(2, at(MONDAY, 11), organizer={"emailAddress": {"address": "Coach@x.nl"}}))
    options = ClassifyOptions(people_key=b"k" * 32, counterforce_people=frozenset({"coach@x.nl"}))

    first, second = source(client, options=options).fetch(DAY).events

    assert len(first.people) == 3  # the organiser and the two others, never the leader
    assert len(set(second.people) - set(first.people)) == 1  # the coach
    assert "example.org" not in repr(first)
    assert (first.counterforce, second.counterforce) == (False, True)
