"""Write-back follows the leader's connection (Google, Microsoft 365, none), and an accept can be
taken back from the confirm page: the block leaves the calendar once, through the outbox."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select, update

from assistant.accounts.google import connect_google
from assistant.accounts.graph_access import GraphAccess
from assistant.accounts.microsoft import connect_microsoft
from assistant.app.outbox import flush_outbox
from assistant.app.writers import WEB_RETRY_POLICY, provider_writers
from assistant.core.review import WeeklyReview
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Connection, OutboxEntry
from connectors.google.auth import build_service
from connectors.microsoft.auth import APPLICATION_SCOPES, AppRegistration, StoredAuthorisation
from connectors.microsoft.mapping import TAG_PROPERTY_ID
from connectors.microsoft.writer import tag_value
from tests.connectors.google.conftest import user_credentials
from tests.connectors.microsoft.test_auth import Rewriting
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.microsoft_graph import FakeGraph
from tests.mail.fixtures import LEADER, NOW, SmtpServer, press
from tests.web.test_confirm_pages import (
    Site,
    audit_actions,
    links,
    mail,
    ours,
    start_site,
    status_of,
)

REGISTRATION = AppRegistration("client-1", "tenant1", "secret")


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    server = FakeGraph(owner=LEADER).start()
    yield server
    server.stop()


@pytest.fixture
def microsoft_site(store: Engine, graph: FakeGraph) -> Iterator[Site]:
    """A leader whose only calendar is Microsoft 365 (an application grant), msal for real."""
    cipher = SecretBox([Fernet.generate_key().decode()])
    stored = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
    connect_microsoft(store, LEADER, stored, cipher, now=NOW)
    with httpx.Client(timeout=30.0) as http, Rewriting(graph.url) as login:
        access = GraphAccess(REGISTRATION, http, graph_url=graph.graph_url, login_http_client=login)
        writers = provider_writers(cipher, microsoft_access=access)
        yield from start_site(store, writers.write, None, withdraw=writers.withdraw)


@pytest.fixture
def google() -> Iterator[FakeGoogleCalendar]:
    server = FakeGoogleCalendar(owner=LEADER).start()
    yield server
    server.stop()


@pytest.fixture
def google_site(store: Engine, google: FakeGoogleCalendar) -> Iterator[Site]:
    cipher = SecretBox([Fernet.generate_key().decode()])
    connect_google(store, LEADER, LEADER, user_credentials(google), cipher, now=NOW)
    writers = provider_writers(
        cipher,
        google_service_factory=lambda credentials: build_service(
            credentials, api_endpoint=google.url
        ),
    )
    yield from start_site(store, writers.write, google, withdraw=writers.withdraw)


def blocks_at_graph(graph: FakeGraph, key: str) -> list[dict[str, Any]]:
    wanted = tag_value(key, 0)
    return [
        event
        for event_id, event in graph.live(LEADER).items()
        if graph.properties.get((LEADER, event_id), {}).get(TAG_PROPERTY_ID) == wanted
    ]


def first_proposal(review: WeeklyReview) -> str:
    return sorted(review.proposals, key=lambda p: (p.start, p.key))[0].key


def test_a_microsoft_leader_accepts_and_the_block_is_in_outlook_exactly_once(
    microsoft_site: Site,
    graph: FakeGraph,
    reviews: dict[str, WeeklyReview],
    smtp_server: SmtpServer,
    browser: Any,
) -> None:
    review = reviews["en"]
    _prepared, html = mail(microsoft_site, review, smtp_server)
    assert "text/calendar" not in smtp_server.inbox.messages[-1].as_string()  # has write-back
    accept = links(html, "?do=accept")[0]
    key = first_proposal(review)
    page = browser.new_page()
    try:
        page.goto(accept)
        page.get_by_role("button", name="Accept").click()
        assert page.locator("h1").inner_text() == "Added to your calendar."
        page.goto(accept)
        assert page.locator("h1").inner_text() == "This block is already in your calendar."
    finally:
        page.close()
    assert press(accept, "accept").status_code == 200  # a replay changes nothing
    [block] = blocks_at_graph(graph, key)
    assert block["showAs"] == "busy"
    assert graph.count("POST", "/events") == 1
    assert status_of(microsoft_site.store, key) == "written"


def test_an_accept_is_withdrawn_from_the_confirm_page_and_leaves_google_once(
    google_site: Site,
    google: FakeGoogleCalendar,
    reviews: dict[str, WeeklyReview],
    smtp_server: SmtpServer,
    browser: Any,
) -> None:
    review = reviews["en"]
    _prepared, html = mail(google_site, review, smtp_server)
    accept = links(html, "?do=accept")[0]
    key = first_proposal(review)
    page = browser.new_page()
    try:
        page.goto(accept)
        page.get_by_role("button", name="Accept").click()
        assert len(ours(google, key)) == 1

        # A mail scanner (or a second look) sees the offer to remove it; a GET changes nothing.
        assert "Remove this block again" in httpx.get(accept).text
        assert len(ours(google, key)) == 1

        page.goto(accept)
        page.get_by_role("button", name="Remove this block again").click()
        assert page.locator("h1").inner_text() == "Removed from your calendar."
        assert ours(google, key) == []
        assert status_of(google_site.store, key) == "declined"  # no longer accepted
        assert audit_actions(google_site.store, key) == ["proposal.accepted", "proposal.withdrawn"]

        # Again: it says so, and nothing more is asked of Google.
        page.goto(accept)
        assert page.locator("h1").inner_text() == "This block was already removed."
        deletes = google.count("DELETE")
        again = press_withdraw_replay(accept)
        assert "This block was already removed." in again.text
        assert google.count("DELETE") == deletes
        assert audit_actions(google_site.store, key) == ["proposal.accepted", "proposal.withdrawn"]
    finally:
        page.close()


def press_withdraw_replay(accept: str) -> httpx.Response:
    """A second withdraw from a tab opened before the first one (its cookie and field)."""
    value = secrets.token_urlsafe(32)
    with httpx.Client(cookies={"agenda_regie_form": value}) as client:
        return client.post(accept.split("?")[0], data={"action": "withdraw", "form_token": value})


def test_a_failed_delete_stays_in_the_outbox_and_is_retried(
    store: Engine, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer
) -> None:
    deleted: list[str] = []

    def write(_engine: Engine, _leader: int, block: Any) -> str | None:
        return "event-1"

    def withdraw(_engine: Engine, _leader: int, key: str, _generation: int) -> bool | None:
        deleted.append(key)
        if len(deleted) == 1:
            raise ConnectionError("calendar unreachable")
        return True

    for site in start_site(store, write, None, withdraw=withdraw):
        _prepared, html = mail(site, reviews["nl"], smtp_server)
        accept = links(html, "?do=accept")[0]
        assert "Toegevoegd aan je agenda." in press(accept, "accept").text
        answer = press(accept, "withdraw")
        assert "Ingetrokken. Het verdwijnt binnenkort uit je agenda." in answer.text
        with session_scope(store) as session:
            entry = session.scalars(select(OutboxEntry).where(OutboxEntry.action == "delete")).one()
            assert (entry.done_at, entry.attempts) == (None, 1)
            assert entry.last_error == "calendar unreachable"
        assert flush_outbox(store, write, NOW, withdraw=withdraw) == {}  # not due yet
        later = NOW + timedelta(minutes=6)
        [(key, outcome)] = flush_outbox(store, write, later, withdraw=withdraw).items()
        assert outcome == "withdrawn"
        assert deleted == [key, key]
        assert flush_outbox(store, write, later + timedelta(hours=1), withdraw=withdraw) == {}


def test_icalendar_leaders_are_told_to_remove_an_imported_block_themselves(
    ics_site_plain: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer
) -> None:
    _prepared, html = mail(ics_site_plain, reviews["nl"], smtp_server)
    accept = links(html, "?do=accept")[0]
    press(accept, "accept")
    answer = press(accept, "withdraw")
    assert "haal het dus zelf uit je agenda" in answer.text


@pytest.fixture
def ics_site_plain(store: Engine) -> Iterator[Site]:
    yield from start_site(store, lambda _e, _l, _b: None, None)


def test_accept_all_leaves_a_withdrawn_blocks_pending_delete_to_the_real_withdraw(
    store: Engine, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer
) -> None:
    """A delete that failed once is due again when the leader accepts the rest of the week: the
    accept-all writes only what it accepted, and the block still leaves the calendar for real."""
    deleted: list[str] = []

    def write(_engine: Engine, _leader: int, block: Any) -> str | None:
        return f"event-{block.key}"

    def withdraw(_engine: Engine, _leader: int, key: str, _generation: int) -> bool | None:
        deleted.append(key)
        if len(deleted) == 1:
            raise ConnectionError("calendar unreachable")
        return True

    for site in start_site(store, write, None, withdraw=withdraw):
        review = reviews["en"]
        _prepared, html = mail(site, review, smtp_server)
        accept = links(html, "?do=accept")[0]
        key = first_proposal(review)
        press(accept, "accept")
        assert "It will disappear from your calendar shortly." in press(accept, "withdraw").text
        site.clock.now = NOW + timedelta(minutes=6)  # the failed delete is due again

        [accept_all] = links(html, "/all/")
        answer = press(accept_all, "accept")
        assert f"{len(review.proposals) - 1} blocks accepted." in answer.text
        assert deleted == [key]  # not done as if the leader had imported an .ics
        with session_scope(store) as session:
            entry = session.scalars(select(OutboxEntry).where(OutboxEntry.action == "delete")).one()
            assert entry.done_at is None
        later = NOW + timedelta(minutes=7)
        assert flush_outbox(store, write, later, withdraw=withdraw) == {key: "withdrawn"}
        assert deleted == [key, key]


class SlowCalendar:
    """A calendar whose write waits for the test's go, so the leader can withdraw meanwhile."""

    def __init__(self) -> None:
        self.blocks: dict[str, str] = {}
        self.writing = threading.Event()
        self.go = threading.Event()

    def write(self, _engine: Engine, _leader: int, block: Any) -> str | None:
        self.writing.set()
        assert self.go.wait(timeout=30)
        self.blocks[block.key] = f"event-{block.key}"
        return self.blocks[block.key]

    def withdraw(self, _engine: Engine, _leader: int, key: str, _generation: int) -> bool | None:
        return self.blocks.pop(key, None) is not None


