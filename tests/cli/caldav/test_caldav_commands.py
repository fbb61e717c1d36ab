"""`agenda-regie connect caldav` and `agenda-regie review caldav+http://...` run the way an
operator runs them: a subprocess with its own database and secret key, against a real Radicale
server holding the sample leader's weeks. The review from CalDAV is the review of the file; every
bad input is one clear line (exit 2), in Dutch or English."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from assistant.accounts.caldav import Credentials
from assistant.accounts.registry import ProviderAccess, account_for
from assistant.store import migrations
from assistant.store.crypto import SecretBox
from assistant.store.database import make_engine, session_scope
from assistant.store.models import Connection
from assistant.store.repositories import load_connection_token
from tests.fakes.caldav_server import PASSWORD, USER, RadicaleServer

ROOT = Path(__file__).resolve().parents[3]
AGENDA_REGIE = ROOT / ".venv" / "bin" / "agenda-regie"
SAMPLE = ROOT / "examples" / "sample-leader.ics"
LEADER = "sanne.devries@example.org"
TODAY = "2026-11-30"


@pytest.fixture
def sample_server(radicale_server: RadicaleServer) -> RadicaleServer:
    radicale_server.replace_calendar(SAMPLE.read_text(encoding="utf-8"))
    assert len(radicale_server.resources()) > 500  # one resource per UID
    radicale_server.seen.clear()
    return radicale_server


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An operator's environment: a migrated SQLite database and a secret key."""
    url = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    migrations.upgrade(url)
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LANG": "en_GB.UTF-8",
        "DATABASE_URL": url,
        "AGENDA_REGIE_SECRET_KEYS": Fernet.generate_key().decode(),
    }


def run(env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AGENDA_REGIE), *args],
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def caldav_address(server: RadicaleServer, path: str = "leader/work/") -> str:
    return server.url.replace("http://", f"caldav+http://{USER}@") + path


