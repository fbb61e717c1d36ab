"""The leader's weekly history in the database, through the command line.

`history` backfills, `review` reads its baseline from the store and records nothing, `export`
hands analysts the numbers, `db` migrates, `secrets rotate` re-encrypts tokens, and a database
that cannot be used is one clear line, never a traceback. Every test runs on its own database:
a SQLite file (the autouse fixture of tests/conftest.py) or a PostgreSQL database made for it on
the server of tests/store/conftest.py and dropped afterwards.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd
import psycopg
import pytest
import recurring_ical_events
from cryptography.fernet import Fernet
from psycopg import sql
from sqlalchemy import Engine, func, inspect, select

from assistant.cli.main import main
from assistant.core.catalogue import BY_ID, METRIC_IDS
from assistant.core.review import IsoWeek
from assistant.render.json_out import round_value
from assistant.store import migrations
from assistant.store.crypto import SecretBox
from assistant.store.database import make_engine, session_scope
from assistant.store.models import Connection, RuleSet, WeeklyMetricsRow
from assistant.store.repositories import (
    find_leader,
    load_connection_token,
    save_connection_token,
    upsert_connection,
    upsert_leader,
    weekly_history,
)
from tests.conftest import SAMPLE, SAMPLE_LEADER

TODAY = "2026-11-30"  # a Monday: the review is of 2026-W48
REVIEWED = "2026-W48"
SAMPLE_WEEKS = [f"2026-W{number}" for number in range(35, 49)]  # the weeks the sample covers
OTHER_LEADER = "other.leader@example.org"
REVIEW_ARGS = ["--today", TODAY, "--me", SAMPLE_LEADER, "--format", "json"]
HISTORY_ARGS = ["--weeks", "26", "--leader", SAMPLE_LEADER, "--today", TODAY]
STORED_SUMMARY = f"Stored 14 weeks for {SAMPLE_LEADER}: 2026-W35 to 2026-W48.\n"
EXPORT_COLUMNS = ["leader", "iso_week", "year", "week", *METRIC_IDS, "rules_version", "computed_at"]
POSTGRES_ADMIN_URL = os.environ.get(
    "AGENDA_REGIE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
COMMAND = Path(sys.executable).with_name("agenda-regie")
UPGRADE_HINT = "`agenda-regie db upgrade`"
TOKEN = b"https://calendar.example.org/private-feed/7f3a9c"


# Helpers ---------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def review(capsys: pytest.CaptureFixture[str], source: Path, *extra: str) -> dict[str, Any]:
    code, out, err = run(capsys, "review", str(source), *REVIEW_ARGS, *extra)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def fired(review_json: dict[str, Any]) -> list[str]:
    return [signal["id"] for signal in review_json["trends"]["signals"] if signal["fired"]]


def assert_one_clear_line(code: int, out: str, err: str, *expected: str) -> None:
    """What a user's mistake looks like: exit 2, one line on stderr, nothing on stdout."""
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert "internal error" not in err
    assert err.startswith("agenda-regie: ")
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    for text in expected:
        assert text in err


def database_url() -> str:
    return os.environ["DATABASE_URL"]


