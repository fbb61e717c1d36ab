"""Helpers for tests that start the installed `agenda-regie` command as an operator does and look
at the processes it leaves: the process table is read from /proc (Linux), every wait bounded."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

AGENDA_REGIE = str(Path(sys.executable).parent / "agenda-regie")


def children(pid: int) -> set[int]:
    """Every living descendant of `pid` (zombies, which hold nothing but a table entry, left
    out)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """The pids of `pids` still running (not gone, not a zombie)."""
    living = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            living.add(pid)
    return living


def command_line(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return [part.decode() for part in raw.split(b"\0") if part]


def processes_mentioning(text: str) -> set[int]:
    """Running processes whose command line contains `text` (this test's unique worker name)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if text.encode() in raw and alive({int(entry.name)}):
                found.add(int(entry.name))
    return found


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.1)


def worker_name() -> str:
    return f"test-{uuid.uuid4().hex[:10]}@%h"


def pong(environment: dict[str, str], name: str, program: str = AGENDA_REGIE) -> bool:
    """`agenda-regie ping` answers for this worker (a Celery ping through the broker)."""
    done = subprocess.run(
        [program, "ping", "--worker", name, "--timeout", "1"],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode == 0


def ran_dispatch(log: str) -> bool:
    """The worker's log shows a `dispatch_due` task run to its end (beat's tick)."""
    return re.search(r"Task agenda_regie\.dispatch_due\[[^\]]+\] succeeded", log) is not None


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).json() == {"status": "ok"}
    except (httpx.HTTPError, ValueError):
        return False


class Started:
    """One `agenda-regie` command as a child process, its output in a log file."""

    def __init__(
        self,
        arguments: list[str],
        environment: dict[str, str],
        log: Path,
        program: str = AGENDA_REGIE,
    ) -> None:
        self.log_path = log
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [program, *arguments],
            env={**os.environ, **environment},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def signal(self, which: signal.Signals) -> int:
        self.process.send_signal(which)
        return self.process.wait(timeout=90)

    def close(self) -> None:
        left = children(self.pid) if self.process.poll() is None else set()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        for pid in alive(left):
            os.kill(pid, signal.SIGKILL)
        self._log.close()


@pytest.fixture
def started(tmp_path: Path) -> Iterator[object]:
    """Starts `agenda-regie ARGUMENTS` (killed with whatever it left at the end, should a test
    fail half-way)."""
    running: list[Started] = []

    def start(
        arguments: list[str], environment: dict[str, str], program: str = AGENDA_REGIE
    ) -> Started:
        log = tmp_path / f"{arguments[0]}{len(running)}.log"
        process = Started(arguments, environment, log, program)
        running.append(process)
        return process

    yield start
    for process in running:
        process.close()
