"""`agenda-regie connect microsoft`: connect a leader's Microsoft 365 calendar (a shell).

Registered under the same `connect` command as Google: `add_microsoft_provider(providers)` takes
the providers subparsers object that `cli_google.add_google_commands` creates, and
`connect_microsoft_command(args)` runs when `args.connect_provider == "microsoft"`.

The app registration comes from the environment (until the settings carry it):
AGENDA_REGIE_MICROSOFT_CLIENT_ID (required), AGENDA_REGIE_MICROSOFT_TENANT (tenant id or domain;
default "organizations") and AGENDA_REGIE_MICROSOFT_CLIENT_SECRET (needed for --application).
"""

from __future__ import annotations

import argparse
import os
import threading
import webbrowser
from collections.abc import Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs

CLIENT_ID_VARIABLE = "AGENDA_REGIE_MICROSOFT_CLIENT_ID"
TENANT_VARIABLE = "AGENDA_REGIE_MICROSOFT_TENANT"
SECRET_VARIABLE = "AGENDA_REGIE_MICROSOFT_CLIENT_SECRET"


def add_microsoft_provider(providers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    microsoft = providers.add_parser(
        "microsoft",
        help="Microsoft 365: sign in once (leader or assistant), or application permissions",
        description="Signs in through Entra ID in a browser (the URL is printed when no browser "
        "is at hand) and stores msal's token cache encrypted. See docs/microsoft.md.",
    )
    microsoft.add_argument("--leader", required=True, metavar="EMAIL", help="the leader's address")
    microsoft.add_argument(
        "--assistant",
        action="store_true",
        help="you are the leader's assistant with delegate rights (Calendars.*.Shared)",
    )
    microsoft.add_argument(
        "--application",
        action="store_true",
        help="use the organisation's application permissions (admin consent), no sign-in",
    )
    microsoft.add_argument(
        "--write-back", action="store_true", help="also ask Calendars.ReadWrite, to write blocks"
    )
    microsoft.add_argument("--no-browser", action="store_true", help="only print the URL")
    microsoft.add_argument("--port", type=int, default=0, help="local redirect port (default: any)")


def add_microsoft_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """A `connect` command with only Microsoft under it (when Google's is not registered)."""
    connect = subparsers.add_parser("connect", help="connect a leader's calendar account")
    providers = connect.add_subparsers(dest="connect_provider", required=True, metavar="PROVIDER")
    add_microsoft_provider(providers)


def registration_from_environ(environ: Mapping[str, str]) -> Any:
    from connectors.microsoft.auth import AppRegistration, MicrosoftAuthError

    client_id = environ.get(CLIENT_ID_VARIABLE, "").strip()
    if not client_id:
        raise MicrosoftAuthError(
            "connect microsoft",
            f"set {CLIENT_ID_VARIABLE} to the application (client) id of the app registered in "
            "Entra ID (docs/microsoft.md)",
        )
    return AppRegistration(
        client_id,
        environ.get(TENANT_VARIABLE, "").strip() or "organizations",
        environ.get(SECRET_VARIABLE) or None,
    )


def connect_microsoft_command(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> int:
    from connectors.microsoft import auth

    environ = os.environ if environ is None else environ
    registration = registration_from_environ(environ)
    leader = args.leader.strip().lower()
    cache = auth.load_cache(None)
    app = auth.make_app(registration, cache)
    if args.application:
        if args.assistant:
            raise auth.MicrosoftAuthError("connect microsoft", "--application has no assistant")
        tokens = auth.token_source(
            auth.StoredAuthorisation("application", None, auth.APPLICATION_SCOPES, ""),
            registration,
            cache,
            leader=leader,
        )
        tokens()  # fails clearly now when the secret or the admin consent is missing
        stored = auth.StoredAuthorisation(
            "application", None, auth.APPLICATION_SCOPES, cache.serialize()
        )
    else:
        scopes = auth.delegated_scopes(write_back=args.write_back, shared=args.assistant)
        username = _sign_in(app, scopes, leader, args.port, not args.no_browser)
        if not args.assistant and username != leader:
            raise auth.MicrosoftAuthError(
                "connect microsoft",
                f"signed in as {username}, not {leader}; an assistant adds --assistant",
            )
        stored = auth.StoredAuthorisation("delegated", username, tuple(scopes), cache.serialize())
    return _store(leader, stored)


def _store(leader: str, stored: Any) -> int:
    from assistant.microsoft_sync import connect_microsoft
    from assistant.secrets import SecretBox
    from assistant.settings import Settings
    from assistant.store.database import make_engine

    settings = Settings.from_environ()
    cipher = SecretBox.from_settings(settings)
    engine = make_engine(settings)
    try:
        connection_id = connect_microsoft(
            engine, leader, stored, cipher, now=datetime.now(UTC), mailbox=leader
        )
    finally:
        engine.dispose()
    who = stored.username or "the organisation's application permissions"
    print(
        f"agenda-regie: connected the Microsoft 365 calendar of {leader} through {who} "
        f"(connection {connection_id})"
    )
    return 0


def _sign_in(app: Any, scopes: list[str], leader: str, port: int, open_browser: bool) -> str:
    """The auth-code flow with a one-shot redirect listener on 127.0.0.1."""
    from connectors.microsoft import auth

    answer: dict[str, str] = {}

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # response_mode=form_post
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8"))
            answer.update({k: v[0] for k, v in form.items()})
            data = b"agenda-regie is connected; you may close this window."
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with HTTPServer(("127.0.0.1", port), Redirect) as server:
        # Entra ID lets a public client's "http://localhost" redirect use any port.
        redirect_uri = f"http://localhost:{server.server_address[1]}/"
        flow = auth.begin_sign_in(app, scopes, redirect_uri=redirect_uri, login_hint=leader)
        print(f"Open this URL in a browser and sign in:\n{flow['auth_uri']}")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(flow["auth_uri"],), daemon=True).start()
        server.timeout = 600
        server.handle_request()
    if not answer:
        raise auth.MicrosoftAuthError("Microsoft sign-in", "no answer came back within 10 minutes")
    username: str = auth.finish_sign_in(app, flow, answer)
    return username


__all__ = [
    "add_microsoft_commands",
    "add_microsoft_provider",
    "connect_microsoft_command",
    "registration_from_environ",
]