@contextmanager
def engine_on(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def stored_weeks(url: str, leader: str = SAMPLE_LEADER) -> dict[str, dict[str, float | None]]:
    """The leader's stored weeks as the repository gives them back: week -> metric values."""
    with engine_on(url) as engine, session_scope(engine) as session:
        found = find_leader(session, leader)
        assert found is not None, f"{leader} is not in the database"
        rows = weekly_history(session, found, until=IsoWeek.parse(REVIEWED), weeks=52)
        return {str(row.week): dict(row.values) for row in rows}


def count_rows(url: str, week: str | None = None) -> int:
    with engine_on(url) as engine, session_scope(engine) as session:
        statement = select(func.count()).select_from(WeeklyMetricsRow)
        if week is not None:
            statement = statement.where(WeeklyMetricsRow.iso_week == week)
        return session.scalar(statement) or 0


def sample_titles() -> set[str]:
    calendar = icalendar.Calendar.from_ical(SAMPLE.read_bytes())
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT") if "SUMMARY" in event}


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sqlite_path(url: str) -> Path:
    assert url.startswith("sqlite:///")
    return Path(url.removeprefix("sqlite:///"))


# Fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def last_two_weeks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, reduced to what happens from Monday 2026-11-16 (W47) to the end of W49.

    Every occurrence in that span becomes an event of its own (series expanded, with its own
    UID), so the calendar holds nothing of W35..W46: a review of W48 can find the weeks before
    W47 only in the store.
    """
    zone = ZoneInfo("Europe/Amsterdam")
    sample = icalendar.Calendar.from_ical(SAMPLE.read_bytes())
    short = icalendar.Calendar()
    for name, value in sample.items():
        short[name] = value
    for timezone in sample.walk("VTIMEZONE"):
        short.add_component(timezone)
    occurrences = recurring_ical_events.of(sample).between(
        datetime.combine(date(2026, 11, 16), time(), zone),
        datetime.combine(date(2026, 12, 7), time(), zone),
    )
    for number, event in enumerate(occurrences):
        for name in ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"):
            event.pop(name, None)
        event["UID"] = f"{number:04d}-{event['UID']}"
        short.add_component(event)
    path = tmp_path_factory.mktemp("calendars") / "last-two-weeks.ics"
    path.write_bytes(short.to_ical())
    starts = [event.decoded("DTSTART") for event in short.walk("VEVENT")]
    assert len(starts) > 50
    assert min(starts).date() >= date(2026, 11, 16)
    return path


@pytest.fixture(scope="module")
def full_review(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The review of W48 from the whole sample, history measured from the calendar itself."""
    target = tmp_path_factory.mktemp("full") / "review.json"
    code = main(["review", str(SAMPLE), *REVIEW_ARGS, "--no-store", "--output", str(target)])
    assert code == 0
    result: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    assert result["week"] == REVIEWED
    assert result["trends"]["enough_history"] is True
    assert fired(result), "the sample is made to show signals of narrowing in W48"
    return result


@pytest.fixture(scope="module")
def backfilled_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file after `history` of the whole sample (made once, copied per test)."""
    path = tmp_path_factory.mktemp("backfilled") / "agenda-regie.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", f"sqlite:///{path}")
        patch.delenv("AGENDA_REGIE_SECRET_KEYS", raising=False)
        assert main(["history", str(SAMPLE), *HISTORY_ARGS]) == 0
    return path


@pytest.fixture
def backfilled(backfilled_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL pointing at this test's own copy of the backfilled database."""
    copy = tmp_path / "db" / "agenda-regie.db"
    copy.parent.mkdir()
    shutil.copyfile(backfilled_file, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture(scope="module")
def postgres_admin() -> str:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}); start it with "
            ".ci/run or set AGENDA_REGIE_TEST_POSTGRES",
            pytrace=False,
        )
    return POSTGRES_ADMIN_URL


_numbers = itertools.count(1)
_prefix = f"agenda_histcli_{secrets.token_hex(4)}"


