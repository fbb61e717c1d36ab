"""`agenda-regie rules init | check | show | schema | preview | apply | history | rollback`: the
parser and the dispatch (a shell); the work is done in `assistant.cli.rules` and, for a leader's
stored rules, `assistant.cli.rules_store`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.cli import args as types
from assistant.cli.args import email
from assistant.cli.errors import EXIT_INPUT, EXIT_OK, InputError
from assistant.cli.rules import word
from assistant.i18n.operator import operator_language, tr


def add_rules_commands(commands: Any) -> None:
    rules = commands.add_parser(
        "rules",
        help="write, check, show and try protection rule files",
        description="Protection rules per leader: YAML files that assistants write.",
    )
    actions = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    init = actions.add_parser("init", help="print a commented starter rule file for a leader")
    init.add_argument(
        "--leader", required=True, type=email, metavar="EMAIL", help="the leader's address"
    )
    init.add_argument("--lang", choices=("nl", "en"), default="en")
    init.add_argument("--output", type=Path, metavar="FILE", help="write here (a new file)")
    check = actions.add_parser("check", help="check rule files; exit 0 when all are valid")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    show = actions.add_parser("show", help="every effective setting and where it comes from")
    show.add_argument("path", type=Path, metavar="PATH", nargs="?")
    show.add_argument(
        "--leader", type=types.email, metavar="EMAIL", help="a leader's stored rules instead"
    )
    actions.add_parser("schema", help="print the JSON Schema of rule files (for editors)")
    preview = actions.add_parser(
        "preview", help="what the rules would propose next week; writes nothing"
    )
    preview.add_argument("path", type=Path, metavar="PATH")
    preview.add_argument(
        "--calendar", required=True, metavar="SOURCE", help="an .ics file or http(s) feed URL"
    )
    preview.add_argument("--week", type=types.week, help="the week to review (default: last week)")
    preview.add_argument("--me", action="append", default=[], type=email, metavar="EMAIL")
    preview.add_argument("--today", type=types.day, metavar="YYYY-MM-DD")
    apply = actions.add_parser(
        "apply", help="make a rule file a leader's rules: a new version, with who and what changed"
    )
    apply.add_argument("path", type=Path, metavar="FILE")
    whose = apply.add_mutually_exclusive_group(required=True)
    whose.add_argument("--leader", type=types.email, metavar="EMAIL")
    whose.add_argument(
        "--shared",
        action="store_true",
        help="an organisation's or a team's file: the rules of every leader who extends it",
    )
    apply.add_argument("--by", metavar="WHO", help="who makes the change (default: your user)")
    history = actions.add_parser("history", help="a leader's rules versions and what each changed")
    history.add_argument("--leader", required=True, type=types.email, metavar="EMAIL")
    rollback = actions.add_parser(
        "rollback", help="restore an earlier version of a leader's rules, as a new version"
    )
    rollback.add_argument("--leader", required=True, type=types.email, metavar="EMAIL")
    rollback.add_argument("--to", required=True, type=int, metavar="N", help="the version")
    rollback.add_argument("--by", metavar="WHO", help="who makes the change (default: your user)")


def rules_command(args: argparse.Namespace) -> int:
    from assistant.cli import rules as rules_commands

    action = args.rules_command
    if action == "init":
        text = rules_commands.init_text(args.leader, args.lang)
        if args.output is None:
            sys.stdout.write(text)
        else:
            try:
                with args.output.open("x", encoding="utf-8") as handle:
                    handle.write(text)
            except FileExistsError:
                raise InputError(
                    tr("%(path)s: exists already; not overwritten", path=args.output)
                ) from None
            except OSError as error:
                raise InputError(
                    tr(
                        "%(path)s: cannot be written (%(reason)s)",
                        path=args.output,
                        reason=error.strerror,
                    )
                ) from None
        return EXIT_OK
    if action == "check":
        ok, lines = rules_commands.check(args.paths)
        print("\n".join(lines), file=sys.stdout if ok else sys.stderr)
        return EXIT_OK if ok else EXIT_INPUT
    if action in ("apply", "history", "rollback") or (action == "show" and args.leader):
        return _stored_rules_command(args)
    if action == "show":
        if args.path is None:
            raise InputError(word("show_what", operator_language()))
        sys.stdout.write(rules_commands.show(args.path))
        return EXIT_OK
    if action == "schema":
        sys.stdout.write(rules_commands.schema_text())
        return EXIT_OK
    sys.stdout.write(
        rules_commands.preview(
            args.path,
            args.calendar,
            week=args.week,
            me=args.me,
            today=args.today,
            now=datetime.now(UTC),
        )
    )
    return EXIT_OK


def _stored_rules_command(args: argparse.Namespace) -> int:
    from assistant.cli import rules_store

    action = args.rules_command
    if action == "apply" and args.shared:
        text = rules_store.apply_shared_file(args.path, args.by)
    elif action == "apply":
        text = rules_store.apply_file(args.path, args.leader, args.by)
    elif action == "rollback":
        text = rules_store.rollback_to(args.leader, args.to, args.by)
    elif action == "history":
        text = rules_store.history_text(args.leader)
    else:
        text = rules_store.show_stored(args.leader)
    sys.stdout.write(text)
    return EXIT_OK
