"""Migrations on SQLite and PostgreSQL, and the database settings that lead to them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from assistant.settings import Settings, SettingsError, default_database_url
from assistant.store import DatabaseUnavailableError, MigrationNeededError, migrations
from assistant.store.database import make_engine, session_scope
from assistant.store.models import Base
from assistant.store.repositories.leaders import find_leader
from assistant.store.repositories.rules import latest_rules, leader_rules
from rules import load_rules

JOINED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
EXPECTED_TABLES = {
    "leaders",
    "assistants",
    "assistant_leaders",
    "connections",
    "rule_sets",
    "shared_rule_sets",
    "weekly_metrics",
    "proposals",
    "outbox",
    "reviews",
    "self_ratings",
    "audit_log",
    "event_cache",
    "review_claims",
    "console_users",
    "console_assignments",
    "console_sessions",
    "console_sign_in_failures",
    "console_pending_sign_ins",
    "leader_sharing",
    "coach_grants",
    "coach_views",
    "coach_notes",
}


def tables_in(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_empty_to_head_down_to_base_and_up_again(empty_database_url: str) -> None:
    url = empty_database_url
    assert migrations.current(url) is None
    assert tables_in(url) == set()

    migrations.upgrade(url)
    assert migrations.current(url) == migrations.head_revision() == "0011"
    assert tables_in(url) == EXPECTED_TABLES == set(Base.metadata.tables)

    migrations.downgrade(url)
    assert migrations.current(url) is None
    assert tables_in(url) == set()

    migrations.upgrade(url)
    assert tables_in(url) == EXPECTED_TABLES


def test_upgrading_twice_changes_nothing(empty_database_url: str) -> None:
    migrations.upgrade(empty_database_url)
    migrations.upgrade(empty_database_url)
    assert migrations.current(empty_database_url) == "0011"


def test_caldav_connections_are_stored_from_0008_and_go_when_it_is_undone(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    migrations.upgrade(url, "0007")
    insert = text(
        "INSERT INTO connections (leader_id, provider, account, status) "
        "VALUES (:leader, :provider, 'leader', 'ok')"
    )
    leader = text(
        "INSERT INTO leaders (email, timezone, language, created_at) "
        "VALUES ('leader@example.org', 'Europe/Amsterdam', 'nl', :now)"
    )
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(leader, {"now": JOINED})
        with pytest.raises(Exception, match=r"(?i)check"), engine.begin() as connection:
            connection.execute(insert, {"leader": 1, "provider": "caldav"})
        migrations.upgrade(url)
        with engine.begin() as connection:
            connection.execute(insert, {"leader": 1, "provider": "caldav"})
            connection.execute(insert, {"leader": 1, "provider": "google"})
        migrations.downgrade(url, "0007")
        with engine.connect() as connection:
            providers = connection.execute(text("SELECT provider FROM connections")).scalars()
            assert list(providers) == ["google"]
    finally:
        engine.dispose()


def test_the_models_match_the_migrated_schema(empty_database_url: str) -> None:
    migrations.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "the models changed: write a new revision in migrations/versions"


def test_rules_stored_before_0004_read_back_the_same_and_the_zone_moves_home(
    empty_database_url: str,
) -> None:
    # Until 0003 a version was `json.dumps(rules.model_dump(mode="json"), sort_keys=True)` in
    # `rule_sets.yaml_text`, with the zone inside; the reviews and the schedule used that zone,
    # the calendar sync and the confirm page the `leaders` row's.
    url = empty_database_url
    migrations.upgrade(url, "0003")
    tokyo = load_rules(
        None,
        {
            "leader": {"language": "nl", "timezone": "Asia/Tokyo", "email": "file@example.org"},
            "delivery": {"weekday": "monday", "time": "06:30"},
        },
    )
    old_text = json.dumps(tokyo.model_dump(mode="json"), sort_keys=True)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for number, (address, zone) in enumerate(
                [("sanne@example.org", "Europe/Amsterdam"), ("jan@example.org", "Europe/London")],
                start=1,
            ):
                connection.execute(
                    text(
                        "INSERT INTO leaders (id, email, timezone, language, created_at)"
                        " VALUES (:id, :email, :zone, 'en', :at)"
                    ),
                    {"id": number, "email": address, "zone": zone, "at": JOINED},
                )
            connection.execute(
                text(
                    "INSERT INTO rule_sets (leader_id, version, yaml_text, created_at, created_by)"
                    " VALUES (1, 1, :text, :at, 'agenda-regie')"
                ),
                {"text": old_text, "at": JOINED},
            )

        migrations.upgrade(url)

        with session_scope(engine) as session:
            sanne = find_leader(session, "sanne@example.org")
            jan = find_leader(session, "jan@example.org")
            assert sanne is not None
            assert jan is not None
            assert (sanne.timezone, jan.timezone) == ("Asia/Tokyo", "Europe/London")
            assert leader_rules(session, sanne) == tokyo.model_copy(
                update={"leader": tokyo.leader.model_copy(update={"email": "sanne@example.org"})}
            )
            stored = latest_rules(session, sanne)
            assert stored is not None
            assert "Asia/Tokyo" not in stored.rules_json
            assert leader_rules(session, jan) == load_rules(
                None, {"leader": {"email": "jan@example.org", "timezone": "Europe/London"}}
            )

        migrations.downgrade(url, "0003")
        with engine.connect() as connection:
            back = connection.execute(text("SELECT yaml_text FROM rule_sets")).scalar_one()
        assert json.loads(back) == {
            **json.loads(old_text),
            "leader": {**json.loads(old_text)["leader"], "email": "sanne@example.org"},
        }
    finally:
        engine.dispose()


def test_0005_moves_the_language_and_name_of_the_latest_rules_to_the_leaders_row(
    empty_database_url: str,
) -> None:
    # Until 0004 a Dutch leader's rules said "nl" while their row said "en": the email was Dutch,
    # the confirm page English.
    url = empty_database_url
    migrations.upgrade(url, "0004")
    dutch = load_rules(None, {"leader": {"language": "nl", "name": "Sanne de Vries"}})
    stored = json.loads(dutch.model_dump_json(exclude={"leader": {"email", "timezone"}}))
    english = {**stored, "leader": {**stored["leader"], "language": "en", "name": None}}
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO leaders (id, email, timezone, language, created_at)"
                    " VALUES (1, 'sanne@example.org', 'Europe/Amsterdam', 'en', :at)"
                ),
                {"at": JOINED},
            )
            for version, data in ((1, english), (2, stored)):
                connection.execute(
                    text(
                        "INSERT INTO rule_sets (leader_id, version, rules_json, created_at,"
                        " created_by) VALUES (1, :version, :text, :at, 'ea@example.org')"
                    ),
                    {"version": version, "text": json.dumps(data), "at": JOINED},
                )

        migrations.upgrade(url)

        with session_scope(engine) as session:
            sanne = find_leader(session, "sanne@example.org")
            assert sanne is not None
            assert (sanne.language, sanne.name) == ("nl", "Sanne de Vries")
            assert leader_rules(session, sanne) == dutch.model_copy(
                update={"leader": dutch.leader.model_copy(update={"email": "sanne@example.org"})}
            )
        with engine.connect() as connection:
            texts = connection.execute(text("SELECT rules_json FROM rule_sets")).scalars().all()
        assert all("language" not in json.loads(t)["leader"] for t in texts)
        assert all("name" not in json.loads(t)["leader"] for t in texts)

        migrations.downgrade(url, "0004")
        with engine.connect() as connection:
            back = connection.execute(
                text("SELECT rules_json FROM rule_sets WHERE version = 2")
            ).scalar_one()
        assert json.loads(back) == stored
    finally:
        engine.dispose()


def test_a_database_behind_the_code_is_named_with_the_command_to_run(
    empty_database_url: str,
) -> None:
    engine = make_engine(empty_database_url)
    try:
        with pytest.raises(MigrationNeededError, match=r"run `agenda-regie db upgrade`"):
            migrations.require_head(engine)
        migrations.upgrade(empty_database_url)
        migrations.require_head(engine)
    finally:
        engine.dispose()


def test_the_migration_scripts_ship_inside_the_package() -> None:
    package = Path(migrations.__file__).parent
    assert (package / "env.py").is_file()
    assert (package / "script.py.mako").is_file()
    assert (package / "versions" / "0001_initial.py").is_file()
    assert migrations.alembic_config().config_file_name is None  # no alembic.ini needed


# Settings that lead to a database --------------------------------------------------------------


def test_without_database_url_the_sqlite_file_goes_in_the_data_directory(data_dir: Path) -> None:
    settings = Settings.from_environ({}, data_dir=data_dir)
    assert settings.database_url == f"sqlite:///{data_dir / 'agenda-regie.db'}"
    assert not data_dir.exists()

    migrations.upgrade(settings.database_url)  # what `agenda-regie db upgrade` does

    assert (data_dir / "agenda-regie.db").is_file()
    assert tables_in(settings.database_url) == EXPECTED_TABLES


def test_the_default_data_directory_is_the_users_own() -> None:
    import platformdirs

    expected = Path(platformdirs.user_data_dir("agenda-regie")) / "agenda-regie.db"
    assert default_database_url() == f"sqlite:///{expected}"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:p@db:5432/agenda", "postgresql+psycopg://u:p@db:5432/agenda"),
        ("postgres://u@db/agenda", "postgresql+psycopg://u@db/agenda"),
        ("postgresql+psycopg://u@db/agenda", "postgresql+psycopg://u@db/agenda"),
        ("sqlite:////srv/agenda.db", "sqlite:////srv/agenda.db"),
    ],
)
def test_database_urls_are_used_with_the_installed_drivers(given: str, used: str) -> None:
    assert Settings.from_environ({"DATABASE_URL": given}).database_url == used


def test_the_postgresql_url_from_the_environment_reaches_the_server(
    postgres_admin_url: str,
) -> None:
    settings = Settings.from_environ({"DATABASE_URL": postgres_admin_url})
    engine = make_engine(settings)
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_every_settings_problem_is_reported_at_once() -> None:
    environ = {
        "DATABASE_URL": "mysql://root:hunter2@db/agenda",
        "AGENDA_REGIE_SECRET_KEYS": "not-a-key,also-wrong",
    }
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ(environ)

    problems = caught.value.problems
    assert len(problems) == 3
    assert "DATABASE_URL uses 'mysql'" in problems[0]
    assert "key 1 of 2 is not a Fernet key" in problems[1]
    assert "key 2 of 2 is not a Fernet key" in problems[2]
    assert "hunter2" not in str(caught.value)
    assert "not-a-key" not in str(caught.value)


def test_a_postgresql_url_without_a_database_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL names no database"):
        Settings.from_environ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432"})


def test_an_unreachable_server_is_one_clear_error_without_the_password() -> None:
    url = "postgresql://agenda:s3cret-pw@127.0.0.1:1/agenda"  # nothing listens on port 1

    with pytest.raises(DatabaseUnavailableError) as caught:
        migrations.upgrade(url)

    message = str(caught.value)
    assert message.startswith("cannot reach the database at postgresql+psycopg://agenda:***@")
    assert "s3cret-pw" not in message
