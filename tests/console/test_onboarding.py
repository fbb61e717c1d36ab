"""Onboarding from the console: a feed entered by the assistant is kept encrypted and not read
(the console asks no calendar anything), its state shows, a file path or other address is
refused, and another assistant's leader is 404."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from sqlalchemy import select

from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, Connection
from tests.console.conftest import Console
from tests.console.test_scoping import ADA, COR, signed_in, team
from tests.console.test_signin import token


class Counting(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        Counting.hits += 1
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_feed_is_kept_encrypted_and_not_read(console: Console) -> None:
    ids = team(console)
    feed_server = HTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=feed_server.serve_forever, daemon=True)
    thread.start()
    feed = f"http://127.0.0.1:{feed_server.server_port}/leader.ics?token=s3cret"
    path = f"/console/leaders/{ids[ADA]}/connect"
    try:
        with signed_in(console, "eva@example.org") as eva:
            page = eva.get(path)
            assert "No calendar connected yet" in page.text
            wrong = eva.post(path, data={"form_token": token(page.text), "feed": "/etc/passwd"})
            assert wrong.status_code == 422
            assert "not the address of a calendar feed" in wrong.text
            done = eva.post(
                path, data={"form_token": token(page.text), "feed": feed}, follow_redirects=True
            )
            assert "The feed is kept." in done.text
            row = done.text.split('data-provider="ics"')[1].split("</tr>")[0]
            assert "not synced yet" in row
            assert "s3cret" not in done.text
            assert eva.get(f"/console/leaders/{ids[COR]}/connect").status_code == 404
            other = eva.post(
                f"/console/leaders/{ids[COR]}/connect",
                data={"form_token": token(page.text), "feed": feed},
            )
            assert other.status_code == 404
    finally:
        feed_server.shutdown()
        feed_server.server_close()
    assert Counting.hits == 0  # the console made no request to the feed
    with session_scope(console.store) as session:
        connection = session.scalars(select(Connection)).one()
        assert connection.account == f"http://127.0.0.1:{feed_server.server_port}/leader.ics"
        assert connection.token_ciphertext is not None
        assert b"s3cret" not in connection.token_ciphertext
        assert console.box.decrypt(connection.token_ciphertext).decode() == feed
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "console.feed_connected")
        ).one()
        assert audit.actor == "eva@example.org"
        assert "s3cret" not in str(audit.after)
