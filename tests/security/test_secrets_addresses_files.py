"""Secrets checked for strength at start, one plain address wherever one is meant, and files
only their owner can read."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from assistant.settings import LinkSettings, SecretSettings, Settings, SettingsError
from assistant.store.database import make_engine
from tests.conftest import SAMPLE
from tests.security.conftest import assert_refused_in_bounds, run_cli


@pytest.mark.parametrize(
    "secret",
    [
        "a",
        "abc",
        "s" * 64,  # long, but one letter
        secrets.token_urlsafe(24),  # random, but 24 bytes
        "test-link-secret-0123456789abcdef",  # 33 characters of made-up text
    ],
)
def test_a_weak_link_secret_is_refused_naming_the_setting(secret: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ({"AGENDA_REGIE_LINK_SECRET": secret}, require=(LinkSettings,))

    (problem,) = caught.value.problems
    assert problem.startswith("AGENDA_REGIE_LINK_SECRET is too weak")
    assert secret not in problem or len(secret) < 4  # never echoed (a letter may occur anyway)


@pytest.mark.parametrize(
    "secret", [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(64)]
)
def test_a_generated_link_secret_is_accepted(secret: str) -> None:
    settings = Settings.from_environ({"AGENDA_REGIE_LINK_SECRET": secret}, require=(LinkSettings,))
    assert settings.links().secret == secret


@pytest.mark.parametrize("key", ["A" * 43 + "=", "not-a-key", Fernet.generate_key().decode()[:40]])
def test_a_fernet_key_without_randomness_is_refused(key: str) -> None:
    with pytest.raises(SettingsError) as caught:
        SecretSettings.from_environ({"AGENDA_REGIE_SECRET_KEYS": key})

    assert caught.value.problems[0].startswith("AGENDA_REGIE_SECRET_KEYS: key 1 of 1")


def test_the_web_app_does_not_start_with_a_three_letter_secret(tmp_path: Path) -> None:
    run = run_cli(
        ["web", "--port", "1"],
        DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
        AGENDA_REGIE_SECRET_KEYS=Fernet.generate_key().decode(),
        AGENDA_REGIE_LINK_SECRET="abc",
    )

    assert_refused_in_bounds(run)
    assert "AGENDA_REGIE_LINK_SECRET is too weak (3 characters" in run.stderr_lines[0]


@pytest.mark.parametrize(
    "address",
    [
        "boss@example.org, spy@evil.example",
        "Boss <boss@example.org>",
        "boss@example.org\r\nBcc: spy@evil.example",
        "boss@example.org;spy@evil.example",
    ],
)
def test_a_rule_address_must_be_one_plain_address(tmp_path: Path, address: str) -> None:
    rules = tmp_path / "rules.yaml"
    quoted = address.replace("\r", "\\r").replace("\n", "\\n")
    rules.write_text(f'leader:\n  email: "{quoted}"\n', encoding="utf-8")

    run = run_cli(["review", str(SAMPLE), "--rules", str(rules), "--no-store"])

    assert_refused_in_bounds(run)
    assert run.stderr_lines[0].startswith(f"agenda-regie: {rules}:2:")
    assert "is not one plain email address" in run.stderr_lines[0]


def test_a_control_character_in_leader_stores_nothing(tmp_path: Path) -> None:
    database = tmp_path / "store.db"

    run = run_cli(
        ["connect", "ics", str(SAMPLE), "--leader", "boss@example.org\r\nBcc: x@evil.example"],
        DATABASE_URL=f"sqlite:///{database}",
    )

    assert run.code == 2
    assert "is not one plain email address" in run.stderr_lines[-1]
    assert "Traceback" not in "\n".join(run.stderr_lines)
    assert not database.exists()


def test_the_data_folder_and_the_database_are_the_owners_only(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "agenda-regie"
    engine = make_engine(f"sqlite:///{folder / 'agenda-regie.db'}")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x)")
    finally:
        engine.dispose()

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "agenda-regie.db").stat().st_mode) == 0o600


def test_a_written_email_is_the_owners_only(tmp_path: Path) -> None:
    from assistant.store.files import write_private

    path = tmp_path / "review.eml"
    write_private(path, b"Subject: x\r\n\r\nhttp://example.org/p/token")

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
