"""The adversarial tests' parts: the hostile server, a recording listener, and the command line
run as a process whose time and peak memory are measured."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.security.hostile import HostileServer, Listener

CLI = str(Path(sys.executable).with_name("agenda-regie"))
REVIEW = ["review", "--format", "json", "--no-store", "--today", "2026-03-20", "--tz", "UTC"]
SECONDS = 30
MEBIBYTES = 1024


@dataclass(frozen=True)
class Run:
    code: int
    seconds: float
    peak_mib: float
    stdout: str
    stderr_lines: list[str]


def run_cli(args: list[str], allowed_hosts: str = "127.0.0.1", **settings: str) -> Run:
    """`agenda-regie ARGS` as a process, with the operator allowing only `allowed_hosts`; its own
    peak memory from wait4 (killed past twice the time allowed, so a failure still ends)."""
    env = {
        **os.environ,
        "AGENDA_REGIE_FEED_ALLOWED_HOSTS": allowed_hosts,
        "LANGUAGE": "en",
        **settings,
    }
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        child = subprocess.Popen([CLI, *args], stdout=out, stderr=err, env=env)
        guard = threading.Timer(2 * SECONDS, child.kill)
        guard.start()
        _, status, usage = os.wait4(child.pid, 0)
        guard.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Run(
            child.returncode,
            seconds,
            usage.ru_maxrss / 1024,
            out.read(),
            err.read().strip().splitlines(),
        )


def assert_refused_in_bounds(run: Run) -> None:
    """What every hostile input must end as: exit 2, one line, in time and memory."""
    assert run.code == 2, run
    assert len(run.stderr_lines) == 1, run.stderr_lines
    assert run.seconds < SECONDS, run.seconds
    assert run.peak_mib < MEBIBYTES, run.peak_mib


@pytest.fixture
def server() -> Iterator[HostileServer]:
    hostile = HostileServer()
    yield hostile
    hostile.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    recording = Listener("127.0.0.2")
    yield recording
    recording.close()