def press_into(answers: list[httpx.Response], url: str, action: str) -> None:
    answers.append(press(url, action))


def test_a_block_withdrawn_while_its_write_is_in_flight_leaves_the_calendar(
    store: Engine, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer
) -> None:
    calendar = SlowCalendar()
    for site in start_site(store, calendar.write, None, withdraw=calendar.withdraw):
        review = reviews["en"]
        _prepared, html = mail(site, review, smtp_server)
        accept = links(html, "?do=accept")[0]
        key = first_proposal(review)
        answers: list[httpx.Response] = []
        first_tab = threading.Thread(target=press_into, args=(answers, accept, "accept"))
        first_tab.start()
        try:
            assert calendar.writing.wait(timeout=30)
            # The other tab: the accept is stored, its write has not landed yet.
            removed = press(accept, "withdraw")
            assert "Removed from your calendar." in removed.text
        finally:
            calendar.go.set()
            first_tab.join(timeout=30)
        [accepted] = answers
        assert "This block was already removed." in accepted.text
        assert "It will appear in your calendar" not in accepted.text
        assert calendar.blocks == {}
        assert status_of(store, key) == "declined"
        with session_scope(store) as session:
            waiting = session.scalars(select(OutboxEntry).where(OutboxEntry.done_at.is_(None)))
            assert list(waiting) == []


