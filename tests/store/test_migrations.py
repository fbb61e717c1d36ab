"""Migrations on SQLite and PostgreSQL, and the database settings that lead to them."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from assistant.settings import Settings, SettingsError, default_database_url
from assistant.store import DatabaseUnavailableError, MigrationNeededError, migrations
from assistant.store.database import make_engine
from assistant.store.models import TABLE_NAMES, Base

EXPECTED_TABLES = {
    "leaders",
    "assistants",
    "assistant_leaders",
    "connections",
    "rule_sets",
    "weekly_metrics",
    "proposals",
    "outbox",
    "reviews",
    "self_ratings",
    "audit_log",
    "event_cache",
    "review_claims",
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
    assert migrations.current(url) == migrations.head_revision() == "0003"
    assert tables_in(url) == EXPECTED_TABLES == TABLE_NAMES

    migrations.downgrade(url)
    assert migrations.current(url) is None
    assert tables_in(url) == set()

    migrations.upgrade(url)
    assert tables_in(url) == EXPECTED_TABLES


def test_upgrading_twice_changes_nothing(empty_database_url: str) -> None:
    migrations.upgrade(empty_database_url)
    migrations.upgrade(empty_database_url)
    assert migrations.current(empty_database_url) == "0003"


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
