"""Time and peak memory of each hostile input, each in its own process, under a cap.

    .venv/bin/python bench/bench_hostile.py [--timeout 60] [--memory-gib 3] [CASE ...]

Each case runs `agenda-regie review` in a subprocess against a hostile feed (served from this
process) or a hostile file, with a wall-time cap and an address-space limit (RLIMIT_AS), so a
defenceless build does not take the machine down: such a run reports "killed at limit". Peak
memory is the child's maximum resident set size (wait4). The SSRF case also reports whether the
listener on 127.0.0.2 saw a connection.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.security import hostile  # noqa: E402

CLI = str(Path(sys.executable).with_name("agenda-regie"))
REVIEW = ["review", "--format", "json", "--today", "2026-03-20", "--tz", "UTC", "--no-store"]


def measured(
    args: list[str], timeout: float, memory: int, env: dict[str, str]
) -> dict[str, object]:
    """One run of the command line: wall time, the child's own peak RSS (wait4), its exit code
    and its stderr; killed at `timeout`, its address space limited to `memory`."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    with tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        child = subprocess.Popen(
            [CLI, *args], stdout=subprocess.DEVNULL, stderr=err, env=env, preexec_fn=limit
        )
        killer = threading.Timer(timeout, child.kill)
        killer.start()
        _, status, usage = os.wait4(child.pid, 0)
        killer.cancel()
        child.returncode = code = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        err.seek(0)
        stderr = err.read().strip()
    at_limit = seconds >= timeout or "MemoryError" in stderr or code < 0 or "a fault" in stderr
    return {
        "seconds": seconds,
        "peak_mib": usage.ru_maxrss / 1024,
        "code": code,
        "at_limit": at_limit,
        "lines": len(stderr.splitlines()),
        "last_line": (stderr.splitlines() or [""])[-1][:160],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--memory-gib", type=float, default=3.0)
    parser.add_argument("cases", nargs="*")
    options = parser.parse_args()
    memory = int(options.memory_gib * 1024**3)
    env = dict(os.environ)
    # The benchmark's own feed server is on loopback: allowed, as an operator would allow it.
    env["AGENDA_REGIE_FEED_ALLOWED_HOSTS"] = "127.0.0.1"
    env["PYTHONPATH"] = str(REPO)
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    server = hostile.HostileServer()
    listener = hostile.Listener()
    hostile.gzip_bomb()  # built once, before any timing
    server.routes["/bomb.ics"] = hostile.bomb
    server.routes["/drip.ics"] = hostile.drip(5.0)
    server.routes["/loopback.ics"] = hostile.redirect(f"http://127.0.0.2:{listener.port}/x.ics")
    server.routes["/metadata.ics"] = hostile.redirect("http://169.254.169.254/latest/meta-data/")
    never = folder / "never_secondly.ics"
    never.write_text(hostile.never_occurring_secondly(50), newline="")
    many = folder / "many_secondly.ics"
    many.write_text(hostile.many_secondly_series(2000), newline="")
    million = hostile.million_events(folder / "million.ics")

    cases: dict[str, Callable[[], list[str]]] = {
        "gzip-bomb feed": lambda: [*REVIEW, server.url("/bomb.ics")],
        "header drip feed": lambda: [*REVIEW, server.url("/drip.ics")],
        "redirect to loopback": lambda: [*REVIEW, server.url("/loopback.ics")],
        "redirect to metadata": lambda: [*REVIEW, server.url("/metadata.ics")],
        "50 never-occurring SECONDLY": lambda: [*REVIEW, str(never)],
        "2000 SECONDLY series": lambda: [*REVIEW, str(many)],
        "1,000,000 events (41 MB)": lambda: [*REVIEW, str(million)],
    }
    chosen = options.cases or list(cases)
    print(f"cap: {options.timeout:g} s, {options.memory_gib:g} GiB address space")
    for name in chosen:
        before = len(listener.connections)
        result = measured(cases[name](), options.timeout, memory, env)
        connected = len(listener.connections) - before
        limit = "killed at limit" if result["at_limit"] else f"exit {result['code']}"
        extra = f", listener saw {connected} connection(s)" if "redirect" in name else ""
        print(
            f"{name:32} {result['seconds']:7.1f} s {result['peak_mib']:8.0f} MiB  {limit}, "
            f"{result['lines']} stderr line(s){extra}\n    {result['last_line']}",
            flush=True,
        )
    server.close()
    listener.close()


if __name__ == "__main__":
    main()
