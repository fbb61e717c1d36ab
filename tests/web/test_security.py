"""What every answer of the web app carries, whatever produced it: the security headers and a
friendly page (200 to 503), only for the base URL's host, without slash redirects, without a
token in any log line; and a block whose time has passed cannot be accepted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from assistant.core.review import WeeklyReview
from assistant.mail.links import AllLink, LinkSigner
from assistant.store.database import make_engine
from assistant.web.app import create_app
from tests.mail.fixtures import (
    LEADER,
    NOW,
    SECRET,
    Clock,
    SmtpServer,
    free_port,
    press,
    serve,
)
from tests.web.test_confirm_pages import Site, links, mail, status_of

SECURITY_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def assert_hardened(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'none'" in policy
    assert "location" not in response.headers
    if response.status_code != 200 or "text/html" in response.headers.get("content-type", ""):
        assert response.text.startswith("<!DOCTYPE html>"), response.text[:80]


@pytest.fixture
def failing_site(store: Engine) -> Iterator[str]:
    """The app whose clock fails: every route that asks the time answers 500."""

    def broken_clock() -> Any:
        raise RuntimeError("the clock broke")

    signer = LinkSigner(SECRET, "http://placeholder")
    engine = store
    for url in serve(create_app(engine, signer, clock=broken_clock)):
        signer.base_url = url
        yield url


@pytest.fixture
def database_down() -> Iterator[tuple[str, LinkSigner]]:
    """The app whose PostgreSQL does not answer (nothing listens on its port)."""
    signer = LinkSigner(SECRET, "http://placeholder")
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/agenda")
    for url in serve(create_app(engine, signer, clock=Clock())):
        signer.base_url = url
        yield url, signer


def test_every_status_carries_the_headers_and_a_friendly_page(
    ics_site: Site,
    reviews: dict[str, WeeklyReview],
    smtp_server: SmtpServer,
    failing_site: str,
) -> None:
    _prepared, html = mail(ics_site, reviews["en"], smtp_server)
    accept = links(html, "?do=accept")[0]
    token = accept.split("/p/")[1].split("?")[0]
    base = ics_site.url
    answers = {
        200: httpx.get(accept),
        400: httpx.get(f"{base}/p/{token[:-4]}AAAA"),
        403: httpx.post(f"{base}/p/{token}", data={"action": "accept"}),
        404: httpx.get(f"{base}/nothing-here"),
        405: httpx.request("DELETE", f"{base}/p/{token}"),
        422: httpx.post(f"{base}/p/{token}", data={"action": "explode"}),
        500: httpx.get(f"{failing_site}/p/{token}"),
    }
    ics_site.clock.now = NOW + timedelta(days=11)
    answers[410] = httpx.get(accept)

    for status, response in answers.items():
        assert response.status_code == status, (status, response.text[:200])
        assert_hardened(response)
    assert "This page does not exist" in answers[404].text
    assert "This link is not valid" in answers[422].text
    assert "Something went wrong on our side" in answers[500].text
    assert "the clock broke" not in answers[500].text


def test_a_forged_host_gets_no_page_and_no_redirect(ics_site: Site) -> None:
    forged = httpx.get(f"{ics_site.url}/healthz", headers={"Host": "evil.example"})
    trailing = httpx.get(f"{ics_site.url}/healthz/", headers={"Host": "evil.example"})
    slash = httpx.get(f"{ics_site.url}/healthz/")

    assert forged.status_code == 400
    assert trailing.status_code == 400
    assert "evil.example" not in forged.text + trailing.text
    assert slash.status_code == 404  # no redirect to the address without the slash
    for response in (forged, trailing, slash):
        assert_hardened(response)
    assert httpx.get(f"{ics_site.url}/healthz").json() == {"status": "ok"}


def test_a_block_whose_time_has_passed_cannot_be_accepted(
    ics_site: Site, reviews: dict[str, WeeklyReview], smtp_server: SmtpServer
) -> None:
    review = reviews["en"]
    _prepared, html = mail(ics_site, review, smtp_server)
    ordered = sorted(review.proposals, key=lambda p: (p.start, p.key))
    first, later = ordered[0], ordered[-1]
    accept = links(html, "?do=accept")[0]
    ics_site.clock.now = first.start + timedelta(minutes=1)
    assert first.start < later.start

    shown = httpx.get(accept)
    with httpx.Client() as browser:  # a POST as a stale page still open in the browser sends it
        listing = browser.get(links(html, "/all/")[0])
        form = re.search(r'name="form_token" value="([^"]+)"', listing.text)
        assert form is not None
        pressed = browser.post(
            accept.split("?")[0], data={"action": "accept", "form_token": form.group(1)}
        )
    everything = press(links(html, "/all/")[0], "accept")

    passed = "The time of this block has passed, so it can no longer be added."
    assert passed in shown.text
    assert passed in pressed.text
    assert status_of(ics_site.store, first.key) == "proposed"
    # Accept-all takes the blocks still ahead and leaves the past one.
    assert f"{len(ordered) - 1} blocks accepted." in everything.text
    assert status_of(ics_site.store, first.key) == "proposed"
    assert status_of(ics_site.store, later.key) != "proposed"


def test_the_database_down_shows_a_page_to_try_again_in_the_browser(
    database_down: tuple[str, LinkSigner], browser: Any
) -> None:
    url, signer = database_down
    target = f"{url}/all/{signer.token(AllLink(LEADER, '2026-W49'), NOW)}"
    page = browser.new_page(extra_http_headers={"Accept-Language": "nl-NL"})
    try:
        response = page.goto(target)
        assert response is not None
        assert response.status == 503
        assert response.headers["retry-after"] == "30"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert page.locator("h1").inner_text() == "Deze pagina is even niet bereikbaar"
    finally:
        page.close()


def test_no_token_reaches_the_access_log(tmp_path: Path) -> None:
    """`agenda-regie web` as deployed: its access log names the route, never the token."""
    program = str(Path(sys.executable).with_name("agenda-regie"))
    port = free_port()
    database = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    environment = {
        **os.environ,
        "DATABASE_URL": database,
        "AGENDA_REGIE_SECRET_KEYS": Fernet.generate_key().decode(),
        "AGENDA_REGIE_LINK_SECRET": SECRET,
        "AGENDA_REGIE_BASE_URL": f"http://127.0.0.1:{port}",
    }
    upgrade = subprocess.run(
        [program, "db", "upgrade"], env=environment, capture_output=True, text=True, timeout=120
    )
    assert upgrade.returncode == 0, upgrade.stderr
    log = tmp_path / "web.log"
    with log.open("w") as output:
        web = subprocess.Popen(
            [program, "web", "--port", str(port)], env=environment, stdout=output, stderr=output
        )
    try:
        signer = LinkSigner(SECRET, f"http://127.0.0.1:{port}")
        token = signer.token(AllLink("leader@example.org", "2026-W49"), NOW)
        deadline = time.monotonic() + 60
        answered = None
        while answered is None:
            assert time.monotonic() < deadline, log.read_text()
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/all/{token}?x={token}")
            except httpx.TransportError:
                time.sleep(0.2)
        httpx.get(f"http://127.0.0.1:{port}/p/{token}/")
        while "/p/" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        web.terminate()
        web.wait(timeout=30)
    written = log.read_text()
    assert token not in written
    assert re.search(r'"GET /all/… HTTP/1.1" \d{3}', written), written
    assert re.search(r'"GET /p/…/ HTTP/1.1" 404', written), written
