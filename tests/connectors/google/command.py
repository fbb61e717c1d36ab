"""The installed `agenda-regie` command, run as a user runs it, with the test's store and keys."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

COMMAND = Path(sys.executable).with_name("agenda-regie")


def environment(database_url: str, secret_keys: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AGENDA_REGIE_") and name != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=database_url,
        AGENDA_REGIE_SECRET_KEYS=secret_keys,
        PYTHONUNBUFFERED="1",  # the consent URL must show before the command waits
        # The fake OAuth server speaks plain HTTP on 127.0.0.1; oauthlib refuses that otherwise.
        OAUTHLIB_INSECURE_TRANSPORT="1",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def run_command(
    args: Sequence[str], *, database_url: str, secret_keys: str, timeout_seconds: float = 120
) -> subprocess.CompletedProcess[str]:
    assert COMMAND.exists(), "the console script agenda-regie is not installed"
    return subprocess.run(
        [str(COMMAND), *args],
        env=environment(database_url, secret_keys),
        capture_output=True,
        text=True,
        timeout=timeout_seconds,
        check=False,
    )


class Running:
    """A command that waits for us (the browser); its output is read as it comes."""

    def __init__(self, args: Sequence[str], *, database_url: str, secret_keys: str) -> None:
        assert COMMAND.exists(), "the console script agenda-regie is not installed"
        self.process = subprocess.Popen(
            [str(COMMAND), *args],
            env=environment(database_url, secret_keys),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.stdout.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def line_starting(self, prefix: str, timeout_seconds: float = 60) -> str:
        while True:
            line = self.lines.get(timeout=timeout_seconds)
            if line is None:
                raise AssertionError(f"the command ended first: {''.join(self.stdout)}")
            if line.startswith(prefix):
                return line.strip()

    def finish(self, timeout_seconds: float = 60) -> tuple[int, str, str]:
        assert self.process.stderr is not None
        stderr = self.process.stderr.read()
        code = self.process.wait(timeout=timeout_seconds)
        self._reader.join(timeout_seconds)
        return code, "".join(self.stdout), stderr

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
