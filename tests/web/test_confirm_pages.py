"""End to end: the email's links, followed in a real browser, against a fake Google calendar."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from assistant.accounts.google import connect_google
from assistant.app.delivery import PreparedEmail, deliver, prepare_email
from assistant.app.writers import Withdraw, WriteBack, google_write_back, no_withdraw, no_write_back
from assistant.core.review import WeeklyReview
from assistant.i18n.wording import word
from assistant.mail.links import LinkSigner
from assistant.mail.send import SmtpSettings
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, OutboxEntry, ProposalRow
from assistant.web.app import create_app
from connectors.google.auth import build_service
from connectors.google.mapping import TAG_KEY
from tests.connectors.google.conftest import user_credentials
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.mail.fixtures import (
    LEADER,
    MARKER,
    NOW,
    SECRET,
    Clock,
    SmtpServer,
    leader_speaks,
    press,
    serve,
)


@dataclass
class Site:
    url: str
    clock: Clock
    signer: LinkSigner
    store: Engine
    fake: FakeGoogleCalendar | None


def start_site(
    store: Engine,
    write_back: WriteBack,
    fake: FakeGoogleCalendar | None,
    withdraw: Withdraw = no_withdraw,
) -> Iterator[Site]:
    clock = Clock()
    signer = LinkSigner(SECRET, "http://placeholder")
    app = create_app(store, signer, write_back=write_back, withdraw=withdraw, clock=clock)
    for url in serve(app):
        signer.base_url = url  # the links point at the port the server got
        yield Site(url, clock, signer, store, fake)


@pytest.fixture
def fake() -> Iterator[FakeGoogleCalendar]:
    server = FakeGoogleCalendar(owner=LEADER).start()
    yield server
    server.stop()


@pytest.fixture
def google_site(store: Engine, fake: FakeGoogleCalendar) -> Iterator[Site]:
    cipher = SecretBox([Fernet.generate_key().decode()])
    connect_google(store, LEADER, LEADER, user_credentials(fake), cipher, now=NOW)
    write_back = google_write_back(
        cipher,
        service_factory=lambda credentials: build_service(credentials, api_endpoint=fake.url),
    )
    yield from start_site(store, write_back, fake)


@pytest.fixture
def ics_site(store: Engine) -> Iterator[Site]:
    yield from start_site(store, no_write_back, None)


def mail(site: Site, review: WeeklyReview, smtp: SmtpServer) -> tuple[PreparedEmail, str]:
    leader_speaks(site.store, review.language)
    prepared = prepare_email(site.store, review, leader_email=LEADER, signer=site.signer, now=NOW)
    settings = SmtpSettings(smtp.host, smtp.port, "none", "review@regie.example.org")
    deliver(site.store, prepared, settings, now=NOW, force=True)
    received = smtp.inbox.messages[-1]
    html = next(p for p in received.walk() if p.get_content_type() == "text/html")
    payload = html.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return prepared, payload.decode("utf-8")


def links(html: str, fragment: str) -> list[str]:
    hrefs = [href.split('"')[0].replace("&amp;", "&") for href in html.split('href="')[1:]]
    return [h for h in hrefs if fragment in h]


def ours(fake: FakeGoogleCalendar, key: str) -> list[dict[str, Any]]:
    return [
        e
        for e in fake.live().values()
        if (e.get("extendedProperties") or {}).get("private", {}).get(TAG_KEY) == key
    ]


def audit_actions(store: Engine, key: str) -> list[str]:
    with session_scope(store) as session:
        return list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.subject == key).order_by(AuditEntry.id)
            )
        )


def status_of(store: Engine, key: str) -> str:
    with session_scope(store) as session:
        return session.scalars(select(ProposalRow.status).where(ProposalRow.key == key)).one()


def test_accept_from_the_email_writes_the_block_exactly_once(
    google_site: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer, browser: Any
) -> None:
    review = reviews["en"]
    _prepared, html = mail(google_site, review, smtp_server)
    assert "text/calendar" not in smtp_server.inbox.messages[-1].as_string()  # has write-back
    accept = links(html, "?do=accept")[0]
    first = sorted(review.proposals, key=lambda p: (p.start, p.key))[0]
    key = first.key
    assert google_site.fake is not None

    # A mail scanner fetches the link: it sees a page, and nothing changes.
    scanned = httpx.get(accept)
    assert scanned.status_code == 200
    assert "Add this block to your calendar?" in scanned.text
    assert MARKER not in scanned.text
    assert status_of(google_site.store, key) == "proposed"
    assert not ours(google_site.fake, key)

    page = browser.new_page()
    try:
        page.goto(accept)
        assert page.locator("[data-field=why]").inner_text() == word(first.reason, "en")
        page.get_by_role("button", name="Accept").click()
        assert page.locator("h1").inner_text() == "Added to your calendar."
        assert len(ours(google_site.fake, key)) == 1
        assert status_of(google_site.store, key) == "written"
        # Written as the leader's rules say (the defaults: decline new conflicting invitations).
        written = ours(google_site.fake, key)[0]
        assert written["eventType"] == "focusTime"
        assert (
            written["focusTimeProperties"]["autoDeclineMode"]
            == "declineOnlyNewConflictingInvitations"
        )
        assert audit_actions(google_site.store, key) == ["proposal.accepted"]

        # The second click: the link now says it is there already; a replayed POST changes nothing.
        page.goto(accept)
        assert page.locator("h1").inner_text() == "This block is already in your calendar."
        replay = press(accept, "accept")
        assert "This block is already in your calendar." in replay.text
        assert len(ours(google_site.fake, key)) == 1
        assert google_site.fake.count("POST") == 1

        # A tampered token: 400 and a friendly page; an expired one: a friendly page.
        token = accept.split("/p/")[1].split("?")[0]
        tampered = accept.replace(token, token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"))
        response = page.goto(tampered)
        assert response is not None
        assert response.status == 400
        assert page.locator("h1").inner_text() == "This link is not valid"
        second = sorted(review.proposals, key=lambda p: (p.start, p.key))[1]
        other = links(html, "?do=accept")[1]
        google_site.clock.now = NOW + timedelta(days=11)
        response = page.goto(other)
        assert response is not None
        assert response.status == 410
        assert page.locator("h1").inner_text() == "This link has expired"
        assert httpx.post(other.split("?")[0], data={"action": "accept"}).status_code == 410
        assert status_of(google_site.store, second.key) == "proposed"
        assert not ours(google_site.fake, second.key)
    finally:
        page.close()


def test_a_failed_write_stays_in_the_outbox_and_is_retried(
    store: Engine, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer
) -> None:
    from assistant.app.outbox import flush_outbox

    calls: list[str] = []

    def flaky(_engine: Engine, _leader: int, block: Any) -> str | None:
        calls.append(block.key)
        if len(calls) == 1:
            raise ConnectionError("calendar unreachable")
        return "event-1"

    for site in start_site(store, flaky, None):
        _prepared, html = mail(site, reviews["nl"], smtp_server)
        accept = links(html, "?do=accept")[0]
        answer = press(accept, "accept")
        assert "Geaccepteerd. Het verschijnt binnenkort in je agenda." in answer.text
        with session_scope(store) as session:
            entry = session.scalars(select(OutboxEntry)).one()
            assert entry.done_at is None
            assert entry.attempts == 1
            assert entry.last_error
        assert flush_outbox(store, flaky, NOW, withdraw=no_withdraw) == {}  # not due yet
        later = NOW + timedelta(minutes=6)
        [(key, outcome)] = flush_outbox(store, flaky, later, withdraw=no_withdraw).items()
        assert outcome == "written"
        assert status_of(store, key) == "written"


def test_icalendar_only_leaders_get_the_ics_offered_and_dutch_pages(
    ics_site: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer, browser: Any
) -> None:
    _prepared, html = mail(ics_site, reviews["nl"], smtp_server)
    assert "text/calendar" in smtp_server.inbox.messages[-1].as_string()
    decline, accept = links(html, "?do=decline")[0], links(html, "?do=accept")[1]
    page = browser.new_page()
    try:
        page.goto(decline)
        assert page.locator("h1").inner_text() == "Dit blok afwijzen?"
        page.get_by_role("button", name="Afwijzen").click()
        assert page.locator("h1").inner_text() == "Afgewezen. Er is niets aan je agenda toegevoegd."
        page.goto(accept)
        page.get_by_role("button", name="Accepteren").click()
        assert "Download het .ics-bestand" in page.locator("h1").inner_text()
        href = page.get_by_role("link", name=".ics downloaden").get_attribute("href")
        assert href is not None
        calendar = httpx.get(ics_site.url + href)
        assert calendar.headers["content-type"].startswith("text/calendar")
        assert "METHOD:PUBLISH" in calendar.text
        assert calendar.text.count("BEGIN:VEVENT") == 1
    finally:
        page.close()


def test_a_self_rating_from_the_email_is_stored_and_shown_in_the_next_review(
    ics_site: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer, browser: Any
) -> None:
    review = reviews["en"]
    _prepared, html = mail(ics_site, review, smtp_server)
    rating = links(html, "/r/")[3]  # 4 of 5
    assert httpx.get(rating).status_code == 200  # a scanner: nothing stored
    page = browser.new_page()
    try:
        page.goto(rating)
        page.get_by_role("button", name="Store my answer: 4 of 5").click()
        assert page.locator("h1").inner_text() == "Thank you. Your answer (4 of 5) is stored."
    finally:
        page.close()
    next_week = replace(review, week=review.week.shifted(1), proposals=())
    prepared = prepare_email(
        ics_site.store, next_week, leader_email=LEADER, signer=ics_site.signer, now=NOW
    )
    assert 'data-trend="self_rating"' in prepared.email.html
    assert "4/5" in prepared.email.html
    assert "Room you felt (1-5)" in prepared.email.text
    assert "4" in prepared.email.text


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_email_fits_600_pixels_without_horizontal_scrolling(
    language: str, reviews: dict[str, WeeklyReview], store: Engine, browser: Any
) -> None:
    prepared = prepare_email(
        store,
        reviews[language],
        leader_email=LEADER,
        signer=LinkSigner(SECRET, "https://regie.example.org"),
        now=NOW,
    )
    page = browser.new_page(viewport={"width": 600, "height": 900})
    try:
        page.set_content(prepared.email.html)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 600
    finally:
        page.close()
