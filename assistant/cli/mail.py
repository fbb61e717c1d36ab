"""`agenda-regie send-review` and `agenda-regie web` (a shell).

The services come from `assistant.bootstrap`; errors are turned into one line by
`assistant.cli.main`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from assistant.cli import args as types
from assistant.cli.args import email
from assistant.cli.worker import delivery_word
from assistant.i18n.operator import tr

MAIL_COMMANDS = ("send-review", "web")


def add_mail_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = subparsers.add_parser(
        "send-review",
        help="email a leader's weekly review (once per week unless --force)",
        description="Reviews the week, stores its proposals, signs the links and sends the "
        "email over SMTP (AGENDA_REGIE_SMTP_*). See docs/email.md.",
    )
    send.add_argument(
        "--leader", required=True, type=email, metavar="EMAIL", help="the leader's address"
    )
    send.add_argument(
        "--week", metavar="YYYY-Www", help="the week (default: the last complete one)"
    )
    send.add_argument(
        "--calendar",
        metavar="ICS",
        help="an iCalendar file or URL (default: the leader's Google and Microsoft 365 caches)",
    )
    send.add_argument(
        "--rules",
        type=Path,
        metavar="FILE",
        help="the leader's rule file: the stored rules (agenda-regie rules apply); a dry run may "
        "try other rules",
    )
    send.add_argument(
        "--dry-run", action="store_true", help="write the message, do not send it; stores nothing"
    )
    send.add_argument("--output", type=Path, metavar="FILE.eml", help="where --dry-run writes")
    send.add_argument("--force", action="store_true", help="send again a week already sent")
    send.add_argument(
        "--today",
        type=types.day,
        metavar="YYYY-MM-DD",
        help="pretend today is this date (noon in the leader's time zone)",
    )
    web = subparsers.add_parser("web", help="serve the confirm pages behind the email's links")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)


def mail_command(args: argparse.Namespace) -> int:
    if args.command == "web":
        return _web(args)
    return _send_review(args)


def _send_review(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from assistant import bootstrap
    from assistant.accounts.cache import CachedCalendar
    from assistant.app.delivery import deliver, message_for, prepare_email
    from assistant.app.history import Store, review_with_history
    from assistant.app.review import default_week, open_ics
    from assistant.cli.review import stored_rules_for
    from assistant.core.review import IsoWeek
    from assistant.settings import LinkSettings, SmtpSettings
    from assistant.store.database import session_scope
    from assistant.store.repositories.leaders import find_leader, reviews_paused
    from rules import load_rules

    leader_email = args.leader.strip().lower()
    # Every setting is checked before any work, all problems in one line.
    settings = bootstrap.load_settings(
        *((LinkSettings,) if args.dry_run else (SmtpSettings, LinkSettings))
    )
    smtp = None if args.dry_run else settings.smtp()
    now = datetime.now(UTC)
    engine = bootstrap.open_engine(settings)
    store = Store(engine, leader_email)
    try:
        if args.dry_run and args.rules is not None:
            # A rehearsal may try other rules; they are not stored.
            rules = load_rules(args.rules, {"leader": {"email": leader_email}})
        else:
            rules = stored_rules_for(store, args.rules, None, "send-review")
        if args.today:
            zone = ZoneInfo(rules.leader.timezone)
            now = datetime.combine(args.today, time(12), tzinfo=zone).astimezone(UTC)
        week = IsoWeek.parse(args.week) if args.week else default_week(now, rules)
        with session_scope(engine) as session:
            known = find_leader(session, leader_email)
            paused = known is not None and reviews_paused(known, now)
            paused_until = known.paused_until if known is not None else None
            known_id = known.id if known is not None else None
        if paused and not args.force and not args.dry_run:
            print(_paused_line(leader_email, week, paused_until, rules.leader.timezone))
            return 0
        if args.calendar:
            source: Any = open_ics(args.calendar, rules, [leader_email])
        else:
            cached = None if known_id is None else CachedCalendar.of_leader(engine, known_id)
            if cached is None or not cached.connections:
                said = tr(
                    "%(leader)s has no Google or Microsoft 365 connection; connect one "
                    "(agenda-regie connect) or give --calendar FILE.ics",
                    leader=leader_email,
                )
                print(f"agenda-regie: {said}", file=sys.stderr)
                return 2
            source = cached
        # A dry run is a rehearsal: it reads the stored history and records nothing.
        review = review_with_history(source, rules, week, now, store, record=not args.dry_run)
        prepared = prepare_email(
            engine,
            review,
            leader_email=leader_email,
            signer=bootstrap.link_signer(settings),
            now=now,
            pause_contact=rules.delivery.assistant_cc[0] if rules.delivery.assistant_cc else None,
            rehearsal=args.dry_run,
        )
        to, cc = rules.delivery.to or leader_email, list(rules.delivery.assistant_cc)
        if args.dry_run:
            message = message_for(prepared, sender="agenda-regie@localhost", to=to, cc=cc, now=now)
            if args.output:
                from assistant.store.files import write_private

                write_private(args.output, message.as_bytes())  # its links act for the leader
            else:
                sys.stdout.write(message.as_string())
            return 0
        assert smtp is not None
        delivery = deliver(engine, prepared, smtp, now=now, to=to, cc=cc, force=args.force)
        if delivery.status == "paused":
            print(_paused_line(leader_email, week, delivery.paused_until, rules.leader.timezone))
            return 0
        print(f"{week}: {delivery_word(delivery.status)} ({delivery.message_id})")
        return 0
    finally:
        engine.dispose()


def _paused_line(leader: str, week: Any, until: datetime | None, timezone: str) -> str:
    from zoneinfo import ZoneInfo

    if until is None:
        return tr(
            "%(week)s: not sent; the weekly review of %(leader)s is paused until they resume it "
            "(--force sends it)",
            week=week,
            leader=leader,
        )
    when = until.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    return tr(
        "%(week)s: not sent; the weekly review of %(leader)s is paused until %(when)s "
        "(--force sends it)",
        week=week,
        leader=leader,
        when=when,
    )


def _web(args: argparse.Namespace) -> int:
    import uvicorn

    from assistant import bootstrap
    from assistant.settings import PrintSettings
    from assistant.web.app import create_app

    settings = bootstrap.load_settings(*bootstrap.WEB_NEEDS)
    providers = bootstrap.identity_providers(settings)  # built once: they keep the keys
    services = bootstrap.web_services(settings)
    app = create_app(
        services.engine,
        services.signer,
        write_back=services.writers.write,
        withdraw=services.writers.withdraw,
        clock=settings.now,  # the workers' clock: AGENDA_REGIE_NOW in tests, else the time
        secrets=bootstrap.secret_box(settings),  # the console's TOTP secrets
        identity_providers=providers,
        calendar_connectors=services.connectors,  # the leader's link to connect a calendar
        mailer=services.mailer,
    )
    app.state.print_settings = settings.group(PrintSettings)  # Chromium, for the summary's PDF
    try:
        # uvicorn ends on SIGTERM and SIGINT after the requests in flight are answered.
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    finally:
        services.close()
    return 0
