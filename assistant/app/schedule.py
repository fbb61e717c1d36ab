"""When each leader's weekly review is due, and the claim that starts it once per ISO week.

A review is due at the leader's delivery weekday and local time, in their own zone; a paused
leader is not due. The claim is a row in `review_claims` whose unique key the database enforces
(never a lock in memory), so dispatchers on several machines start each week once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.app.review import last_complete_week
from assistant.core.review import IsoWeek
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.reviews import (
    claim_week,
    claim_weeks,
    claimed_since,
    sent_weeks,
)
from assistant.store.repositories.rules import leaders_with_rules
from rules import Rules

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A claimed week whose review was not sent is claimed again after this long (the next period).
REDISPATCH_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class DueReview:
    leader_id: int
    leader: str
    week: IsoWeek  # the week reviewed: the last complete one before the delivery moment
    due_at: datetime


def delivery_moment(rules: Rules, week: IsoWeek) -> datetime:
    """The delivery weekday and time of ISO week `week`, in the leader's zone (aware).

    A wall time that does not exist (the spring-forward hour) resolves the way zoneinfo does, to
    the same wall clock with the offset before the change; comparisons use the instant.
    """
    day = date.fromisocalendar(week.year, week.week, WEEKDAYS.index(rules.delivery.weekday) + 1)
    zone = ZoneInfo(rules.leader.timezone)
    return datetime.combine(day, rules.delivery.time, tzinfo=zone)


def review_due(rules: Rules, now: datetime) -> tuple[IsoWeek, datetime] | None:
    """The week whose review is due at `now` and its moment, or None before this week's moment."""
    local = now.astimezone(ZoneInfo(rules.leader.timezone))
    current = IsoWeek.containing(local.date())
    moment = delivery_moment(rules, current)
    if now < moment:
        return None
    return last_complete_week(moment.date()), moment


def next_delivery(rules: Rules, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(rules.leader.timezone))
    current = IsoWeek.containing(local.date())
    moment = delivery_moment(rules, current)
    return moment if now < moment else delivery_moment(rules, current.shifted(1))


def due_reviews(
    engine: Engine, now: datetime, *, retry_after: timedelta | None = None
) -> list[DueReview]:
    """Leaders whose review is due at `now` (this ISO week's moment has passed in their zone),
    not paused, and not yet sent; with `retry_after`, also not claimed less than that ago (a
    dispatcher's tick then skips them without trying a claim that cannot succeed).

    A few queries whatever the number of leaders: the leaders with their latest rules, the weeks
    already sent (and claimed); each distinct stored rule set is loaded once per process."""
    found = []
    with session_scope(engine) as session:
        for leader_id, email, created_at, rules in leaders_with_rules(
            session, paused=False, now=now
        ):
            due = review_due(rules, now)
            if due is None:
                continue
            week, moment = due
            if moment < created_at:
                continue  # a leader's first review is at the first moment after they joined
            found.append(DueReview(leader_id, email, week, moment))
        weeks = sorted({str(due.week) for due in found})
        left_out = sent_weeks(session, weeks)  # sent, or (with retry_after) claimed lately
        if retry_after is not None:
            left_out |= claimed_since(session, weeks, now - retry_after)
    return [due for due in found if (due.leader_id, str(due.week)) not in left_out]


def claim_review(
    engine: Engine, leader_id: int, week: IsoWeek, now: datetime, *, retry_after: timedelta
) -> bool:
    """Claim the (leader, week) pipeline; False when it is sent, or claimed less than
    `retry_after` ago (`claim_week`: one statement the database decides)."""
    with session_scope(engine) as session:
        return claim_week(session, leader_id, str(week), now=now, retry_after=retry_after)


def claim_reviews(
    engine: Engine,
    due: Sequence[tuple[int, IsoWeek]],
    now: datetime,
    *,
    retry_after: timedelta,
) -> set[tuple[int, IsoWeek]]:
    """`claim_review` for every (leader, week) at once, in one transaction (`claim_weeks`):
    the pairs this dispatcher claimed."""
    with session_scope(engine) as session:
        claimed = claim_weeks(
            session, [(leader_id, str(week)) for leader_id, week in due], now=now,
            retry_after=retry_after,
        )  # fmt: skip
    return {(leader_id, IsoWeek.parse(week)) for leader_id, week in claimed}
