"""`agenda-regie worker | beat | serve | ping`: the long-running processes (a shell).

`worker` and `beat` check every setting they need first (one message naming all problems, exit
2), then run Celery on `worker.app` in this very process: a service manager that stops or kills
the command stops Celery itself (SIGTERM: a warm shutdown that finishes the tasks in hand; the
prefork pool's children die with their parent). `serve` runs the web app, one worker and beat as
three child processes for a small installation, all stopped together: a SIGTERM or SIGINT to
`serve` is passed on to each, a child that ends stops the others, and each child dies with
`serve` (Linux's parent-death signal) should `serve` itself be killed. `ping` asks a worker for a
Celery ping, or the broker for a Redis PING (the containers' health checks).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from assistant.cli.errors import EXIT_OK, EXIT_OURS, say
from assistant.i18n.operator import tr
from assistant.store.files import private_folder

QUEUES = ("sync", "review", "write")
PROCESS_COMMANDS = ("worker", "beat", "serve", "ping")
STOP_SECONDS = 60.0  # how long `serve` waits for its children's warm shutdown before killing them

# What these commands print (one place, to be worded with the others).


def add_process_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = subparsers.add_parser("worker", help="run a background worker (Celery on Redis)")
    _worker_options(worker)
    beat = subparsers.add_parser("beat", help="run the single scheduler (dispatch and syncs)")
    _beat_options(beat)
    serve = subparsers.add_parser(
        "serve",
        help="run the web app, a worker and beat together (one small installation)",
        description="Starts `agenda-regie web`, `worker` and `beat` as child processes and stops "
        "them together. For more than one machine run them separately (docs/deploy.md).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="the web app's address")
    serve.add_argument("--port", type=int, default=8000, help="the web app's port")
    _worker_options(serve, concurrency=2)
    _beat_options(serve)
    ping = subparsers.add_parser(
        "ping", help="exit 0 when a worker answers a Celery ping (a health check)"
    )
    ping.add_argument(
        "--worker",
        metavar="NAME",
        help="the worker's name (default: celery@ this machine's host name)",
    )
    ping.add_argument(
        "--broker", action="store_true", help="only check that the broker (Redis) answers"
    )
    ping.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS")


def _worker_options(parser: argparse.ArgumentParser, concurrency: int | None = None) -> None:
    parser.add_argument(
        "--concurrency",
        type=int,
        default=concurrency,
        help=f"worker processes (default: {concurrency or 'one per CPU'})",
    )
    parser.add_argument("--queues", default=",".join(QUEUES), help="queues to consume")
    parser.add_argument("--hostname", metavar="NAME", help="the worker's name (celery@HOST)")
    parser.add_argument("--loglevel", default="INFO")


def _beat_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schedule",
        type=Path,
        metavar="FILE",
        help="where beat keeps when each entry last ran (default: in the data directory)",
    )
    if not any(action.dest == "loglevel" for action in parser._actions):
        parser.add_argument("--loglevel", default="INFO")


def process_command(args: argparse.Namespace) -> int:
    # Loaded only for these commands: `review` and the other quick ones do without them.
    from assistant import bootstrap

    if args.command == "worker":
        bootstrap.load_settings(*bootstrap.WORKER_NEEDS)
        return _celery(worker_arguments(args))
    if args.command == "beat":
        bootstrap.load_settings(*bootstrap.BEAT_NEEDS)
        return _celery(beat_arguments(args))
    if args.command == "serve":
        bootstrap.load_settings(*bootstrap.SERVE_NEEDS)
        return _serve(args)
    return _ping(args)


def worker_arguments(args: argparse.Namespace) -> list[str]:
    arguments = ["worker", "-Q", args.queues, "--loglevel", args.loglevel]
    if args.concurrency:
        arguments += ["--concurrency", str(args.concurrency)]
    if args.hostname:
        arguments += ["--hostname", args.hostname]
    return arguments


def beat_arguments(args: argparse.Namespace) -> list[str]:
    from assistant.settings import default_data_dir

    schedule: Path = args.schedule or default_data_dir() / "beat-schedule"
    private_folder(schedule.parent)
    return ["beat", "--loglevel", args.loglevel, "--schedule", str(schedule)]


def _celery(arguments: list[str]) -> int:
    # Imported only now: the app reads the environment when imported, and it was checked above.
    from worker.app import app

    try:
        app.start(arguments)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_OURS
    return EXIT_OK


# serve -------------------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    me = [sys.executable, "-m", "assistant.cli.main"]
    schedule = ["--schedule", str(args.schedule)] if args.schedule else []
    worker = ["worker", "--queues", args.queues, "--loglevel", args.loglevel]
    if args.concurrency:
        worker += ["--concurrency", str(args.concurrency)]
    if args.hostname:
        worker += ["--hostname", args.hostname]
    commands = {
        "web": [*me, "web", "--host", args.host, "--port", str(args.port)],
        "worker": [*me, *worker],
        "beat": [*me, "beat", "--loglevel", args.loglevel, *schedule],
    }
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        parent = os.getpid()
        for name, command in commands.items():
            children[name] = subprocess.Popen(
                command, start_new_session=True, preexec_fn=_die_with(parent)
            )
        pids = ", ".join(f"{name} {child.pid}" for name, child in children.items())
        print(
            tr(
                "serve: web on http://%(host)s:%(port)s, a worker and beat started (pids %(pids)s)",
                host=args.host,
                port=args.port,
                pids=pids,
            ),
            flush=True,
        )
        code = _watch(children, stopping)
    finally:
        _stop_all(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def _watch(children: dict[str, subprocess.Popen[bytes]], stopping: list[int]) -> int:
    while not stopping:
        for name, child in children.items():
            code = child.poll()
            if code is not None:
                say(
                    tr(
                        "serve: %(name)s ended with exit code %(code)s; stopping the others",
                        name=name,
                        code=code,
                    )
                )
                return code or EXIT_OURS
        time.sleep(0.2)
    print(tr("serve: stopping web, worker and beat"), flush=True)
    return EXIT_OK


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)  # a warm shutdown for the worker and beat
    deadline = time.monotonic() + STOP_SECONDS
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            say(
                tr(
                    "serve: %(name)s did not stop within %(seconds)g s and was killed",
                    name=name,
                    seconds=STOP_SECONDS,
                )
            )


def _die_with(parent: int) -> Any:
    """Run in each child before it starts: SIGTERM when `serve` dies, even by SIGKILL."""

    def prepare() -> None:
        from billiard.util import set_pdeathsig

        try:
            set_pdeathsig(signal.SIGTERM)
        except OSError:  # not Linux: the children are stopped by `serve` only
            return
        if os.getppid() != parent:  # `serve` died before the signal was set
            os._exit(1)

    return prepare


# ping --------------------------------------------------------------------------------------------


def _ping(args: argparse.Namespace) -> int:
    from assistant import bootstrap
    from assistant.settings import WorkerSettings

    settings = bootstrap.load_settings(WorkerSettings)
    broker = settings.worker().broker_url
    if args.broker:
        return _ping_broker(broker, args.timeout)
    from worker.app import app

    who = args.worker or f"celery@{socket.gethostname()}"
    answers = app.control.ping(destination=[who], timeout=args.timeout)
    if any(who in answer for answer in answers):
        print(f"{who}: pong")
        return EXIT_OK
    say(
        tr(
            "no worker answered a ping within %(seconds)g s (asked: %(who)s)",
            seconds=args.timeout,
            who=who,
        )
    )
    return EXIT_OURS


def _ping_broker(broker: str, timeout: float) -> int:
    import redis

    client = redis.Redis.from_url(broker, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as error:
        say(tr("the broker does not answer: %(problem)s", problem=error))
        return EXIT_OURS
    finally:
        client.close()
    print("broker: pong")
    return EXIT_OK
