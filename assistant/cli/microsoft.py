"""`agenda-regie connect microsoft`: connect a leader's Microsoft 365 calendar (a shell).

Registered under the same `connect` command as Google: `add_microsoft_provider(providers)` takes
the providers subparsers object that `cli_google.add_google_commands` creates, and
`connect_microsoft_command(args)` runs for `agenda-regie connect microsoft` (`args.connect`).

The app registration and the cloud come from the settings (`Settings.from_environ`, see
docs/microsoft.md): AGENDA_REGIE_MICROSOFT_CLIENT_ID (required), ..._TENANT, ..._CLIENT_SECRET
(needed for --application), ..._AUTHORITY_HOST and ..._GRAPH_URL (a national cloud). The store
and the secret keys are checked before anyone is sent to sign in, so a sign-in is never wasted.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from assistant.cli.args import email
from assistant.i18n.operator import tr

if TYPE_CHECKING:  # imported when the command runs, so `agenda-regie --help` stays quick
    from assistant.store.crypto import SecretBox
    from assistant.store.database import Engine
    from connectors.microsoft.auth import StoredAuthorisation

# How long the command waits for the browser to come back from Entra ID.
SIGN_IN_TIMEOUT_SECONDS = 600.0


def add_microsoft_provider(providers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    microsoft = providers.add_parser(
        "microsoft",
        help="Microsoft 365: sign in once (leader or assistant), or application permissions",
        description="Signs in through Entra ID in a browser (the URL is printed when no browser "
        "is at hand) and stores msal's token cache encrypted. See docs/microsoft.md.",
    )
    microsoft.set_defaults(connect=connect_microsoft_command)
    microsoft.add_argument(
        "--leader", required=True, type=email, metavar="EMAIL", help="the leader's address"
    )
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
    microsoft.add_argument(
        "--port", type=_port, default=0, help="local redirect port (default: any free one)"
    )


def _port(text: str) -> int:
    """A TCP port for the redirect listener; 0 takes any free one."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(tr("%(text)s is not a port (0 to 65535)", text=text))
    return port


def add_microsoft_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """A `connect` command with only Microsoft under it (when Google's is not registered)."""
    connect = subparsers.add_parser("connect", help="connect a leader's calendar account")
    providers = connect.add_subparsers(dest="connect_provider", required=True, metavar="PROVIDER")
    add_microsoft_provider(providers)