def set_connection_status(store: Engine, status: str) -> None:
    with session_scope(store) as session:
        session.execute(update(Connection).values(status=status))


WAITING_FOR_CONNECTION = {
    "en": "Accepted. It will appear in your calendar once the calendar connection works again.",
    "nl": "Geaccepteerd. Het verschijnt in je agenda zodra de koppeling met je agenda weer werkt.",
}


@pytest.mark.parametrize(("status", "language"), [("error", "en"), ("needs_reauthorisation", "nl")])
def test_an_accept_waits_for_a_broken_connection_and_is_written_once_it_works(
    status: str,
    language: str,
    store: Engine,
    google: FakeGoogleCalendar,
    reviews: dict[str, WeeklyReview],
    smtp_server: SmtpServer,
) -> None:
    """A Google outage (or a revoked grant) is no reason to hand a connected leader an .ics: the
    block waits in the outbox and reaches the calendar when the connection is back."""
    cipher = SecretBox([Fernet.generate_key().decode()])
    connect_google(store, LEADER, LEADER, user_credentials(google), cipher, now=NOW)
    writers = provider_writers(
        cipher,
        google_service_factory=lambda credentials: build_service(
            credentials, api_endpoint=google.url
        ),
    )
    for site in start_site(store, writers.write, google, withdraw=writers.withdraw):
        review = reviews[language]
        _prepared, html = mail(site, review, smtp_server)
        accept = links(html, "?do=accept")[0]
        key = first_proposal(review)
        set_connection_status(store, status)

        answer = press(accept, "accept")
        assert WAITING_FOR_CONNECTION[language] in answer.text
        assert 'href="/ics/' not in answer.text
        assert ours(google, key) == []
        assert status_of(store, key) == "accepted"
        with session_scope(store) as session:
            entry = session.scalars(select(OutboxEntry)).one()
            assert entry.done_at is None

        set_connection_status(store, "ok")
        later = NOW + timedelta(minutes=6)
        drained = flush_outbox(store, writers.write, later, withdraw=writers.withdraw)
        assert drained == {key: "written"}
        assert len(ours(google, key)) == 1
        assert google.count("POST", "/events") == 1
        assert status_of(store, key) == "written"
        assert flush_outbox(store, writers.write, later, withdraw=writers.withdraw) == {}


