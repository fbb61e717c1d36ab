"""The weekly email as a real SMTP server receives it, in English and Dutch."""

from __future__ import annotations

from email.message import EmailMessage, Message
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine

from assistant.app.delivery import choose_question, deliver, prepare_email
from assistant.core.analysis import QUESTION_COUNT
from assistant.core.review import IsoWeek, WeeklyReview
from assistant.i18n.labels import buffer_name, kind_label
from assistant.i18n.wording import word
from assistant.mail.links import LinkSigner
from assistant.mail.send import (
    SendFailedError,
    SmtpSettings,
    SmtpSettingsError,
    smtp_send_once,
)
from assistant.store.database import session_scope
from assistant.store.repositories import find_leader, review_delivery
from tests.mail.fixtures import LEADER, MARKER, NOW, SECRET, WEEK, SmtpServer, free_port

BASE = "https://regie.example.org"


def smtp_for(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings(server.host, server.port, "none", "review@regie.example.org")


def parts(message: Message) -> dict[str, Message]:
    return {part.get_content_type(): part for part in message.walk()}


def body(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_smtp_server_receives_the_whole_review_without_any_title(
    language: str, reviews: dict[str, WeeklyReview], store: Engine, smtp_server: SmtpServer
) -> None:
    review = reviews[language]
    signer = LinkSigner(SECRET, BASE)
    prepared = prepare_email(store, review, leader_email=LEADER, signer=signer, now=NOW)
    delivery = deliver(store, prepared, smtp_for(smtp_server), now=NOW, cc=["eva@example.org"])
    assert delivery.status == "sent"

    [received] = smtp_server.inbox.messages
    assert received.get_content_type() == "multipart/mixed"
    found = parts(received)
    assert {"multipart/alternative", "text/plain", "text/html", "text/calendar"} <= set(found)
    alternative = found["multipart/alternative"].get_payload()
    assert isinstance(alternative, list)
    assert [p.get_content_type() for p in alternative] == ["text/plain", "text/html"]
    assert received["Message-ID"] == delivery.message_id
    assert received["Cc"] == "eva@example.org"

    html, text, ics = (body(found[t]) for t in ("text/html", "text/plain", "text/calendar"))
    assert f'lang="{language}"' in html
    for item in review.buffers:
        name = buffer_name(item.buffer, language)
        assert name in html
        assert name in text
    assert review.proposals, "the sample week has proposals"
    for proposal in review.proposals:
        assert f'data-proposal="{proposal.key}"' in html
        assert kind_label(proposal.kind, language) in text
    assert "METHOD:PUBLISH" in ics
    assert ics.count("BEGIN:VEVENT") == len(review.proposals)
    for content in (html, text, ics, received.as_string()):
        assert MARKER not in content
    assert "<script" not in html.lower()
    assert "@font-face" not in html
    assert ("Accepteren" if language == "nl" else "Accept") in html
    assert ("Hoeveel ruimte had je" if language == "nl" else "How much room did you have") in text

    # Every link in the email is ours and carries a token the signer accepts.
    hrefs = [href.split('"')[0] for href in html.split('href="')[1:]]
    accept_links = [h for h in hrefs if h.endswith("?do=accept")]
    assert len(accept_links) == len(review.proposals)
    for href in hrefs:
        assert href.startswith(BASE + "/")
        kind, token = urlsplit(href).path.strip("/").rsplit("/", 1)
        loader = {
            "p": signer.proposal,
            "all": signer.accept_all,
            "r": signer.rating,
            "pause": signer.pause,
            "console/me/open": signer.place,
        }[kind]
        loader(token, NOW)
        assert href.split("?")[0] in text
    assert sum(1 for h in hrefs if "/r/" in h) == 5
    # The footer says how to pause, with a link to the pause page.
    [pause] = [h for h in hrefs if "/pause/" in h]
    assert signer.pause(pause.rsplit("/", 1)[1], NOW).leader == LEADER
    # And a link to the leader's own place, which opens a short session there.
    [place] = [h for h in hrefs if "/console/me/open/" in h]
    assert signer.place(place.rsplit("/", 1)[1], NOW).leader == LEADER
    footer = "Pauzeer deze mail vier weken" if language == "nl" else "Pause this email for four"
    assert footer in html
    assert footer in text


def test_a_second_send_of_the_week_does_nothing_unless_forced(
    reviews: dict[str, WeeklyReview], store: Engine, smtp_server: SmtpServer
) -> None:
    signer = LinkSigner(SECRET, BASE)
    prepared = prepare_email(store, reviews["en"], leader_email=LEADER, signer=signer, now=NOW)
    first = deliver(store, prepared, smtp_for(smtp_server), now=NOW)
    again = deliver(store, prepared, smtp_for(smtp_server), now=NOW)
    assert (first.status, again.status) == ("sent", "already_sent")
    assert len(smtp_server.inbox.messages) == 1
    forced = deliver(store, prepared, smtp_for(smtp_server), now=NOW, force=True)
    assert forced.status == "sent"
    ids = {m["Message-ID"] for m in smtp_server.inbox.messages}
    assert ids == {first.message_id}  # one Message-ID per (leader, week)


def test_a_failed_send_is_recorded_and_the_next_run_sends_it(
    reviews: dict[str, WeeklyReview], store: Engine, smtp_server: SmtpServer
) -> None:
    signer = LinkSigner(SECRET, BASE)
    prepared = prepare_email(store, reviews["nl"], leader_email=LEADER, signer=signer, now=NOW)
    closed = SmtpSettings("127.0.0.1", free_port(), "none", "review@regie.example.org")
    with pytest.raises(SendFailedError, match="recorded as failed"):
        deliver(store, prepared, closed, now=NOW, sleep=_no_sleep)
    with session_scope(store) as session:
        leader = find_leader(session, LEADER)
        assert leader is not None
        delivery = review_delivery(session, leader, WEEK)
        assert delivery is not None
        assert delivery.delivery_status == "failed"
    assert deliver(store, prepared, smtp_for(smtp_server), now=NOW).status == "sent"
    assert len(smtp_server.inbox.messages) == 1


def _no_sleep(_seconds: float) -> None:
    return None


def _recorded(store: Engine) -> str | None:
    with session_scope(store) as session:
        leader = find_leader(session, LEADER)
        assert leader is not None
        delivery = review_delivery(session, leader, WEEK)
        return None if delivery is None else delivery.delivery_status


def test_a_failed_first_attempt_is_retried_outside_the_lock_and_sent_once(
    reviews: dict[str, WeeklyReview], store: Engine, smtp_server: SmtpServer
) -> None:
    signer = LinkSigner(SECRET, BASE)
    prepared = prepare_email(store, reviews["en"], leader_email=LEADER, signer=signer, now=NOW)
    attempts: list[str] = []
    between: list[str | None] = []

    def flaky(message: EmailMessage, settings: SmtpSettings) -> None:
        attempts.append(str(message["Message-ID"]))
        if len(attempts) == 1:
            raise ConnectionResetError("the server hung up")
        smtp_send_once(message, settings)

    def pause(_seconds: float) -> None:
        # Between the attempts the leader's lock is free: another run can read (and record).
        between.append(_recorded(store))

    delivery = deliver(store, prepared, smtp_for(smtp_server), now=NOW, send=flaky, sleep=pause)
    assert delivery.status == "sent"
    assert between == ["failed"]
    assert len(attempts) == 2
    [received] = smtp_server.inbox.messages
    assert received["Message-ID"] == delivery.message_id
    assert _recorded(store) == "sent"
    again = deliver(store, prepared, smtp_for(smtp_server), now=NOW, send=flaky, sleep=pause)
    assert again.status == "already_sent"
    assert len(smtp_server.inbox.messages) == 1


def test_smtp_settings_name_every_problem_at_once() -> None:
    with pytest.raises(SmtpSettingsError) as caught:
        SmtpSettings.from_environ(
            {"AGENDA_REGIE_SMTP_SECURITY": "tls", "AGENDA_REGIE_SMTP_USER": "u"}
        )
    assert len(caught.value.problems) == 4
    ssl_default = SmtpSettings.from_environ(
        {
            "AGENDA_REGIE_SMTP_HOST": "h",
            "AGENDA_REGIE_SMTP_FROM": "a@b",
            "AGENDA_REGIE_SMTP_SECURITY": "ssl",
        }
    )
    assert (ssl_default.port, ssl_default.security) == (465, "ssl")


def test_the_question_is_not_repeated_within_six_weeks() -> None:
    asked: dict[IsoWeek, int] = {}
    week = IsoWeek(2026, 40)
    for _ in range(30):
        index = choose_question(week, asked, QUESTION_COUNT)
        recent = [asked[week.shifted(-k)] for k in range(1, 6) if week.shifted(-k) in asked]
        assert index not in recent
        asked[week] = index
        week = week.shifted(1)
    # A week already asked keeps its question (a resend asks the same).
    assert choose_question(IsoWeek(2026, 41), asked, QUESTION_COUNT) == asked[IsoWeek(2026, 41)]


def test_the_question_asked_is_remembered_per_leader(
    reviews: dict[str, WeeklyReview], store: Engine
) -> None:
    signer = LinkSigner(SECRET, BASE)
    questions = []
    for offset in range(6):
        review = reviews["en"]
        from dataclasses import replace

        shifted = replace(review, week=review.week.shifted(offset))
        prepared = prepare_email(store, shifted, leader_email=LEADER, signer=signer, now=NOW)
        question = word(prepared.review.question, prepared.review.language)
        questions.append(question)
        assert question in prepared.email.text
    assert len(set(questions)) == 6


@pytest.mark.parametrize(
    ("status", "has_ics"), [("ok", False), ("error", False), ("disabled", True)]
)
def test_a_leader_whose_calendar_connection_is_failing_gets_no_ics(
    store: Engine, reviews: dict[str, WeeklyReview], status: str, has_ics: bool
) -> None:
    # A failing connection's accepted blocks wait in the outbox until it works again, so an
    # .ics would put them in the calendar twice; only a disabled one sends the leader to the file.
    from assistant.store.models import Connection
    from assistant.store.repositories import upsert_connection, upsert_leader

    with session_scope(store) as session:
        leader = upsert_leader(session, LEADER, now=NOW)
        connection = upsert_connection(session, leader, "google", LEADER)
        session.flush()
        session.get(Connection, connection.id).status = status  # type: ignore[union-attr]
    signer = LinkSigner(SECRET, "https://regie.example.org")
    prepared = prepare_email(store, reviews["en"], leader_email=LEADER, signer=signer, now=NOW)

    assert (prepared.email.ics is not None) == has_ics
