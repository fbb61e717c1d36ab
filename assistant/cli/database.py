"""`agenda-regie db upgrade | current` and `agenda-regie secrets rotate`: the operator's
database and the keys that encrypt connection tokens (a shell)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from assistant.cli.errors import EXIT_OK
from assistant.i18n.operator import tr, tr_plural

DATABASE_COMMANDS = ("db", "secrets")


def add_database_commands(commands: Any) -> None:
    db = commands.add_parser("db", help="the database: migrations")
    db_actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_actions.add_parser("upgrade", help="bring the database schema up to date")
    upgrade.add_argument("--revision", default="head")
    db_actions.add_parser("current", help="the schema revision the database is at")

    secrets = commands.add_parser("secrets", help="the keys that encrypt connection tokens")
    secret_actions = secrets.add_subparsers(dest="secrets_command", required=True, metavar="ACTION")
    secret_actions.add_parser(
        "rotate", help="re-encrypt every token with the first key of AGENDA_REGIE_SECRET_KEYS"
    )


def database_command(args: argparse.Namespace) -> int:
    if args.command == "db":
        return _db(args)
    return _secrets()


def _db(args: argparse.Namespace) -> int:
    from assistant import bootstrap
    from assistant.store import migrations

    url = bootstrap.load_settings().database_url
    if args.db_command == "upgrade":
        migrations.upgrade(url, args.revision)
        print(tr("The database is at revision %(revision)s.", revision=migrations.current(url)))
    else:
        print(migrations.current(url) or tr("empty: run agenda-regie db upgrade"))
    return EXIT_OK


def _secrets() -> int:
    from assistant import bootstrap
    from assistant.store import migrations
    from assistant.store.crypto import rotate
    from assistant.store.database import make_engine, session_scope

    settings = bootstrap.load_settings()
    # Not `open_engine`: the stored tokens are checked against the keys by `rotate` itself.
    engine = make_engine(settings)
    try:
        migrations.require_head(engine)
        with session_scope(engine) as session:
            count = rotate(
                session,
                bootstrap.secret_box(settings),
                actor="agenda-regie secrets",
                now=datetime.now(UTC),
            )
    finally:
        engine.dispose()
    print(
        tr_plural(
            "Re-encrypted %(count)s connection token with the first key.",
            "Re-encrypted %(count)s connection tokens with the first key.",
            count,
            count=count,
        )
    )
    return EXIT_OK