@pytest.fixture
def fresh_postgres(postgres_admin: str) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own, dropped when the test ends."""
    name = f"{_prefix}_{next(_numbers)}"
    with psycopg.connect(postgres_admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield postgres_admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(postgres_admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# 1. history: backfill ---------------------------------------------------------------------------


def test_history_stores_the_weeks_the_calendar_covers_and_says_which(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "history", str(SAMPLE), *HISTORY_ARGS)
    assert code == 0, err
    assert out == STORED_SUMMARY  # one line; no progress bar left behind on a pipe
    assert err == ""
    stored = stored_weeks(database_url())
    # 26 weeks asked, 14 covered: the weeks before the first event are unknown, not empty.
    assert list(stored) == SAMPLE_WEEKS
    assert count_rows(database_url()) == 14
    for week in stored.values():
        assert set(week) == set(METRIC_IDS)
        assert week["meeting_share"] is not None

    # The stored numbers are the ones a review of that week shows.
    for week in ("2026-W40", REVIEWED):
        direct = review(capsys, SAMPLE, "--week", week, "--no-store")
        assert direct["week"] == week
        for metric in ("meeting_share", "reflection_minutes", "focus_hours", "meeting_hours"):
            shown = round_value(stored[week][metric], BY_ID[metric].unit)
            assert shown == direct["indicators"][metric], (week, metric)


def test_history_of_fewer_weeks_and_of_weeks_before_the_calendar(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "history", str(SAMPLE), "--weeks", "3", "--leader", SAMPLE_LEADER, "--today", TODAY
    )
    assert code == 0, err
    assert out == f"Stored 3 weeks for {SAMPLE_LEADER}: 2026-W46 to 2026-W48.\n"
    assert list(stored_weeks(database_url())) == ["2026-W46", "2026-W47", REVIEWED]

    # In June the calendar has not started yet: nothing is stored, and the user is told so.
    code, out, err = run(
        capsys, "history", str(SAMPLE), "--leader", OTHER_LEADER, "--today", "2026-06-01"
    )
    assert code == 0, err
    assert out == "The calendar has no events in the 26 weeks up to 2026-W22; nothing stored.\n"
    assert count_rows(database_url()) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--today", TODAY], "history: say whose history it is with --leader EMAIL"),
        (["--leader", SAMPLE_LEADER, "--weeks", "0"], "history: --weeks must be at least 1"),
    ],
)
def test_history_without_a_leader_or_weeks_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "history", str(SAMPLE), *args)
    assert_one_clear_line(code, out, err, message)
    assert not sqlite_path(database_url()).exists()


@pytest.mark.parametrize(
    "args",
    [
        ["review", str(SAMPLE), "--today", TODAY, "--me", "Sanne de Vries"],
        ["history", str(SAMPLE), "--today", TODAY, "--leader", "sanne"],
        ["export", "--format", "csv", "--output", "out.csv", "--leader", "sanne"],
    ],
)
def test_an_address_that_is_not_one_is_refused_before_the_store_is_touched(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(args)
    out, err = capsys.readouterr()
    assert stopped.value.code == 2
    assert "is not one plain email address" in err
    assert "Traceback" not in err
    assert out == ""
    assert not sqlite_path(database_url()).exists()


# 2. review reads its history from the store -----------------------------------------------------


def test_review_finds_the_weeks_before_the_calendar_in_the_store(
    capsys: pytest.CaptureFixture[str],
    backfilled: str,
    last_two_weeks: Path,
    full_review: dict[str, Any],
) -> None:
    database = sqlite_path(backfilled)
    before = file_digest(database)

    alone = review(capsys, last_two_weeks, "--no-store")
    assert alone["week"] == REVIEWED
    assert alone["trends"]["enough_history"] is False
    assert alone["trends"]["weeks_available"] == 2  # W47 and W48 are all the calendar has
    assert "not enough history" in alone["trends"]["message"]
    assert fired(alone) == []
    assert file_digest(database) == before, "--no-store must record nothing"

    stored = review(capsys, last_two_weeks)
    assert stored["trends"]["enough_history"] is True
    assert stored["trends"]["weeks_available"] == full_review["trends"]["weeks_available"]
    assert fired(stored) == fired(full_review)
    assert stored["trends"]["signals"] == full_review["trends"]["signals"]
    assert stored["trends"]["sparklines"] == full_review["trends"]["sparklines"]
    assert list(stored_weeks(backfilled)) == SAMPLE_WEEKS


def test_a_plain_review_without_a_database_computes_from_the_calendar_and_leaves_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    full_review: dict[str, Any],
) -> None:
    home, data, work = tmp_path / "home", tmp_path / "data", tmp_path / "work"
    for folder in (home, data, work):
        folder.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.chdir(work)

    plain = review(capsys, SAMPLE)

    assert plain["trends"]["enough_history"] is True  # 14 weeks in the calendar itself
    assert fired(plain) == fired(full_review)
    assert plain["trends"]["signals"] == full_review["trends"]["signals"]
    left = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*"))
    assert left == ["data", "home", "work"], "a first review must leave no database behind"


def test_history_makes_the_default_database_and_a_plain_review_then_uses_it(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    last_two_weeks: Path,
    full_review: dict[str, Any],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.chdir(tmp_path)

    code, out, err = run(capsys, "history", str(SAMPLE), *HISTORY_ARGS)
    assert code == 0, err
    assert out == STORED_SUMMARY
    default = tmp_path / "data" / "agenda-regie" / "agenda-regie.db"
    assert default.is_file()

    again = review(capsys, last_two_weeks)
    assert again["trends"]["enough_history"] is True
    assert fired(again) == fired(full_review)


# 3. recording is idempotent ----------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_review_records_nothing_and_history_again_keeps_one_row_per_week(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    backend: str,
) -> None:
    if backend == "postgresql":
        url = request.getfixturevalue("fresh_postgres")
        monkeypatch.setenv("DATABASE_URL", url)
        assert run(capsys, "db", "upgrade")[0] == 0
    else:
        url = database_url()  # the autouse fixture's file, not made yet

    assert run(capsys, "history", str(SAMPLE), *HISTORY_ARGS)[1] == STORED_SUMMARY
    assert count_rows(url) == 14
    first = review(capsys, SAMPLE)
    dutch = review(capsys, SAMPLE, "--lang", "nl")
    assert dutch["language"] == "nl"
    assert first["indicators"] == dutch["indicators"]
    assert run(capsys, "history", str(SAMPLE), *HISTORY_ARGS)[1] == STORED_SUMMARY
    assert count_rows(url, REVIEWED) == 1
    assert count_rows(url) == 14
    with engine_on(url) as engine, session_scope(engine) as session:
        # history measures under the leader's stored rules (none: the defaults) and stores none
        assert session.scalar(select(func.count()).select_from(RuleSet)) == 0
        row = session.scalars(
            select(WeeklyMetricsRow).where(WeeklyMetricsRow.iso_week == REVIEWED)
        ).one()
        assert row.rules_version is None


# 4. export ---------------------------------------------------------------------------------------


def _read_export(path: Path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_has_one_row_per_stored_week_every_metric_and_no_titles(
    capsys: pytest.CaptureFixture[str], backfilled: str, tmp_path: Path, fmt: str
) -> None:
    code, out, err = run(
        capsys, "history", str(SAMPLE), "--weeks", "3", "--leader", OTHER_LEADER, "--today", TODAY
    )
    assert code == 0, err

    everything = tmp_path / f"all.{fmt}"
    code, out, err = run(capsys, "export", "--format", fmt, "--output", str(everything))
    assert code == 0, err
    assert out == f"Wrote 17 weekly rows to {everything}.\n"
    frame = _read_export(everything, fmt)
    assert list(frame.columns) == EXPORT_COLUMNS  # nothing that could hold a title
    assert len(frame) == 17
    assert frame.groupby("leader").size().to_dict() == {OTHER_LEADER: 3, SAMPLE_LEADER: 14}
    assert not frame.duplicated(["leader", "iso_week"]).any()
    text_values = {str(value) for column in ("leader", "iso_week") for value in frame[column]}
    assert not text_values & sample_titles()
    if fmt == "csv":
        written = everything.read_text(encoding="utf-8")
        leaked = [title for title in sample_titles() if title in written]
        assert leaked == []

    one = tmp_path / f"one.{fmt}"
    code, out, err = run(
        capsys,
        "export",
        "--format",
        fmt,
        "--output",
        str(one),
        "--leader",
        SAMPLE_LEADER.upper(),  # addresses are compared without case
    )
    assert code == 0, err
    assert out == f"Wrote 14 weekly rows to {one}.\n"
    only = _read_export(one, fmt)
    assert list(only.columns) == EXPORT_COLUMNS
    assert set(only["leader"]) == {SAMPLE_LEADER}
    assert list(only["iso_week"]) == SAMPLE_WEEKS
    stored = stored_weeks(backfilled)
    for metric in METRIC_IDS:
        exported = only.set_index("iso_week")[metric]
        for week in (SAMPLE_WEEKS[0], REVIEWED):
            value = stored[week][metric]
            if value is None:
                assert pd.isna(exported[week]), (week, metric)
            else:
                assert exported[week] == pytest.approx(value), (week, metric)


def test_export_to_a_missing_folder_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], backfilled: str, tmp_path: Path
) -> None:
    target = tmp_path / "no-such-folder" / "metrics.csv"
    code, out, err = run(capsys, "export", "--format", "csv", "--output", str(target))
    assert_one_clear_line(code, out, err, str(target), "no folder")
    code, out, err = run(capsys, "export", "--format", "csv", "--output", str(tmp_path))
    assert_one_clear_line(code, out, err, "is a folder")


# 5. migrations -----------------------------------------------------------------------------------


def test_db_current_upgrade_current_on_a_new_sqlite_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    head = migrations.head_revision()
    assert run(capsys, "db", "current") == (0, "empty: run agenda-regie db upgrade\n", "")
    assert run(capsys, "db", "upgrade") == (0, f"The database is at revision {head}.\n", "")
    assert run(capsys, "db", "current") == (0, f"{head}\n", "")
    # Safe to run again.
    assert run(capsys, "db", "upgrade") == (0, f"The database is at revision {head}.\n", "")


def test_postgresql_needs_db_upgrade_and_then_keeps_the_history(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fresh_postgres: str,
    last_two_weeks: Path,
    full_review: dict[str, Any],
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_postgres)
    head = migrations.head_revision()

    # A shared database is the operator's: nothing migrates it behind their back.
    done = subprocess.run(
        [str(COMMAND), "review", str(SAMPLE), *REVIEW_ARGS],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_one_clear_line(done.returncode, done.stdout, done.stderr, UPGRADE_HINT)
    code, out, err = run(capsys, "history", str(SAMPLE), *HISTORY_ARGS)
    assert_one_clear_line(code, out, err, UPGRADE_HINT)
    with engine_on(fresh_postgres) as engine:
        assert inspect(engine).get_table_names() == []
    assert run(capsys, "db", "current") == (0, "empty: run agenda-regie db upgrade\n", "")

    assert run(capsys, "db", "upgrade") == (0, f"The database is at revision {head}.\n", "")
    assert run(capsys, "db", "current") == (0, f"{head}\n", "")

    code, out, err = run(capsys, "history", str(SAMPLE), *HISTORY_ARGS)
    assert (code, out) == (0, STORED_SUMMARY), err
    assert list(stored_weeks(fresh_postgres)) == SAMPLE_WEEKS

    short = review(capsys, last_two_weeks)
    assert short["trends"]["enough_history"] is True
    assert short["trends"]["signals"] == full_review["trends"]["signals"]
    assert count_rows(fresh_postgres) == 14
    assert count_rows(fresh_postgres, REVIEWED) == 1


# 6. secret keys ----------------------------------------------------------------------------------


def _store_token(url: str, key: str) -> None:
    with engine_on(url) as engine, session_scope(engine) as session:
        leader = upsert_leader(session, SAMPLE_LEADER, now=datetime.now(UTC))
        connection = upsert_connection(session, leader, "ics", "private-feed")
        save_connection_token(session, connection, TOKEN, SecretBox([key]))


def _read_token(url: str, key: str) -> bytes | None:
    with engine_on(url) as engine, session_scope(engine) as session:
        connection = session.scalars(select(Connection)).one()
        return load_connection_token(connection, SecretBox([key]))


def test_secrets_rotate_moves_every_token_to_the_new_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = database_url()
    old, new, wrong = (Fernet.generate_key().decode() for _ in range(3))
    assert run(capsys, "db", "upgrade")[0] == 0
    _store_token(url, old)
    with engine_on(url) as engine, session_scope(engine) as session:
        ciphertext = session.scalars(select(Connection.token_ciphertext)).one()
        assert ciphertext is not None
        assert TOKEN not in ciphertext

    monkeypatch.setenv("AGENDA_REGIE_SECRET_KEYS", f"{new},{old}")
    assert run(capsys, "secrets", "rotate") == (
        0,
        "Re-encrypted 1 connection token with the first key.\n",
        "",
    )

    monkeypatch.setenv("AGENDA_REGIE_SECRET_KEYS", new)
    assert _read_token(url, new) == TOKEN
    assert not SecretBox([old]).can_decrypt(_ciphertext(url)), "the old key must be retired"
    assert review(capsys, SAMPLE)["week"] == REVIEWED  # the store opens with the new key alone

    # A wrong key: the review with a store stops with the sentence of assistant.store.crypto.
    monkeypatch.setenv("AGENDA_REGIE_SECRET_KEYS", wrong)
    code, out, err = run(capsys, "review", str(SAMPLE), *REVIEW_ARGS)
    assert_one_clear_line(
        code,
        out,
        err,
        "none of the keys in AGENDA_REGIE_SECRET_KEYS can decrypt the stored connection "
        "tokens; was a key removed?",
    )
    assert wrong not in err
    # Rotating with it changes nothing.
    code, out, err = run(capsys, "secrets", "rotate")
    assert_one_clear_line(code, out, err, "nothing was rotated")
    assert _read_token(url, new) == TOKEN
    # Without the store the review does not need the keys.
    assert review(capsys, SAMPLE, "--no-store")["week"] == REVIEWED

    monkeypatch.delenv("AGENDA_REGIE_SECRET_KEYS")
    code, out, err = run(capsys, "review", str(SAMPLE), *REVIEW_ARGS)
    assert_one_clear_line(
        code,
        out,
        err,
        "AGENDA_REGIE_SECRET_KEYS is not set, but the database holds 1 encrypted connection token",
    )


def _ciphertext(url: str) -> bytes:
    with engine_on(url) as engine, session_scope(engine) as session:
        ciphertext = session.scalars(select(Connection.token_ciphertext)).one()
    assert ciphertext is not None
    return ciphertext


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            "hunter2-is-not-a-fernet-key",
            "AGENDA_REGIE_SECRET_KEYS: key 1 of 1 is not a Fernet key",
        ),
        (
            f"{Fernet.generate_key().decode()},hunter2-is-not-a-fernet-key",
            "AGENDA_REGIE_SECRET_KEYS: key 2 of 2 is not a Fernet key",
        ),
    ],
)
@pytest.mark.parametrize("command", ["review", "rotate"])
def test_a_key_that_is_not_a_fernet_key_is_a_settings_error(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    keys: str,
    message: str,
    command: str,
) -> None:
    monkeypatch.setenv("AGENDA_REGIE_SECRET_KEYS", keys)
    args = ["secrets", "rotate"] if command == "rotate" else ["review", str(SAMPLE), *REVIEW_ARGS]
    code, out, err = run(capsys, *args)
    assert_one_clear_line(code, out, err, message)
    assert "hunter2" not in err
    assert not sqlite_path(database_url()).exists()


# 7. a database that cannot be used ---------------------------------------------------------------

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nothing"
UNREACHABLE_WITH_PASSWORD = "postgresql://agenda:s3cr3t-Pa55@127.0.0.1:1/nothing"


def test_an_unreachable_database_is_one_line_without_traceback_or_password(
    tmp_path: Path,
) -> None:
    for url in (UNREACHABLE, UNREACHABLE_WITH_PASSWORD):
        done = subprocess.run(
            [str(COMMAND), "review", str(SAMPLE), *REVIEW_ARGS],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "DATABASE_URL": url},
            cwd=tmp_path,
        )
        assert_one_clear_line(
            done.returncode, done.stdout, done.stderr, "cannot reach the database", "port 1"
        )
        assert "s3cr3t-Pa55" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["history", str(SAMPLE), *HISTORY_ARGS],
        ["export", "--format", "csv", "--output", "metrics.csv"],
        ["db", "current"],
        ["db", "upgrade"],
        ["secrets", "rotate"],
    ],
    ids=["history", "export", "db-current", "db-upgrade", "secrets-rotate"],
)
def test_every_database_command_says_the_database_cannot_be_reached(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE_WITH_PASSWORD)
    code, out, err = run(capsys, *args)
    assert_one_clear_line(code, out, err, "cannot reach the database")
    assert "s3cr3t-Pa55" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://agenda:s3cr3t-Pa55@db.example.org/agenda", "DATABASE_URL uses 'mysql'"),
        ("postgresql://agenda:s3cr3t-Pa55@127.0.0.1:5432", "DATABASE_URL names no database"),
        ("not a url", "DATABASE_URL is not a database URL"),
    ],
)
def test_a_database_url_that_cannot_be_used_is_named_without_its_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    code, out, err = run(capsys, "review", str(SAMPLE), *REVIEW_ARGS)
    assert_one_clear_line(code, out, err, message)
    assert "s3cr3t-Pa55" not in err


def test_a_file_that_is_not_a_database_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    impostor = tmp_path / "agenda-regie.db"
    impostor.write_text("these are my notes, not a database\n" * 200, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{impostor}")
    for args in (["review", str(SAMPLE), *REVIEW_ARGS], ["db", "current"]):
        code, out, err = run(capsys, *args)
        assert_one_clear_line(code, out, err, "file is not a database")
    assert impostor.read_text(encoding="utf-8").startswith("these are my notes")


def test_the_csv_export_is_plain_csv_with_a_header(
    capsys: pytest.CaptureFixture[str], backfilled: str, tmp_path: Path
) -> None:
    target = tmp_path / "metrics.csv"
    assert run(capsys, "export", "--format", "csv", "--output", str(target))[0] == 0
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["iso_week"] for row in rows] == SAMPLE_WEEKS
    assert all(row["leader"] == SAMPLE_LEADER for row in rows)
    assert all(row["computed_at"].endswith("+00:00") for row in rows)