def test_a_throttled_write_from_the_confirm_page_is_left_to_the_outbox_promptly(
    store: Engine,
    google: FakeGoogleCalendar,
    reviews: dict[str, WeeklyReview],
    smtp_server: SmtpServer,
) -> None:
    """The leader waits for the page: two attempts and seconds of waiting, not Google's 300 s."""
    cipher = SecretBox([Fernet.generate_key().decode()])
    connect_google(store, LEADER, LEADER, user_credentials(google), cipher, now=NOW)
    waited: list[float] = []
    writers = provider_writers(
        cipher,
        google_service_factory=lambda credentials: build_service(
            credentials, api_endpoint=google.url
        ),
        retry_policy=WEB_RETRY_POLICY,
        sleep=waited.append,
    )
    google.retry_after = "3"

    def throttled(_number: int, method: str, path: str) -> tuple[int, str] | None:
        return (429, "rateLimitExceeded") if method == "POST" and "/events" in path else None

    for site in start_site(store, writers.write, google, withdraw=writers.withdraw):
        review = reviews["en"]
        _prepared, html = mail(site, review, smtp_server)
        accept = links(html, "?do=accept")[0]
        key = first_proposal(review)
        with google.failing(throttled):
            answer = press(accept, "accept")
        assert "Accepted. It will appear in your calendar shortly." in answer.text
        assert google.count("POST", "/events") == WEB_RETRY_POLICY.max_attempts_per_call
        assert sum(waited) <= WEB_RETRY_POLICY.max_total_wait_seconds
        with session_scope(store) as session:
            entry = session.scalars(select(OutboxEntry)).one()
            assert (entry.done_at, entry.attempts) == (None, 1)
            assert entry.next_attempt_at > NOW
        assert status_of(store, key) == "accepted"


class TimingOutCalendar(SlowCalendar):
    """The block lands, but the answer never comes back (the POST times out)."""

    def write(self, engine: Engine, leader: int, block: Any) -> str | None:
        super().write(engine, leader, block)
        raise TimeoutError("the calendar did not answer in time")


def test_a_write_that_fails_after_its_accept_was_withdrawn_still_leaves_the_calendar(
    store: Engine, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer
) -> None:
    calendar = TimingOutCalendar()
    for site in start_site(store, calendar.write, None, withdraw=calendar.withdraw):
        review = reviews["en"]
        _prepared, html = mail(site, review, smtp_server)
        accept = links(html, "?do=accept")[0]
        key = first_proposal(review)
        answers: list[httpx.Response] = []
        first_tab = threading.Thread(target=press_into, args=(answers, accept, "accept"))
        first_tab.start()
        try:
            assert calendar.writing.wait(timeout=30)
            assert "Removed from your calendar." in press(accept, "withdraw").text
        finally:
            calendar.go.set()
            first_tab.join(timeout=30)
        [accepted] = answers
        assert "This block was already removed." in accepted.text
        assert calendar.blocks == {}
        assert status_of(store, key) == "declined"
        with session_scope(store) as session:
            waiting = session.scalars(select(OutboxEntry).where(OutboxEntry.done_at.is_(None)))
            assert list(waiting) == []


def test_a_throttled_write_to_outlook_from_the_confirm_page_is_left_to_the_outbox_promptly(
    store: Engine,
    graph: FakeGraph,
    reviews: dict[str, WeeklyReview],
    smtp_server: SmtpServer,
) -> None:
    """Graph's own budget is 600 s of waiting; the confirm page's is two attempts."""
    cipher = SecretBox([Fernet.generate_key().decode()])
    stored = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
    connect_microsoft(store, LEADER, stored, cipher, now=NOW)
    graph.retry_after = "3"
    waited: list[float] = []

    def throttled(_number: int, method: str, path: str) -> tuple[int, str] | None:
        return (429, "TooManyRequests") if method == "POST" and "/events" in path else None

    with httpx.Client(timeout=30.0) as http, Rewriting(graph.url) as login:
        access = GraphAccess(REGISTRATION, http, graph_url=graph.graph_url, login_http_client=login)
        writers = provider_writers(
            cipher, microsoft_access=access, retry_policy=WEB_RETRY_POLICY, sleep=waited.append
        )
        for site in start_site(store, writers.write, None, withdraw=writers.withdraw):
            review = reviews["en"]
            _prepared, html = mail(site, review, smtp_server)
            accept = links(html, "?do=accept")[0]
            with graph.failing(throttled):
                answer = press(accept, "accept")
            assert "Accepted. It will appear in your calendar shortly." in answer.text
            assert graph.count("POST", "/events") == WEB_RETRY_POLICY.max_attempts_per_call
            assert waited == [3.0]
            assert blocks_at_graph(graph, first_proposal(review)) == []
            assert status_of(store, first_proposal(review)) == "accepted"
