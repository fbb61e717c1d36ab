"""Setup mistakes of the long-running commands and of `send-review`: every problem (missing,
invalid, too weak) named in one line, exit 2, before anything starts (no Celery, no web server,
no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.mail.fixtures import free_port

AGENDA_REGIE = str(Path(sys.executable).parent / "agenda-regie")
KEY = Fernet.generate_key().decode()
GOOD = {
    "AGENDA_REGIE_SECRET_KEYS": KEY,
    "AGENDA_REGIE_LINK_SECRET": "JVzPPbDrGhRjMA6Eju52Oyjy4AvMcJTnetfob5PEgTc",
    "AGENDA_REGIE_SMTP_HOST": "127.0.0.1",
    "AGENDA_REGIE_SMTP_FROM": "review@example.org",
    "AGENDA_REGIE_BROKER_URL": "redis://127.0.0.1:6379/13",
}

MISSING_KEYS = "set AGENDA_REGIE_SECRET_KEYS: the workers and the web app need it"
BAD_DATABASE = "DATABASE_URL uses 'mysql', which agenda-regie does not support"
WEAK_LINK = "AGENDA_REGIE_LINK_SECRET is too weak (6 characters, about 0 random bytes)"
NO_SMTP_HOST = "AGENDA_REGIE_SMTP_HOST is not set (the SMTP server's name)"
SHORT_VISIBILITY = "AGENDA_REGIE_VISIBILITY_TIMEOUT must be above the longest retry delay"
BAD_BROKER = "AGENDA_REGIE_BROKER_URL must be a redis:// or rediss:// URL"


def run(arguments: list[str], changes: dict[str, str], tmp_path: Path) -> tuple[int, str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AGENDA_REGIE_") and key != "DATABASE_URL"
    }
    environment.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", **GOOD})
    environment.update(changes)
    for name in [name for name, value in changes.items() if value == "<unset>"]:
        del environment[name]
    done = subprocess.run(
        [AGENDA_REGIE, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    return done.returncode, done.stdout, done.stderr


BROKEN = {
    "DATABASE_URL": "mysql://db/agenda",
    "AGENDA_REGIE_SECRET_KEYS": "<unset>",
    "AGENDA_REGIE_LINK_SECRET": "secret",
    "AGENDA_REGIE_SMTP_HOST": "<unset>",
    "AGENDA_REGIE_VISIBILITY_TIMEOUT": "60",
    "AGENDA_REGIE_BROKER_URL": "amqp://rabbit",
}


@pytest.mark.parametrize(
    ("command", "expected", "not_expected"),
    [
        (["web"], [BAD_DATABASE, MISSING_KEYS, WEAK_LINK], [NO_SMTP_HOST, SHORT_VISIBILITY]),
        (
            ["worker"],
            [BAD_DATABASE, MISSING_KEYS, WEAK_LINK, NO_SMTP_HOST, SHORT_VISIBILITY, BAD_BROKER],
            [],
        ),
        (["beat"], [BAD_DATABASE, SHORT_VISIBILITY, BAD_BROKER], [WEAK_LINK, NO_SMTP_HOST]),
        (
            ["serve", "--port", "0"],
            [BAD_DATABASE, MISSING_KEYS, WEAK_LINK, NO_SMTP_HOST, SHORT_VISIBILITY, BAD_BROKER],
            [],
        ),
        (
            ["send-review", "--leader", "ams@example.org"],
            [BAD_DATABASE, WEAK_LINK, NO_SMTP_HOST],
            [SHORT_VISIBILITY],
        ),
    ],
)
def test_every_settings_problem_in_one_line_before_anything_starts(
    command: list[str], expected: list[str], not_expected: list[str], tmp_path: Path
) -> None:
    code, out, err = run(command, BROKEN, tmp_path)
    assert (code, out) == (2, ""), err
    [line] = err.strip().splitlines()
    assert line.startswith("agenda-regie: ")
    for problem in expected:
        assert problem in line
    for problem in not_expected:
        assert problem not in line
    assert "internal error" not in line
    assert not (tmp_path / "store.db").exists()  # nothing was opened or created


@pytest.mark.parametrize("command", [["web", "--port", "{port}"], ["worker"], ["serve"]])
def test_a_missing_link_secret_alone_is_named_not_reported_as_a_fault(
    command: list[str], tmp_path: Path
) -> None:
    port = str(free_port())
    arguments = [part.replace("{port}", port) for part in command]
    code, out, err = run(arguments, {"AGENDA_REGIE_LINK_SECRET": "<unset>"}, tmp_path)
    assert (code, out) == (2, "")
    assert err.strip() == (
        "agenda-regie: set AGENDA_REGIE_LINK_SECRET to a long random string (the key that signs "
        "email links)"
    )


def test_a_short_visibility_timeout_is_one_line_not_a_celery_traceback(tmp_path: Path) -> None:
    code, _, err = run(["worker"], {"AGENDA_REGIE_VISIBILITY_TIMEOUT": "100"}, tmp_path)
    assert code == 2
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line.startswith(f"agenda-regie: {SHORT_VISIBILITY}")
    assert "plus the task time limit (600 s), or waiting tasks run twice" in line
