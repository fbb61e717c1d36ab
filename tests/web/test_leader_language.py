"""The leader's language and time zone have one home: a Dutch leader's email, confirm page,
pause page and .ics are Dutch, an English leader's English, each in their own zone, whatever
language a review on the command line was asked in. Walked in Chromium."""

from __future__ import annotations

from email.message import Message
from pathlib import Path
from typing import Any

import icalendar
import pytest

from assistant.app.delivery import deliver, prepare_email
from assistant.app.history import review_with_history
from assistant.app.review import open_ics
from assistant.app.rules import stored_rules
from assistant.cli.main import main
from assistant.mail.send import SmtpSettings
from tests.mail.fixtures import NOW, WEEK, SmtpServer
from tests.web.test_confirm_pages import Site, links

LEADERS = {
    "nl": ("anna.dijkstra@example.org", "Anna Dijkstra", "Europe/Amsterdam"),
    "en": ("ben.carter@example.org", "Ben Carter", "Europe/London"),
}
SEEN = {
    "nl": {
        "email": "Tijdzone Europe/Amsterdam",
        "footer": ("De voorstellen volgen je eigen regels: versie 1 van ", ", vastgelegd door ea."),
        "confirm": "Dit blok in je agenda zetten?",
        "pause": "Het weekoverzicht pauzeren?",
        "kinds": {"Reflectieblok", "Herstelpauze", "Lunchpauze", "Mini-retraite"},
    },
    "en": {
        "email": "Time zone Europe/London",
        "footer": ("The proposals follow your own rules: version 1 of ", ", set by ea."),
        "confirm": "Add this block to your calendar?",
        "pause": "Pause the weekly review?",
        "kinds": {"Reflection block", "Recovery break", "Lunch break", "Mini-retreat"},
    },
}


def send(site: Site, leader: str, calendar: Path, smtp: SmtpServer) -> Message:
    """The weekly email as the workers make it: the leader's stored rules, nothing else."""
    rules = stored_rules(site.store, leader)
    assert rules is not None
    review = review_with_history(open_ics(calendar, rules), rules, WEEK, NOW)
    prepared = prepare_email(site.store, review, leader_email=leader, signer=site.signer, now=NOW)
    settings = SmtpSettings(smtp.host, smtp.port, "none", "review@regie.example.org")
    deliver(site.store, prepared, settings, now=NOW, force=True)
    return smtp.inbox.messages[-1]


def part(message: Message, content_type: str) -> bytes:
    found = next(p for p in message.walk() if p.get_content_type() == content_type)
    payload = found.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_email_the_pages_and_the_ics_speak_the_leaders_language_in_their_zone(
    language: str,
    ics_site: Site,
    marked_path: Path,
    smtp_server: SmtpServer,
    browser: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    leader, name, zone = LEADERS[language]
    seen = SEEN[language]
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(
        f"leader:\n  name: {name}\n  language: {language}\n  timezone: {zone}\n", encoding="utf-8"
    )
    monkeypatch.setenv("DATABASE_URL", ics_site.store.url.render_as_string(hide_password=False))
    assert main(["rules", "apply", str(rule_file), "--leader", leader, "--by", "ea"]) == 0, (
        capsys.readouterr().err
    )
    # A look in the other language on the command line changes nothing of that.
    other = "en" if language == "nl" else "nl"
    look = ["review", str(marked_path), "--me", leader, "--lang", other, "--format", "json"]
    assert main(look) == 0
    capsys.readouterr()

    message = send(ics_site, leader, marked_path, smtp_server)
    html = part(message, "text/html").decode("utf-8")
    page = browser.new_page()
    try:
        page.set_content(html)
        assert page.locator("html").get_attribute("lang") == language
        body = page.locator("body").inner_text()
        assert seen["email"] in body
        # The footer names the rule set that made the proposals, and when it was set.
        start, end = seen["footer"]
        assert start in body
        assert body.split(start)[1].split("\n")[0].endswith(end)

        accept = links(html, "?do=accept")[0]
        page.goto(accept)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").inner_text() == seen["confirm"]

        [pause] = links(html, "/pause/")
        page.goto(pause)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").inner_text() == seen["pause"]
    finally:
        page.close()

    calendar = icalendar.Calendar.from_ical(part(message, "text/calendar"))
    summaries = {str(event["summary"]) for event in calendar.walk("VEVENT")}
    assert summaries
    assert summaries <= seen["kinds"]
