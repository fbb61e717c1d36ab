"""`agenda-regie connect ics URL|FILE --leader EMAIL`: a leader's iCalendar feed (a shell).

Registered under the same `connect` command as Google and Microsoft 365 (`add_ics_provider`).
The feed is read once before anything is stored (it must be a calendar); its address is stored
encrypted, since a published calendar's address is its password.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from assistant.cli.args import email, zone
from assistant.i18n.operator import tr


def add_ics_provider(providers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ics = providers.add_parser(
        "ics",
        help="an iCalendar feed (http, https, webcal) or file, read only",
        description="Reads the feed once to check it is a calendar, then stores its address "
        "encrypted. The workers sync it with conditional requests (an unchanged feed is not "
        "read again); accepted blocks reach the leader as an .ics file. See docs/deploy.md.",
    )
    ics.add_argument("location", metavar="URL|FILE", help="the feed's address, or a .ics file")
    ics.add_argument("--leader", required=True, type=email, metavar="EMAIL")
    ics.add_argument("--tz", type=zone, metavar="ZONE", help="the leader's IANA time zone")
    ics.set_defaults(connect=connect_ics_command)


def connect_ics_command(args: argparse.Namespace) -> int:
    from assistant import bootstrap
    from assistant.accounts.ics import connect_ics
    from assistant.settings import StoredSecretsSettings
    from connectors.ics.fetch import Location

    settings = bootstrap.load_settings(StoredSecretsSettings)
    cipher = bootstrap.secret_box(settings)
    engine = bootstrap.open_engine(settings)
    leader = args.leader.lower()
    try:
        connection, events = connect_ics(
            engine, leader, args.location, cipher, now=datetime.now(UTC), timezone=args.tz
        )
    finally:
        engine.dispose()
    where = Location.of(args.location).where
    said = tr(
        "connected the iCalendar feed %(where)s of %(leader)s (connection %(connection)s, "
        "%(events)s events in the sync window); the workers read it again only when it changed",
        where=where,
        leader=leader,
        connection=connection,
        events=events,
    )
    print(f"agenda-regie: {said}")
    return 0
