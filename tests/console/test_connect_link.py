"""A leader connects Google or Microsoft 365 through the link an assistant sends from the
console: the email arrives (aiosmtpd) in the leader's language, the leader (no console account)
opens the link, chooses a provider, passes the provider's authorisation-code flow (the fakes in
tests/fakes, through google-auth-oauthlib and msal), and the token is stored encrypted as
`agenda-regie connect` stores it; a sync through the fake calendar then works. An expired,
tampered or used link, a forged state and a refusal on the provider's page each give a calm page
and store nothing; every step is in the audit trail."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from assistant import bootstrap
from assistant.accounts.google import service_factory as google_services
from assistant.accounts.google import sync_google_connection
from assistant.accounts.graph_access import GraphAccess
from assistant.accounts.microsoft import sync_microsoft_connection
from assistant.accounts.web_connect import GoogleWebConnector, MicrosoftWebConnector
from assistant.app.console.connect_links import Mailer
from assistant.mail.links import LinkSigner
from assistant.mail.send import SmtpSettings, smtp_send_once
from assistant.settings import Settings
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, Connection, Leader
from assistant.store.repositories import load_connection_token
from assistant.web.app import create_app
from connectors.google.errors import GoogleAuthError
from connectors.microsoft.auth import AppRegistration
from tests.connectors.google.events import meeting
from tests.connectors.microsoft.events import meeting as graph_meeting
from tests.connectors.microsoft.test_auth import Rewriting
from tests.console.conftest import PASSWORD, Console
from tests.console.identity import DirectoryProvider
from tests.console.test_console_story import accessible, tab_to
from tests.console.test_scoping import ADA, COR, signed_in, team
from tests.console.test_signin import token
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.microsoft_graph import FakeGraph
from tests.mail.fixtures import NOW, SECRET, Clock, SmtpServer, serve, smtp_server

REGISTRATION = AppRegistration("client-1", "tenant1", "secret")
LINK = re.compile(r"https?://\S+/connect/[A-Za-z0-9._-]+")


@dataclass
class Setup:
    console: Console
    google: FakeGoogleCalendar
    graph: FakeGraph
    login: Rewriting
    smtp: SmtpServer


@pytest.fixture
def setup(
    store: Engine, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    # The fake Google is served over http on 127.0.0.1 (oauthlib wants https otherwise).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    google = FakeGoogleCalendar(ADA).start()
    graph = FakeGraph(ADA).start()
    try:
        with Rewriting(graph.url) as login:
            yield from _served(store, smtp_server, google, graph, login)
    finally:
        google.stop()
        graph.stop()


def _served(
    store: Engine, smtp: SmtpServer, google: FakeGoogleCalendar, graph: FakeGraph, login: Rewriting
) -> Iterator[Setup]:
    clock = Clock()
    box = SecretBox([Fernet.generate_key().decode()])
    signer = LinkSigner(SECRET, "http://placeholder")
    settings = SmtpSettings(
        host=smtp.host, port=smtp.port, security="none", sender="agenda@example.org"
    )
    connectors = {
        "google": GoogleWebConnector({"web": google.client_config()["installed"]}),
        "microsoft": MicrosoftWebConnector(REGISTRATION, http_client=login),
    }
    app = create_app(
        store, signer, clock=clock, secrets=box,
        identity_providers={"entra": DirectoryProvider("entra", "http://placeholder/a", {})},
        calendar_connectors=connectors,
        mailer=Mailer(settings.sender, lambda message: smtp_send_once(message, settings)),
    )  # fmt: skip
    for url in serve(app):
        signer.base_url = url
        app.state.console = replace(app.state.console, base_url=url)
        entra = DirectoryProvider("entra", url, {})
        console = Console(url, clock, store, box, entra, app.state.console.providers)
        yield Setup(console, google, graph, login, smtp)


def leader_speaks(store: Engine, email: str, language: str) -> None:
    with session_scope(store) as session:
        leader = session.scalars(select(Leader).where(Leader.email == email)).one()
        leader.language = language


def send_link(setup: Setup, leader_id: int) -> str:
    """The assistant sends the link from the onboarding page; the link shown to copy."""
    with signed_in(setup.console, "eva@example.org") as eva:
        page = eva.get(f"/console/leaders/{leader_id}/connect")
        sent = eva.post(
            f"/console/leaders/{leader_id}/connect/link", data={"form_token": token(page.text)}
        )
        assert sent.status_code == 200
        assert "The link was emailed to ada@example.org." in sent.text
        shown = LINK.search(html.unescape(sent.text))
        assert shown is not None
        return shown.group(0)


def choose(leader: httpx.Client, link: str, provider: str) -> httpx.Response:
    page = leader.get(link)
    assert page.status_code == 200
    return leader.post(link, data={"form_token": token(page.text), "action": provider})


def connections(store: Engine) -> list[Connection]:
    with session_scope(store) as session:
        return list(session.scalars(select(Connection).order_by(Connection.id)))


def audit_actions(store: Engine) -> list[str]:
    with session_scope(store) as session:
        return [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def mail_text(message: Message) -> str:
    part = message.get_payload(decode=True) if not message.is_multipart() else None
    assert isinstance(part, bytes)
    return part.decode()


def test_the_leader_connects_google_through_the_emailed_link(setup: Setup) -> None:
    ids = team(setup.console)
    leader_speaks(setup.console.store, ADA, "nl")
    setup.google.put(meeting(1, datetime(2026, 11, 24, 9, tzinfo=UTC)))
    shown = send_link(setup, ids[ADA])
    [email] = setup.smtp.inbox.messages
    assert email["To"] == ADA
    assert email["Subject"] == "Koppel je agenda aan agenda-regie"
    body = mail_text(email)
    assert shown in body
    assert "Je assistent vraagt je om je agenda één keer te koppelen." in body
    assert "De link werkt één keer, zeven dagen lang." in body
    with httpx.Client(headers={"Accept-Language": "en"}) as leader:
        page = leader.get(shown)
        assert "Kies waar je agenda staat" in page.text
        assert connections(setup.console.store) == []  # a look writes nothing
        to_google = choose(leader, shown, "google")
        assert to_google.status_code == 303
        consent = urlsplit(to_google.headers["location"])
        assert consent.netloc == urlsplit(setup.google.url).netloc
        assert "code_challenge=" in consent.query
        assert "login_hint=ada%40example.org" in consent.query
        back = leader.get(to_google.headers["location"], follow_redirects=True)
        assert back.status_code == 200
        assert "Je agenda is gekoppeld" in back.text
        again = leader.get(shown)
        assert again.status_code == 410  # used once
        assert "This link has expired" in again.text
        assert "works once, for seven days" in again.text
    [connection] = connections(setup.console.store)
    assert (connection.provider, connection.account, connection.status) == ("google", ADA, "ok")
    stored = load_connection_token(connection, setup.console.box)
    assert stored is not None
    assert b"refresh-from-consent" in stored
    assert connection.token_ciphertext is not None
    assert b"refresh-from-consent" not in connection.token_ciphertext
    with signed_in(setup.console, "eva@example.org") as eva:
        page = eva.get(f"/console/leaders/{ids[ADA]}/connect").text
        assert "not synced yet" in page.split('data-provider="google"')[1].split("</tr>")[0]
    outcome = sync_google_connection(
        setup.console.store, connection.id, service_factory=google_services(setup.google.url),
        cipher=setup.console.box, now=NOW,
    )  # fmt: skip
    assert (outcome.status, outcome.kept) == ("synced", 1)
    with signed_in(setup.console, "eva@example.org") as eva:
        page = eva.get(f"/console/leaders/{ids[ADA]}/connect").text
        row = page.split('data-provider="google"')[1].split("</tr>")[0]
        assert "ada@example.org" in row
    with signed_in(setup.console, "eva@example.org") as eva:
        trail = eva.get(f"/console/leaders/{ids[ADA]}/audit").text
        assert "Connection link sent" in trail
        assert "Calendar connected by the leader" in trail
    actions = audit_actions(setup.console.store)
    for action in ("console.invitation_sent", "connect.started", "connect.connected"):
        assert action in actions


def test_the_leader_connects_microsoft_365_with_a_form_post_answer(setup: Setup) -> None:
    ids = team(setup.console)
    setup.graph.put(graph_meeting(1, datetime(2026, 11, 24, 14, tzinfo=UTC)))
    shown = send_link(setup, ids[ADA])
    with httpx.Client() as leader:
        to_entra = choose(leader, shown, "microsoft")
        assert to_entra.status_code == 303
        auth_uri = urlsplit(to_entra.headers["location"])
        assert auth_uri.hostname == "login.microsoftonline.com"
        # The browser at Entra ID: the sign-in page answers with a self-submitting form.
        page = leader.get(f"{setup.graph.url}{auth_uri.path}?{auth_uri.query}")
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        action = html.unescape(re.findall(r'action="([^"]+)"', page.text)[0])
        assert action == f"{setup.console.url}/connect/microsoft/callback"
        back = leader.post(action, data={k: html.unescape(v) for k, v in fields.items()})
        assert back.status_code == 200
        assert "Your calendar is connected" in back.text
    [connection] = connections(setup.console.store)
    assert (connection.provider, connection.account) == ("microsoft", ADA)
    with httpx.Client(timeout=30.0) as http:
        access = GraphAccess(REGISTRATION, http, graph_url=setup.graph.graph_url,
                             login_http_client=setup.login)  # fmt: skip
        outcome = sync_microsoft_connection(
            setup.console.store, connection.id, access=access, cipher=setup.console.box, now=NOW
        )
    assert (outcome.status, outcome.kept) == ("synced", 1)
    assert "connect.connected" in audit_actions(setup.console.store)


def test_a_refusal_on_the_providers_page_stores_nothing_and_the_link_still_works(
    setup: Setup,
) -> None:
    ids = team(setup.console)
    shown = send_link(setup, ids[ADA])
    setup.google.deny_consent = True
    with httpx.Client() as leader:
        to_google = choose(leader, shown, "google")
        back = leader.get(to_google.headers["location"], follow_redirects=True)
        assert back.status_code == 403
        assert "Nothing was connected" in back.text
        assert "Traceback" not in back.text
        assert leader.get(shown).status_code == 200
    assert connections(setup.console.store) == []
    assert "connect.refused" in audit_actions(setup.console.store)
    setup.graph.consent_denied = True
    with httpx.Client() as leader:
        auth_uri = urlsplit(choose(leader, shown, "microsoft").headers["location"])
        page = leader.get(f"{setup.graph.url}{auth_uri.path}?{auth_uri.query}")
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        back = leader.post(f"{setup.console.url}/connect/microsoft/callback",
                           data={k: html.unescape(v) for k, v in fields.items()})  # fmt: skip
        assert back.status_code == 403
    assert connections(setup.console.store) == []


def test_expired_tampered_used_and_forged_answers_give_calm_pages(setup: Setup) -> None:
    ids = team(setup.console)
    shown = send_link(setup, ids[ADA])
    with httpx.Client(headers={"Accept-Language": "nl"}) as leader:
        tampered = leader.get(shown[:-3] + "abc")
        assert tampered.status_code == 400
        assert "Deze link is niet geldig" in tampered.text
        to_google = choose(leader, shown, "google")
        location = to_google.headers["location"]
        forged = leader.get(
            f"{setup.console.url}/connect/google/callback", params={"code": "x", "state": "forged"}
        )
        assert forged.status_code == 410
        assert connections(setup.console.store) == []
        assert leader.get(location, follow_redirects=True).status_code == 200
        # the same answer again (a replayed callback): the flow was taken once
        replay = leader.get(location, follow_redirects=True)
        assert replay.status_code == 410
        assert leader.get(shown).status_code == 410
        assert leader.post(shown, data={"action": "google"}).status_code == 410
        unreadable = leader.post(shown, data={"action": "x" * 100})
        assert unreadable.status_code == 422
        assert unreadable.text.startswith("<!DOCTYPE html>")  # a page, never JSON
    assert len(connections(setup.console.store)) == 1
    with httpx.Client() as stranger:
        huge = stranger.post(
            f"{setup.console.url}/connect/microsoft/callback", content=b"state=" + b"x" * 100_000,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert huge.status_code == 410
    fresh = send_link(setup, ids[ADA])
    setup.console.clock.now = NOW + timedelta(days=8)
    with httpx.Client(headers={"Accept-Language": "en"}) as leader:
        late = leader.get(fresh)
        assert late.status_code == 410
        assert "works once, for seven days" in late.text


def test_another_assistants_leader_gets_no_link(setup: Setup) -> None:
    ids = team(setup.console)
    with signed_in(setup.console, "eva@example.org") as eva:
        page = eva.get(f"/console/leaders/{ids[ADA]}/connect")
        other = eva.post(
            f"/console/leaders/{ids[COR]}/connect/link", data={"form_token": token(page.text)}
        )
        assert other.status_code == 404
    assert setup.smtp.inbox.messages == []
    _ = EmailMessage, Any, smtp_server


def test_the_settings_decide_which_providers_the_link_offers(tmp_path: Path) -> None:
    client = tmp_path / "web-client.json"
    web = {
        "client_id": "web-client",
        "client_secret": "secret",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "redirect_uris": ["https://agenda.example.org/connect/google/callback"],
    }
    client.write_text(json.dumps({"web": web}))
    only_google = Settings.from_environ(
        {"AGENDA_REGIE_GOOGLE_CLIENT_FILE": str(client), "AGENDA_REGIE_MICROSOFT_CLIENT_ID": "c"}
    )
    assert list(bootstrap.calendar_connectors(only_google)) == ["google"]  # no secret: no web
    both = Settings.from_environ(
        {
            "AGENDA_REGIE_GOOGLE_CLIENT_FILE": str(client),
            "AGENDA_REGIE_MICROSOFT_CLIENT_ID": "c",
            "AGENDA_REGIE_MICROSOFT_CLIENT_SECRET": "s",
        }
    )
    assert sorted(bootstrap.calendar_connectors(both)) == ["google", "microsoft"]
    assert bootstrap.connect_mailer(both) is None  # no SMTP: the link is shown to copy
    missing = Settings.from_environ({"AGENDA_REGIE_GOOGLE_CLIENT_FILE": str(tmp_path / "no.json")})
    with pytest.raises(GoogleAuthError) as raised:
        bootstrap.calendar_connectors(missing)
    assert str(raised.value).startswith("AGENDA_REGIE_GOOGLE_CLIENT_FILE: cannot read")


def test_in_chromium_by_keyboard_the_link_is_sent_and_the_leader_connects_google(
    setup: Setup, browser: Any
) -> None:
    """The onboarding page and the leader's pages pass axe-core at 360 px; the choice's
    form-action allows the provider's page and nothing else."""
    ids = team(setup.console)
    leader_speaks(setup.console.store, ADA, "nl")
    eva = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    page = eva.new_page()
    page.goto(f"{setup.console.url}/console/signin")
    page.fill("#email", "eva@example.org")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{setup.console.url}/console")
    page.goto(f"{setup.console.url}/console/leaders/{ids[ADA]}/connect")
    accessible(page)
    tab_to(page, 'form[action$="/connect/link"] button')
    page.keyboard.press("Enter")
    page.wait_for_selector("#link-sent")
    accessible(page)
    link = page.input_value("#connect-link")
    eva.close()
    ada = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL")
    page = ada.new_page()
    response = page.goto(link)
    assert response is not None
    policy = response.headers["content-security-policy"]
    google = setup.google.url.rstrip("/")
    assert policy.endswith(f"form-action 'self' {google} https://login.microsoftonline.com")
    assert page.locator("h1").inner_text() == ADA
    accessible(page)
    tab_to(page, 'button[value="google"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{setup.console.url}/connect/google/callback*")
    assert page.locator("h1").inner_text() == "Je agenda is gekoppeld"
    accessible(page)
    ada.close()
    [connection] = connections(setup.console.store)
    assert connection.provider == "google"
