"""The console's story in Chromium: an admin (password and TOTP, by keyboard alone) adds two
assistants and assigns leaders; an assistant signs in through the organisation (a local OpenID
Connect page), sees only her two leaders, makes a mistake in a rule (shown at its line), fixes
it, previews before and after, applies; the leader's next review follows it; the audit trail
shows it; rollback works. The second assistant gets 404 on the first one's leader's page, export
and search. Every page passes axe-core without serious or critical violations, works at 360 px,
and the list, a leader's page and the rules editor are photographed in both languages. The admin
also signs in through the real Google provider (a local OpenID Connect server) and previews a
change of the organisation's rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse

from assistant.app.console.credentials import totp_code
from assistant.app.rules import SharedFile, apply
from assistant.store.database import session_scope
from assistant.store.repositories.leaders import find_leader
from assistant.store.repositories.rules import leader_rules
from connectors.identity.google import GoogleSignIn
from rules.text import load_text
from tests.conftest import REPO
from tests.console.conftest import PASSWORD, Console
from tests.fakes.oidc_server import CLIENT_ID, CLIENT_SECRET, FakeOidcProvider
from tests.mail.fixtures import NOW, serve

SHOTS = REPO / "docs" / "screenshots"
ADA, BOB, COR = "ada@example.org", "bob@example.org", "cor@example.org"
AXE = Axe()


@pytest.fixture
def identity_page(console: Console) -> Iterator[str]:
    """The organisation's sign-in page: continue as one of its people, back to the console."""
    idp = FastAPI()

    @idp.get("/authorize")
    def authorize(state: str = Query(), redirect_uri: str = Query()) -> HTMLResponse:
        links = "".join(
            f'<li><a href="{redirect_uri}?code={code}&amp;state={state}">{email}</a></li>'
            for code, email in console.entra.directory.items()
        )
        return HTMLResponse(
            f'<!DOCTYPE html><html lang="en"><head><title>Sign in</title></head><body><main>'
            f"<h1>Organisation sign-in</h1><ul>{links}</ul></main></body></html>"
        )

    for url in serve(idp):
        console.entra.authorize_url = f"{url}/authorize"
        yield url


