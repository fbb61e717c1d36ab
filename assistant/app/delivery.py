"""The use cases behind the weekly email: prepare it for a leader's week, and send it once.

Preparing stores the proposals (so their links have something to act on), picks the reflection
question (not one asked in the six weeks before), reads the leader's self-ratings, signs the
links and composes the message. Sending records the delivery per (leader, week), one SMTP
conversation at a time under the leader's lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from typing import Literal

from assistant.accounts.registry import WRITABLE_PROVIDERS
from assistant.core.analysis import QUESTION_COUNT, question
from assistant.core.continua import LOAD_INDICATOR, Continua, continua
from assistant.core.review import IsoWeek, WeeklyReview
from assistant.i18n.labels import language_of
from assistant.i18n.wording import word
from assistant.mail.ics import proposals_ics
from assistant.mail.links import (
    AllLink,
    LinkSigner,
    PauseLink,
    PlaceLink,
    ProposalLink,
    RatingLink,
)
from assistant.mail.send import (
    SEND_ATTEMPTS,
    TRANSIENT,
    Delivery,
    MailError,
    SendFailedError,
    SmtpSettings,
    message_id,
    retry_pause_seconds,
    smtp_send_once,
)
from assistant.render.email import (
    RATING_SCORES,
    ComposedEmail,
    EmailExtras,
    EmailLinks,
    ProposalLinks,
    RulesSource,
    build_message,
    compose,
)
from assistant.store.database import Engine, Session, session_scope
from assistant.store.models import Leader
from assistant.store.repositories.connections import enabled_connections_of
from assistant.store.repositories.feedback import questions_asked, record_question, self_ratings
from assistant.store.repositories.leaders import find_leader, leader_for, reviews_paused
from assistant.store.repositories.proposals import ensure_proposals, proposal_by_key
from assistant.store.repositories.reviews import record_review_sent, review_delivery
from assistant.store.repositories.rules import latest_rules

log = logging.getLogger("assistant.mail")

QUESTION_GAP_WEEKS = 6
RATING_WEEKS = 12


@dataclass(frozen=True)
class PreparedEmail:
    review: WeeklyReview  # with the question actually asked
    email: ComposedEmail
    leader: str


def choose_question(week: IsoWeek, asked: dict[IsoWeek, int], count: int) -> int:
    """The week's question: the one already recorded for it, else the rotation's pick unless it
    was asked in the six weeks before, else the one asked longest ago (or never)."""
    if week in asked:
        return asked[week]
    recent = {
        index for when, index in asked.items() if week.shifted(-QUESTION_GAP_WEEKS) < when < week
    }
    preferred = week.week % count
    if preferred not in recent:
        return preferred
    last_asked = {
        index: max((w for w, i in asked.items() if i == index), default=None)
        for index in range(count)
    }
    free = [index for index in range(count) if index not in recent]
    candidates = free or list(range(count))
    return min(candidates, key=lambda i: (last_asked[i] is not None, last_asked[i] or week, i))


def has_write_back(session: Session, leader: Leader) -> bool:
    """Whether accepted blocks go to the leader's calendar (no .ics): a calendar connection we
    write to that is not disabled. One that is failing now still counts: its blocks wait in
    the outbox until it works again."""
    return bool(enabled_connections_of(session, leader.id, WRITABLE_PROVIDERS))


def prepare_email(
    engine: Engine,
    review: WeeklyReview,
    *,
    leader_email: str,
    signer: LinkSigner,
    now: datetime,
    rules_set_by: str | None = None,
    pause_contact: str | None = None,
    rehearsal: bool = False,
) -> PreparedEmail:
    """The week's email for the leader. Stores the proposals and the question asked, unless it
    is a `rehearsal` (`send-review --dry-run`), which reads what is stored and writes nothing:
    its links name proposals that were never stored."""
    language = language_of(review.language)
    with session_scope(engine) as session:
        if rehearsal:
            known = find_leader(session, leader_email)
            address = known.email if known is not None else leader_email.strip().lower()
            generations = {p.key: _stored_generation(session, p.key) for p in review.proposals}
        else:
            leader = leader_for(session, leader_email, now=now)
            known, address = leader, leader.email
            rows = ensure_proposals(
                session, leader, review.proposals_week, review.proposals, now=now
            )
            generations = {key: row.generation for key, row in rows.items()}
        asked = questions_asked(session, address)
        index = choose_question(review.week, asked, QUESTION_COUNT)
        if review.week not in asked and not rehearsal:
            record_question(session, address, review.week, index, now=now)
        weeks = [review.week.shifted(-offset) for offset in range(RATING_WEEKS - 1, -1, -1)]
        stored = self_ratings(session, known, weeks) if known is not None else {}
        write_back = has_write_back(session, known) if known is not None else False
        latest = latest_rules(session, known) if known is not None else None
        source = (
            RulesSource(latest.version, latest.created_at, latest.created_by)
            if latest is not None
            else None
        )
    review = replace(review, question=question(index), continua=_continua(review, stored))
    reasons = {p.key: word(p.reason, language) for p in review.proposals}
    links = EmailLinks(
        proposals={
            p.key: ProposalLinks(
                accept=signer.url(
                    ProposalLink(p.key, generations[p.key], address, reasons[p.key]), now, "accept"
                ),
                decline=signer.url(
                    ProposalLink(p.key, generations[p.key], address, reasons[p.key]), now, "decline"
                ),
            )
            for p in review.proposals
        },
        accept_all=signer.url(AllLink(address, str(review.proposals_week)), now),
        ratings={
            score: signer.url(RatingLink(address, str(review.week), score), now)
            for score in RATING_SCORES
        },
        pause=signer.url(PauseLink(address), now),
        place=signer.url(PlaceLink(address), now),
    )
    extras = EmailExtras(
        ratings=[(week, stored.get(week)) for week in weeks],
        rules_set_by=rules_set_by,
        rules_source=source,
        pause_contact=pause_contact,
        write_back=write_back,
    )
    ics = None
    if not write_back and review.proposals:
        ics = proposals_ics([(p, reasons[p.key]) for p in review.proposals], language, now)
    return PreparedEmail(review, compose(review, links, extras, ics), address)


def _continua(review: WeeklyReview, ratings: dict[IsoWeek, int]) -> Continua | None:
    """The felt room beside the load with the ratings as they are now (the email always has
    the leader's ratings, even for a review made without them)."""
    line = next((s for s in review.trends.sparklines if s.indicator == LOAD_INDICATOR), None)
    return continua(line, ratings) if line is not None else review.continua


def _stored_generation(session: Session, key: str) -> int:
    row = proposal_by_key(session, key)
    return row.generation if row is not None else 0


def message_for(
    prepared: PreparedEmail,
    *,
    sender: str,
    to: str | None = None,
    cc: Sequence[str] = (),
    now: datetime,
) -> EmailMessage:
    return build_message(
        prepared.email,
        sender=sender,
        to=to or prepared.leader,
        cc=cc,
        reply_to=cc[0] if cc else None,
        message_id=message_id(prepared.leader, str(prepared.review.week), sender),
        date=now,
    )


def deliver(
    engine: Engine,
    prepared: PreparedEmail,
    smtp: SmtpSettings,
    *,
    now: datetime,
    to: str | None = None,
    cc: Sequence[str] = (),
    force: bool = False,
    send: Callable[[EmailMessage, SmtpSettings], None] = smtp_send_once,
    attempts: int = SEND_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send the week's email unless it was sent already or the leader paused the review (unless
    `force`); record the outcome.

    Each attempt checks, sends once and records under the leader's row lock (SELECT ... FOR
    UPDATE on PostgreSQL; SQLite lets one writer in at a time), so two runs at the same moment
    send the week once: the second waits, then finds it sent. `send` is one SMTP conversation,
    which the client's timeout bounds; a connection-level failure is recorded, and retried after
    a pause outside the lock (at most `attempts` in all), checking again whether it was sent.
    """
    week = prepared.review.week
    message = message_for(prepared, sender=smtp.sender, to=to, cc=cc, now=now)
    for attempt in range(1, attempts + 1):
        outcome = send_once(
            engine, prepared.leader, week, message, smtp, send, now=now, force=force
        )
        if isinstance(outcome, Delivery):
            return outcome
        if attempt < attempts and isinstance(outcome, TRANSIENT):
            name = type(outcome).__name__
            log.warning("SMTP attempt %d failed (%s); trying again", attempt, name)
            sleep(retry_pause_seconds(attempt))  # outside the lock: other runs may go on
            continue
        problem = (
            str(outcome)
            if isinstance(outcome, MailError)
            else f"{type(outcome).__name__}: {outcome}"
        )
        raise SendFailedError(prepared.leader, str(week), problem) from outcome
    raise ValueError(f"deliver needs at least one attempt, not {attempts}")


def send_once(
    engine: Engine,
    leader_email: str,
    week: IsoWeek,
    message: EmailMessage,
    smtp: SmtpSettings,
    send: Callable[[EmailMessage, SmtpSettings], None],
    *,
    now: datetime,
    force: bool = False,
) -> Delivery | Exception:
    """The one place a weekly review is sent: under the leader's row lock, check that the week
    was not sent and the review is not paused (unless `force`), hand the message over once and
    record the outcome. The delivery, or the error of a failed send (recorded as failed and
    committed, so `status` shows it) for the caller to retry or raise."""
    identifier = str(message["Message-ID"])
    with session_scope(engine) as session:
        upserted = leader_for(session, leader_email, now=now)
        leader = session.get(Leader, upserted.id, with_for_update=True, populate_existing=True)
        assert leader is not None
        earlier = review_delivery(session, leader, week)
        if earlier is not None and earlier.delivery_status == "sent" and not force:
            log.info("review of %s for %s not sent: already sent", leader.email, week)
            return Delivery("already_sent", earlier.message_id or identifier, earlier.sent_at)
        if reviews_paused(leader, now) and not force:
            log.info("review of %s for %s not sent: paused", leader.email, week)
            until = leader.paused_until
            return Delivery("paused", identifier, paused_until=until)
        try:
            send(message, smtp)
        except Exception as error:
            failure: Exception | None = error
            status: Literal["sent", "failed"] = "failed"
        else:
            failure, status = None, "sent"
        record_review_sent(
            session, leader, week, sent_at=now, message_id=identifier, delivery_status=status
        )
    if failure is not None:
        return failure
    log.info("review of %s for %s sent (%s)", leader_email, week, identifier)
    return Delivery("sent", identifier, now)
