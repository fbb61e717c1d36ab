"""Two worker processes doing the same write at the same moment leave one row, and no error.

The processes are real (multiprocessing with 'spawn', each with its own engine and connections)
and wait at a barrier before every write so that the writes race. Several rounds per test.
"""

from __future__ import annotations

import multiprocessing
import queue
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.core.catalogue import METRIC_IDS
from assistant.core.review import IsoWeek, WeekMetrics
from assistant.store import repositories as repo
from assistant.store.database import make_engine, session_scope
from assistant.store.models import Leader, ReviewDelivery, RuleSet, WeeklyMetricsRow
from rules import load_rules

PROCESSES = 2
ROUNDS = 4
COMPUTED = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
WAIT_SECONDS = 60.0
RULES = load_rules(None)


def values_of(process: int) -> dict[str, float | int | None]:
    return {metric: process * 1000.0 + i for i, metric in enumerate(METRIC_IDS)}


def week_of_round(number: int) -> IsoWeek:
    return IsoWeek(2026, 10 + number)


def race(url: str, process: int, barrier: Barrier, results: Any) -> None:
    """One worker: per round, create the leader, record the week, save rules, record the review."""
    engine = make_engine(url)
    try:
        with engine.connect():
            pass  # connect before the race starts, not during it
        for number in range(ROUNDS):
            week = week_of_round(number)
            barrier.wait(WAIT_SECONDS)
            with session_scope(engine) as session:
                leader_id = repo.upsert_leader(session, f"race{number}@example.org").id
            barrier.wait(WAIT_SECONDS)
            with session_scope(engine) as session:
                metrics = WeekMetrics(week, values_of(process))
                at = COMPUTED + timedelta(minutes=process)
                repo.record_week(session, leader_id, metrics, process, at)
            barrier.wait(WAIT_SECONDS)
            with session_scope(engine) as session:
                version = repo.store_rules(session, leader_id, RULES, f"worker{process}")
                sent = repo.record_review_sent(
                    session, leader_id, week, sent_at=COMPUTED, message_id=f"<{process}@x>"
                )
            results.put(("round", process, number, version, sent))
        results.put(("done", process))
    except BaseException as error:
        results.put(("error", process, repr(error)))
        barrier.abort()
        raise
    finally:
        engine.dispose()


def test_racing_workers_leave_one_row_per_leader_week_and_review(
    database_url: str, session: Session
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=race, args=(database_url, process, barrier, results))
        for process in range(1, PROCESSES + 1)
    ]
    for worker in workers:
        worker.start()
    messages: list[tuple[Any, ...]] = []
    try:
        while len([m for m in messages if m[0] in {"done", "error"}]) < PROCESSES:
            messages.append(results.get(timeout=WAIT_SECONDS))
    except queue.Empty:
        raise AssertionError(f"the workers did not finish; heard: {messages}") from None
    finally:
        for worker in workers:
            worker.join(WAIT_SECONDS)
        results.close()
        results.join_thread()

    errors = [m for m in messages if m[0] == "error"]
    assert errors == [], errors
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    rounds = [m for m in messages if m[0] == "round"]
    for number in range(ROUNDS):
        this_round = [m for m in rounds if m[2] == number]
        assert sorted(m[3] for m in this_round) == [1, 2], "rule versions must not collide"
        assert sorted(m[4] for m in this_round) == [False, True], "one worker records the review"

    assert session.scalar(select(func.count()).select_from(Leader)) == ROUNDS
    assert session.scalar(select(func.count()).select_from(RuleSet)) == ROUNDS * PROCESSES
    assert session.scalar(select(func.count()).select_from(ReviewDelivery)) == ROUNDS
    rows = session.scalars(select(WeeklyMetricsRow).order_by(WeeklyMetricsRow.iso_week)).all()
    assert [row.iso_week for row in rows] == [str(week_of_round(n)) for n in range(ROUNDS)]
    for row in rows:
        # One worker's week, whole: never a mix of the two.
        stored = {metric: getattr(row, metric) for metric in METRIC_IDS}
        assert row.rules_version in {1, 2}
        assert stored == values_of(row.rules_version)
        assert row.computed_at == COMPUTED + timedelta(minutes=row.rules_version)
