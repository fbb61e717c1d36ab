"""The footer's pause link: a page that pauses the weekly review for four weeks or until the
leader resumes, and resumes it; stored with an audit line, honoured by the delivery."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from assistant.app.delivery import deliver, prepare_email
from assistant.core.review import WeeklyReview
from assistant.mail.send import SmtpSettings
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry
from assistant.store.repositories import find_leader, reviews_paused
from tests.mail.fixtures import LEADER, NOW, SmtpServer
from tests.web.test_confirm_pages import Site, links, mail


def paused_state(store: Engine) -> tuple[Any, Any]:
    with session_scope(store) as session:
        leader = find_leader(session, LEADER)
        assert leader is not None
        return leader.paused_at, leader.paused_until


def pause_audit(store: Engine) -> list[str]:
    with session_scope(store) as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.in_(("review.paused", "review.resumed")))
                .order_by(AuditEntry.id)
            )
        )


def test_pausing_for_four_weeks_stops_the_email_until_then_and_resuming_restarts_it(
    ics_site: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer, browser: Any
) -> None:
    _prepared, html = mail(ics_site, reviews["en"], smtp_server)
    [pause] = links(html, "/pause/")
    assert httpx.get(pause).status_code == 200  # a mail scanner: nothing stored
    assert paused_state(ics_site.store) == (None, None)

    page = browser.new_page()
    try:
        page.goto(pause)
        assert page.locator("h1").inner_text() == "Pause the weekly review?"
        page.get_by_role("button", name="Pause for 4 weeks").click()
        assert page.locator("h1").inner_text() == "The weekly review is paused until Mon 28 Dec."
        paused_at, until = paused_state(ics_site.store)
        assert paused_at == NOW
        assert until == NOW + timedelta(weeks=4)
        assert pause_audit(ics_site.store) == ["review.paused"]

        # The next week's email is not sent while paused, unless forced.
        next_week = reviews["en"].week.shifted(1)
        delivery = send_week(ics_site, reviews["en"], next_week, smtp_server)
        assert (delivery.status, delivery.paused_until) == ("paused", until)
        assert len(smtp_server.inbox.messages) == 1  # only the first, before the pause

        page.goto(pause)
        page.get_by_role("button", name="Resume the weekly review").click()
        assert page.locator("h1").inner_text() == "The weekly review is on again."
        assert paused_state(ics_site.store) == (None, None)
        assert pause_audit(ics_site.store) == ["review.paused", "review.resumed"]
        assert send_week(ics_site, reviews["en"], next_week, smtp_server).status == "sent"
    finally:
        page.close()


def send_week(site: Site, review: WeeklyReview, week: Any, smtp: SmtpServer) -> Any:
    from dataclasses import replace

    prepared = prepare_email(
        site.store, replace(review, week=week), leader_email=LEADER, signer=site.signer, now=NOW
    )
    settings = SmtpSettings(smtp.host, smtp.port, "none", "review@regie.example.org")
    return deliver(site.store, prepared, settings, now=NOW)


def test_a_pause_until_resumed_has_no_end_and_a_dated_pause_ends_by_itself(
    ics_site: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer, browser: Any
) -> None:
    _prepared, html = mail(ics_site, reviews["nl"], smtp_server)
    [pause] = links(html, "/pause/")
    page = browser.new_page()
    try:
        page.goto(pause)
        assert page.locator("h1").inner_text() == "Het weekoverzicht pauzeren?"
        page.get_by_role("button", name="Pauzeren tot ik het weer aanzet").click()
        title = "Het weekoverzicht is gepauzeerd tot je het weer aanzet."
        assert page.locator("h1").inner_text() == title
    finally:
        page.close()
    paused_at, until = paused_state(ics_site.store)
    assert (paused_at, until) == (NOW, None)
    with session_scope(ics_site.store) as session:
        leader = find_leader(session, LEADER)
        assert leader is not None
        assert reviews_paused(leader, NOW + timedelta(days=400))
        leader.paused_until = NOW + timedelta(weeks=4)
        assert reviews_paused(leader, NOW + timedelta(weeks=4) - timedelta(seconds=1))
        assert not reviews_paused(leader, NOW + timedelta(weeks=4))


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_tampered_pause_link_changes_nothing(
    language: str,
    ics_site: Site,
    reviews: dict[str, WeeklyReview],
    smtp_server: SmtpServer,
) -> None:
    _prepared, html = mail(ics_site, reviews[language], smtp_server)
    [pause] = links(html, "/pause/")
    tampered = pause[:-4] + ("AAAA" if not pause.endswith("AAAA") else "BBBB")
    shown = httpx.get(tampered)
    assert shown.status_code == 400
    title = "Deze link is niet geldig" if language == "nl" else "This link is not valid"
    headers = {"accept-language": language}
    answer = httpx.post(tampered, data={"action": "pause"}, headers=headers)
    assert answer.status_code == 400
    assert title in answer.text
    assert paused_state(ics_site.store) == (None, None)
