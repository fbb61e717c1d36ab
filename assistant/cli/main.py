"""The `agenda-regie` command line (a shell: parse, call one use case, render).

Each command group lives in its own module of `assistant.cli`; this one builds the parser,
dispatches, and turns every error into one line and an exit code in one place
(`assistant.cli.errors`): 0 done, 2 bad input or settings (one clear line naming the file, the
setting or the problem), 1 our fault. A user's mistake never shows a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from assistant import __version__
from assistant.cli.database import DATABASE_COMMANDS, add_database_commands, database_command
from assistant.cli.errors import EXIT_OK, internal_error, problem, say
from assistant.cli.google import add_google_commands
from assistant.cli.leader_data import (
    LEADER_DATA_COMMANDS,
    add_leader_data_commands,
    leader_data_command,
)
from assistant.cli.mail import MAIL_COMMANDS, add_mail_commands, mail_command
from assistant.cli.parser import Parser
from assistant.cli.processes import PROCESS_COMMANDS, add_process_commands, process_command
from assistant.cli.review import REVIEW_COMMANDS, add_review_commands, review_command
from assistant.cli.rules_commands import add_rules_commands, rules_command
from assistant.cli.users import USERS_COMMANDS, add_users_commands, users_command
from assistant.cli.worker import WORKER_COMMANDS, add_worker_commands, worker_command
from assistant.i18n.operator import operator_language, speak_argparse, tr


def build_parser() -> argparse.ArgumentParser:
    speak_argparse(operator_language())
    parser = Parser(
        prog="agenda-regie",
        description="Weekly agenda review: agenda control, energy and mini-retreats, with "
        "protected blocks proposed for the coming week.",
    )
    parser.add_argument("--version", action="version", version=f"agenda-regie {__version__}")
    commands: Any = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_review_commands(commands)
    add_database_commands(commands)
    add_rules_commands(commands)
    add_google_commands(commands)
    add_mail_commands(commands)
    add_worker_commands(commands)
    add_process_commands(commands)
    add_users_commands(commands)
    add_leader_data_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    except Exception as error:  # the one place: our errors, the connectors' and the rules'
        known = problem(error)
        if known is not None:
            message, code = known
            say(message)
            return code
        from assistant.settings import debug

        if debug():
            raise
        return internal_error(error)  # the last line of defence: no traceback for the user


def _reader_went_away() -> int:
    """`agenda-regie review ... | head`: the reader took what it wanted and closed the pipe.
    Exit as a program killed by SIGPIPE does (128 + 13), without a message, and keep Python
    from complaining when it flushes stdout on the way out."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command in REVIEW_COMMANDS:
        return review_command(args)
    if args.command == "rules":
        return rules_command(args)
    if args.command in DATABASE_COMMANDS:
        return database_command(args)
    if args.command == "connect":
        connect: Callable[[argparse.Namespace], int] = args.connect  # set by each provider's parser
        return connect(args)
    if args.command in MAIL_COMMANDS:
        return mail_command(args)
    if args.command in WORKER_COMMANDS:
        return worker_command(args)
    if args.command in PROCESS_COMMANDS:
        return process_command(args)
    if args.command in USERS_COMMANDS:
        return users_command(args)
    if args.command in LEADER_DATA_COMMANDS:
        return leader_data_command(args)
    parser.error(tr("unknown command %(command)s", command=args.command))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