def accessible(page: Any) -> None:
    """axe-core finds no serious or critical violation, and nothing is wider than 360 px."""
    results = AXE.run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until the element is focused (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.fixture
def google(console: Console) -> Iterator[FakeOidcProvider]:
    """The real Google provider in the console, against a local OpenID Connect server."""
    server = FakeOidcProvider("google").start()
    console.providers["google"] = GoogleSignIn(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=["example.org"],
        discovery_url=server.discovery_url,
    )
    yield server
    server.stop()


def test_the_console_story(
    console: Console, identity_page: str, google: FakeOidcProvider, browser: Any
) -> None:
    for email, name in ((ADA, "Ada de Vries"), (BOB, "Bob Jansen"), (COR, "Cor Smit")):
        console.leader(email, name)
    console.cache_sample(ADA)
    recorded = console.record_weeks(ADA, 26)
    assert len(recorded) >= 12
    uri = console.add("root@example.org", "admin", totp=True)
    assert uri is not None
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    console.entra.directory.update({"c-eva": "eva@example.org", "c-kim": "kim@example.org"})

    admin = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    page = admin.new_page()
    page.goto(f"{console.url}/console")
    assert page.url.endswith("/console/signin")
    accessible(page)
    tab_to(page, "#email")
    page.keyboard.type("root@example.org")
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "#code")
    page.keyboard.type(totp_code(secret, console.clock.now))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{console.url}/console")
    assert page.locator("h1").inner_text() == "Leaders"
    accessible(page)

    page.goto(f"{console.url}/console/users")
    accessible(page)
    for email in ("eva@example.org", "jan@example.org"):
        page.fill("#new-email", email)
        page.select_option("#new-role", "assistant")
        page.fill("#new-password", "" if email.startswith("eva") else PASSWORD)
        page.click("#add-heading ~ button")
        page.wait_for_url(f"{console.url}/console/users")
    for assistant, leader in (("eva", ADA), ("eva", BOB), ("jan", COR)):
        page.select_option("#assign-email", f"{assistant}@example.org")
        page.select_option("#assign-leader", leader)
        page.click("#assign-heading ~ button")
        page.wait_for_url(f"{console.url}/console/users")
    eva_row = page.locator('tr[data-user="eva@example.org"]').inner_text()
    assert f"{ADA}, {BOB}" in eva_row
    admin.close()

    # Eva signs in through her organisation, at desktop width, and looks after Ada and Bob.
    eva = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    page = eva.new_page()
    page.goto(f"{console.url}/console/signin")
    page.click("text=Sign in with Microsoft")
    page.wait_for_url(f"{identity_page}/authorize*")
    page.click("text=eva@example.org")
    page.wait_for_url(f"{console.url}/console")
    rows = page.locator("tbody tr[data-leader]")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.leader)")) == [ADA, BOB]
    assert "Cor Smit" not in page.content()
    accessible(page)
    shoot(page, "console-leaders.en.png")

    page.click("text=Ada de Vries")
    page.wait_for_url("**/console/leaders/*")
    ada_page = page.url
    leader_id = ada_page.rsplit("/", 1)[1]
    page.select_option("#weeks", "26")
    page.click("#weeks ~ button")
    page.wait_for_url("**weeks=26")
    assert page.locator("svg rect.bar").count() == 4 * len(recorded)
    accessible(page)
    shoot(page, "console-leader.en.png")

    page.click(f'a[href="/console/leaders/{leader_id}/rules"]')
    page.wait_for_url("**/rules")
    accessible(page)
    page.fill("#f-text", "lunch:\n  minutes: lots\n")
    typed = page.locator('#live-problems li[data-line="2"]')  # checked while typing
    typed.wait_for()
    assert typed.inner_text().startswith("Line 2: lunch.minutes: ")
    tab_to(page, 'button[value="check"]')
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    problem = page.locator('#problems li[data-line="2"]')
    assert "Line 2" in problem.inner_text()
    assert "lunch.minutes" in problem.inner_text()
    accessible(page)
    page.fill("#f-text", "lunch:\n  minutes: 45\n")
    page.fill("#f-blocks", "4")
    page.click('button[value="preview"]')
    page.wait_for_load_state()
    preview = page.locator('[data-section="preview"]')
    assert "before and after" in preview.locator("h2").inner_text()
    assert preview.locator('tr[data-changed="yes"]').count() >= 1
    accessible(page)
    shoot(page, "console-rules.en.png")
    page.click('button[value="apply"]')
    page.wait_for_url("**/rules?applied=1")
    assert "Applied as version 1." in page.locator("[role=status]").inner_text()

    with session_scope(console.store) as session:
        leader = find_leader(session, ADA)
        assert leader is not None
        rules = leader_rules(session, leader)  # what the leader's next review is made with
        assert (rules.reflection.blocks_per_week, rules.lunch.minutes) == (4, 45)
        assert rules.leader.name == "Ada de Vries"  # not in the text, and kept

    page.goto(f"{ada_page}/audit")
    trail = page.locator("tbody").inner_text()
    assert "Rules changed" in trail
    assert "eva@example.org" in trail
    assert "reflection.blocks_per_week: 4" in trail
    accessible(page)

    page.goto(f"{ada_page}/rules")
    page.fill("#f-blocks", "3")
    page.click('button[value="apply"]')
    page.wait_for_url("**/rules?applied=2")
    page.click("text=Roll back to version 1")
    page.wait_for_url("**/rules?applied=3")
    with session_scope(console.store) as session:
        leader = find_leader(session, ADA)
        assert leader is not None
        assert leader_rules(session, leader).reflection.blocks_per_week == 4
    eva.close()

    # Jan looks after Cor only: Ada's page, export and search are not his.
    jan = browser.new_context(viewport={"width": 1100, "height": 900})
    page = jan.new_page()
    page.goto(f"{console.url}/console/signin")
    page.fill("#email", "jan@example.org")
    page.fill("#password", PASSWORD)
    page.click('form[action="/console/signin"] button')
    page.wait_for_url(f"{console.url}/console")
    for path in (f"/console/leaders/{leader_id}", f"/console/leaders/{leader_id}/export.csv"):
        answer = page.request.get(f"{console.url}{path}")
        assert answer.status == 404, path
        assert "Ada" not in answer.text()
    page.goto(f"{console.url}/console/search?q=ada")
    assert "No leader of yours matches." in page.content()
    accessible(page)
    jan.close()

    # The same pages in Dutch, for the screenshots.
    dutch = browser.new_context(viewport={"width": 1100, "height": 900}, locale="nl-NL")
    page = dutch.new_page()
    page.goto(f"{console.url}/console/signin/entra")
    page.click("text=eva@example.org")
    page.wait_for_url(f"{console.url}/console")
    assert page.locator("h1").inner_text() == "Leiders"
    shoot(page, "console-leaders.nl.png")
    page.goto(f"{ada_page}?weeks=26")
    shoot(page, "console-leader.nl.png")
    page.goto(f"{ada_page}/rules")
    page.fill("#f-minutes", "60")
    page.click('button[value="preview"]')
    page.wait_for_load_state()
    assert "voor en na" in page.locator('[data-section="preview"] h2').inner_text()
    accessible(page)
    shoot(page, "console-rules.nl.png")
    dutch.close()

    # The admin signs in with Google and previews a change of the organisation's rules.
    organisation = SharedFile("acme", {"reflection": {"minutes": 60}}, None)
    rules, own = load_text("leader:\n  name: Bob Jansen\n", "story", shared=[("acme", {})])
    apply(console.store, BOB, rules, "story", NOW, shared=[organisation], layer=own)
    google.person |= {"email": "root@example.org", "sub": "root-at-google"}
    organiser = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL")
    page = organiser.new_page()
    page.goto(f"{console.url}/console/signin")
    page.click("text=Aanmelden met Google")
    page.wait_for_url(f"{console.url}/console")
    assert page.locator("h1").inner_text() == "Leiders"
    page.goto(f"{console.url}/console/settings")
    page.click('a[href="/console/shared-rules/acme"]')
    page.fill("#f-text", "reflection:\n  minutes: 45\n")
    page.click('button[value="preview"]')
    page.wait_for_load_state()
    assert "Bob Jansen" in page.locator('[data-section="preview"]').inner_text()
    accessible(page)
    organiser.close()
    for shot in ("leaders", "leader", "rules"):
        for language in ("en", "nl"):
            assert (SHOTS / f"console-{shot}.{language}.png").stat().st_size > 10_000
