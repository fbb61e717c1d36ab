"""`agenda-regie review | history | export`: one week's review, past weeks, and the metrics (a
shell: parse, call one use case, render).

`review` is a look: it writes nothing. `history` records weekly metrics under the leader's
stored rules and never stores rules (`agenda-regie rules apply` does)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from assistant.cli import args as types
from assistant.cli.errors import EXIT_OK, InputError
from assistant.i18n.operator import tr, tr_plural
from rules import load_rules

if TYPE_CHECKING:
    from assistant.app.history import Store
    from assistant.core.review import WeeklyReview
    from rules import Rules

REVIEW_COMMANDS = ("review", "history", "export")


def add_review_commands(commands: Any) -> None:
    review = commands.add_parser(
        "review",
        help="review one week of a calendar (.ics file, http(s) feed URL or caldav+https://)",
        description="Review one ISO week of a calendar and propose blocks for the week after.",
    )
    review.add_argument(
        "source",
        metavar="SOURCE",
        help="an .ics file, an http(s) feed URL, or caldav+https://USER@HOST/PATH (the password "
        "in AGENDA_REGIE_CALDAV_PASSWORD)",
    )
    review.add_argument(
        "--week",
        type=types.week,
        help="ISO week to review, e.g. 2026-W13 (default: the last complete week before today)",
    )
    review.add_argument(
        "--me",
        action="append",
        default=[],
        type=types.email,
        metavar="EMAIL",
        help="your address in the calendar, to read your own answer to invitations (repeatable)",
    )
    review.add_argument("--tz", type=types.zone, metavar="ZONE", help="your IANA time zone")
    review.add_argument("--rules", type=Path, metavar="FILE", help="a YAML rule file")
    review.add_argument("--lang", choices=("nl", "en"), help="language of the review")
    review.add_argument("--format", choices=("text", "json", "html"), default="text")
    review.add_argument("--output", type=Path, metavar="FILE", help="write here, not to stdout")
    review.add_argument(
        "--today", type=types.day, metavar="YYYY-MM-DD", help="pretend today is this date"
    )
    review.add_argument(
        "--no-store",
        action="store_true",
        help="read the history from the calendar only, not from the database",
    )

    history = commands.add_parser(
        "history",
        help="measure and store past weeks of a calendar (the baseline for trends)",
        description="Compute and store the weekly indicators of past weeks.",
    )
    history.add_argument("source", metavar="SOURCE", help="an .ics file or an http(s) feed URL")
    history.add_argument("--weeks", type=int, default=26, help="how many weeks (default 26)")
    history.add_argument(
        "--leader", type=types.email, metavar="EMAIL", help="whose history (default: from rules)"
    )
    history.add_argument("--me", action="append", default=[], type=types.email, metavar="EMAIL")
    history.add_argument("--tz", type=types.zone, metavar="ZONE")
    history.add_argument("--rules", type=Path, metavar="FILE")
    history.add_argument("--today", type=types.day, metavar="YYYY-MM-DD")

    export = commands.add_parser("export", help="weekly metrics for analysts, as CSV or Parquet")
    export.add_argument("--format", choices=("csv", "parquet"), required=True)
    export.add_argument("--output", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--leader",
        action="append",
        default=[],
        type=types.email,
        metavar="EMAIL",
        help="only these leaders (repeatable; default all)",
    )


def review_command(args: argparse.Namespace) -> int:
    if args.command == "review":
        return _review(args)
    if args.command == "history":
        return _history(args)
    return _export(args)


def _review(args: argparse.Namespace) -> int:
    """A look: reads the calendar, the rules (the file, else the leader's stored ones) and the
    stored history; writes nothing."""
    from assistant.app.history import review_with_history
    from assistant.app.review import default_week
    from assistant.cli.caldav import calendar_source

    overrides: dict[str, Any] = {}
    leader: dict[str, Any] = {}
    if args.tz:
        leader["timezone"] = args.tz
    if args.lang:
        leader["language"] = args.lang
    if leader:
        overrides["leader"] = leader
    from_file = load_rules(args.rules, overrides) if args.rules else None
    address = (from_file.leader.email if from_file else None) or _first(args.me)
    store = None if args.no_store else _store_for(address)
    try:
        rules = from_file or _stored_or_defaults(store, overrides)
        zone = ZoneInfo(rules.leader.timezone)
        now = datetime.now(UTC)
        if args.today:
            now = datetime.combine(args.today, datetime.min.time(), tzinfo=zone).replace(hour=12)
        week = args.week or default_week(now, rules)
        source = calendar_source(args.source, rules, args.me)
        review = review_with_history(source, rules, week, now, store)
    finally:
        if store is not None:
            store.engine.dispose()
    _write(review, args.format, args.output)
    return EXIT_OK


def _stored_or_defaults(store: Store | None, overrides: dict[str, Any]) -> Rules:
    """The leader's stored rules (the defaults when none), with this run's overrides."""
    stored = None
    if store is not None:
        from assistant.app.rules import stored_rules

        stored = stored_rules(store.engine, store.leader_email)
    if stored is None:
        return load_rules(None, overrides)
    data = stored.model_dump(mode="json")
    data["leader"].update(overrides.get("leader", {}))
    return load_rules(None, data)


def stored_rules_for(
    store: Store, path: Path | None, overrides: dict[str, Any] | None, command: str
) -> Rules:
    """The rules a command that records uses: the leader's stored rules (the defaults when none).
    A rule file (or zone) given as well must hold the same rules: rules are stored only by
    `rules apply`."""
    from assistant.app.rules import same_rules, stored_rules
    from assistant.cli.rules import word

    rules = stored_rules(store.engine, store.leader_email) or load_rules(
        None, {"leader": {"email": store.leader_email}}
    )
    if path is None and not overrides:
        return rules
    given = load_rules(path, overrides)
    if not same_rules(given, rules):
        shown = str(path) if path is not None else "--tz"
        raise InputError(
            word(
                "differs_from_stored",
                given.leader.language,
                path=shown,
                leader=store.leader_email,
                command=command,
            )
        )
    return rules


def _database_exists() -> bool:
    """A database is configured (DATABASE_URL) or the local one has been made already."""
    from assistant.datadir import database_exists

    return database_exists()


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
    if not (create or _database_exists()):
        return None
    from assistant import bootstrap
    from assistant.app.history import Store

    return Store(bootstrap.open_engine(bootstrap.load_settings()), leader_email)


def _history(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from assistant.app.history import backfill
    from assistant.app.review import last_complete_week
    from assistant.cli.caldav import calendar_source

    overrides = {"leader": {"timezone": args.tz}} if args.tz else None
    named = load_rules(args.rules, overrides).leader.email if args.rules else None
    leader = args.leader or named or _first(args.me)
    if leader is None:
        raise InputError(tr("history: say whose history it is with --leader EMAIL"))
    if args.weeks < 1:
        raise InputError(tr("history: --weeks must be at least 1"))
    store = _store_for(leader, create=True)
    assert store is not None
    try:
        rules = stored_rules_for(store, args.rules, overrides, "history")
    except BaseException:
        store.engine.dispose()
        raise
    zone = ZoneInfo(rules.leader.timezone)
    now = datetime.now(UTC)
    today = args.today or now.astimezone(zone).date()
    source = calendar_source(args.source, rules, [leader, *args.me])
    last = last_complete_week(today)
    # The bar goes to a terminal on stderr only: stdout carries the one-line summary, and a
    # transient bar on a pipe leaves an empty line behind.
    console = Console(stderr=True)
    try:
        with Progress(transient=True, console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task(tr("Measuring weeks"), total=args.weeks)
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
        said = tr_plural(
            "Stored %(count)s week for %(leader)s: %(first)s to %(last)s.",
            "Stored %(count)s weeks for %(leader)s: %(first)s to %(last)s.",
            len(recorded),
            count=len(recorded),
            leader=leader,
            first=recorded[0],
            last=recorded[-1],
        )
    else:
        said = tr_plural(
            "The calendar has no events in the %(count)s week up to %(last)s; nothing stored.",
            "The calendar has no events in the %(count)s weeks up to %(last)s; nothing stored.",
            args.weeks,
            count=args.weeks,
            last=last,
        )
    print(said)
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from assistant import bootstrap
    from assistant.app.history import export

    folder = args.output.parent
    if not folder.is_dir():
        raise InputError(
            tr(
                "%(path)s: cannot write the export; there is no folder %(folder)s",
                path=args.output,
                folder=folder,
            )
        )
    if args.output.is_dir():
        raise InputError(tr("%(path)s: is a folder; name the file to write", path=args.output))
    if not _database_exists():
        raise InputError(tr("no history is stored yet; run `agenda-regie history SOURCE` first"))
    rows = export(bootstrap.load_settings(), args.output, args.format, args.leader)
    print(
        tr_plural(
            "Wrote %(count)s weekly row to %(path)s.",
            "Wrote %(count)s weekly rows to %(path)s.",
            rows,
            count=rows,
            path=args.output,
        )
    )
    return EXIT_OK


def _write(review: WeeklyReview, fmt: str, output: Path | None) -> None:
    # Each renderer is imported only when asked for: a JSON review loads neither rich nor Jinja2.
    if fmt == "text" and output is None:
        from rich.console import Console

        from assistant.render.text import print_text

        class PipeConsole(Console):
            # rich exits 1 when the reader closes the pipe (`review ... | head`); 1 means our
            # fault here, so leave it to `main`, which exits as SIGPIPE would.
            def on_broken_pipe(self) -> None:
                raise BrokenPipeError

        print_text(review, PipeConsole())
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
        from assistant.store.files import write_private

        write_private(output, content.encode("utf-8"))
    except OSError as error:
        raise InputError(
            tr(
                "%(path)s: cannot write the review (%(reason)s)",
                path=output,
                reason=error.strerror,
            )
        ) from None
    return None
