"""The summary before a coaching conversation: the leader's own in Chromium in both languages
(eight weeks, their felt room, the reflection guide's questions), the PDF fetched from the
running app and checked as pages (one A4 page with ink, the question in the page's language),
a coach through a live grant (the look recorded) and never through a revoked or someone else's
grant, and a calm page when the server has no Chromium."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pypdfium2  # type: ignore[import-untyped]
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import func, select

from assistant.core.review import IsoWeek
from assistant.i18n.labels import indicator_name
from assistant.i18n.texts import text
from assistant.render.pdf import PdfUnavailable, chromium_arguments, print_pdf
from assistant.settings import PrintSettings
from assistant.store.database import session_scope
from assistant.store.models import WeeklyMetricsRow
from assistant.store.repositories.coaching import add_grant, revoke_grant, views_of
from assistant.store.repositories.feedback import record_self_rating
from assistant.store.repositories.leaders import find_leader
from tests.conftest import REPO
from tests.console.conftest import BOTH, PASSWORD, Console
from tests.console.test_signin import client, sign_in
from tests.mail.fixtures import NOW
from tests.test_deploy import instructions

SHOTS = REPO / "docs" / "screenshots"
AXE = Axe()
LEADER, COACH, OTHER = "sanne@example.org", "coach@example.org", "bas@example.org"
SHOWN = [IsoWeek(2026, 48).shifted(-offset) for offset in range(7, -1, -1)]  # W41..W48
RATINGS = {IsoWeek(2026, 46): 2, IsoWeek(2026, 47): 4, IsoWeek(2026, 48): 3}
A4_POINTS = (595.28, 841.89)


def leader_with_history(console: Console) -> int:
    """A leader (with a console account) whose weekly runs stored twelve weeks, who rated three."""
    console.record_weeks(LEADER, 12)
    console.leader(LEADER, "Sanne de Vries")
    console.add(LEADER, "leader")
    with session_scope(console.store) as session:
        leader = find_leader(session, LEADER)
        assert leader is not None
        for week, score in RATINGS.items():
            record_self_rating(session, leader, week, score, now=NOW)
        return leader.id


def grant(console: Console, leader_id: int, coach: str = COACH) -> int:
    with session_scope(console.store) as session:
        made = add_grant(
            session,
            leader_id,
            coach,
            expires_at=NOW + timedelta(days=180),
            invite_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            now=NOW,
        )
        return made.id


@contextmanager
def signed_in(console: Console, email: str, language: str = "en") -> Iterator[httpx.Client]:
    with client(console, language) as browser:
        assert sign_in(browser, email).status_code == 303
        yield browser


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_leader_reads_their_summary_in_chromium(
    console: Console, browser: object, language: str
) -> None:
    leader_with_history(console)
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1000, "height": 1200}, locale="nl-NL" if language == "nl" else "en-GB"
    )
    page = context.new_page()
    try:
        page.goto(f"{console.url}/console/signin")
        page.fill("#email", LEADER)
        page.fill("#password", PASSWORD)
        page.click('form[action="/console/signin"] button')
        page.goto(f"{console.url}/console/me/summary")
        assert page.get_attribute("html", "lang") == language
        assert page.locator("h1").inner_text() == "Sanne de Vries"
        weeks = page.locator("thead th[data-week]")
        assert [weeks.nth(i).get_attribute("data-week") for i in range(8)] == [
            str(w) for w in SHOWN
        ]
        assert weeks.count() == 8
        # Every week was stored: each buffer has a status, none of them "no data".
        statuses = page.locator("tr[data-row=buffer] .status")
        assert statuses.count() == 3 * 8
        assert page.locator("tr[data-row=buffer] .status-no_data").count() == 0
        felt = page.locator("tr[data-row=felt_room]")
        assert felt.locator("th").inner_text() == text_of(language, "Room you felt (1-5)")
        cells = [c.strip() for c in felt.locator("td").all_inner_texts()]
        assert cells == ["–"] * 5 + ["2", "4", "3"]
        questions = page.locator("ol.questions .q").all_inner_texts()
        assert questions == [text(f"question.{n}", language) for n in range(6)]
        assert page.locator("ol.questions .room").count() == 6
        heading = "Signals of narrowing now" if language == "en" else "Signalen van versmalling nu"
        assert page.get_by_role("heading", name=heading).is_visible()
        # The sample's calendar narrows: each signal that holds says what it means first.
        signals = page.locator("li[data-signal]")
        assert signals.count() >= 1
        for index in range(signals.count()):
            item = signals.nth(index)
            meaning = text(f"signal.{item.get_attribute('data-signal')}", language)
            assert item.inner_text().startswith(meaning)
        assert page.locator("script").count() == 0
        download = "Download as PDF" if language == "en" else "Downloaden als pdf"
        link = page.get_by_role("link", name=download)
        assert link.get_attribute("href") == "/console/me/summary.pdf"
        # On a phone the page fits its width; only the table scrolls sideways.
        page.set_viewport_size({"width": 360, "height": 740})
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        checked = AXE.run(page).response
        assert checked["passes"]  # axe-core ran on the page
        serious = [v["id"] for v in checked["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
    finally:
        context.close()


def text_of(language: str, message: str) -> str:
    from assistant.i18n.translations import gettext

    return gettext(language, message)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_pdf_is_one_a4_page_with_the_questions_in_its_language(
    console: Console, language: str
) -> None:
    leader_with_history(console)
    with signed_in(console, LEADER, language) as leader:
        answer = leader.get("/console/me/summary.pdf")
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="summary-2026-W48.pdf"'
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    document = pypdfium2.PdfDocument(answer.content)
    try:
        assert len(document) == 1
        page = document[0]
        width, height = page.get_size()
        assert abs(width - A4_POINTS[0]) < 2
        assert abs(height - A4_POINTS[1]) < 2
        words = page.get_textpage().get_text_range()
        flat = " ".join(words.split())
        for number in (0, 5):
            assert text(f"question.{number}", language) in flat
        assert "Sanne de Vries" in flat
        # The whole table is on the page, down to its last rows.
        assert indicator_name("longest_back_to_back_minutes", language) in flat
        assert text_of(language, "Room you felt (1-5)") in flat
        assert "2026-W41" in flat
        assert "2026-W48" in flat
        image = page.render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 0.01 * image.width * image.height, "the page is (almost) blank"
    small = image.resize((image.width * 2 // 3, image.height * 2 // 3))
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    (SHOTS / f"summary.{language}.png").write_bytes(out.getvalue())


@BOTH
def test_a_coach_sees_the_summary_through_a_live_grant_and_never_otherwise(
    console: Console,
) -> None:
    leader_id = leader_with_history(console)
    other_id = console.leader(OTHER, "Bas Smit")
    console.add(COACH, "coach")
    console.add("eva@example.org", "assistant")
    live = grant(console, leader_id)
    others = grant(console, other_id, "someone@example.org")
    with client(console) as anonymous:  # not signed in: to the sign-in page, nothing shown
        for path in (f"/console/coach/{live}/summary", "/console/me/summary.pdf"):
            answer = anonymous.get(path)
            assert (answer.status_code, answer.headers["location"]) == (303, "/console/signin")
    with signed_in(console, COACH) as coach:
        page = coach.get(f"/console/coach/{live}/summary")
        assert page.status_code == 200
        assert "Sanne de Vries" in page.text
        assert text("question.5", "en") in page.text
        assert f'href="/console/coach/{live}/summary.pdf"' in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        pdf = coach.get(f"/console/coach/{live}/summary.pdf")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF-")

        unknown = coach.get(f"/console/coach/{max(live, others) + 50}/summary")
        theirs = coach.get(f"/console/coach/{others}/summary")
        assert unknown.status_code == theirs.status_code == 404
        assert unknown.text == theirs.text
        assert "Bas" not in theirs.text
        assert coach.get(f"/console/coach/{others}/summary.pdf").status_code == 404
        # A coach is no leader: there is no summary of their own.
        assert coach.get("/console/me/summary").status_code == 404

        with session_scope(console.store) as session:
            looks = [(view.page, email) for view, email in views_of(session, leader_id)]
            assert views_of(session, other_id) == []
        assert sorted(looks) == [("summary", COACH), ("summary_pdf", COACH)]

        with session_scope(console.store) as session:
            assert revoke_grant(session, leader_id, live, now=NOW)
        revoked = coach.get(f"/console/coach/{live}/summary")
        assert revoked.status_code == 404
        assert revoked.text == unknown.text
        assert coach.get(f"/console/coach/{live}/summary.pdf").status_code == 404
    with session_scope(console.store) as session:
        assert len(views_of(session, leader_id)) == 2  # the refused looks are not views

    with signed_in(console, "eva@example.org") as assistant:
        assert assistant.get("/console/me/summary").status_code == 404
        assert assistant.get(f"/console/coach/{live}/summary").status_code == 404
    with signed_in(console, LEADER) as leader:
        # The leader's grant is theirs to give, not a way in for them as a coach.
        assert leader.get(f"/console/coach/{others}/summary").status_code == 404


def test_a_grant_that_expired_gives_404(console: Console) -> None:
    leader_id = leader_with_history(console)
    console.add(COACH, "coach")
    live = grant(console, leader_id)
    with signed_in(console, COACH) as coach:
        assert coach.get(f"/console/coach/{live}/summary").status_code == 200
    console.clock.now = NOW + timedelta(days=181)
    with signed_in(console, COACH) as coach:  # a new session: the first one has expired too
        assert coach.get(f"/console/coach/{live}/summary").status_code == 404
        assert coach.get(f"/console/coach/{live}/summary.pdf").status_code == 404


def test_without_chromium_the_pdf_link_gives_a_calm_page_and_the_log_names_the_setting(
    console: Console, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    leader_with_history(console)
    monkeypatch.setenv("AGENDA_REGIE_CHROMIUM", "/nonexistent/chromium")
    caplog.set_level(logging.WARNING, logger="assistant.web")
    with signed_in(console, LEADER, "nl") as leader:
        answer = leader.get("/console/me/summary.pdf")
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("text/html")
        assert "De pdf is niet beschikbaar" in answer.text
        assert 'href="/console/me/summary"' in answer.text
        assert "Traceback" not in answer.text
        assert "AGENDA_REGIE_CHROMIUM" not in answer.text  # the operator's matter, not the page's
        # The page it links still works, and prints from the browser.
        assert leader.get("/console/me/summary").status_code == 200
    logged = [r.getMessage() for r in caplog.records if r.name == "assistant.web"]
    assert any("AGENDA_REGIE_CHROMIUM" in m and "/nonexistent/chromium" in m for m in logged)


def test_chromium_prints_without_reaching_the_network() -> None:
    """A page that asks for an image and a style sheet on a loopback server gets neither."""
    asked: list[str] = []

    class Listener(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"h1 { color: red }")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        html = (
            f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{origin}/style.css">'
            f'</head><body><h1>Room</h1><img src="{origin}/pixel.png" alt=""></body></html>'
        )
        pdf = print_pdf(html, PrintSettings())
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF-")
    assert asked == []


def test_the_image_installs_chromium_for_the_pdf() -> None:
    steps = instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))
    last_stage = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    installs = [
        rest for keyword, rest in steps[last_stage:] if keyword == "RUN" and "apt-get" in rest
    ]
    assert any("install" in rest and "chromium" in rest.split() for rest in installs)


def test_a_week_not_stored_yet_is_measured_from_the_cache_and_nothing_is_written(
    console: Console,
) -> None:
    console.cache_sample(LEADER)  # synced, but no weekly run has stored a week
    console.leader(LEADER, "Sanne de Vries")
    console.add(LEADER, "leader")
    with signed_in(console, LEADER) as leader:
        page = leader.get("/console/me/summary").text
    columns = re.findall(r'<tr class="buffer".*?</tr>', page, re.DOTALL)
    assert len(columns) == 3
    for row in columns:
        statuses = re.findall(r"status-(\w+)", row)
        assert len(statuses) == 8
        assert statuses[:7] == ["no_data"] * 7  # not stored: no data
        assert statuses[7] != "no_data"  # the reviewed week, measured from the cache
    with session_scope(console.store) as session:
        assert session.scalar(select(func.count()).select_from(WeeklyMetricsRow)) == 0


def test_a_leader_without_any_data_gets_a_calm_summary(console: Console) -> None:
    console.leader(OTHER, "Bas Smit")
    console.add(OTHER, "leader")
    with signed_in(console, OTHER, "nl") as leader:
        answer = leader.get("/console/me/summary")
    assert answer.status_code == 200
    assert answer.text.count('class="status status-no_data"') == 3 * 8
    assert "Er is nog niet genoeg geschiedenis om je met je eigen basislijn" in answer.text
    assert "data-signal=" not in answer.text
    assert text("question.0", "nl") in answer.text


def test_a_chromium_that_hangs_or_fails_gives_no_pdf_and_says_why(tmp_path: Path) -> None:
    hangs = tmp_path / "hanging-chromium"
    hangs.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n", encoding="utf-8")
    fails = tmp_path / "failing-chromium"
    fails.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n", encoding="utf-8")
    for program in (hangs, fails):
        program.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(PdfUnavailable, match="did not print within 1 s") as hung:
        print_pdf("<p>Room</p>", PrintSettings(chromium=str(hangs)), seconds=1)
    assert time.monotonic() - started < 10
    assert "AGENDA_REGIE_CHROMIUM" in str(hung.value)
    left = subprocess.run(
        ["pgrep", "-f", str(hangs)], capture_output=True, text=True, check=False
    ).stdout
    assert left == ""  # the script and the sleep it started in the background were ended
    with pytest.raises(PdfUnavailable, match=r"exit 3\): cannot open display"):
        print_pdf("<p>Room</p>", PrintSettings(chromium=str(fails)))


def test_the_sandbox_is_switched_off_only_when_asked_or_as_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page, pdf, profile = Path("/x/summary.html"), Path("/x/summary.pdf"), Path("/x/profile")
    monkeypatch.setenv("AGENDA_REGIE_CHROMIUM_SANDBOX", "false")
    assert PrintSettings.from_environ().sandbox is False
    assert "--no-sandbox" in chromium_arguments("chromium", page, pdf, profile, sandbox=False)
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert "--no-sandbox" not in chromium_arguments("chromium", page, pdf, profile)
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert "--no-sandbox" in chromium_arguments("chromium", page, pdf, profile)
