"""`agenda-regie connect caldav` and the review of a `caldav+https://` address (a shell).

`add_caldav_provider(providers)` registers `connect caldav URL --leader EMAIL --username USER`
under the `connect` command; the password comes from a prompt or `--password-file`, is checked
against the server (discovery: the address itself when it is a calendar, else the account's
calendars, of which the leader chooses one with `--calendar`), and is stored encrypted.
`calendar_source` opens what `review` and `history` read: a `caldav+https://USER@HOST/PATH`
address with the password from AGENDA_REGIE_CALDAV_PASSWORD, else a file or feed.

Everything said here comes from the gettext catalogue ("cli.caldav.*"), in the operator's
language (`assistant.i18n.operator`: LANGUAGE, LC_ALL, LC_MESSAGES, LANG), like every other line
the command line says; the review itself speaks the leader's.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli.args import email
from assistant.cli.errors import EXIT_OK, InputError
from assistant.i18n.operator import operator_language
from assistant.i18n.texts import text

if TYPE_CHECKING:
    from connectors import CalendarSource, FetchResult, TimeWindow
    from connectors.caldav import Collection
    from rules import Rules

# The largest password file read: an app password is a few dozen characters.
_PASSWORD_FILE_BYTES = 4096


def say(key: str, **values: object) -> str:
    """The command line's CalDAV message `key` ("cli.caldav.<key>") in the operator's language."""
    return text(f"cli.caldav.{key}", operator_language(), None, **values)


@contextmanager
def worded() -> Iterator[None]:
    """A CalDAV server's refusal or fault as one line in the operator's language (exit 2)."""
    from connectors.caldav.address import CalDavAddressError
    from connectors.caldav.errors import (
        AccessDeniedError,
        CalDavError,
        NeedsReauthorisationError,
        NotACalendarError,
        NotFoundError,
    )

    try:
        yield
    except CalDavAddressError as error:
        raise InputError(say(f"address.{error.reason}", where=error.where)) from None
    except NeedsReauthorisationError as error:
        raise InputError(say("refused", where=error.where)) from None
    except NotFoundError as error:
        raise InputError(say("not_found", where=error.where)) from None
    except NotACalendarError as error:
        raise InputError(say("not_a_calendar", where=error.where)) from None
    except AccessDeniedError as error:
        raise InputError(say("forbidden", where=error.where)) from None
    except CalDavError as error:
        if error.status is None:
            raise InputError(say("unreachable", where=error.where)) from None
        key = "unavailable" if error.status >= 500 or error.status == 429 else "failed"
        raise InputError(say(key, where=error.where, status=error.status)) from None


# --- review ---------------------------------------------------------------------------------


class _Worded:
    """A CalDAV source whose refusals read as one line in the operator's language."""

    def __init__(self, source: CalendarSource) -> None:
        self._source = source

    @property
    def name(self) -> str:
        return self._source.name

    def fetch(self, window: TimeWindow) -> FetchResult:
        with worded():
            return self._source.fetch(window)


def calendar_source(location: str, rules: Rules, me: Iterable[str]) -> CalendarSource:
    """What `review` and `history` read: a CalDAV calendar, or a file or feed."""
    from assistant.app.review import open_caldav, open_ics
    from connectors.caldav.address import CalDavAddress

    if not CalDavAddress.is_one(location):
        return open_ics(location, rules, me)
    from assistant.settings import CALDAV_PASSWORD_VARIABLE, CalDavSettings

    with worded():
        address = CalDavAddress.parse(location)
    password = CalDavSettings.from_environ().password
    if not password:
        raise InputError(
            say("no_password", variable=CALDAV_PASSWORD_VARIABLE, user=address.username)
        )
    source = open_caldav(address.url, address.username, password, rules, me)
    return _Worded(source)


# --- connect --------------------------------------------------------------------------------


def add_caldav_provider(providers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    caldav = providers.add_parser(
        "caldav",
        help="CalDAV: Nextcloud, iCloud, Fastmail and every server that speaks it",
        description="Checks the user name and (app) password against the server, finds the "
        "calendar and stores the password encrypted. See docs/caldav.md.",
    )
    caldav.set_defaults(connect=connect_caldav_command)
    caldav.add_argument("url", metavar="URL", help="the server's or the calendar's address")
    caldav.add_argument(
        "--leader", required=True, type=email, metavar="EMAIL", help="the leader's address"
    )
    caldav.add_argument("--username", required=True, metavar="USER", help="the account's user")
    caldav.add_argument(
        "--password-file",
        type=Path,
        metavar="FILE",
        help="read the (app) password from this file instead of a prompt",
    )
    caldav.add_argument(
        "--calendar", metavar="NAME", help="which calendar, by name or address, when several"
    )


def connect_caldav_command(args: argparse.Namespace) -> int:
    """The password and the server are checked before anything is stored."""
    from assistant import bootstrap
    from assistant.accounts.caldav import Credentials, calendars_of, connect_caldav
    from assistant.settings import SECRET_KEYS_VARIABLE
    from assistant.store import migrations
    from assistant.store.database import make_engine

    leader = args.leader.strip().lower()
    settings = bootstrap.load_settings()
    cipher = bootstrap.secret_box(settings)
    if not cipher.has_keys:
        raise InputError(say("no_secret_keys", variable=SECRET_KEYS_VARIABLE))
    engine = make_engine(settings)
    try:
        migrations.require_head(engine)
        with worded():
            url = _checked_url(args.url)
            credentials = Credentials(args.username, _password(args, url))
            calendar = _chosen(calendars_of(url, credentials), args.calendar, url)
        connection_id = connect_caldav(
            engine, leader, calendar.url, credentials, cipher, now=datetime.now(UTC)
        )
    finally:
        engine.dispose()
    print(
        say(
            "connected",
            calendar=calendar.name,
            leader=leader,
            user=args.username,
            id=connection_id,
        )
    )
    return EXIT_OK


def _checked_url(url: str) -> str:
    from connectors.caldav.dav import valid_url

    return valid_url(url)


def _password(args: argparse.Namespace, url: str) -> str:
    if args.password_file is None:
        from connectors.caldav.dav import shown

        password = getpass.getpass(say("prompt", user=args.username, url=shown(url)))
    else:
        try:
            with args.password_file.open("rb") as stream:
                data = stream.read(_PASSWORD_FILE_BYTES + 1)
        except OSError as error:
            raise InputError(
                say("password_file", path=args.password_file, why=error.strerror or "")
            ) from None
        if len(data) > _PASSWORD_FILE_BYTES:
            raise InputError(say("password_file_large", path=args.password_file))
        password = data.decode("utf-8", errors="replace").strip("\r\n")
    if not password:
        raise InputError(say("empty_password"))
    return password


def _chosen(calendars: list[Collection], wanted: str | None, url: str) -> Collection:
    from connectors.caldav.dav import shown

    if not calendars:
        raise InputError(say("no_calendars", url=shown(url)))
    if wanted is not None:
        matching = [
            c for c in calendars if wanted in (c.name, c.url) or c.url.rstrip("/").endswith(wanted)
        ]
        if len(matching) == 1:
            return matching[0]
    elif len(calendars) == 1:
        return calendars[0]
    names = ", ".join(f"{c.name} ({shown(c.url)})" for c in calendars)
    raise InputError(say("choose", calendars=names))


__all__ = ["add_caldav_provider", "calendar_source", "connect_caldav_command", "worded"]