def connect_microsoft_command(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> int:
    from assistant import bootstrap
    from assistant.accounts.graph_access import registration_from_settings
    from assistant.settings import SECRET_KEYS_VARIABLE, Settings
    from assistant.store import migrations
    from assistant.store.crypto import SecretKeyError
    from assistant.store.database import make_engine
    from connectors.microsoft import auth

    if args.application and args.assistant:
        raise auth.MicrosoftAuthError(
            "connect microsoft", tr("--application signs in as the organisation; drop --assistant")
        )
    settings = Settings.from_environ(environ)
    registration = registration_from_settings(settings)
    cipher = bootstrap.secret_box(settings)
    if not cipher.has_keys:
        raise SecretKeyError(
            tr(
                "%(variable)s is not set; it must hold a Fernet key to store the Microsoft "
                "sign-in encrypted (docs/microsoft.md)",
                variable=SECRET_KEYS_VARIABLE,
            )
        )
    engine = make_engine(settings)
    try:
        migrations.require_head(engine)
        resource = auth.graph_resource(settings.microsoft_graph_url)
        leader = args.leader.strip().lower()
        cache = auth.load_cache(None)
        app = auth.make_app(registration, cache)
        if args.application:
            scopes = auth.application_scopes(resource)
            auth.check_application_access(app, registration, scopes)
            stored = auth.StoredAuthorisation("application", None, scopes, cache.serialize())
        else:
            delegated = auth.delegated_scopes(
                write_back=args.write_back, shared=args.assistant, resource=resource
            )
            username = _sign_in(app, delegated, leader, args.port, not args.no_browser)
            if not args.assistant and username != leader:
                raise auth.MicrosoftAuthError(
                    "connect microsoft",
                    tr(
                        "signed in as %(username)s, not as %(leader)s; sign in with the leader's "
                        "own account, or, when you are the leader's assistant with delegate "
                        "access, add --assistant",
                        username=username,
                        leader=leader,
                    ),
                )
            stored = auth.StoredAuthorisation(
                "delegated", username, tuple(delegated), cache.serialize()
            )
        stored = _check_access(settings, stored, leader, application=args.application)
        return _store(engine, cipher, leader, stored)
    finally:
        engine.dispose()


def _check_access(
    settings: Any, stored: StoredAuthorisation, leader: str, *, application: bool
) -> StoredAuthorisation:
    """One read of the leader's calendar before anything is stored; a refusal names its cause."""
    from assistant.accounts.graph_access import graph_access_from_settings
    from assistant.accounts.microsoft import check_calendar_access
    from connectors.microsoft.auth import MicrosoftAuthError
    from connectors.microsoft.errors import AccessDeniedError, NotFoundError

    access = graph_access_from_settings(settings)
    try:
        return check_calendar_access(
            stored, access, leader=leader, mailbox=leader, now=datetime.now(UTC)
        )
    except AccessDeniedError as error:
        if application:
            cause = tr(
                "the app %(app)s may not read it: grant admin consent for the application "
                "permission Calendars.Read, and when an application access policy limits the app "
                "to some mailboxes, add this mailbox to its group (docs/microsoft.md, Limiting "
                "mailboxes)",
                app=settings.microsoft_client_id,
            )
        else:
            cause = tr(
                "%(username)s may not read it: the leader shares their calendar with you in "
                "Outlook (delegate access, at least 'can view all details'), then run this again",
                username=stored.username,
            )
        raise MicrosoftAuthError(
            "connect microsoft",
            tr(
                "Graph refused to read the calendar of %(leader)s; %(cause)s",
                leader=leader,
                cause=cause,
            ),
        ) from error
    except NotFoundError as error:
        raise MicrosoftAuthError(
            "connect microsoft",
            tr(
                "Graph knows no mailbox %(leader)s in this tenant (%(said)s); check the address, "
                "and that the mailbox is in Exchange Online",
                leader=leader,
                said=error.problem,
            ),
        ) from error
    finally:
        access.http.close()


def _store(engine: Engine, cipher: SecretBox, leader: str, stored: StoredAuthorisation) -> int:
    from assistant.accounts.microsoft import connect_microsoft

    connection_id = connect_microsoft(
        engine, leader, stored, cipher, now=datetime.now(UTC), mailbox=leader
    )
    who = stored.username or tr("the organisation's application permissions")
    said = tr(
        "connected the Microsoft 365 calendar of %(leader)s through %(who)s (connection %(id)s)",
        leader=leader,
        who=who,
        id=connection_id,
    )
    print(f"agenda-regie: {said}")
    return 0


def _sign_in(app: Any, scopes: list[str], leader: str, port: int, open_browser: bool) -> str:
    """The auth-code flow with a redirect listener on 127.0.0.1 that waits for Entra ID's answer.

    Entra ID answers with a form POST (`response_mode=form_post`); a GET with the answer in the
    query is taken too. Anything else that reaches the port (a browser asking for a favicon) gets
    a 404 and the listener keeps waiting, until the answer comes or the time is up.
    """
    import threading
    import webbrowser
    from http.server import BaseHTTPRequestHandler, HTTPServer  # only here: a review loads none

    from connectors.microsoft import auth

    answer: dict[str, str] = {}

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # the answer holds a code: never logged

        def do_GET(self) -> None:
            self._take(parse_qs(urlsplit(self.path).query))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._take(parse_qs(self.rfile.read(length).decode("utf-8")))

        def _take(self, fields: dict[str, list[str]]) -> None:
            if urlsplit(self.path).path != "/" or not ({"code", "error"} & fields.keys()):
                self._reply(404, tr("Not the answer agenda-regie waits for."))
                return
            answer.update({key: values[0] for key, values in fields.items()})
            if "error" in fields:
                self._reply(200, tr("Microsoft sign-in did not complete; see the terminal."))
            else:
                self._reply(
                    200, tr("agenda-regie received the sign-in; you may close this window.")
                )

        def _reply(self, status: int, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    try:
        server = HTTPServer(("127.0.0.1", port), Redirect)
    except OSError as error:
        raise auth.MicrosoftAuthError(
            "connect microsoft",
            tr(
                "cannot listen on 127.0.0.1:%(port)s for the sign-in's answer (%(reason)s); "
                "choose another --port, or leave --port out to take any free one",
                port=port,
                reason=error.strerror,
            ),
        ) from None
    with server:
        # Entra ID lets a public client's "http://localhost" redirect use any port.
        redirect_uri = f"http://localhost:{server.server_address[1]}/"
        flow = auth.begin_sign_in(app, scopes, redirect_uri=redirect_uri, login_hint=leader)
        print(tr("Open this URL in a browser and sign in:"), flow["auth_uri"], sep="\n", flush=True)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(flow["auth_uri"],), daemon=True).start()
        deadline = time.monotonic() + SIGN_IN_TIMEOUT_SECONDS
        while not answer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise auth.MicrosoftAuthError(
                    tr("Microsoft sign-in"),
                    tr(
                        "no answer came back within %(minutes).0f minutes; run the command again",
                        minutes=SIGN_IN_TIMEOUT_SECONDS / 60,
                    ),
                )
            server.timeout = left
            server.handle_request()
    username: str = auth.finish_sign_in(app, flow, answer)
    return username


__all__ = [
    "add_microsoft_commands",
    "add_microsoft_provider",
    "connect_microsoft_command",
]
