"""A leader takes all their data with them and deletes it (issue 18), over real HTTP on
PostgreSQL and in Chromium: the export holds everything about them and no token; after the
deletion a full `pg_dump` names them nowhere, the other leader is intact, and the fake Google
received the token on /revoke."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import func, select

from assistant.app.console.leader_removal import delete_leader
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, Leader, RuleSet, SelfRating, WeeklyMetricsRow
from connectors.google.revoke import revocation_uri
from tests.conftest import REPO
from tests.console.conftest import (
    PASSWORD,
    Console,
    console,
    migrated_template,
    new_database,
    postgres_admin_url,
    store,
)
from tests.console.test_console_story import accessible
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.place.data_fixtures import (
    CHARLOTTE,
    COACH,
    EVA,
    GOOGLE_REFRESH,
    LOTTE,
    LOTTE_NAME,
    NOTE,
    SAM,
    SAM_NAME,
    SECRETS,
    WEEKS,
    populate,
)

__all__ = ["console", "migrated_template", "new_database", "postgres_admin_url", "store"]
FORM = re.compile(r'name="(signin_token|form_token)" value="([^"]+)"')
ON_POSTGRES = pytest.mark.parametrize("console", ["postgresql"], indirect=True)
SHOTS = REPO / "docs" / "screenshots"
AXE = Axe()


@pytest.fixture
def google() -> Iterator[FakeGoogleCalendar]:
    server = FakeGoogleCalendar(LOTTE).start()
    yield server
    server.stop()


def _token(html: str) -> str:
    found = FORM.search(html)
    assert found, "the page has no form token"
    return found.group(2)


@contextmanager
def signed_in(console: Console, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console.url, follow_redirects=False) as browser:
        page = browser.get("/console/signin")
        answer = browser.post(
            "/console/signin",
            data={"email": email, "password": PASSWORD, "signin_token": _token(page.text)},
        )
        assert answer.status_code == 303, answer.text
        yield browser


def _audit_lines(console: Console) -> int:
    with session_scope(console.store) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _dump(console: Console) -> str:
    url = console.store.url.render_as_string(hide_password=False)
    done = subprocess.run(
        ["pg_dump", "--no-owner", "--format=plain", "--dbname", url.replace("+psycopg", "")],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return done.stdout


@ON_POSTGRES
def test_the_export_holds_everything_about_the_leader_and_no_token(
    console: Console, google: FakeGoogleCalendar
) -> None:
    populate(console, google)
    before = _audit_lines(console)
    with signed_in(console, LOTTE) as lotte:
        answer = lotte.get("/console/me/export.json")
        archive = lotte.get("/console/me/export.zip")
    assert answer.status_code == archive.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    for secret in SECRETS:
        assert secret not in answer.text
    data = json.loads(answer.text)
    assert data["schema_version"] == 1
    assert data["exported_at"].startswith("2026-11-30")
    assert data["leader"][0]["email"] == LOTTE
    assert data["leader"][0]["name"] == LOTTE_NAME
    assert len(data["weekly_metrics"]) == WEEKS
    assert {"iso_week", "meeting_hours", "focus_hours"} <= set(data["weekly_metrics"][0])
    assert sorted(p["status"] for p in data["proposals"]) == ["accepted", "declined", "written"]
    assert [r["score"] for r in data["self_ratings"]] == [2]
    assert [r["iso_week"] for r in data["reviews"]] == ["2026-W48"]
    assert {c["provider"] for c in data["connections"]} == {"ics", "google", "microsoft"}
    assert all("token" not in key for c in data["connections"] for key in c)
    assert [n["text"] for n in data["coach_notes"]] == [NOTE]
    assert [g["coach_email"] for g in data["coach_grants"]] == [COACH]
    assert [v["page"] for v in data["coach_views"]] == ["trend"]
    assert data["sharing"][0]["assistants_see_personal"] is True
    assert data["assigned_assistants"] == [{"email": EVA}]
    assert data["console_account"][0]["role"] == "leader"
    assert "password_hash" not in data["console_account"][0]
    assert [r["version"] for r in data["rule_sets"]] == [1]
    assert len(data["cached_events"]) > 100  # the synced sample year, times only
    actions = {line["action"] for line in data["audit"]}
    assert {"leader.identity_changed", "rules.applied", "console.user_added"} <= actions
    # The other leader appears only where Lotte herself acted (she applied Sam's rules).
    assert SAM not in json.dumps({table: rows for table, rows in data.items() if table != "audit"})
    assert all(line["actor"] == LOTTE for line in data["audit"] if SAM in json.dumps(line))

    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        names = set(files.namelist())
        assert {"about.csv", "leader.csv", "weekly_metrics.csv", "coach_notes.csv"} <= names
        weeks = files.read("weekly_metrics.csv").decode().splitlines()
        assert len(weeks) == WEEKS + 1
        assert weeks[0].startswith("iso_week,")
        assert NOTE in files.read("coach_notes.csv").decode()
        everything = b"".join(files.read(name) for name in names).decode()
    for secret in SECRETS:
        assert secret not in everything
    assert _audit_lines(console) == before  # a look writes nothing


@ON_POSTGRES
def test_after_deletion_no_row_mentions_the_leader_and_google_got_the_token(
    console: Console, google: FakeGoogleCalendar
) -> None:
    ids = populate(console, google)
    before = _dump(console)
    assert LOTTE in before
    assert LOTTE_NAME in before
    with signed_in(console, LOTTE) as lotte:
        page = lotte.get("/console/me/delete")
        assert page.status_code == 200
        assert "myapps.microsoft.com" in page.text
        wrong = lotte.post(
            "/console/me/delete", data={"form_token": _token(page.text), "address": SAM}
        )
        assert wrong.status_code == 400
        assert "That is not your address. Nothing was deleted." in wrong.text
        done = lotte.post(
            "/console/me/delete", data={"form_token": _token(page.text), "address": LOTTE.upper()}
        )
        assert done.status_code == 200, done.text
        assert 'data-outcome="revoked"' in done.text
        assert 'data-outcome="by_hand"' in done.text
        assert lotte.get("/console").status_code == 303  # signed out

    assert google.revocations == [GOOGLE_REFRESH]
    dump = _dump(console)
    for address in (LOTTE, COACH):  # as a whole address: Charlotte's holds Lotte's
        assert not re.search(rf"(?<![\w.+-]){re.escape(address)}", dump, re.IGNORECASE), address
    for trace in (LOTTE_NAME, "Verhoef", NOTE, GOOGLE_REFRESH):
        assert trace not in dump, trace
    assert CHARLOTTE in dump  # her audit line about Sam stays
    assert SAM in dump
    assert SAM_NAME in dump
    with session_scope(console.store) as session:
        assert session.get(Leader, ids.lotte_id) is None
        sam = session.get(Leader, ids.sam_id)
        assert sam is not None
        assert sam.name == SAM_NAME
        weeks = select(func.count()).where(WeeklyMetricsRow.leader_id == ids.sam_id)
        assert session.scalar(weeks) == 2
        assert (
            session.scalar(select(SelfRating.score).where(SelfRating.leader_id == ids.sam_id)) == 4
        )
        author = select(RuleSet.created_by).where(RuleSet.leader_id == ids.sam_id)
        assert session.scalar(author) == "removed"
    with signed_in(console, SAM) as sam_browser:
        assert sam_browser.get("/console/me/export.json").status_code == 200


def test_a_failed_revocation_is_reported_and_the_deletion_goes_on(
    console: Console, google: FakeGoogleCalendar
) -> None:
    ids = populate(console, google)
    unavailable = google.failing(
        lambda n, method, path: (503, "backendError") if path == "/revoke" else None
    )
    with unavailable, httpx.Client() as http:
        removal = delete_leader(
            console.store, console.box, ids.lotte_id, console.clock(), actor="operator", http=http
        )
    assert removal is not None
    outcomes = {r.provider: r.outcome for r in removal.revocations}
    assert outcomes == {"ics": "nothing", "google": "failed", "microsoft": "by_hand"}
    failed = next(r for r in removal.revocations if r.provider == "google")
    assert "HTTP 503" in failed.problem
    assert GOOGLE_REFRESH not in failed.problem
    assert removal.removed["leaders"] == 1
    assert removal.removed["coach_notes"] == 1
    with session_scope(console.store) as session:
        assert session.get(Leader, ids.lotte_id) is None


def test_the_revocation_endpoint_sits_beside_the_token_endpoint() -> None:
    assert revocation_uri("https://oauth2.googleapis.com/token") == (
        "https://oauth2.googleapis.com/revoke"
    )
    assert revocation_uri("http://127.0.0.1:8123/token") == "http://127.0.0.1:8123/revoke"


def test_no_one_but_the_leader_reaches_the_leaders_data_pages(
    console: Console, google: FakeGoogleCalendar
) -> None:
    populate(console, google)
    for who in (EVA, "root@example.org"):
        with signed_in(console, who) as browser:
            for path in ("/console/me/export.json", "/console/me/export.zip", "/console/me/delete"):
                answer = browser.get(path)
                assert answer.status_code == 404, (who, path)
                assert LOTTE not in answer.text
            page = browser.get("/console")
            refused = browser.post(
                "/console/me/delete", data={"form_token": _token(page.text), "address": LOTTE}
            )
            assert refused.status_code == 404
    with httpx.Client(base_url=console.url, follow_redirects=False) as nobody:
        assert nobody.get("/console/me/export.json").status_code == 303  # to the sign-in


def _sign_in(page: Any, url: str, email: str) -> None:
    page.goto(f"{url}/console/signin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console/me")  # a leader's console is their own place


def test_a_leader_downloads_their_data_and_deletes_it_in_chromium(
    console: Console, google: FakeGoogleCalendar, browser: Any
) -> None:
    populate(console, google)
    # Sam looks at the page in English (and keeps his data): the English screenshot.
    english = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    try:
        page = english.new_page()
        _sign_in(page, console.url, SAM)
        page.goto(f"{console.url}/console/me/delete")
        assert page.locator("h1").inner_text() == "Delete all your data"
        page.screenshot(path=str(SHOTS / "place-delete.en.png"), full_page=True)
    finally:
        english.close()

    context = browser.new_context(
        accept_downloads=True, locale="nl-NL", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    try:
        _sign_in(page, console.url, LOTTE)
        page.goto(f"{console.url}/console/me/delete")
        assert page.locator("h1").inner_text() == "Al je gegevens verwijderen"
        assert page.locator("tr[data-table=weekly_metrics] td").nth(1).inner_text() == str(WEEKS)
        accessible(page)
        page.set_viewport_size({"width": 1100, "height": 900})
        page.screenshot(path=str(SHOTS / "place-delete.nl.png"), full_page=True)
        page.set_viewport_size({"width": 360, "height": 740})
        with page.expect_download() as download:
            page.click("a[href='/console/me/export.json']")
        data = json.loads(download.value.path().read_text(encoding="utf-8"))
        assert len(data["weekly_metrics"]) == WEEKS
        assert data["leader"][0]["email"] == LOTTE

        page.fill("#confirm-address", "someone.else@example.org")
        page.click("button.primary")
        problem = page.locator("#address-problem")
        assert problem.inner_text() == "Dat is niet je adres. Er is niets verwijderd."
        assert page.locator("#confirm-address").get_attribute("aria-invalid") == "true"
        accessible(page)

        page.fill("#confirm-address", LOTTE)
        page.click("button.primary")
        assert page.locator("h1").inner_text() == "Je gegevens zijn verwijderd"
        assert page.locator("[data-outcome=revoked]").count() == 1
        assert "myapps.microsoft.com" in page.locator("[data-outcome=by_hand]").inner_text()
        assert google.revocations == [GOOGLE_REFRESH]
        accessible(page)

        page.goto(f"{console.url}/console/me/export.json")
        assert page.url.endswith("/console/signin")  # signed out: the session ended
    finally:
        context.close()
    with session_scope(console.store) as session:
        assert session.scalar(select(func.count()).where(Leader.email == LOTTE)) == 0
