"""A runtime-only install, as an operator makes it: a fresh virtual environment, `pip install .`
without extras (so nothing the tests' tools pull in can hide a missing runtime dependency), and
`worker`, `beat`, `web` and `serve` started from it, each answering: a Celery ping, beat's tick
run by the worker, the web app's health endpoint."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.mail.fixtures import free_port
from tests.worker.conftest import SECRET_KEY, redis_db, worker_environment
from tests.worker.processes import (
    Started,
    healthy,
    pong,
    ran_dispatch,
    started,
    wait_for,
    worker_name,
)

__all__ = ["redis_db", "started"]

# What an sdist or an image holds; the checkout's .venv, caches and build folders stay out.
SOURCES = ("pyproject.toml", "README.md", "assistant", "connectors", "rules", "worker")

Start = Callable[..., Started]


@pytest.fixture(scope="module")
def runtime_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`bin/` of a fresh venv holding `pip install .` of a copy of the sources, no extras."""
    root = tmp_path_factory.mktemp("runtime-install")
    source = root / "src"
    source.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return venv / "bin"


def test_the_install_holds_no_test_tool(runtime_install: Path) -> None:
    python = str(runtime_install / "python")
    for tool in ("pytest", "aiosmtpd", "playwright", "hypothesis"):
        probe = subprocess.run([python, "-c", f"import {tool}"], capture_output=True, timeout=60)
        assert probe.returncode != 0, f"{tool} is installed without the test extra"
    where = subprocess.run(
        [python, "-c", "import assistant; print(assistant.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=runtime_install,
    )
    assert "site-packages" in where.stdout  # the installed package, not the checkout
    check = subprocess.run(
        [str(runtime_install / "pip"), "check"], capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stdout


def test_worker_beat_and_web_start_from_the_install_and_answer(
    runtime_install: Path, started: Start, redis_db: Any, tmp_path: Path
) -> None:
    program = str(runtime_install / "agenda-regie")
    database = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    environment = worker_environment(database, free_port(), AGENDA_REGIE_DISPATCH_EVERY_SECONDS="1")
    upgrade = subprocess.run(
        [program, "db", "upgrade"],
        env={**environment, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    name, port = worker_name(), free_port()
    here = name.replace("%h", socket.gethostname())
    base = f"http://127.0.0.1:{port}"

    worker = started(["worker", "--concurrency", "1", "--hostname", name], environment, program)
    beat = started(["beat", "--schedule", str(tmp_path / "schedule")], environment, program)
    web = started(["web", "--port", str(port)], environment, program)
    wait_for(lambda: pong(environment, here, program), 90, "the worker to answer a ping")
    wait_for(lambda: healthy(base), 90, "the web app's health endpoint")
    wait_for(lambda: ran_dispatch(worker.output()), 90, "the worker to run beat's tick")
    wait_for(lambda: "Sending due task dispatch-due-reviews" in beat.output(), 30, "beat's log")

    # The compose file's health checks of web and worker, run as the container would.
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    python, *code = compose["services"]["web"]["healthcheck"]["test"][1:]
    assert python == "python"
    web_check = [str(runtime_install / "python"), *(p.replace("8000", str(port)) for p in code)]
    assert subprocess.run(web_check, timeout=60).returncode == 0
    worker_check = compose["services"]["worker"]["healthcheck"]["test"][1:]
    assert worker_check[:2] == ["agenda-regie", "ping"]
    ping = [program, *worker_check[1:], "--worker", here]
    assert subprocess.run(ping, env=environment, timeout=60).returncode == 0

    for process in (worker, beat, web):
        assert process.signal(signal.SIGTERM) in (0, -signal.SIGTERM), process.output()
        assert "Traceback" not in process.output()
    assert SECRET_KEY not in worker.output() + beat.output() + web.output()


def test_serve_starts_from_the_install_and_answers(
    runtime_install: Path, started: Start, redis_db: Any, tmp_path: Path
) -> None:
    program = str(runtime_install / "agenda-regie")
    database = f"sqlite:///{tmp_path / 'agenda-regie.db'}"
    environment = worker_environment(database, free_port())
    subprocess.run([program, "db", "upgrade"], env=environment, check=True, timeout=120)
    name, port = worker_name(), free_port()
    here = name.replace("%h", socket.gethostname())

    serve = started(
        ["serve", "--port", str(port), "--hostname", name, "--schedule", str(tmp_path / "s")],
        environment,
        program,
    )
    wait_for(lambda: pong(environment, here, program), 90, "serve's worker to answer a ping")
    wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), 90, "serve's web app")
    assert serve.signal(signal.SIGTERM) == 0
    assert "Traceback" not in serve.output()
