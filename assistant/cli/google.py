"""`agenda-regie connect google`: connect a leader's Google calendar (a shell).

Registered by assistant/cli/main.py (`add_google_commands`), which runs `connect_command(args)`.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli.args import email
from assistant.i18n.operator import tr

if TYPE_CHECKING:  # imported where used, so the command line starts fast
    from connectors.google.auth import Delegation


def add_google_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    connect = subparsers.add_parser("connect", help="connect a leader's calendar account")
    providers = connect.add_subparsers(dest="connect_provider", required=True, metavar="PROVIDER")
    google = providers.add_parser(
        "google",
        help="Google Calendar: sign in once (or use a service account with delegation)",
        description="Asks the leader's consent in a browser (the URL is printed when no browser "
        "is at hand), or checks that a service account may act as the leader, and stores the "
        "credentials (or the key) encrypted. See docs/google.md.",
    )
    google.add_argument(
        "--leader", required=True, type=email, metavar="EMAIL", help="the leader's address"
    )
    google.add_argument(
        "--client-file",
        type=Path,
        metavar="FILE",
        help="the OAuth client JSON downloaded from the Cloud console (installed app)",
    )
    google.add_argument(
        "--service-account",
        type=Path,
        metavar="FILE",
        help="a service account key with domain-wide delegation, instead of a sign-in "
        "(checked now, then stored encrypted with the connection)",
    )
    google.add_argument(
        "--write-back",
        action="store_true",
        help="also ask calendar.events.owned, to write accepted blocks",
    )
    google.add_argument("--calendar", default="primary", help="calendar id (default: primary)")
    google.add_argument("--no-browser", action="store_true", help="only print the URL")
    google.add_argument("--port", type=int, default=0, help="local redirect port (default: any)")
    google.set_defaults(connect=connect_command)

    from assistant.cli.caldav import add_caldav_provider
    from assistant.cli.ics import add_ics_provider
    from assistant.cli.microsoft import add_microsoft_provider

    add_microsoft_provider(providers)
    add_ics_provider(providers)
    add_caldav_provider(providers)


def connect_command(args: argparse.Namespace) -> int:
    """Files, port, secret keys and database are checked before the leader is sent to Google."""
    from assistant import bootstrap
    from assistant.accounts.google import connect_google
    from assistant.settings import SECRET_KEYS_VARIABLE
    from assistant.store import migrations
    from assistant.store.crypto import SecretKeyError
    from assistant.store.database import make_engine
    from connectors.google import auth

    if (args.client_file is None) == (args.service_account is None):
        raise auth.GoogleAuthError(
            "connect google", tr("give either --client-file or --service-account")
        )
    leader = args.leader.strip().lower()
    key: dict[str, object] | None = None
    config: dict[str, object] | None = None
    if args.service_account is not None:
        key = _read_json(args.service_account)
    else:
        config = auth.client_config_from_json(_read_text(args.client_file), str(args.client_file))
        auth.check_redirect_port(args.port)
    settings = bootstrap.load_settings()
    cipher = bootstrap.secret_box(settings)
    if not cipher.has_keys:
        raise SecretKeyError(
            tr(
                "%(variable)s is not set; it must hold a Fernet key to store the Google "
                "authorisation encrypted (docs/google.md)",
                variable=SECRET_KEYS_VARIABLE,
            )
        )
    engine = make_engine(settings)
    try:
        migrations.require_head(engine)
        credentials: auth.Delegation | auth.Credentials
        if key is not None:
            credentials = auth.Delegation(key=key, subject=leader, write_back=args.write_back)
            _check_delegation(credentials)
        else:
            assert config is not None
            credentials = auth.run_installed_app_flow(
                config,
                write_back=args.write_back,
                open_browser=False if args.no_browser else None,
                port=args.port,
                login_hint=leader,
            )
        connection_id = connect_google(
            engine,
            leader,
            leader,
            credentials,
            cipher,
            calendar_id=args.calendar,
            now=datetime.now(UTC),
        )
    finally:
        engine.dispose()
    if isinstance(credentials, auth.Delegation):
        said = tr(
            "connected Google calendar of %(leader)s (connection %(id)s) through the service "
            "account %(account)s; its key is stored encrypted",
            leader=leader,
            id=connection_id,
            account=credentials.service_account_email,
        )
    else:
        said = tr(
            "connected Google calendar of %(leader)s (connection %(id)s) with the leader's "
            "own sign-in, stored encrypted",
            leader=leader,
            id=connection_id,
        )
    print(f"agenda-regie: {said}")
    return 0


def _check_delegation(delegation: Delegation) -> None:
    """Ask Google for a token as the leader now, so a missing grant shows here, not at night."""
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request

    from connectors.google.auth import GoogleAuthError
    from connectors.google.calls import refresh_outcome, refresh_said
    from connectors.google.errors import NeedsReauthorisationError

    credentials = delegation.credentials()
    try:
        credentials.refresh(Request())  # type: ignore[no-untyped-call]
    except RefreshError as error:
        said = refresh_said(error)
        if refresh_outcome(error) == "retry":
            raise GoogleAuthError(
                tr("service account"),
                tr(
                    "Google's token endpoint failed for now (%(said)s); nothing was stored, run "
                    "the command again in a while",
                    said=said,
                ),
            ) from None
        raise NeedsReauthorisationError(
            tr("service account"),
            tr(
                "Google refused to let %(account)s act as %(leader)s (%(said)s); %(advice)s",
                account=delegation.service_account_email,
                leader=delegation.subject,
                said=said,
                advice=delegation.advice(),
            ),
        ) from None
    except TransportError as error:
        raise GoogleAuthError(
            tr("service account"),
            tr("Google's token endpoint cannot be reached (%(said)s)", said=_first_line(error)),
        ) from None


def _first_line(error: Exception) -> str:
    # google-auth's errors carry (message, response body); the message is what a person reads.
    first = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
    lines = first.strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _read_text(path: Path) -> str:
    from connectors.google.auth import GoogleAuthError

    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise GoogleAuthError(
            str(path), tr("cannot be read: %(reason)s", reason=error.strerror)
        ) from None


def _read_json(path: Path) -> dict[str, object]:
    from connectors.google.auth import GoogleAuthError

    try:
        data = json.loads(_read_text(path))
    except ValueError as error:
        raise GoogleAuthError(str(path), tr("not JSON: %(reason)s", reason=error)) from None
    if not isinstance(data, dict):
        raise GoogleAuthError(str(path), tr("not a service account key"))
    return data


__all__ = ["add_google_commands", "connect_command"]
