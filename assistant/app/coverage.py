"""Whether a leader's calendar covers a week: their review is computed and sent only then.

A week is covered when at least one of the leader's calendar connections is healthy (status
`ok`) and was synced after the week ended in the leader's zone, so its event cache holds the
whole week. Otherwise no email goes out (an empty cache would read as a calm week), and the
reason is said where `agenda-regie status` and `run-once` show it: no connection, a connection
that needs re-authorisation, one that fails (an iCalendar feed says since when), or one not
synced since the week ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant.accounts.registry import SYNCED_PROVIDERS
from assistant.core.review import IsoWeek
from assistant.i18n.operator import tr
from assistant.store.database import Session
from assistant.store.models import Connection, Leader
from assistant.store.repositories.connections import leader_calendar_connections

# What `status` and `run-once` say, in the operator's language (the catalogue's msgids).
NO_CONNECTION = (
    "no calendar connection; connect one (agenda-regie connect google|microsoft|ics|caldav "
    "--leader %(leader)s)"
)
NEEDS_REAUTHORISATION = "the %(provider)s connection needs re-authorisation: %(error)s"
FAILING = "the %(provider)s connection fails (last good sync %(last)s): %(error)s"
NOT_SYNCED = "the %(provider)s connection was not synced since the week ended (last sync %(last)s)"
NEVER_SYNCED = "the %(provider)s connection has not been synced yet"


def week_end(week: IsoWeek, zone: str) -> datetime:
    """The instant the week ends in the leader's zone (Monday 00:00 after it)."""
    return datetime.combine(week.monday + timedelta(days=7), time(), tzinfo=ZoneInfo(zone))


def calendar_problem(
    leader: str, connections: Sequence[Connection], covered_from: datetime | None
) -> str | None:
    """Why these connections do not cover the leader's week, or None when one does.

    `covered_from`: the instant a sync must come after (the week's end); None asks only whether
    one connection is healthy and has synced at all."""
    if not connections:
        return tr(NO_CONNECTION, leader=leader)
    for connection in connections:
        synced = connection.last_sync_at
        fresh = synced is not None and (covered_from is None or synced >= covered_from)
        if connection.status == "ok" and fresh:
            return None
    for wanted, sentence in (("needs_reauthorisation", NEEDS_REAUTHORISATION), ("error", FAILING)):
        for connection in connections:
            if connection.status == wanted:
                return tr(
                    sentence,
                    provider=connection.provider,
                    error=connection.last_error or tr("no detail recorded"),
                    last=_moment(connection.last_sync_at),
                )
    first = connections[0]
    if covered_from is None:
        return tr(NEVER_SYNCED, provider=first.provider)
    return tr(NOT_SYNCED, provider=first.provider, last=_moment(first.last_sync_at))


def week_problem(session: Session, leader: Leader, week: IsoWeek) -> str | None:
    """Why the leader's calendar does not cover `week`, or None when it does."""
    connections = leader_calendar_connections(session, [leader.id], SYNCED_PROVIDERS)[leader.id]
    return calendar_problem(leader.email, connections, week_end(week, leader.timezone))


def leaders_without_calendar(
    session: Session, leaders: Sequence[tuple[int, str]]
) -> list[tuple[str, str]]:
    """(leader, why) for each of these leaders (id, address) whose calendar is not healthy now:
    their next review would not be sent."""
    connections = leader_calendar_connections(
        session, [leader_id for leader_id, _ in leaders], SYNCED_PROVIDERS
    )
    found = []
    for leader_id, email in leaders:
        problem = calendar_problem(email, connections[leader_id], None)
        if problem is not None:
            found.append((email, problem))
    return found


def _moment(value: datetime | None) -> str:
    return value.isoformat(timespec="minutes") if value is not None else tr("never")
