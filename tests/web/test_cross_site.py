"""A POST that does not come from our own page (double-submit cookie missing or different) is
refused with a friendly page in the leader's language and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from assistant.core.review import WeeklyReview
from assistant.store.database import session_scope
from assistant.store.models import OutboxEntry
from tests.mail.fixtures import SmtpServer
from tests.web.test_confirm_pages import Site, links, mail, status_of

ATTACKER = "http://attacker.example/"


def outbox_size(store: Engine) -> int:
    with session_scope(store) as session:
        return int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0)


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Please confirm on the page itself"), ("nl", "Bevestig het op de pagina zelf")],
)
def test_a_post_without_the_pages_cookie_is_refused_and_changes_nothing(
    language: str,
    title: str,
    ics_site: Site,
    reviews: dict[str, WeeklyReview],
    smtp_server: SmtpServer,
) -> None:
    _prepared, html = mail(ics_site, reviews[language], smtp_server)
    accept = links(html, "?do=accept")[0]
    key = accept.split("/p/")[1]
    shown = httpx.get(accept)
    field = re.search(r'name="form_token" value="([^"]+)"', shown.text)
    assert field
    cookie = shown.cookies["agenda_regie_form"]
    assert "samesite=lax" in shown.headers["set-cookie"].lower()
    assert "httponly" in shown.headers["set-cookie"].lower()
    target = accept.split("?")[0]

    forged = [
        {"data": {"action": "accept"}},  # no field, no cookie
        {"data": {"action": "accept", "form_token": field.group(1)}},  # a leaked field alone
        {
            "data": {"action": "accept", "form_token": "x" * 43},  # a guess with some cookie
            "cookies": {"agenda_regie_form": cookie},
        },
    ]
    for request in forged:
        with httpx.Client(cookies=request.get("cookies")) as client:
            answer = client.post(target, data=request["data"])
        assert answer.status_code == 403
        assert f"<h1>{title}</h1>" in answer.text
        assert f'lang="{language}"' in answer.text
    assert status_of(ics_site.store, _key(reviews[language])) == "proposed"
    assert outbox_size(ics_site.store) == 0
    assert key  # the link itself was valid all along


def _key(review: WeeklyReview) -> str:
    return sorted(review.proposals, key=lambda p: (p.start, p.key))[0].key


def test_a_form_on_another_site_cannot_accept_in_a_real_browser(
    ics_site: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer, browser: Any
) -> None:
    """The leader has the confirm page open (so the browser holds the cookie); a page on another
    site posts the same form, even with the right hidden value: the SameSite cookie stays home."""
    _prepared, html = mail(ics_site, reviews["en"], smtp_server)
    accept = links(html, "?do=accept")[0]
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(accept)
        value = page.locator("input[name=form_token]").get_attribute("value")
        assert value
        forged = (
            f'<form id="f" method="post" action="{accept.split("?")[0]}">'
            f'<input name="action" value="accept"><input name="form_token" value="{value}">'
            "</form><script>document.getElementById('f').submit()</script>"
        )
        page.route(
            ATTACKER + "**",
            lambda route: route.fulfill(body=forged, content_type="text/html"),
        )
        with page.expect_navigation(url=accept.split("?")[0]):
            page.goto(ATTACKER + "offer")
        assert page.locator("h1").inner_text() == "Please confirm on the page itself"
        assert status_of(ics_site.store, _key(reviews["en"])) == "proposed"

        # The leader's own click on our page still works.
        page.goto(accept)
        page.get_by_role("button", name="Accept").click()
        assert "Download the .ics file" in page.locator("h1").inner_text()
    finally:
        context.close()


WEBMAIL = "http://webmail.example/"


def test_two_confirm_pages_opened_from_webmail_both_work(
    ics_site: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer, browser: Any
) -> None:
    """Webmail is another site: each link opens a tab by a cross-site navigation. The second tab
    keeps the browser's form value, so the button of the first one still works."""
    review = reviews["en"]
    _prepared, html = mail(ics_site, review, smtp_server)
    first, second = links(html, "?do=accept")[:2]
    inbox = "".join(
        f'<a id="link{n}" href="{url}" target="_blank" rel="noopener noreferrer">Accept</a>'
        for n, url in enumerate((first, second))
    )
    context = browser.new_context()
    try:
        webmail = context.new_page()
        webmail.route(
            WEBMAIL + "**", lambda route: route.fulfill(body=inbox, content_type="text/html")
        )
        webmail.goto(WEBMAIL + "inbox")
        tabs = []
        for n in range(2):
            with context.expect_page() as opened:
                webmail.click(f"#link{n}")
            tab = opened.value
            tab.wait_for_load_state()
            assert tab.locator("h1").inner_text() == "Add this block to your calendar?"
            tabs.append(tab)
        for tab in tabs:
            tab.get_by_role("button", name="Accept").click()
            assert "Download the .ics file" in tab.locator("h1").inner_text()
        keys = sorted(review.proposals, key=lambda p: (p.start, p.key))[:2]
        assert [status_of(ics_site.store, p.key) for p in keys] == ["accepted", "accepted"]
    finally:
        context.close()
