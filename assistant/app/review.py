"""Use cases: read a calendar and review a week (a shell around the pure core).

This is where I/O meets the core: a `CalendarSource` is read for the window the review needs,
holidays are looked up, and `build_review` does the rest.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant.accounts.classification import classify_options
from assistant.core.analysis import analysis_span, build_review
from assistant.core.calendar_days import holiday_dates
from assistant.core.review import IsoWeek, WeeklyReview
from connectors import CalendarSource, TimeWindow
from rules import Rules

# A review read straight from a file, feed or server keeps nothing: its people hashes live only
# in this process, so a key of its own, never stored, is enough to count people week by week.
_LOOK_PEOPLE_KEY = secrets.token_bytes(32)


def open_ics(location: str | Path, rules: Rules, me: Iterable[str] = ()) -> CalendarSource:
    """An iCalendar file or feed, read in the leader's zone as the leader `me`.

    The hosts allowed on a private network are read from the settings for a feed only: a file
    needs none, and a look at one loads no settings."""
    from connectors.ics import IcsSource
    from connectors.ics.fetch import feed_url

    allowed_hosts: frozenset[str] = frozenset()
    if feed_url(location) is not None:
        from assistant.settings import feed_allowed_hosts

        allowed_hosts = feed_allowed_hosts()
    addresses = {m for m in me if m}
    if rules.leader.email:
        addresses.add(rules.leader.email)
    return IcsSource(
        location,
        zone=ZoneInfo(rules.leader.timezone),
        me=sorted(addresses),
        classify=classify_options(rules, _LOOK_PEOPLE_KEY),
        allowed_hosts=allowed_hosts,
    )


def open_caldav(
    url: str, username: str, password: str, rules: Rules, me: Iterable[str] = ()
) -> CalendarSource:
    """One CalDAV calendar collection, read once in the leader's zone as the leader `me`."""
    from assistant.accounts.caldav import Credentials, review_source

    addresses = {m for m in me if m} | ({rules.leader.email} if rules.leader.email else set())
    return review_source(
        url,
        Credentials(username, password),
        zone=ZoneInfo(rules.leader.timezone),
        me=sorted(addresses),
        options=classify_options(rules, _LOOK_PEOPLE_KEY),
        name=url,
    )


def last_complete_week(today: date) -> IsoWeek:
    """The last complete ISO week before `today` (on a Sunday: the week before this one)."""
    return IsoWeek.containing(today - timedelta(days=today.isoweekday()))


def default_week(now: datetime, rules: Rules) -> IsoWeek:
    """The week a review looks back on at `now`: this week once its working time is over (on a
    Saturday or Sunday with weekday hours), else the last complete week. So a review made at the
    weekend proposes for the coming week, not for the hours left of this one."""
    local = now.astimezone(ZoneInfo(rules.leader.timezone))
    current = IsoWeek.containing(local.date())
    for day in current.days():
        if day < local.date():
            continue
        for hours in rules.working_hours.for_weekday(day.weekday()):
            ends = datetime.combine(day, time(), tzinfo=local.tzinfo) + timedelta(
                minutes=hours.end_minute
            )
            if ends > local:
                return last_complete_week(local.date())
    return current


def review_week(source: CalendarSource, rules: Rules, week: IsoWeek, now: datetime) -> WeeklyReview:
    first, last = analysis_span(week, rules)
    zone = ZoneInfo(rules.leader.timezone)
    window = TimeWindow(
        datetime.combine(first, time(), tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=zone),
    )
    fetched = source.fetch(window)
    return build_review(
        fetched.events,
        rules=rules,
        week=week,
        now=now,
        holidays=holiday_dates(rules, first, last),
        skipped=fetched.skipped,
        source_name=source.name,
    )
