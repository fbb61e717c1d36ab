"""Signing in to the console over real HTTP: local accounts with argon2id and TOTP, the
organisation's sign-in through a provider that follows the identity contract, CSRF on every
form, rate limits that a moved clock lifts, sessions that expire, and sign out everywhere."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from assistant.app.console.credentials import totp_code
from assistant.store.console_models import ConsoleSession
from assistant.store.database import session_scope
from assistant.store.repositories.console_users import find_console_user
from tests.console.conftest import BOTH, PASSWORD, Console

FORM = re.compile(r'name="(signin_token|form_token)" value="([^"]+)"')


def client(console: Console, language: str = "en") -> httpx.Client:
    return httpx.Client(
        base_url=console.url, headers={"Accept-Language": language}, follow_redirects=False
    )


def token(html: str) -> str:
    found = FORM.search(html)
    assert found, "the page has no form token"
    return found.group(2)


def sign_in(
    browser: httpx.Client, email: str, password: str = PASSWORD, code: str = ""
) -> httpx.Response:
    page = browser.get("/console/signin")
    return browser.post(
        "/console/signin",
        data={"email": email, "password": password, "code": code, "signin_token": token(page.text)},
    )


def test_a_local_account_signs_in_and_out_with_secure_cookies(console: Console) -> None:
    console.add("eva@example.org", "assistant")
    with client(console) as browser:
        first = browser.get("/console")
        assert (first.status_code, first.headers["location"]) == (303, "/console/signin")
        wrong = sign_in(browser, "eva@example.org", "not the password")
        assert wrong.status_code == 401
        assert "The address, password or code is not right." in wrong.text
        unknown = sign_in(browser, "nobody@example.org")
        assert unknown.status_code == 401
        assert "The address, password or code is not right." in unknown.text  # the same words

        signed = sign_in(browser, "Eva@Example.org")
        assert (signed.status_code, signed.headers["location"]) == (303, "/console")
        cookie = next(
            c
            for c in signed.headers.get_list("set-cookie")
            if c.startswith("agenda_regie_console=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/console" in cookie
        value = cookie.split(";")[0].split("=", 1)[1]
        with session_scope(console.store) as session:
            kept = list(session.scalars(select(ConsoleSession.token_hash)))
        assert len(kept) == 1
        assert value not in kept[0]  # only its hash is stored

        home = browser.get("/console")
        assert home.status_code == 200
        assert "<h1>Leaders</h1>" in home.text
        assert "eva@example.org" in home.text
        assert home.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in home.headers["content-security-policy"]

        refused = browser.post("/console/signout", data={})
        assert refused.status_code == 403
        assert browser.get("/console").status_code == 200  # a form without the token did nothing
        out = browser.post("/console/signout", data={"form_token": token(home.text)})
        assert (out.status_code, out.headers["location"]) == (303, "/console/signin")
        assert browser.get("/console").status_code == 303


def test_the_sign_in_form_itself_needs_its_own_token(console: Console) -> None:
    console.add("eva@example.org", "assistant")
    with client(console) as browser:
        browser.get("/console/signin")
        forged = browser.post(
            "/console/signin",
            data={"email": "eva@example.org", "password": PASSWORD, "signin_token": "forged"},
        )
        assert forged.status_code == 403
        assert browser.get("/console").status_code == 303


def test_totp_is_asked_when_set_up(console: Console) -> None:
    uri = console.add("root@example.org", "admin", totp=True)
    assert uri is not None
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    with client(console) as browser:
        assert sign_in(browser, "root@example.org").status_code == 401  # no code
        assert sign_in(browser, "root@example.org", code="000000").status_code in (401,)
        old = totp_code(secret, console.clock.now - timedelta(minutes=5))
        assert sign_in(browser, "root@example.org", code=old).status_code == 401
        code = totp_code(secret, console.clock.now)
        good = sign_in(browser, "root@example.org", code=code)
        assert good.status_code == 303
        assert browser.get("/console").status_code == 200
    with client(console) as other:
        assert sign_in(other, "root@example.org", code=code).status_code == 401  # used once
        console.clock.now += timedelta(seconds=30)
        later = totp_code(secret, console.clock.now)
        assert sign_in(other, "root@example.org", code=later).status_code == 303


@BOTH
def test_rate_limits_per_account_and_per_client_lift_with_time(console: Console) -> None:
    console.add("eva@example.org", "assistant")
    with client(console) as browser:
        for _ in range(5):
            assert sign_in(browser, "eva@example.org", "wrong password!").status_code == 401
        limited = sign_in(browser, "eva@example.org")  # the right password, too late
        assert limited.status_code == 429
        assert "Too many attempts" in limited.text
        console.clock.now += timedelta(minutes=16)
        assert sign_in(browser, "eva@example.org").status_code == 303

    console.add("jan@example.org", "assistant")
    with client(console) as browser:
        for number in range(20):
            sign_in(browser, f"guess{number}@example.org", "wrong password!")
        assert sign_in(browser, "jan@example.org").status_code == 429  # this client is stopped
        console.clock.now += timedelta(minutes=16)
        assert sign_in(browser, "jan@example.org").status_code == 303


@BOTH
def test_sessions_expire_and_sign_out_everywhere_ends_them_all(console: Console) -> None:
    console.add("eva@example.org", "assistant")
    with client(console) as laptop, client(console) as phone:
        sign_in(laptop, "eva@example.org")
        sign_in(phone, "eva@example.org")
        page = laptop.get("/console")
        assert phone.get("/console").status_code == 200
        ended = laptop.post("/console/signout-everywhere", data={"form_token": token(page.text)})
        assert ended.status_code == 303
        assert phone.get("/console").status_code == 303
        assert laptop.get("/console").status_code == 303

        sign_in(phone, "eva@example.org")
        console.clock.now += timedelta(hours=11, minutes=59)
        assert phone.get("/console").status_code == 200
        console.clock.now += timedelta(minutes=2)
        assert phone.get("/console").status_code == 303


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(console: Console) -> None:
    console.add("eva@example.org", "assistant")
    with client(console) as browser:
        sign_in(browser, "eva@example.org")
        with session_scope(console.store) as session:
            user = find_console_user(session, "eva@example.org")
            assert user is not None
            user.disabled = True
        assert browser.get("/console").status_code == 303
        assert sign_in(browser, "eva@example.org").status_code == 401


def _organisation(browser: httpx.Client, provider: str = "entra") -> dict[str, str]:
    start = browser.get(f"/console/signin/{provider}")
    assert start.status_code == 303
    query = parse_qs(urlsplit(start.headers["location"]).query)
    return {"state": query["state"][0], "redirect_uri": query["redirect_uri"][0]}


@BOTH
def test_the_organisation_signs_in_only_an_existing_enabled_console_user(console: Console) -> None:
    console.add("eva@example.org", "assistant", password=None)
    console.entra.directory.update({"c-eva": "eva@example.org", "c-kim": "kim@example.org"})
    with client(console) as browser:
        page = browser.get("/console/signin")
        assert 'href="/console/signin/entra"' in page.text
        assert "Sign in with Microsoft" in page.text
        assert browser.get("/console/signin/google").status_code == 404  # not registered

        started = _organisation(browser)
        assert started["redirect_uri"] == f"{console.url}/console/signin/entra/callback"
        callback = "/console/signin/entra/callback"
        wrong = browser.get(callback, params={"state": "forged", "code": "c-eva"})
        assert wrong.status_code == 400
        assert "did not confirm who you are" in wrong.text
        again = browser.get(callback, params={"state": started["state"], "code": "c-eva"})
        assert again.status_code == 400  # the pending sign-in was used by the forged attempt
        assert "Please start again" in again.text

        started = _organisation(browser)
        stranger = browser.get(callback, params={"state": started["state"], "code": "c-kim"})
        assert stranger.status_code == 403
        assert "no console account for this address" in stranger.text
        assert browser.get("/console").status_code == 303

        started = _organisation(browser)
        done = browser.get(callback, params={"state": started["state"], "code": "c-eva"})
        assert (done.status_code, done.headers["location"]) == (303, "/console")
        assert browser.get("/console").status_code == 200
        replay = browser.get(callback, params={"state": started["state"], "code": "c-eva"})
        assert replay.status_code == 400

    with client(console) as other:
        started = _organisation(other)
        console.clock.now += timedelta(minutes=11)
        late = other.get(
            "/console/signin/entra/callback", params={"state": started["state"], "code": "c-eva"}
        )
        assert late.status_code == 400
        assert "took too long" in late.text


def test_the_sign_in_page_speaks_the_browsers_language(console: Console) -> None:
    with client(console, "nl-NL,nl;q=0.9") as browser:
        page = browser.get("/console/signin")
        assert '<html lang="nl">' in page.text
        assert "<h1>Aanmelden</h1>" in page.text
