"""The `agenda-regie` command line (a shell: parse, call one use case, render).

Exit codes: 0 done, 2 bad input (one clear line naming the file and the problem), 1 our fault.
A user's mistake never shows a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant import __version__
from assistant.cli.google import add_google_commands, connect_command
from assistant.cli.mail import MAIL_COMMANDS, add_mail_commands, mail_command
from assistant.cli.worker import WORKER_COMMANDS, add_worker_commands, worker_command
from assistant.core.review import IsoWeek, WeeklyReview
from connectors import ConnectorError
from rules import RulesError, load_rules

if TYPE_CHECKING:
    from assistant.app.history import Store

EXIT_OK, EXIT_OURS, EXIT_INPUT = 0, 1, 2


class InputError(Exception):
    """A mistake in what the user gave us; the message says what and where."""


def _week(text: str) -> IsoWeek:
    try:
        return IsoWeek.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def _email(text: str) -> str:
    # The store keeps history per address; a name here would fail only once the store is read.
    local, at, domain = text.strip().partition("@")
    if not (at and local and domain):
        raise argparse.ArgumentTypeError(f"{text!r} is not an email address")
    return text.strip()


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a known IANA time zone (e.g. Europe/Amsterdam)"
        ) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agenda-regie",
        description="Weekly agenda review: agenda control, energy and mini-retreats, with "
        "protected blocks proposed for the coming week.",
    )
    parser.add_argument("--version", action="version", version=f"agenda-regie {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    review = commands.add_parser(
        "review",
        help="review one week of a calendar (.ics file or http(s) feed URL)",
        description="Review one ISO week of a calendar and propose blocks for the week after.",
    )
    review.add_argument("source", metavar="SOURCE", help="an .ics file or an http(s) feed URL")
    review.add_argument(
        "--week",
        type=_week,
        help="ISO week to review, e.g. 2026-W13 (default: the last complete week before today)",
    )
    review.add_argument(
        "--me",
        action="append",
        default=[],
        type=_email,
        metavar="EMAIL",
        help="your address in the calendar, to read your own answer to invitations (repeatable)",
    )
    review.add_argument("--tz", type=_zone, metavar="ZONE", help="your IANA time zone")
    review.add_argument("--rules", type=Path, metavar="FILE", help="a YAML rule file")
    review.add_argument("--lang", choices=("nl", "en"), help="language of the review")
    review.add_argument("--format", choices=("text", "json", "html"), default="text")
    review.add_argument("--output", type=Path, metavar="FILE", help="write here, not to stdout")
    review.add_argument(
        "--today", type=_day, metavar="YYYY-MM-DD", help="pretend today is this date"
    )
    review.add_argument(
        "--no-store",
        action="store_true",
        help="read the history from the calendar only and record nothing in the database",
    )

    history = commands.add_parser(
        "history",
        help="measure and store past weeks of a calendar (the baseline for trends)",
        description="Compute and store the weekly indicators of past weeks.",
    )
    history.add_argument("source", metavar="SOURCE", help="an .ics file or an http(s) feed URL")
    history.add_argument("--weeks", type=int, default=26, help="how many weeks (default 26)")
    history.add_argument(
        "--leader", type=_email, metavar="EMAIL", help="whose history (default: from rules)"
    )
    history.add_argument("--me", action="append", default=[], type=_email, metavar="EMAIL")
    history.add_argument("--tz", type=_zone, metavar="ZONE")
    history.add_argument("--rules", type=Path, metavar="FILE")
    history.add_argument("--today", type=_day, metavar="YYYY-MM-DD")

    export = commands.add_parser("export", help="weekly metrics for analysts, as CSV or Parquet")
    export.add_argument("--format", choices=("csv", "parquet"), required=True)
    export.add_argument("--output", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--leader",
        action="append",
        default=[],
        type=_email,
        metavar="EMAIL",
        help="only these leaders (repeatable; default all)",
    )

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
    _add_rules_commands(commands)
    add_google_commands(commands)
    add_mail_commands(commands)
    add_worker_commands(commands)
    return parser


def _add_rules_commands(commands: Any) -> None:
    rules = commands.add_parser(
        "rules",
        help="write, check, show and try protection rule files",
        description="Protection rules per leader: YAML files that assistants write.",
    )
    actions = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    init = actions.add_parser("init", help="print a commented starter rule file for a leader")
    init.add_argument("--leader", required=True, metavar="EMAIL", help="the leader's address")
    init.add_argument("--lang", choices=("nl", "en"), default="en")
    init.add_argument("--output", type=Path, metavar="FILE", help="write here (a new file)")
    check = actions.add_parser("check", help="check rule files; exit 0 when all are valid")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    show = actions.add_parser("show", help="every effective setting and where it comes from")
    show.add_argument("path", type=Path, metavar="PATH")
    actions.add_parser("schema", help="print the JSON Schema of rule files (for editors)")
    preview = actions.add_parser(
        "preview", help="what the rules would propose next week; writes nothing"
    )
    preview.add_argument("path", type=Path, metavar="PATH")
    preview.add_argument(
        "--calendar", required=True, metavar="SOURCE", help="an .ics file or http(s) feed URL"
    )
    preview.add_argument("--week", type=_week, help="the week to review (default: last week)")
    preview.add_argument("--me", action="append", default=[], metavar="EMAIL")
    preview.add_argument("--today", type=_day, metavar="YYYY-MM-DD")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: no traceback for the user
        if os.environ.get("AGENDA_REGIE_DEBUG"):
            raise
        print(
            f"agenda-regie: internal error ({type(error).__name__}): {error}\n"
            "This is a fault in agenda-regie, not in your input. Run again with "
            "AGENDA_REGIE_DEBUG=1 to see the details, and please report it.",
            file=sys.stderr,
        )
        return EXIT_OURS


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if args.command == "review":
            return _review(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "history":
            return _history(args)
        if args.command == "export":
            return _export(args)
        if args.command == "db":
            return _db(args)
        if args.command == "secrets":
            return _secrets(args)
        if args.command == "connect":
            if args.connect_provider == "microsoft":
                from assistant.cli.microsoft import connect_microsoft_command

                return connect_microsoft_command(args)
            return connect_command(args)
        if args.command in MAIL_COMMANDS:
            return mail_command(args)
        if args.command in WORKER_COMMANDS:
            return worker_command(args)
        parser.error(f"unknown command {args.command}")
    except InputError as error:
        return _fail(str(error))
    except ConnectorError as error:
        return _fail(str(error))
    except RulesError as error:
        return _fail("\n".join(str(p) for p in error.problems))
    except Exception as error:
        message = _store_problem(error)
        if message is None:
            raise
        return _fail(message)
    return EXIT_OK


def _store_problem(error: Exception) -> str | None:
    """One line for a problem with the database or its keys (the operator's input)."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    from assistant.settings import SettingsError
    from assistant.store import StoreError
    from assistant.store.crypto import SecretKeyError

    if isinstance(error, SettingsError):
        return "; ".join(error.problems)
    if isinstance(error, SecretKeyError | StoreError):
        return str(error)
    # A plain DatabaseError (not one of its subclasses, which are our faults) is a file that is
    # not a SQLite database, or a damaged one.
    if isinstance(error, OperationalError) or type(error) is DatabaseError:
        return f"the database cannot be used: {str(error.orig).strip().splitlines()[0]}"
    return None


def _fail(message: str) -> int:
    print(f"agenda-regie: {message}", file=sys.stderr)
    return EXIT_INPUT


def _review(args: argparse.Namespace) -> int:
    from assistant.app.history import review_with_history
    from assistant.app.review import last_complete_week, open_ics

    overrides: dict[str, Any] = {}
    leader: dict[str, Any] = {}
    if args.tz:
        leader["timezone"] = args.tz
    if args.lang:
        leader["language"] = args.lang
    if leader:
        overrides["leader"] = leader
    rules = load_rules(args.rules, overrides)
    zone = ZoneInfo(rules.leader.timezone)
    now = datetime.now(UTC)
    today = args.today or now.astimezone(zone).date()
    if args.today:
        now = datetime.combine(args.today, datetime.min.time(), tzinfo=zone).replace(hour=12)
    week = args.week or last_complete_week(today)
    source = open_ics(args.source, rules, args.me)
    store = None if args.no_store else _store_for(rules.leader.email or _first(args.me))
    try:
        review = review_with_history(source, rules, week, now, store)
    finally:
        if store is not None:
            store.engine.dispose()
    _write(review, args.format, args.output)
    return EXIT_OK


def _database_exists() -> bool:
    """A database is configured (DATABASE_URL) or the local one has been made already."""
    from assistant.settings import DATABASE_FILE_NAME, default_data_dir

    configured = "DATABASE_URL" in os.environ
    return configured or (default_data_dir() / DATABASE_FILE_NAME).exists()


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _store_for(leader_email: str | None, *, create: bool = False) -> Store | None:
    """The store for this leader's history, when there is one.

    Without an address there is no one to keep it for. A review uses the database only when it
    is configured (DATABASE_URL) or already made (by `history` or an earlier `db upgrade`), so a
    first try on an exported calendar leaves nothing behind.
    """
    if leader_email is None:
        return None
    from assistant.settings import Settings

    if not (create or _database_exists()):
        return None
    from assistant.app.history import Store, open_store

    return Store(open_store(Settings.from_environ()), leader_email)


def _history(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from assistant.app.history import backfill
    from assistant.app.review import last_complete_week, open_ics

    rules = load_rules(args.rules, {"leader": {"timezone": args.tz}} if args.tz else None)
    leader = args.leader or rules.leader.email or _first(args.me)
    if leader is None:
        raise InputError("history: say whose history it is with --leader EMAIL")
    if args.weeks < 1:
        raise InputError("history: --weeks must be at least 1")
    zone = ZoneInfo(rules.leader.timezone)
    now = datetime.now(UTC)
    today = args.today or now.astimezone(zone).date()
    store = _store_for(leader, create=True)
    assert store is not None
    source = open_ics(args.source, rules, [leader, *args.me])
    last = last_complete_week(today)
    # The bar goes to a terminal on stderr only: stdout carries the one-line summary, and a
    # transient bar on a pipe leaves an empty line behind.
    console = Console(stderr=True)
    try:
        with Progress(transient=True, console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("Measuring weeks", total=args.weeks)
            recorded = backfill(
                source,
                rules,
                last,
                args.weeks,
                now,
                store,
                progress=lambda _week: progress.advance(task),
            )
    finally:
        store.engine.dispose()
    if recorded:
        print(f"Stored {len(recorded)} weeks for {leader}: {recorded[0]} to {recorded[-1]}.")
    else:
        print(f"The calendar has no events in the {args.weeks} weeks up to {last}; nothing stored.")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from assistant.app.history import export
    from assistant.settings import Settings

    folder = args.output.parent
    if not folder.is_dir():
        raise InputError(f"{args.output}: cannot write the export; there is no folder {folder}")
    if args.output.is_dir():
        raise InputError(f"{args.output}: is a folder; name the file to write")
    if not _database_exists():
        raise InputError("no history is stored yet; run `agenda-regie history SOURCE` first")
    rows = export(Settings.from_environ(), args.output, args.format, args.leader)
    print(f"Wrote {rows} weekly rows to {args.output}.")
    return EXIT_OK


def _db(args: argparse.Namespace) -> int:
    from assistant.settings import Settings
    from assistant.store import migrations

    url = Settings.from_environ().database_url
    if args.db_command == "upgrade":
        migrations.upgrade(url, args.revision)
        print(f"The database is at revision {migrations.current(url)}.")
    else:
        print(migrations.current(url) or "empty: run agenda-regie db upgrade")
    return EXIT_OK


def _secrets(args: argparse.Namespace) -> int:
    from assistant.settings import Settings
    from assistant.store import migrations
    from assistant.store.crypto import SecretBox, rotate
    from assistant.store.database import make_engine, session_scope

    settings = Settings.from_environ()
    engine = make_engine(settings)
    try:
        migrations.require_head(engine)
        with session_scope(engine) as session:
            count = rotate(
                session,
                SecretBox.from_settings(settings),
                actor="agenda-regie secrets",
                now=datetime.now(UTC),
            )
    finally:
        engine.dispose()
    tokens = "connection token" if count == 1 else "connection tokens"
    print(f"Re-encrypted {count} {tokens} with the first key.")
    return EXIT_OK


def _rules(args: argparse.Namespace) -> int:
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
                raise InputError(f"{args.output}: exists already; not overwritten") from None
            except OSError as error:
                raise InputError(f"{args.output}: cannot be written ({error.strerror})") from None
        return EXIT_OK
    if action == "check":
        ok, lines = rules_commands.check(args.paths)
        print("\n".join(lines), file=sys.stdout if ok else sys.stderr)
        return EXIT_OK if ok else EXIT_INPUT
    if action == "show":
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


def _write(review: WeeklyReview, fmt: str, output: Path | None) -> None:
    # Each renderer is imported only when asked for: a JSON review loads neither rich nor Jinja2.
    if fmt == "text" and output is None:
        from rich.console import Console

        from assistant.render.text import print_text

        print_text(review, Console())
        return None
    if fmt == "json":
        from assistant.render.json_out import review_to_json

        content = review_to_json(review) + "\n"
    elif fmt == "html":
        from assistant.render.html import render_html

        content = render_html(review)
    else:
        from assistant.render.text import render_text

        content = render_text(review)
    if output is None:
        sys.stdout.write(content)
        return None
    try:
        output.write_text(content, encoding="utf-8")
    except OSError as error:
        raise InputError(f"{output}: cannot write the review ({error.strerror})") from None
    return None


if __name__ == "__main__":
    raise SystemExit(main())
