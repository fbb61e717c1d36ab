"""`agenda-regie leader-data export | delete --leader ADDRESS`: a leader's request by email,
handled by the operator (a shell around `assistant.app.console.leader_data` and
`leader_removal`, the same use cases as the leader's own page in the console).

`export` writes one JSON document (standard output, or `--output FILE`) or, with
`--format zip`, a ZIP of CSV files to `--output FILE`. `delete` revokes the calendar access where
the provider allows it, removes every row about the leader, and says what went; it asks for
`--yes`, since it cannot be undone.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.cli import args as types
from assistant.cli.errors import EXIT_OK, InputError
from assistant.cli.rules_store import who
from assistant.i18n.operator import tr

LEADER_DATA_COMMANDS = ("leader-data",)
OUTCOMES = {
    "revoked": "%(where)s: access revoked at the provider.",
    "failed": "%(where)s: not revoked (%(problem)s); the token is deleted.",
    "by_hand": "%(where)s: the token is deleted; the leader removes the consent at %(page)s.",
    "nothing": "%(where)s: nothing to revoke; deleted.",
}


def add_leader_data_commands(commands: Any) -> None:
    data = commands.add_parser("leader-data", help="a leader's data: export it or delete it")
    actions = data.add_subparsers(dest="leader_data_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="everything about one leader, as JSON or CSV")
    export.add_argument("--leader", type=types.email, required=True, metavar="EMAIL")
    export.add_argument(
        "--format", choices=("json", "zip"), default="json", help="JSON, or a ZIP of CSV files"
    )
    export.add_argument(
        "--output", type=Path, metavar="FILE", help="where to write it (JSON: default stdout)"
    )
    delete = actions.add_parser(
        "delete", help="revoke a leader's calendar access and delete every row about them"
    )
    delete.add_argument("--leader", type=types.email, required=True, metavar="EMAIL")
    delete.add_argument("--yes", action="store_true", help="yes, delete: it cannot be undone")
    delete.add_argument("--by", metavar="WHO", help="who makes the change (default: your user)")


def leader_data_command(args: argparse.Namespace) -> int:
    from assistant import bootstrap
    from assistant.app.console.leader_data import leader_id_of

    if args.leader_data_command == "delete" and not args.yes:
        raise InputError("deleting a leader's data cannot be undone; add --yes to go ahead")
    if args.leader_data_command == "export" and args.format == "zip" and args.output is None:
        raise InputError("a ZIP needs --output FILE")
    settings = bootstrap.load_settings()
    engine = bootstrap.open_engine(settings)
    box = bootstrap.secret_box(settings)
    now = datetime.now(UTC)
    try:
        leader_id = leader_id_of(engine, args.leader)
        if leader_id is None:
            raise InputError("no leader %(leader)s in the database", leader=args.leader)
        if args.leader_data_command == "export":
            _export(args, engine, box, leader_id, now)
        else:
            _delete(args, engine, box, leader_id, now)
    finally:
        engine.dispose()
    return EXIT_OK


def _export(args: argparse.Namespace, engine: Any, box: Any, leader_id: int, now: datetime) -> None:
    from assistant.app.console.leader_data import as_json, as_zip, export_leader

    found = export_leader(engine, box, leader_id, now)
    if found is None:
        raise InputError("no leader %(leader)s in the database", leader=args.leader)
    body = as_zip(found) if args.format == "zip" else as_json(found)
    if args.output is None:
        sys.stdout.write(body.decode("utf-8") + "\n")
        return
    try:
        args.output.write_bytes(body)
    except OSError as error:
        raise InputError(
            "%(file)s could not be written: %(reason)s", file=args.output, reason=error.strerror
        ) from None
    print(tr("Wrote the data of %(leader)s to %(file)s.", leader=args.leader, file=args.output))


def _delete(args: argparse.Namespace, engine: Any, box: Any, leader_id: int, now: datetime) -> None:
    from assistant.app.console.leader_removal import delete_leader

    removal = delete_leader(engine, box, leader_id, now, actor=who(args.by))
    if removal is None:
        raise InputError("no leader %(leader)s in the database", leader=args.leader)
    print(tr("Deleted %(rows)s rows about %(leader)s.", rows=removal.rows, leader=args.leader))
    for table, count in sorted(removal.removed.items()):
        print(f"  {table}: {count}")
    for revocation in removal.revocations:
        template = OUTCOMES[revocation.outcome]
        where = f"{revocation.provider} ({revocation.account})"
        print(tr(template, where=where, problem=revocation.problem, page=revocation.where))
