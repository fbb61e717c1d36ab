"""The leader's own place and their coach, in Chromium and over HTTP: a leader invites a coach,
writes a note; the coach takes up the invitation and sees the shared trend, the signals, the felt
room and the note, and nothing else (events, rules, exports and other leaders are 404); every
look is listed for the leader; the leader ends the access and the coach's next request is 404.
The link from the weekly email opens a short session; blocks are shown held or taken; the
assistants see felt room and notes only when the leader allows it. Both languages are
photographed for the docs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from assistant.mail.links import LinkSigner, PlaceLink
from assistant.store.database import session_scope
from assistant.store.models import CachedEvent, Connection, Leader, ProposalRow
from assistant.store.place_models import CoachGrant, CoachView
from assistant.store.repositories.feedback import record_self_rating
from tests.console.conftest import PASSWORD, Console
from tests.console.test_console_story import accessible, shoot
from tests.console.test_signin import client, sign_in, token
from tests.mail.fixtures import NOW, SECRET, WEEK

ADA, BOB, COACH = "ada@example.org", "bob@example.org", "coach@elders.example"
NOTE = "Ik merk dat ik vaker zelf beslis. Kunnen we het daarover hebben?"


def ada_with_history(console: Console) -> dict[str, int]:
    """Ada: a year of the sample calendar in her cache, 12 stored weeks, two felt-room ratings
    and a console account as leader; Bob, another leader of the same organisation."""
    ids = {ADA: console.leader(ADA, "Ada de Vries"), BOB: console.leader(BOB, "Bob Jansen")}
    console.cache_sample(ADA)
    console.record_weeks(ADA, 12)
    with session_scope(console.store) as session:
        record_self_rating(session, ids[ADA], WEEK, 2, now=NOW)
        record_self_rating(session, ids[ADA], WEEK.shifted(-1), 4, now=NOW)
    console.add(ADA, "leader")
    console.add("eva@example.org", "assistant")
    console.assign("eva@example.org", ADA)
    return ids


def signed_in_page(browser: Any, console: Console, email: str, locale: str = "en-GB") -> Any:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(f"{console.url}/console/signin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click('form[action="/console/signin"] button')
    page.wait_for_load_state()
    return page


def test_a_coach_sees_what_the_leader_shares_and_nothing_else(
    browser: Any, console: Console
) -> None:
    ids = ada_with_history(console)

    ada = signed_in_page(browser, console, ADA)
    assert ada.url == f"{console.url}/console/me"  # a leader's console is their own place
    assert ada.locator("h1").inner_text() == "Ada de Vries"
    assert ada.locator("[data-signal]").count() == 5
    assert ada.locator('[data-chart="felt_room"] rect.bar').count() == 12
    assert "2 of 5" in (ada.locator('[data-chart="felt_room"]').text_content() or "")
    assert "eva@example.org" in ada.locator("[data-visibility]").inner_text()
    # The three buffers over the twelve weeks, each week's status in words for screen readers.
    assert ada.locator("[data-buffer-row]").count() == 3
    assert ada.locator("[data-buffer-row] td").count() == 36
    assert ada.locator("[data-buffer-row] td.status-alert").count() > 0
    assert "2026-W48: alert" in (ada.locator("[data-buffer-row]").first.text_content() or "")
    accessible(ada)
    ada.fill("#note", NOTE)
    ada.click('form[action="/console/me/notes"] button')
    assert "Your note is saved." in ada.locator('[role="status"]').inner_text()
    ada.fill("#coach", COACH)
    ada.click('form[action="/console/me/coaches"] button')
    invitation = ada.locator("#invite-link").input_value()
    assert invitation.startswith(f"{console.url}/console/coach/invite/")
    assert ada.locator("[data-grant]").get_attribute("data-state") == "invited"
    with session_scope(console.store) as session:
        grant = session.scalars(select(CoachGrant)).one()
        assert (grant.coach_email, grant.leader_id) == (COACH, ids[ADA])
        # Six months unless the leader chooses otherwise.
        assert timedelta(days=180) < grant.expires_at - NOW < timedelta(days=186)
        grant_id = grant.id

    # The coach makes an account through the invitation and lands on what Ada shares.
    coach_context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    coach = coach_context.new_page()
    coach.goto(invitation)
    assert "Ada de Vries invites you" in coach.locator("h1").inner_text()
    accessible(coach)
    coach.fill("#password", PASSWORD)
    coach.click("main form button")
    coach.wait_for_url(f"{console.url}/console/coach/{grant_id}")
    assert coach.locator("h1").inner_text() == "Ada de Vries"
    assert coach.locator("[data-signal]").count() == 5
    assert coach.locator('[data-chart="meeting_share"] rect.bar').count() == 12
    assert coach.locator('[data-chart="felt_room"]').count() == 1
    assert coach.locator("[data-buffer-row] td").count() == 36
    assert NOTE in coach.locator("[data-note]").inner_text()
    accessible(coach)
    shoot(coach, "coach-view.en.png")
    # The invitation worked once.
    assert coach.request.get(invitation).status == 410
    # Events, rules, exports, the assistants' pages, Ada's place and other leaders: 404.
    for path in (
        f"/console/leaders/{ids[ADA]}",
        f"/console/leaders/{ids[ADA]}/rules",
        f"/console/leaders/{ids[ADA]}/export.csv",
        f"/console/leaders/{ids[ADA]}/connect",
        f"/console/leaders/{ids[ADA]}/audit",
        f"/console/leaders/{ids[BOB]}",
        f"/console/coach/{grant_id + 1}",
        "/console/me",
    ):
        answer = coach.request.get(f"{console.url}{path}")
        assert answer.status == 404, path
        assert "Ada" not in answer.text(), path
        assert "Bob" not in answer.text(), path
    coach.goto(f"{console.url}/console")
    assert coach.url == f"{console.url}/console/coach"
    assert "Ada de Vries" in coach.locator("[data-shared]").inner_text()

    # Ada sees each look, then ends the access; the coach's next request is 404.
    ada.goto(f"{console.url}/console/me")
    assert ada.locator("[data-grant]").get_attribute("data-state") == "active"
    looks = ada.locator("[data-views] tbody tr")
    assert looks.count() == 1
    assert COACH in looks.first.inner_text()
    assert "your trend" in looks.first.inner_text()
    shoot(ada, "place.en.png")
    ada.click(f'form[action="/console/me/coaches/{grant_id}/revoke"] button')
    assert "The coach's access has ended." in ada.locator('[role="status"]').inner_text()
    assert ada.locator("[data-grant]").get_attribute("data-state") == "revoked"
    gone = coach.request.get(f"{console.url}/console/coach/{grant_id}")
    assert gone.status == 404
    assert NOTE not in gone.text()
    coach.goto(f"{console.url}/console/coach")
    assert coach.locator("[data-shared]").count() == 0
    with session_scope(console.store) as session:
        assert session.scalars(select(CoachView.page)).all() == ["trend"]
    coach_context.close()

    # The same place in Dutch, for the docs.
    dutch = signed_in_page(browser, console, ADA, "nl-NL")
    dutch.click('form[action="/console/me/language"] select')
    dutch.select_option("#choice", "nl")
    dutch.click('form[action="/console/me/language"] button')
    assert dutch.locator("h2").first.inner_text().startswith("Deze week")
    assert "Signalen van versmalling" in dutch.content()
    accessible(dutch)
    shoot(dutch, "place.nl.png")
    with session_scope(console.store) as session:
        assert session.scalars(select(Leader.language).where(Leader.email == ADA)).one() == "nl"


def test_the_coach_view_in_dutch(browser: Any, console: Console) -> None:
    ada_with_history(console)
    with client(console) as http:
        assert sign_in(http, ADA).status_code == 303
        page = http.get("/console/me").text
        http.post("/console/me/notes", data={"form_token": token(page), "text": NOTE})
        answer = http.post(
            "/console/me/coaches", data={"form_token": token(page), "coach": COACH, "months": 3}
        )
        link = answer.text.split('id="invite-link" readonly value="')[1].split('"')[0]
        for wrong, why in (
            ("ada@example.org", "this is your own address"),
            ("Coach <c@x.example>, spy@evil.example", "is not one plain email address"),
        ):
            refused = http.post(
                "/console/me/coaches", data={"form_token": token(page), "coach": wrong}
            )
            assert refused.status_code == 422
            assert why in refused.text
        too_long = http.post(
            "/console/me/coaches", data={"form_token": token(page), "coach": COACH, "months": 99}
        )
        assert too_long.status_code == 422
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="nl-NL")
    coach = context.new_page()
    coach.goto(link)
    assert "nodigt je uit" in coach.locator("h1").inner_text()
    coach.fill("#password", PASSWORD)
    coach.click("main form button")
    coach.wait_for_load_state()
    assert "Signalen van versmalling" in coach.content()
    assert NOTE in coach.content()
    accessible(coach)
    shoot(coach, "coach-view.nl.png")
    context.close()


def test_the_link_in_the_weekly_email_opens_a_short_session(console: Console) -> None:
    ada_with_history(console)
    signer = LinkSigner(SECRET, console.url)
    link = signer.url(PlaceLink(ADA), NOW)
    assert link.startswith(f"{console.url}/console/me/open/")
    with client(console) as http:
        opened = http.get(link)
        assert opened.status_code == 303
        assert opened.headers["location"] == "/console/me"
        assert "Ada de Vries" in http.get("/console/me").text
        console.clock.now = NOW + timedelta(minutes=31)  # the short session is over
        assert http.get("/console/me").headers["location"] == "/console/signin"
    console.clock.now = NOW + timedelta(days=15)  # the link itself lived two weeks
    with client(console) as http:
        expired = http.get(link)
        assert expired.status_code == 410
        assert "This link has expired" in expired.text
        assert "console_session" not in expired.headers.get("set-cookie", "")
        tampered = http.get(link[:-3] + "abc")
        assert tampered.status_code == 400
        assert "not valid" in tampered.text
    console.clock.now = NOW


def test_a_leader_without_an_account_gets_one_through_the_link(console: Console) -> None:
    ids = {BOB: console.leader(BOB, "Bob Jansen")}
    link = LinkSigner(SECRET, console.url).url(PlaceLink(BOB), NOW)
    with client(console, "nl") as http:
        assert http.get(link).status_code == 303
        page = http.get("/console/me")
        assert page.status_code == 200
        assert "Bob Jansen" in page.text
        # A leader's place only: the assistants' pages of other leaders stay closed.
        assert http.get(f"/console/leaders/{ids[BOB] + 1}").status_code == 404


def test_blocks_are_shown_held_or_taken(console: Console) -> None:
    ids = ada_with_history(console)
    with session_scope(console.store) as session:
        connection = session.scalars(select(Connection.id)).one()
        meeting = session.scalars(
            select(CachedEvent)
            .where(
                CachedEvent.connection_id == connection,
                CachedEvent.kind == "meeting",
                CachedEvent.start >= NOW - timedelta(days=14),
                CachedEvent.end <= NOW - timedelta(days=7),
                CachedEvent.all_day.is_(False),
            )
            .order_by(CachedEvent.start)
        ).first()
        assert meeting is not None
        taken_start = meeting.start
        quiet = datetime(2026, 11, 22, 5, 0, tzinfo=NOW.tzinfo)  # a Sunday at dawn: empty
        for key, start, status in (
            ("taken", taken_start, "written"),
            ("held", quiet, "accepted"),
            ("ahead", quiet + timedelta(days=14), "accepted"),
            ("declined", quiet + timedelta(hours=3), "declined"),
        ):
            session.add(
                ProposalRow(
                    key=f"block-{key}",
                    leader_id=ids[ADA],
                    iso_week=str(WEEK.shifted(-1)),
                    kind="reflection",
                    start=start,
                    end=start + timedelta(minutes=45),
                    status=status,
                    updated_at=NOW,
                )
            )
    with client(console) as http:
        assert sign_in(http, ADA).status_code == 303
        page = http.get("/console/me").text
    assert page.count('data-held="taken"') == 1
    assert page.count('data-held="held"') == 1
    assert page.count('data-held="ahead"') == 1
    assert "a meeting took (part of) this time" in page
    assert "1 of 2 past blocks held" in page


def test_assistants_see_felt_room_and_notes_only_when_the_leader_allows(
    console: Console,
) -> None:
    ids = ada_with_history(console)
    with client(console) as http:
        assert sign_in(http, ADA).status_code == 303
        page = http.get("/console/me").text
        http.post("/console/me/notes", data={"form_token": token(page), "text": NOTE})
    leader_page = f"/console/leaders/{ids[ADA]}"

    def eva_sees() -> str:
        with client(console) as eva:
            assert sign_in(eva, "eva@example.org").status_code == 303
            return eva.get(leader_page).text

    before = eva_sees()
    assert NOTE not in before
    assert 'data-chart="felt_room"' not in before
    with client(console) as http:
        assert sign_in(http, ADA).status_code == 303
        page = http.get("/console/me").text
        done = http.post("/console/me/sharing", data={"form_token": token(page), "personal": "yes"})
        assert done.status_code == 303
    after = eva_sees()
    assert NOTE in after
    assert 'data-chart="felt_room"' in after


def test_a_form_without_the_session_token_changes_nothing(console: Console) -> None:
    ada_with_history(console)
    with client(console) as http:
        assert sign_in(http, ADA).status_code == 303
        refused = http.post("/console/me/coaches", data={"coach": COACH})
        assert refused.status_code == 403
        other = httpx.post(
            f"{console.url}/console/me/sharing", data={"personal": "yes"}, follow_redirects=False
        )
        assert other.status_code == 303
        assert other.headers["location"] == "/console/signin"
    with session_scope(console.store) as session:
        assert session.scalars(select(CoachGrant)).all() == []


def test_someone_who_is_not_a_leader_has_no_place(console: Console) -> None:
    ada_with_history(console)
    with client(console) as eva:
        assert sign_in(eva, "eva@example.org").status_code == 303
        assert eva.get("/console/me").status_code == 404
        assert eva.post("/console/me/coaches/1/revoke", data={"form_token": "x"}).status_code == 403


def test_a_coach_s_access_ends_by_itself_when_its_period_is_over(console: Console) -> None:
    ada_with_history(console)
    with client(console) as http:
        assert sign_in(http, ADA).status_code == 303
        page = http.get("/console/me").text
        answer = http.post(
            "/console/me/coaches", data={"form_token": token(page), "coach": COACH, "months": 1}
        )
        link = answer.text.split('id="invite-link" readonly value="')[1].split('"')[0]
    with client(console) as coach:
        taken = coach.post(link, data={"password": PASSWORD})
        shared = taken.headers["location"]
        assert coach.get(shared).status_code == 200
        console.clock.now = NOW + timedelta(days=31)  # a month and a day later
        assert sign_in(coach, COACH).status_code == 303  # a new day, a new session
        assert coach.get(shared).status_code == 404
        assert "Ada" not in coach.get("/console/coach").text
    with client(console) as http:
        assert sign_in(http, ADA).status_code == 303
        assert 'data-state="expired"' in http.get("/console/me").text
    console.clock.now = NOW
