"""`agenda-regie users add | list | remove | assign`: who may sign in to the console, and which
leaders an assistant looks after (a shell around `assistant.app.console.users`).

A password is read from a prompt (twice) or, with `--password-stdin`, from the first line of
standard input; never from the command line, where other users of the machine could read it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from assistant.cli import args as types
from assistant.cli.errors import EXIT_OK, InputError
from assistant.cli.rules_store import who
from assistant.i18n.operator import tr

USERS_COMMANDS = ("users",)
ROLES = ("admin", "assistant", "leader")


def add_users_commands(commands: Any) -> None:
    users = commands.add_parser("users", help="who may sign in to the console")
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a console user (the first one: an admin)")
    add.add_argument("email", type=types.email, metavar="EMAIL")
    add.add_argument("--role", choices=ROLES, required=True)
    how = add.add_mutually_exclusive_group()
    how.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    how.add_argument(
        "--no-password",
        action="store_true",
        help="no password: signs in only through the organisation (Entra ID or Google)",
    )
    add.add_argument(
        "--totp", action="store_true", help="also ask a code from an authenticator app"
    )
    add.add_argument("--lang", choices=("nl", "en"), help="the console's language for them")
    add.add_argument("--by", metavar="WHO", help="who makes the change (default: your user)")
    actions.add_parser("list", help="the console's users, their roles and leaders")
    remove = actions.add_parser("remove", help="remove a console user; their sessions end")
    remove.add_argument("email", type=types.email, metavar="EMAIL")
    remove.add_argument("--by", metavar="WHO", help="who makes the change (default: your user)")
    assign = actions.add_parser("assign", help="let an assistant look after a leader")
    assign.add_argument("email", type=types.email, metavar="EMAIL", help="the assistant")
    assign.add_argument("--leader", type=types.email, required=True, metavar="EMAIL")
    assign.add_argument("--remove", action="store_true", help="no longer look after the leader")
    assign.add_argument("--by", metavar="WHO", help="who makes the change (default: your user)")


def users_command(args: argparse.Namespace) -> int:
    from assistant import bootstrap

    settings = bootstrap.load_settings()
    now = datetime.now(UTC)
    password = _password(args) if args.users_command == "add" else None
    engine = bootstrap.open_engine(settings)
    try:
        if args.users_command == "add":
            _add(args, engine, bootstrap.secret_box(settings), password, now)
        elif args.users_command == "list":
            _list(engine)
        elif args.users_command == "remove":
            from assistant.app.console.users import remove_user

            remove_user(engine, args.email, actor=who(args.by), now=now)
            print(tr("Removed console user %(email)s.", email=args.email))
        else:
            _assign(args, engine, now)
    finally:
        engine.dispose()
    return EXIT_OK


def _password(args: argparse.Namespace) -> str | None:
    if args.no_password:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InputError("no terminal to ask the password on; use --password-stdin")
    first = getpass.getpass(tr("Password: "))
    if getpass.getpass(tr("Password again: ")) != first:
        raise InputError("the two passwords differ; nothing was changed")
    return first


def _add(
    args: argparse.Namespace, engine: Any, box: Any, password: str | None, now: datetime
) -> None:
    from assistant.app.console.users import add_user

    if args.totp and not box.has_keys:
        raise InputError("--totp needs AGENDA_REGIE_SECRET_KEYS to keep the secret encrypted")
    uri = add_user(
        engine,
        box,
        args.email,
        args.role,
        password=password,
        totp=args.totp,
        language=args.lang,
        actor=who(args.by),
        now=now,
    )
    address = args.email.strip().lower()
    print(tr("Added console user %(email)s (%(role)s).", email=address, role=args.role))
    if uri is not None:
        print(tr("Add this to an authenticator app (it is shown only now): %(uri)s", uri=uri))


def _list(engine: Any) -> None:
    from assistant.app.console.users import list_users

    lines = list_users(engine)
    if not lines:
        print(tr("No console users yet: add the first admin with agenda-regie users add."))
    for line in lines:
        marks = [line.role]
        if line.totp:
            marks.append("TOTP")
        if not line.password:
            marks.append(tr("organisation sign-in only"))
        if line.disabled:
            marks.append(tr("disabled"))
        leaders = f": {', '.join(line.leaders)}" if line.leaders else ""
        print(f"{line.email} ({', '.join(marks)}){leaders}")


def _assign(args: argparse.Namespace, engine: Any, now: datetime) -> None:
    from assistant.app.console.users import assign

    changed = assign(
        engine, args.email, args.leader, remove=args.remove, actor=who(args.by), now=now
    )
    values = {"email": args.email, "leader": args.leader}
    if args.remove and changed:
        print(tr("%(email)s no longer looks after %(leader)s.", **values))
    elif args.remove:
        print(tr("%(email)s did not look after %(leader)s; nothing changed.", **values))
    elif changed:
        print(tr("%(email)s now looks after %(leader)s.", **values))
    else:
        print(tr("%(email)s already looks after %(leader)s; nothing changed.", **values))
