"""`agenda-regie connect google` run as a user runs it: every mistake is one clear line and exit
code 2, found before the leader is sent to Google's consent page and before Google is asked."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from assistant.store import migrations
from connectors.google.auth import SCOPE_OWNED, SCOPE_READ
from tests.connectors.google.command import run_command
from tests.connectors.google.conftest import LEADER
from tests.fakes.google_calendar import FakeGoogleCalendar

# Seconds: a command that wrongly waits for the browser is stopped well before its own timeout.
PATIENCE_SECONDS = 60


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    migrations.upgrade(url)
    return url


@pytest.fixture
def client_file(fake: FakeGoogleCalendar, tmp_path: Path) -> Path:
    path = tmp_path / "client.json"
    path.write_text(json.dumps(fake.client_config()))
    return path


@pytest.fixture
def key_file(fake: FakeGoogleCalendar, tmp_path: Path) -> Path:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(fake.service_account(scopes={SCOPE_READ, SCOPE_OWNED})))
    return path


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        yield int(listening.getsockname()[1])


def connect(*options: str, database_url: str, secret_keys: str | None = None) -> tuple[int, str]:
    """Run `connect google` for the leader; the exit code and the one line it wrote."""
    done = run_command(
        ["connect", "google", "--leader", LEADER, "--write-back", "--no-browser", *options],
        database_url=database_url,
        secret_keys=Fernet.generate_key().decode() if secret_keys is None else secret_keys,
        timeout_seconds=PATIENCE_SECONDS,
    )
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return done.returncode, lines[0]


@pytest.mark.parametrize(
    ("client", "said"),
    [
        ({"installed": {}}, "client_id, client_secret, auth_uri, token_uri"),
        ({"installed": "x"}, '"installed" is not an object'),
        ({"web": {"client_id": "c", "client_secret": "s", "auth_uri": "a"}}, "token_uri"),
        (
            {
                "installed": {
                    "client_id": 1,
                    "client_secret": "s",
                    "auth_uri": "a",
                    "token_uri": "t",
                }
            },
            "client_id",
        ),
    ],
    ids=["empty", "not-an-object", "no-token-uri", "client-id-not-text"],
)
def test_a_broken_client_file_is_one_line_naming_the_file_and_what_is_missing(
    fake: FakeGoogleCalendar,
    tmp_path: Path,
    database_url: str,
    client: dict[str, object],
    said: str,
) -> None:
    path = tmp_path / "client.json"
    path.write_text(json.dumps(client))

    code, line = connect("--client-file", str(path), database_url=database_url)

    assert code == 2
    assert str(path) in line
    assert said in line
    assert fake.count() == 0


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_out_of_range_is_one_line(
    fake: FakeGoogleCalendar, client_file: Path, database_url: str, port: str
) -> None:
    code, line = connect(
        "--client-file", str(client_file), "--port", port, database_url=database_url
    )

    assert code == 2
    assert f"--port {port}" in line
    assert "0 to 65535" in line
    assert fake.count() == 0


def test_a_busy_port_is_one_line_naming_it(
    fake: FakeGoogleCalendar, client_file: Path, database_url: str, busy_port: int
) -> None:
    code, line = connect(
        "--client-file", str(client_file), "--port", str(busy_port), database_url=database_url
    )

    assert code == 2
    assert f"port {busy_port} on 127.0.0.1 is in use" in line
    assert fake.count() == 0


@pytest.mark.parametrize("way", ["--client-file", "--service-account"])
def test_without_a_secret_key_nobody_is_sent_to_google(
    fake: FakeGoogleCalendar, client_file: Path, key_file: Path, database_url: str, way: str
) -> None:
    path = client_file if way == "--client-file" else key_file

    code, line = connect(way, str(path), database_url=database_url, secret_keys="")

    assert code == 2
    assert "AGENDA_REGIE_SECRET_KEYS is not set" in line
    assert fake.count() == 0  # no consent page, no token asked


@pytest.mark.parametrize("way", ["--client-file", "--service-account"])
def test_an_old_database_is_reported_before_anyone_signs_in(
    fake: FakeGoogleCalendar, client_file: Path, key_file: Path, tmp_path: Path, way: str
) -> None:
    path = client_file if way == "--client-file" else key_file
    never_migrated = f"sqlite:///{tmp_path / 'empty.db'}"

    code, line = connect(way, str(path), database_url=never_migrated)

    assert code == 2
    assert "agenda-regie db upgrade" in line
    assert fake.count() == 0
