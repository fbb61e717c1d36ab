"""`agenda-regie send-review` and `agenda-regie web` as an operator runs them: the installed
command in a subprocess, against a real SMTP server and a real HTTP client."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from assistant.app.delivery import prepare_email
from assistant.core.review import WeeklyReview
from assistant.mail.links import LinkSigner
from assistant.store.database import session_scope
from assistant.store.repositories import find_leader, pause_reviews
from tests.conftest import REPO, SAMPLE
from tests.mail.fixtures import LEADER, NOW, SECRET, SmtpServer, free_port

COMMAND = str(REPO / ".venv" / "bin" / "agenda-regie")
SENDER = "review@regie.example.org"
WEEK = ("--week", "2026-W48")  # a later --week wins


def environment(store: Engine, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AGENDA_REGIE_", "SSL_CERT"))
    }
    env.update(
        {
            "DATABASE_URL": store.url.render_as_string(hide_password=False),
            "AGENDA_REGIE_LINK_SECRET": SECRET,
            "AGENDA_REGIE_BASE_URL": "https://regie.example.org",
            **extra,
        }
    )
    return env


def send_review(env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "send-review", "--leader", LEADER, "--calendar", str(SAMPLE), *WEEK, *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_send_review_sends_once_says_already_sent_and_resends_when_forced(
    store: Engine, smtp_server: SmtpServer
) -> None:
    env = environment(
        store,
        AGENDA_REGIE_SMTP_HOST=smtp_server.host,
        AGENDA_REGIE_SMTP_PORT=str(smtp_server.port),
        AGENDA_REGIE_SMTP_SECURITY="none",
        AGENDA_REGIE_SMTP_FROM=SENDER,
    )
    first = send_review(env)
    assert first.returncode == 0, first.stderr
    [received] = smtp_server.inbox.messages
    message_id = received["Message-ID"]
    assert first.stdout.strip() == f"2026-W48: sent ({message_id})"

    again = send_review(env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"2026-W48: already sent ({message_id})"
    assert len(smtp_server.inbox.messages) == 1

    forced = send_review(env, "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == f"2026-W48: sent ({message_id})"
    assert [m["Message-ID"] for m in smtp_server.inbox.messages] == [message_id, message_id]

    # A paused leader: said so, with the date, and nothing sent unless forced.
    with session_scope(store) as session:
        leader = find_leader(session, LEADER)
        assert leader is not None
        until = datetime.now(UTC) + timedelta(weeks=4)
        zone = ZoneInfo(leader.timezone)  # the date is said in the leader's time zone
        pause_reviews(session, leader, until, now=datetime.now(UTC), actor=LEADER)
    paused = send_review(env, "--week", "2026-W49")
    assert paused.returncode == 0, paused.stderr
    assert (
        f"the weekly review of {LEADER} is paused until {until.astimezone(zone):%Y-%m-%d}"
        in paused.stdout
    )
    assert "--force" in paused.stdout
    assert len(smtp_server.inbox.messages) == 2
    assert send_review(env, "--week", "2026-W49", "--force").returncode == 0
    assert len(smtp_server.inbox.messages) == 3


def test_send_review_names_every_missing_mail_and_link_setting_in_one_line(
    store: Engine, smtp_server: SmtpServer
) -> None:
    env = environment(store, AGENDA_REGIE_LINK_SECRET="", AGENDA_REGIE_SMTP_SECURITY="tls")
    refused = send_review(env)
    assert refused.returncode == 2
    assert refused.stdout == ""
    [line] = refused.stderr.strip().splitlines()
    assert line == (
        "agenda-regie: AGENDA_REGIE_SMTP_HOST is not set (the SMTP server's name); "
        "AGENDA_REGIE_SMTP_FROM must be the sender's address; "
        "AGENDA_REGIE_SMTP_SECURITY must be starttls, ssl or none; "
        "set AGENDA_REGIE_LINK_SECRET to a long random string (the key that signs email links)"
    )
    assert smtp_server.inbox.messages == []


def test_send_review_with_a_refused_login_says_so_in_one_line(
    store: Engine, smtp_server: SmtpServer
) -> None:
    env = environment(
        store,
        AGENDA_REGIE_SMTP_HOST=smtp_server.host,
        AGENDA_REGIE_SMTP_PORT=str(smtp_server.port),
        AGENDA_REGIE_SMTP_SECURITY="none",
        AGENDA_REGIE_SMTP_FROM=SENDER,
        AGENDA_REGIE_SMTP_USER="someone",
        AGENDA_REGIE_SMTP_PASSWORD="secret-password",
    )
    failed = send_review(env)
    assert failed.returncode == 2
    assert failed.stderr.strip() == (
        "agenda-regie: AGENDA_REGIE_SMTP_USER is set but AGENDA_REGIE_SMTP_SECURITY is none, "
        "so the password would cross the network unencrypted; use starttls or ssl"
    )
    assert failed.stdout == ""
    assert "secret-password" not in failed.stderr
    assert smtp_server.inbox.messages == []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_web_serves_the_confirm_page_and_stops_cleanly(
    stop: signal.Signals, store: Engine, reviews: dict[str, WeeklyReview], tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    signer = LinkSigner(SECRET, base)
    prepared = prepare_email(store, reviews["en"], leader_email=LEADER, signer=signer, now=NOW)
    accept = prepared.email.html.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert accept.startswith(base + "/p/")
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    # The web app's clock in the review's week: a block whose time has passed is not offered.
    env = environment(
        store,
        AGENDA_REGIE_BASE_URL=base,
        AGENDA_REGIE_SECRET_KEYS=key,
        AGENDA_REGIE_NOW=NOW.isoformat(),
    )
    log = (tmp_path / "web.log").open("w+")
    server = subprocess.Popen(
        [COMMAND, "web", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "agenda-regie web ended early"
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "agenda-regie web did not start"
            time.sleep(0.1)
        page = httpx.get(accept)
        assert page.status_code == 200
        assert "Add this block to your calendar?" in page.text
        assert "agenda_regie_form" in page.headers["set-cookie"]
    finally:
        server.send_signal(stop)
        code = server.wait(timeout=30)
    log.seek(0)
    output = log.read()
    log.close()
    # uvicorn answers what is in flight, shuts down, then ends by the signal it was sent (what
    # service managers expect); no traceback.
    assert code in (0, -stop, 128 + stop), output
    assert "Traceback" not in output
    assert "Finished server process" in output
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/healthz")


def test_send_review_reads_a_microsoft_leaders_event_cache_without_a_calendar_file(
    store: Engine, tmp_path: Path
) -> None:
    from cryptography.fernet import Fernet
    from sqlalchemy import select

    from assistant.accounts.microsoft import connect_microsoft
    from assistant.store.crypto import SecretBox
    from assistant.store.models import WeeklyMetricsRow
    from assistant.store.repositories import upsert_cached_events
    from connectors.microsoft.auth import APPLICATION_SCOPES, StoredAuthorisation
    from tests.core.builders import meeting

    key = Fernet.generate_key().decode()
    env = environment(store, AGENDA_REGIE_SECRET_KEYS=key)
    alone = subprocess.run(
        [COMMAND, "send-review", "--leader", LEADER, *WEEK, "--dry-run", "--output", "x.eml"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert alone.returncode == 2
    assert alone.stderr.strip() == (
        f"agenda-regie: {LEADER} has no Google or Microsoft 365 connection; connect one "
        "(agenda-regie connect) or give --calendar FILE.ics"
    )

    stored = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
    cipher = SecretBox([key])
    joined = datetime(2026, 11, 1, tzinfo=UTC)
    connection_id = connect_microsoft(store, LEADER, stored, cipher, now=joined)
    mornings = [meeting(date(2026, 11, day), "09:00", "12:00") for day in (23, 24, 25)]
    with session_scope(store) as session:
        upsert_cached_events(session, connection_id, mornings)

    output = tmp_path / "review.eml"
    written = subprocess.run(
        [COMMAND, "send-review", "--leader", LEADER, *WEEK, "--dry-run", "--output", str(output)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    assert output.is_file()
    with session_scope(store) as session:
        hours = session.scalars(
            select(WeeklyMetricsRow.meeting_hours).where(WeeklyMetricsRow.iso_week == "2026-W48")
        ).all()
    assert hours == []  # a dry run is a rehearsal: it records nothing
    message = email.message_from_bytes(output.read_bytes(), policy=email.policy.default)
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    # Three mornings of three hours, from the cache.
    assert "meetings without a pause of 10 min lasted 3 h" in plain.get_content()
