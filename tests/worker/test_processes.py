"""`agenda-regie worker`, `beat` and `serve` as an operator runs them: the installed command,
started, asked whether it answers, then stopped by SIGTERM (a warm shutdown) or killed by
SIGKILL, after which no process of it may be left running."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.mail.fixtures import free_port
from tests.worker.conftest import redis_db, worker_environment
from tests.worker.processes import (
    Started,
    alive,
    children,
    command_line,
    healthy,
    pong,
    processes_mentioning,
    ran_dispatch,
    started,
    wait_for,
    worker_name,
)

__all__ = ["redis_db", "started"]

Start = Callable[[list[str], dict[str, str]], Started]


def environment_for(tmp_path: Path) -> dict[str, str]:
    from assistant.store import migrations

    url = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    migrations.upgrade(url)
    return worker_environment(url, free_port())


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_the_worker_is_celery_itself_and_leaves_nothing_behind(
    stop: signal.Signals, started: Start, redis_db: Any, tmp_path: Path
) -> None:
    environment = environment_for(tmp_path)
    name = worker_name()
    worker = started(["worker", "--concurrency", "2", "--hostname", name], environment)
    here = name.replace("%h", socket.gethostname())
    wait_for(lambda: pong(environment, here), 90, "the worker to answer a ping")

    pool = children(worker.pid)
    # The command itself is Celery's main process; its only children are the two pool processes.
    assert len(pool) == 2, [command_line(pid) for pid in pool]
    assert all(command_line(pid)[1:3] == [command_line(worker.pid)[1], "worker"] for pid in pool)

    code = worker.signal(stop)
    wait_for(lambda: not alive(pool), 15, "the pool processes to end with their parent")
    assert not processes_mentioning(name)
    if stop == signal.SIGTERM:
        assert code == 0
        output = worker.output()
        assert "Warm shutdown" in output
        assert "Traceback" not in output
    assert not pong(environment, here)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_beat_is_celery_beat_itself_and_leaves_nothing_behind(
    stop: signal.Signals, started: Start, redis_db: Any, tmp_path: Path
) -> None:
    environment = {**environment_for(tmp_path), "AGENDA_REGIE_DISPATCH_EVERY_SECONDS": "1"}
    schedule = tmp_path / "schedule"
    beat = started(["beat", "--schedule", str(schedule)], environment)
    wait_for(
        lambda: "Sending due task dispatch-due-reviews" in beat.output(), 90, "beat's first tick"
    )
    assert not children(beat.pid)  # no `celery` child: beat runs in the command's own process

    code = beat.signal(stop)
    assert not processes_mentioning(str(schedule))
    if stop == signal.SIGTERM:
        assert code == 0
        assert "Traceback" not in beat.output()


def test_serve_runs_web_worker_and_beat_and_sigterm_stops_them_together(
    started: Start, redis_db: Any, tmp_path: Path
) -> None:
    environment = {**environment_for(tmp_path), "AGENDA_REGIE_DISPATCH_EVERY_SECONDS": "1"}
    name, port = worker_name(), free_port()
    serve = started(
        ["serve", "--port", str(port), "--hostname", name, "--schedule", str(tmp_path / "s")],
        environment,
    )
    here = name.replace("%h", socket.gethostname())
    wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), 90, "the web app's health check")
    wait_for(lambda: pong(environment, here), 90, "serve's worker to answer a ping")
    wait_for(lambda: "Sending due task" in serve.output(), 90, "serve's beat to tick")
    wait_for(lambda: ran_dispatch(serve.output()), 90, "serve's worker to run the tick")
    everything = children(serve.pid)
    roles = {command_line(pid)[3] for pid in everything if len(command_line(pid)) > 3}
    assert {"web", "worker", "beat"} <= roles

    assert serve.signal(signal.SIGTERM) == 0
    wait_for(lambda: not alive(everything), 30, "web, worker and beat to end")
    output = serve.output()
    assert "Warm shutdown" in output
    assert "Finished server process" in output
    assert "Traceback" not in output
    assert not healthy(f"http://127.0.0.1:{port}")


def test_serve_killed_takes_its_children_along(
    started: Start, redis_db: Any, tmp_path: Path
) -> None:
    environment = environment_for(tmp_path)
    name, port = worker_name(), free_port()
    serve = started(["serve", "--port", str(port), "--hostname", name], environment)
    here = name.replace("%h", socket.gethostname())
    wait_for(lambda: pong(environment, here), 90, "serve's worker to answer a ping")
    wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), 90, "the web app's health check")
    everything = children(serve.pid)
    assert len(everything) >= 4  # web, worker with its pool, beat

    serve.signal(signal.SIGKILL)
    wait_for(lambda: not alive(everything), 30, "web, worker and beat to end with serve")
    assert "Warm shutdown" in serve.output()  # the worker was told to stop, not killed
    assert not healthy(f"http://127.0.0.1:{port}")


def test_serve_stops_everything_when_one_part_ends(
    started: Start, redis_db: Any, tmp_path: Path
) -> None:
    environment = environment_for(tmp_path)
    name, port = worker_name(), free_port()
    serve = started(["serve", "--port", str(port), "--hostname", name], environment)
    base = f"http://127.0.0.1:{port}"
    here = name.replace("%h", socket.gethostname())
    wait_for(lambda: healthy(base) and pong(environment, here), 90, "web and worker")
    everything = children(serve.pid)
    [web] = [pid for pid in everything if command_line(pid)[3:4] == ["web"]]

    os.kill(web, signal.SIGKILL)
    assert serve.process.wait(timeout=90) != 0
    wait_for(lambda: not alive(everything), 30, "the worker and beat to end")
    assert f"web ended with exit code -{int(signal.SIGKILL)}; stopping the others" in (
        serve.output()
    )
