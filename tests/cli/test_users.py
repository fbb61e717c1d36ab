"""`agenda-regie users`: the first admin from a prompt or standard input (never the command
line), assistants assigned leaders, and every wrong input one line with exit 2."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from assistant.app.console.credentials import password_matches, totp_code
from assistant.cli.main import main
from assistant.store import migrations
from assistant.store.crypto import SecretBox
from assistant.store.database import make_engine, session_scope
from assistant.store.repositories.audit import audit_trail
from assistant.store.repositories.console_users import find_console_user
from assistant.store.repositories.leaders import upsert_leader

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def database() -> str:
    url = os.environ["DATABASE_URL"]
    migrations.upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        upsert_leader(session, "ada@example.org", now=NOW)
        upsert_leader(session, "bob@example.org", now=NOW)
    engine.dispose()
    return url


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_first_admin_an_assistant_and_two_leaders(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(
        capsys,
        monkeypatch,
        *("users", "add", "Root@Example.org", "--role", "admin", "--password-stdin"),
        stdin=PASSWORD + "\n",
    )
    assert (code, out) == (0, "Added console user root@example.org (admin).\n")
    code, out, _ = run(
        capsys, monkeypatch, "users", "add", "eva@example.org", "--role", "assistant",
        "--no-password", "--by", "root@example.org",
    )  # fmt: skip
    assert code == 0
    for leader in ("ada@example.org", "bob@example.org"):
        code, out, _ = run(
            capsys, monkeypatch, "users", "assign", "eva@example.org", "--leader", leader
        )
        assert (code, out) == (0, f"eva@example.org now looks after {leader}.\n")
    code, out, _ = run(
        capsys, monkeypatch, "users", "assign", "eva@example.org", "--leader", "ada@example.org"
    )
    assert out == "eva@example.org already looks after ada@example.org; nothing changed.\n"
    code, out, _ = run(capsys, monkeypatch, "users", "list")
    assert out.splitlines() == [
        "eva@example.org (assistant, organisation sign-in only): ada@example.org, bob@example.org",
        "root@example.org (admin)",
    ]
    engine = make_engine(database)
    with session_scope(engine) as session:
        root = find_console_user(session, "root@example.org")
        assert root is not None
        assert PASSWORD not in (root.password_hash or "")
        assert password_matches(root.password_hash, PASSWORD)
        assert not password_matches(root.password_hash, PASSWORD + "!")
        trail = audit_trail(session, leader_ids=None, limit=10)
        assert [entry.action for entry in reversed(trail)] == [
            "console.user_added",
            "console.user_added",
            "console.leader_assigned",
            "console.leader_assigned",
        ]
        assert trail[-2].actor == "root@example.org"
    engine.dispose()

    code, out, _ = run(capsys, monkeypatch, "users", "remove", "eva@example.org")
    assert (code, out) == (0, "Removed console user eva@example.org.\n")
    code, out, _ = run(capsys, monkeypatch, "users", "list")
    assert out == "root@example.org (admin)\n"


def test_totp_shows_the_authenticator_address_once_and_keeps_the_secret_encrypted(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("AGENDA_REGIE_SECRET_KEYS", key)
    code, out, _ = run(
        capsys, monkeypatch, "users", "add", "root@example.org", "--role", "admin",
        "--password-stdin", "--totp", stdin=PASSWORD,
    )  # fmt: skip
    assert code == 0
    uri = out.splitlines()[1].split(": ", 1)[1]
    assert uri.startswith("otpauth://totp/agenda-regie:root%40example.org?secret=")
    secret = uri.split("secret=")[1].split("&")[0]
    engine = make_engine(database)
    with session_scope(engine) as session:
        root = find_console_user(session, "root@example.org")
        assert root is not None
        assert root.totp_ciphertext is not None
        assert secret.encode() not in root.totp_ciphertext
        stored = SecretBox([key]).decrypt(root.totp_ciphertext).decode()
        assert totp_code(stored, NOW) == totp_code(secret, NOW)
    engine.dispose()


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (
            ["users", "add", "a@example.org", "--role", "admin", "--password-stdin"],
            "short\n",
            "the password must be at least 12 characters long",
        ),
        (
            ["users", "add", "a@example.org", "--role", "admin"],
            "",
            "no terminal to ask the password on; use --password-stdin",
        ),
        (
            ["users", "add", "a@example.org", "--role", "admin", "--no-password", "--totp"],
            "",
            "--totp needs AGENDA_REGIE_SECRET_KEYS to keep the secret encrypted",
        ),
        (
            ["users", "add", "root@example.org", "--role", "admin", "--no-password"],
            "",
            "there is already a console user root@example.org",
        ),
        (
            ["users", "assign", "root@example.org", "--leader", "ada@example.org"],
            "",
            "root@example.org is a console admin, not an assistant; only assistants are "
            "assigned leaders",
        ),
        (
            ["users", "assign", "eva@example.org", "--leader", "nobody@example.org"],
            "",
            "there is no leader nobody@example.org in the database",
        ),
        (
            ["users", "assign", "nobody@example.org", "--leader", "ada@example.org"],
            "",
            "there is no console user nobody@example.org",
        ),
        (["users", "remove", "nobody@example.org"], "", "there is no console user nobody@"),
    ],
)
def test_wrong_input_is_one_line_and_exit_2(
    database: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    run(capsys, monkeypatch, "users", "add", "root@example.org", "--role", "admin", "--no-password")
    run(capsys, monkeypatch, "users", "add", "eva@example.org", "--role", "assistant",
        "--no-password")  # fmt: skip
    code, out, err = run(capsys, monkeypatch, *argv, stdin=stdin)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"agenda-regie: {message}")


def test_the_commands_speak_dutch_to_a_dutch_operator(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "nl")
    code, _, err = run(
        capsys, monkeypatch, "users", "add", "a@example.org", "--role", "admin",
        "--password-stdin", stdin="kort",
    )  # fmt: skip
    assert (code, err) == (2, "agenda-regie: het wachtwoord moet minstens 12 tekens lang zijn\n")
    code, _, err = run(capsys, monkeypatch, "users", "remove", "nobody@example.org")
    assert err == "agenda-regie: er is geen consolegebruiker nobody@example.org\n"
