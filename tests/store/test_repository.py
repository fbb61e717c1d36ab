"""The repository on SQLite and PostgreSQL: what goes in comes back out, and only once."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.core.catalogue import METRIC_IDS
from assistant.core.review import IsoWeek, WeekMetrics
from assistant.store import repositories as repo
from assistant.store.models import (
    AuditEntry,
    Base,
    Leader,
    ReviewDelivery,
    RuleSet,
    SelfRating,
    WeeklyMetricsRow,
)
from rules import load_rules, rules_json

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
COMPUTED = datetime(2026, 3, 30, 7, 0, tzinfo=AMSTERDAM)
SANNE = "sanne.devries@example.org"
DEFAULT_RULES = load_rules(None)
DUTCH_RULES = load_rules(None, {"leader": {"language": "nl"}})
# DESIGN section 4: the modules of the pure core, and the wording they still use.
PURE_CORE = tuple(
    f"assistant.core.{name}"
    for name in (
        "review",
        "catalogue",
        "intervals",
        "timeline",
        "calendar_days",
        "indicators",
        "buffers",
        "trends",
        "proposals",
        "analysis",
    )
)
PURE_CORE = (*PURE_CORE, "assistant.i18n.texts")


def week_of(text: str, **values: float | int | None) -> WeekMetrics:
    return WeekMetrics(IsoWeek.parse(text), dict(values))


def full_week(text: str, seed: float) -> WeekMetrics:
    return WeekMetrics(
        IsoWeek.parse(text), {metric: seed + i for i, metric in enumerate(METRIC_IDS)}
    )


@pytest.fixture
def leader(session: Session) -> Leader:
    leader = repo.upsert_leader(session, SANNE, name="Sanne", timezone="Europe/Amsterdam")
    session.commit()
    return leader


# Weekly metrics ----------------------------------------------------------------------------------


def test_a_recorded_week_reads_back_with_every_metric(session: Session, leader: Leader) -> None:
    week = full_week("2026-W13", seed=1.5)
    repo.record_week(session, leader, week, rules_version=3, computed_at=COMPUTED)
    session.commit()

    [back] = repo.weekly_history(session, leader, IsoWeek.parse("2026-W13"), weeks=1)

    assert back == week
    row = session.scalars(select(WeeklyMetricsRow)).one()
    assert (row.iso_week, row.year, row.week, row.rules_version) == ("2026-W13", 2026, 13, 3)
    assert row.computed_at == COMPUTED
    assert row.computed_at.tzinfo is UTC


def test_metrics_left_out_or_nan_come_back_as_none(session: Session, leader: Leader) -> None:
    week = week_of("2026-W13", meeting_hours=31, short_notice_share=float("nan"))
    repo.record_week(session, leader, week, rules_version=None, computed_at=COMPUTED)

    [back] = repo.weekly_history(session, leader, IsoWeek.parse("2026-W13"), weeks=1)

    assert back.values["meeting_hours"] == 31.0
    assert set(back.values) == set(METRIC_IDS)
    assert [m for m, v in back.values.items() if v is not None] == ["meeting_hours"]


def test_recording_a_week_again_replaces_it(session: Session, leader: Leader) -> None:
    first = week_of("2026-W13", meeting_hours=30.0, focus_hours=6.0)
    again = week_of("2026-W13", meeting_hours=28.5)
    repo.record_week(session, leader, first, rules_version=1, computed_at=COMPUTED)
    session.commit()
    later = COMPUTED + timedelta(hours=2)
    repo.record_week(session, leader, again, rules_version=2, computed_at=later)
    session.commit()

    rows = session.scalars(select(WeeklyMetricsRow).execution_options(populate_existing=True))
    [row] = rows.all()
    assert (row.meeting_hours, row.focus_hours, row.rules_version) == (28.5, None, 2)
    assert row.computed_at == later


def test_history_is_oldest_first_and_leaves_missing_weeks_out(
    session: Session, leader: Leader
) -> None:
    # 2026 has 53 ISO weeks; the window runs over the turn of the year.
    for text in ("2027-W02", "2026-W50", "2027-W01", "2026-W53", "2026-W51"):
        repo.record_week(session, leader, full_week(text, 1.0), 1, COMPUTED)
    session.commit()

    history = repo.weekly_history(session, leader, until=IsoWeek.parse("2027-W01"), weeks=4)

    assert [str(w.week) for w in history] == ["2026-W51", "2026-W53", "2027-W01"]


def test_history_is_kept_per_leader(session: Session, leader: Leader) -> None:
    other = repo.upsert_leader(session, "jan@example.org")
    repo.record_week(session, leader, week_of("2026-W13", meeting_hours=30), 1, COMPUTED)
    repo.record_week(session, other, week_of("2026-W13", meeting_hours=12), 1, COMPUTED)
    session.commit()

    mine = repo.weekly_history(session, leader.id, IsoWeek.parse("2026-W13"), weeks=8)
    theirs = repo.weekly_history(session, other, IsoWeek.parse("2026-W13"), weeks=8)

    assert [w.values["meeting_hours"] for w in mine] == [30.0]
    assert [w.values["meeting_hours"] for w in theirs] == [12.0]


def test_history_of_a_leader_without_weeks_is_empty(session: Session, leader: Leader) -> None:
    assert repo.weekly_history(session, leader, IsoWeek.parse("2026-W13"), weeks=12) == []
    with pytest.raises(ValueError, match="at least 1"):
        repo.weekly_history(session, leader, IsoWeek.parse("2026-W13"), weeks=0)


def test_a_metric_without_a_column_is_refused(session: Session, leader: Leader) -> None:
    with pytest.raises(ValueError, match="no column for stress_level; a new metric needs"):
        repo.record_week(session, leader, week_of("2026-W13", stress_level=9), 1, COMPUTED)


def test_naive_times_are_refused(session: Session, leader: Leader) -> None:
    naive = datetime(2026, 3, 30, 7, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"):
        repo.record_week(session, leader, week_of("2026-W13"), 1, naive)
    with pytest.raises(ValueError, match="aware"):
        repo.record_review_sent(session, leader, IsoWeek.parse("2026-W13"), sent_at=naive)


# Leaders, assistants, rules -------------------------------------------------------------------


def test_upsert_leader_creates_once_and_updates_only_what_is_given(session: Session) -> None:
    created = repo.upsert_leader(
        session, "Sanne.DeVries@Example.org ", name="Sanne", language="nl", now=COMPUTED
    )
    session.commit()
    again = repo.upsert_leader(session, SANNE, timezone="America/New_York")
    session.commit()

    assert again.id == created.id
    assert (again.email, again.name, again.language, again.timezone) == (
        SANNE,
        "Sanne",
        "nl",
        "America/New_York",
    )
    assert again.created_at == COMPUTED
    assert session.scalar(select(func.count()).select_from(Leader)) == 1
    assert repo.find_leader(session, "SANNE.devries@example.org") == again


def test_upsert_leader_checks_time_zone_and_language(session: Session) -> None:
    with pytest.raises(ValueError, match="not a known IANA time zone"):
        repo.upsert_leader(session, SANNE, timezone="Europe/Amsterdamm")
    with pytest.raises(ValueError, match="language must be one of nl, en"):
        repo.upsert_leader(session, SANNE, language="de")


def test_assistants_see_only_the_leaders_they_manage(session: Session, leader: Leader) -> None:
    jan = repo.upsert_leader(session, "jan@example.org")
    repo.upsert_leader(session, "piet@example.org")
    assistant = repo.upsert_assistant(session, "ea@example.org", name="Eva")
    repo.let_assistant_manage(session, assistant, jan)
    repo.let_assistant_manage(session, assistant, leader)
    repo.let_assistant_manage(session, assistant, leader)  # twice: still once
    session.commit()

    managed = repo.leaders_managed_by(session, assistant)

    assert [m.email for m in managed] == ["jan@example.org", SANNE]
    assert [m.email for m in assistant.leaders] == ["jan@example.org", SANNE]


def test_rules_get_increasing_versions_per_leader_and_an_audit_line(
    session: Session, leader: Leader
) -> None:
    other = repo.upsert_leader(session, "jan@example.org")
    first = repo.store_rules(session, leader, DEFAULT_RULES, "ea@example.org", now=COMPUTED)
    second = repo.store_rules(session, leader, DUTCH_RULES, "ea@example.org")
    theirs = repo.store_rules(session, other, DEFAULT_RULES, "jan@example.org")
    session.commit()

    assert (first, second, theirs) == (1, 2, 1)
    latest = repo.latest_rules(session, leader)
    assert latest is not None
    assert (latest.version, latest.rules_json) == (2, rules_json(DUTCH_RULES))
    audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    english = {"name": None, "language": "en", "timezone": "Europe/Amsterdam"}
    dutch = {**english, "language": "nl"}
    # Each version records the identity it was stored with (a rollback restores it).
    assert [(a.actor, a.action, a.subject, a.detail) for a in audit] == [
        ("ea@example.org", "rules.store", SANNE, {"version": 1, "identity": english}),
        ("ea@example.org", "rules.store", SANNE, {"version": 2, "identity": dutch}),
        ("jan@example.org", "rules.store", "jan@example.org", {"version": 1, "identity": english}),
    ]
    assert audit[0].at == COMPUTED


def test_a_leaders_effective_rules_are_the_latest_version_with_their_address_and_zone(
    session: Session, leader: Leader
) -> None:
    assert repo.leader_rules(session, leader) == load_rules(
        None, {"leader": {"email": SANNE, "timezone": leader.timezone, "name": "Sanne"}}
    )  # nothing stored: the defaults, with the leader's own identity

    tokyo = load_rules(None, {"leader": {"language": "nl", "timezone": "Asia/Tokyo"}})
    repo.store_rules(session, leader, tokyo, "ea@example.org")
    session.commit()

    # The identity of stored rules becomes the leader's; the address is always the leader's own.
    session.refresh(leader)
    assert (leader.timezone, leader.language, leader.name) == ("Asia/Tokyo", "nl", None)
    effective = repo.leader_rules(session, leader)
    assert effective == load_rules(
        None, {"leader": {"language": "nl", "timezone": "Asia/Tokyo", "email": SANNE}}
    )
    stored = repo.latest_rules(session, leader)
    assert stored is not None
    # The identity has one home: the leader's row.
    assert "Asia/Tokyo" not in stored.rules_json
    assert '"language"' not in stored.rules_json
    assert SANNE not in stored.rules_json

    # A later change of the leader's zone reaches the effective rules too.
    repo.upsert_leader(session, SANNE, timezone="America/New_York")
    session.commit()
    session.refresh(leader)
    assert repo.leader_rules(session, leader).leader.timezone == "America/New_York"
    assert repo.leader_rules(session, leader).leader.language == "nl"


def test_the_schedule_query_gives_each_leader_their_effective_rules(
    session: Session, leader: Leader
) -> None:
    from assistant.store.repositories.rules import leaders_with_rules

    other = repo.upsert_leader(session, "jan@example.org", timezone="Asia/Tokyo")
    monday = load_rules(None, {"delivery": {"weekday": "monday", "time": "07:00"}})
    repo.store_rules(session, leader, DEFAULT_RULES, "ea@example.org")
    repo.store_rules(session, leader, monday, "ea@example.org")
    session.commit()

    rows = leaders_with_rules(session, paused=False, now=COMPUTED)
    found = {row.email: row.rules for row in rows}

    assert found[SANNE] == repo.leader_rules(session, leader)
    assert found[SANNE].delivery.weekday == "monday"
    assert found["jan@example.org"] == repo.leader_rules(session, other)
    assert found["jan@example.org"].leader.timezone == "Asia/Tokyo"


def test_leaders_with_the_same_rules_share_one_copy_each_with_their_own_identity(
    session: Session, leader: Leader
) -> None:
    """A worker serving thousands of leaders keeps each distinct rule set once (its memory does
    not grow with the leaders it served), and every leader still gets their own identity."""
    from pydantic import ValidationError

    from rules import rules_from_json

    other = repo.upsert_leader(session, "jan@example.org")
    delivery = {"weekday": "monday", "time": "07:00"}
    monday = load_rules(None, {"delivery": delivery})
    jans = load_rules(
        None, {"delivery": delivery, "leader": {"timezone": "Asia/Tokyo", "name": "Jan"}}
    )
    repo.store_rules(session, leader, monday, "ea@example.org")
    repo.store_rules(session, other, jans, "ea@example.org")
    session.commit()
    stored = [repo.latest_rules(session, who) for who in (leader, other)]
    assert stored[0] is not None
    assert stored[1] is not None
    assert stored[0].rules_json == stored[1].rules_json  # the identity is not in the text

    sanne, jan = repo.leader_rules(session, leader), repo.leader_rules(session, other)

    assert (sanne.leader.email, sanne.leader.timezone) == (SANNE, leader.timezone)
    assert (jan.leader.email, jan.leader.timezone, jan.leader.name) == (
        "jan@example.org", "Asia/Tokyo", "Jan",
    )  # fmt: skip
    assert sanne.delivery == jan.delivery == monday.delivery
    assert jan.working_hours is sanne.working_hours
    assert jan.trends is sanne.trends

    # A wrong identity is refused as validating the whole rules refuses it, located the same.
    with pytest.raises(ValidationError) as refused:
        rules_from_json(rules_json(monday), email=SANNE, timezone="Mars/Olympus")
    assert [error["loc"] for error in refused.value.errors()] == [("leader", "timezone")]
    assert "Mars/Olympus" in str(refused.value)


def test_rules_for_an_unknown_leader_are_refused(session: Session) -> None:
    with pytest.raises(repo.UnknownLeaderError, match="no leader 999"):
        repo.store_rules(session, 999, DEFAULT_RULES, "ea@example.org")
    assert session.scalar(select(func.count()).select_from(RuleSet)) == 0


def test_deleting_a_leader_deletes_their_data(session: Session, leader: Leader) -> None:
    repo.record_week(session, leader, week_of("2026-W13", meeting_hours=30), 1, COMPUTED)
    repo.store_rules(session, leader, DEFAULT_RULES, "ea@example.org")
    repo.upsert_connection(session, leader, "ics", "feed")
    session.commit()

    session.delete(leader)
    session.commit()

    for table in ("weekly_metrics", "rule_sets", "connections"):
        count = session.scalar(select(func.count()).select_from(Base.metadata.tables[table]))
        assert count == 0, table


def test_a_self_rating_outside_1_to_10_is_refused(session: Session, leader: Leader) -> None:
    session.add(
        SelfRating(leader_id=leader.id, iso_week="2026-W13", score=11, recorded_at=COMPUTED)
    )
    with pytest.raises(IntegrityError):
        session.flush()


# Reviews -----------------------------------------------------------------------------------------


def test_a_review_is_recorded_once_per_leader_and_week(session: Session, leader: Leader) -> None:
    week = IsoWeek.parse("2026-W13")
    first = repo.record_review_sent(session, leader, week, sent_at=COMPUTED, message_id="<a@x>")
    again = repo.record_review_sent(
        session, leader, week, sent_at=COMPUTED + timedelta(hours=1), message_id="<b@x>"
    )
    next_week = repo.record_review_sent(session, leader, week.shifted(1), sent_at=COMPUTED)
    session.commit()

    assert (first, again, next_week) == (True, False, True)
    stored = repo.review_delivery(session, leader, week)
    assert stored is not None
    assert (stored.message_id, stored.sent_at) == ("<a@x>", COMPUTED)
    assert session.scalar(select(func.count()).select_from(ReviewDelivery)) == 2


def test_a_failed_delivery_can_be_replaced_by_a_sent_one(session: Session, leader: Leader) -> None:
    week = IsoWeek.parse("2026-W13")
    failed = repo.record_review_sent(
        session, leader, week, sent_at=COMPUTED, delivery_status="failed"
    )
    later = COMPUTED + timedelta(minutes=10)
    sent = repo.record_review_sent(session, leader, week, sent_at=later, message_id="<c@x>")
    session.commit()

    assert (failed, sent) == (True, True)
    stored = session.scalars(select(ReviewDelivery).execution_options(populate_existing=True)).one()
    assert (stored.delivery_status, stored.message_id, stored.sent_at) == ("sent", "<c@x>", later)


# Export ------------------------------------------------------------------------------------------


def test_metrics_frame_has_one_row_per_week_and_utc_times(session: Session, leader: Leader) -> None:
    other = repo.upsert_leader(session, "jan@example.org")
    repo.record_week(session, leader, full_week("2026-W13", 1.0), 4, COMPUTED)
    repo.record_week(session, leader, week_of("2026-W12", meeting_hours=20), None, COMPUTED)
    repo.record_week(session, other, week_of("2026-W13", meeting_hours=9), 1, COMPUTED)
    session.commit()

    everyone = repo.metrics_frame(session)
    only_sanne = repo.metrics_frame(session, leaders=[SANNE])

    assert list(everyone[["leader", "iso_week"]].itertuples(index=False, name=None)) == [
        ("jan@example.org", "2026-W13"),
        (SANNE, "2026-W12"),
        (SANNE, "2026-W13"),
    ]
    assert list(everyone.columns) == [
        "leader",
        "iso_week",
        "year",
        "week",
        *METRIC_IDS,
        "rules_version",
        "computed_at",
    ]
    assert list(only_sanne["iso_week"]) == ["2026-W12", "2026-W13"]
    assert only_sanne["rules_version"].isna().tolist() == [True, False]
    assert only_sanne["computed_at"].iloc[0] == pd.Timestamp(COMPUTED).tz_convert("UTC")


def test_an_empty_store_gives_an_empty_frame_with_every_column(session: Session) -> None:
    frame = repo.metrics_frame(session)
    assert frame.empty
    assert "days_since_mini_retreat" in frame.columns


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_an_export_reads_back_equal(
    session: Session, leader: Leader, tmp_path: Path, file_format: str
) -> None:
    other = repo.upsert_leader(session, "jan@example.org")
    repo.record_week(session, leader, full_week("2026-W13", 0.25), 4, COMPUTED)
    repo.record_week(session, leader, week_of("2026-W14", meeting_hours=20.5), None, COMPUTED)
    repo.record_week(session, other, week_of("2026-W13", meeting_share=0.72), 2, COMPUTED)
    session.commit()
    path = tmp_path / f"metrics.{file_format}"

    written = repo.export_metrics(session, path)

    expected = repo.metrics_frame(session)
    if file_format == "csv":
        back = pd.read_csv(path, dtype={"rules_version": "Int64"}, parse_dates=["computed_at"])
        back["computed_at"] = back["computed_at"].astype("datetime64[us, UTC]")
    else:
        back = pd.read_parquet(path)
    assert written == 3
    pd.testing.assert_frame_equal(back, expected, check_dtype=file_format == "parquet")
    assert back["computed_at"].dt.tz is not None


def test_an_export_needs_a_known_format(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use a \.csv or \.parquet file name"):
        repo.export_metrics(session, tmp_path / "metrics.xlsx")


# The schema --------------------------------------------------------------------------------------


def test_the_metric_columns_are_the_catalogue_ids() -> None:
    columns = {c.name for c in WeeklyMetricsRow.__table__.columns}
    bookkeeping = {"id", "leader_id", "iso_week", "year", "week", "rules_version", "computed_at"}
    assert columns - bookkeeping == set(METRIC_IDS)


def test_no_table_can_hold_a_title_description_location_or_attendee(session: Session) -> None:
    forbidden = ("title", "summary", "description", "location", "attendee", "subject_line", "body")
    inspector = inspect(session.connection())
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            name = column["name"].lower()
            assert not any(word in name for word in forbidden), f"{table}.{name}"


def test_the_pure_core_loads_no_database_code() -> None:
    imports = "; ".join(f"import {name}" for name in PURE_CORE)
    check = f"{imports}; import sys; print(sorted(m for m in sys.modules if 'sqlalchemy' in m))"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", "the pure core imported SQLAlchemy"