def review_json(env: dict[str, str], source: str, **extra: str) -> dict[str, Any]:
    done = run(
        env, "review", source, "--today", TODAY, "--me", LEADER, "--format", "json", "--no-store",
        **extra,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    review: dict[str, Any] = json.loads(done.stdout)
    return review


def without_source(review: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in review.items() if key != "source"}


def test_the_review_from_caldav_is_the_review_of_the_file(
    sample_server: RadicaleServer, env: dict[str, str]
) -> None:
    from_file = review_json(env, str(SAMPLE))
    from_caldav = review_json(
        env, caldav_address(sample_server), AGENDA_REGIE_CALDAV_PASSWORD=PASSWORD
    )

    assert without_source(from_caldav) == without_source(from_file)
    assert from_file["proposals"]  # a review with something in it, not two empty ones
    # A look writes nothing: the server was only read.
    assert {r.method for r in sample_server.seen} <= {"PROPFIND", "REPORT"}


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "app-password"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


def connect(env: dict[str, str], url: str, password_file: Path, *more: str, **extra: str) -> Any:
    return run(
        env, "connect", "caldav", url, "--leader", LEADER, "--username", USER,
        "--password-file", str(password_file), *more, **extra,
    )  # fmt: skip


def test_connect_finds_the_calendar_stores_the_password_encrypted_and_it_syncs(
    sample_server: RadicaleServer, env: dict[str, str], password_file: Path
) -> None:
    done = connect(env, sample_server.url, password_file)

    assert done.returncode == 0, done.stderr
    assert "connected the CalDAV calendar Sanne de Vries (voorbeeld) of sanne" in done.stdout
    engine = make_engine(env["DATABASE_URL"])
    cipher = SecretBox([env["AGENDA_REGIE_SECRET_KEYS"]])
    try:
        with session_scope(engine) as session:
            connection = session.scalars(select(Connection)).one()
            assert connection.provider == "caldav"
            assert PASSWORD.encode() not in (connection.token_ciphertext or b"")
            token = load_connection_token(connection, cipher)
            connection_id = connection.id
        assert token is not None
        assert Credentials.from_bytes(token) == Credentials(USER, PASSWORD)
        now = datetime(2026, 11, 30, 12, tzinfo=UTC)
        outcome = account_for("caldav", ProviderAccess()).sync(
            engine, connection_id, cipher=cipher, now=now
        )
    finally:
        engine.dispose()
    assert (outcome.status, outcome.kind) == ("synced", "first")
    assert outcome.kept > 50


def test_with_several_calendars_the_leader_chooses_one(
    radicale_server: RadicaleServer, env: dict[str, str], password_file: Path
) -> None:
    radicale_server.make_calendar("private")

    unchosen = connect(env, radicale_server.url, password_file)
    chosen = connect(env, radicale_server.url, password_file, "--calendar", "Private")

    assert unchosen.returncode == 2
    assert unchosen.stdout == ""
    assert "several calendars: " in unchosen.stderr
    assert "Private (" in unchosen.stderr
    assert "--calendar NAME" in unchosen.stderr
    assert len(unchosen.stderr.strip().splitlines()) == 1
    assert chosen.returncode == 0, chosen.stderr
    assert "calendar Private of" in chosen.stdout


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def broken(radicale_server: RadicaleServer) -> Iterator[RadicaleServer]:
    yield radicale_server
    radicale_server.failing = lambda _method, _path: None


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong password", "the server refused the user name or password"),
        ("wrong address", "the server could not be reached; check the address"),
        ("server error", "the server did not answer or failed (HTTP 500)"),
        ("not a calendar", "there is no calendar at this address"),
    ],
)
def test_bad_input_to_connect_is_one_clear_line(
    broken: RadicaleServer, env: dict[str, str], tmp_path: Path, case: str, expected: str
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("not-the-password" if case == "wrong password" else PASSWORD)
    url = {
        "wrong address": f"http://127.0.0.1:{closed_port()}/dav/",
        "not a calendar": f"{broken.url}{USER}/no-such-calendar/",
    }.get(case, broken.url)
    if case == "server error":
        broken.failing = lambda _method, _path: (500, None)

    done = connect(env, url, secret)

    assert done.returncode == 2
    assert done.stderr.startswith("agenda-regie: ")
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    with session_scope(engine := make_engine(env["DATABASE_URL"])) as session:
        assert session.scalars(select(Connection)).all() == []  # nothing stored
    engine.dispose()


def test_a_wrong_password_is_said_in_dutch_on_a_dutch_terminal(
    radicale_server: RadicaleServer, env: dict[str, str], tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("not-the-password")

    done = connect(env, radicale_server.url, secret, LANG="nl_NL.UTF-8")

    assert done.returncode == 2
    assert "de server weigert de gebruikersnaam of het wachtwoord" in done.stderr


@pytest.mark.parametrize(
    ("address", "password", "expected"),
    [
        ("caldav+http://leader@calendar.example.org/leader/work/", PASSWORD, "only for a server"),
        ("caldav+https://leader:secret@calendar.example.org/x/", PASSWORD, "does not belong"),
        ("caldav+https://calendar.example.org/x/", PASSWORD, "name the user in the address"),
        ("LOCAL", "", "set AGENDA_REGIE_CALDAV_PASSWORD to the password of leader"),
        ("LOCAL", "wrong", "the server refused the user name or password"),
        ("PRINCIPAL", PASSWORD, "is not a CalDAV calendar of events"),
    ],
)
def test_bad_input_to_a_caldav_review_is_one_clear_line(
    radicale_server: RadicaleServer, env: dict[str, str], address: str, password: str, expected: str
) -> None:
    source = {
        "LOCAL": caldav_address(radicale_server),
        "PRINCIPAL": caldav_address(radicale_server, f"{USER}/"),
    }.get(address, address)
    extra = {"AGENDA_REGIE_CALDAV_PASSWORD": password} if password else {}

    done = run(env, "review", source, "--today", TODAY, "--no-store", **extra)

    assert done.returncode == 2
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "secret" not in done.stderr


def test_a_caldav_review_says_what_is_wrong_in_the_operators_language(
    radicale_server: RadicaleServer, env: dict[str, str]
) -> None:
    done = run(
        env, "review", caldav_address(radicale_server), "--today", TODAY, "--no-store",
        "--lang", "en", AGENDA_REGIE_CALDAV_PASSWORD="wrong", LANG="nl_NL.UTF-8",
    )  # fmt: skip

    assert done.returncode == 2
    assert "de server weigert de gebruikersnaam of het wachtwoord" in done.stderr


def test_history_reads_past_weeks_from_caldav_as_from_a_file(
    sample_server: RadicaleServer, env: dict[str, str]
) -> None:
    args = ("--weeks", "4", "--leader", LEADER, "--today", TODAY)

    done = run(
        env, "history", caldav_address(sample_server), *args, AGENDA_REGIE_CALDAV_PASSWORD=PASSWORD
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Stored 4 weeks for {LEADER}")
    assert {r.method for r in sample_server.seen} <= {"PROPFIND", "REPORT"}


def test_the_password_can_be_typed_at_a_prompt_in_the_terminals_language(
    radicale_server: RadicaleServer, env: dict[str, str]
) -> None:
    import pty
    import time

    arguments = ["connect", "caldav", radicale_server.url, "--leader", LEADER, "--username", USER]
    pid, terminal = pty.fork()
    if pid == 0:  # the command, on a terminal of its own
        os.execve(str(AGENDA_REGIE), [str(AGENDA_REGIE), *arguments], {**env, "LANG": "nl_NL"})
    seen = b""
    deadline = time.monotonic() + 60
    while b"Wachtwoord van leader" not in seen and time.monotonic() < deadline:
        seen += os.read(terminal, 1024)
    os.write(terminal, f"{PASSWORD}\n".encode())
    while True:
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the command ended
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert PASSWORD.encode() not in seen  # not echoed
    assert b"is verbonden als leader" in seen
