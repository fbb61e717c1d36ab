"""The deployment files (docker-compose.yml, Dockerfile, .env.example, .dockerignore), tested as
far as a machine without a container engine can: the compose file read with PyYAML, every
command and health check run against the package installed by the Dockerfile's own steps in a
plain virtual environment, every variable compared with the settings tree."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.settings import variables
from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
IMAGE = "agenda-regie:local"
OURS = sorted(name for name, service in SERVICES.items() if service.get("image") == IMAGE)
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
ENV_EXAMPLE = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
# The variables of docker compose itself (interpolated into docker-compose.yml), not settings.
COMPOSE_VARIABLES = {"POSTGRES_PASSWORD"}


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions in order, continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n\s*", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_stack_has_every_part_and_mailpit_only_in_the_dev_profile() -> None:
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web", "worker", "beat", "mailpit"}
    assert OURS == ["beat", "migrate", "web", "worker"]
    assert SERVICES["mailpit"]["profiles"] == ["dev"]
    assert [name for name, service in SERVICES.items() if "profiles" in service] == ["mailpit"]


def test_postgres_and_redis_keep_their_data_and_redis_never_evicts() -> None:
    assert SERVICES["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert SERVICES["redis"]["volumes"] == ["redis-data:/data"]
    assert set(COMPOSE["volumes"]) == {"postgres-data", "redis-data"}
    command = " ".join(SERVICES["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_everything_waits_for_the_migration_and_the_migration_for_postgres() -> None:
    assert SERVICES["migrate"]["command"] == ["agenda-regie", "db", "upgrade"]
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert SERVICES["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        waits = SERVICES[name]["depends_on"]
        assert waits["migrate"] == {"condition": "service_completed_successfully"}, name
        assert waits["redis"] == {"condition": "service_healthy"}, name


def test_every_long_running_service_has_a_health_check() -> None:
    for name, service in SERVICES.items():
        if name == "migrate":  # runs once and ends
            assert service["healthcheck"] == {"disable": True}
            continue
        check = service["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert len(check["test"]) > 1, name


def test_the_settings_come_from_env_and_name_real_settings() -> None:
    settings = variables()
    for name in OURS:
        service = SERVICES[name]
        assert service["env_file"] == ".env"
        for variable in service["environment"]:
            assert variable in settings, f"{name}: {variable} is not a setting of agenda-regie"
    interpolated = set(re.findall(r"\$\{(\w+)", (REPO / "docker-compose.yml").read_text()))
    assert interpolated == COMPOSE_VARIABLES


def example_variables() -> dict[str, int]:
    """Each variable .env.example names (set, or shown as `# NAME=`), with its line index."""
    found = {}
    for index, line in enumerate(ENV_EXAMPLE):
        match = re.match(r"^#? ?([A-Z][A-Z0-9_]+)=", line)
        if match:
            found[match.group(1)] = index
    return found


def test_env_example_names_every_setting_with_a_comment_and_nothing_else() -> None:
    named = example_variables()
    settings = variables()
    assert set(named) - COMPOSE_VARIABLES == settings
    for variable, index in named.items():
        block = []  # the lines above, up to the previous blank line
        for line in reversed(ENV_EXAMPLE[:index]):
            if not line.strip():
                break
            block.append(line)
        assert any(
            line.startswith("# ") and not re.match(r"^# ?[A-Z][A-Z0-9_]+=", line) for line in block
        ), f"{variable} is not explained by a comment in .env.example"
    # No secret value is filled in: the required secrets are left for the operator.
    for line in ENV_EXAMPLE:
        if line.startswith(("AGENDA_REGIE_SECRET_KEYS=", "AGENDA_REGIE_LINK_SECRET=")):
            assert line.endswith("="), line


def test_the_image_holds_no_setting_and_runs_as_a_user_without_privileges() -> None:
    steps = instructions(DOCKERFILE)
    bases = [rest for keyword, rest in steps if keyword == "FROM"]
    assert len(bases) == 2
    assert all(re.match(r"python:3\.\d+-slim\b", base) for base in bases), bases
    users = [rest for keyword, rest in steps if keyword == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    assert any(keyword == "HEALTHCHECK" for keyword, _ in steps)
    settings = variables()
    for keyword, rest in steps:
        if keyword in ("ENV", "ARG"):
            assert not any(variable in rest for variable in settings | COMPOSE_VARIABLES), rest
        if keyword == "COPY" and not rest.startswith("--from="):
            sources = rest.split()[:-1]
            assert all(
                source.rstrip("/") in {"pyproject.toml", "README.md", *PACKAGES}
                for source in sources
            ), rest
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignore[[line.strip() for line in ignore].index("*")] == "*"  # everything out first
    assert not any(line.startswith("!") and ".env" in line for line in ignore)


PACKAGES = ("assistant", "connectors", "rules", "worker")


@pytest.fixture(scope="module")
def image_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Dockerfile's install steps run in order in plain virtual environments: its paths
    (/src, /wheels, /opt/agenda-regie) become folders here, its base image's Python a fresh venv.
    Returns the `bin/` where the image's commands live."""
    root = tmp_path_factory.mktemp("image")
    base = root / "base-python"
    subprocess.run([sys.executable, "-m", "venv", str(base)], check=True, timeout=120)
    places: dict[str, Path] = {}
    workdir = root
    for keyword, rest in instructions(DOCKERFILE):
        if keyword == "FROM":
            workdir = root
        elif keyword == "WORKDIR":
            workdir = places.setdefault(rest, root / rest.strip("/").replace("/", "-"))
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY" and not rest.startswith("--from="):
            *sources, target = rest.split()
            destination = workdir / target
            for source in sources:
                path = REPO / source
                if path.is_dir():
                    shutil.copytree(path, destination, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination / path.name)
        elif keyword == "RUN" and "useradd" not in rest and "apt-get" not in rest:
            # The system packages (Chromium) are the base image's matter, not this machine's.
            command = rest
            for path in ("/opt/agenda-regie", "/wheels"):
                local = places.setdefault(path, root / path.strip("/").replace("/", "-"))
                command = command.replace(path, str(local))
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=workdir,
                env={"PATH": f"{base / 'bin'}:/usr/bin:/bin", "HOME": str(root)},
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, f"RUN {rest}\n{done.stderr}"
    assert "useradd" in DOCKERFILE
    return places["/opt/agenda-regie"] / "bin"


def test_every_service_runs_a_real_command_of_the_image(image_install: Path) -> None:
    environment = {"PATH": f"{image_install}:/usr/bin:/bin", "HOME": str(image_install.parent)}
    checked = []
    for name in OURS:
        service = SERVICES[name]
        commands = [service["command"]]
        check = service["healthcheck"].get("test", [])
        if check and check[0] == "CMD" and check[1] == "agenda-regie":
            commands.append(check[1:])
        for command in commands:
            assert command[0] == "agenda-regie", name
            done = subprocess.run(
                [*command, "--help"], env=environment, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, f"{name}: {shlex.join(command)}\n{done.stderr}"
            assert done.stdout.startswith("usage: agenda-regie"), name
            checked.append(command[1])
    assert sorted(set(checked)) == ["beat", "db", "ping", "web", "worker"]


def test_the_default_command_and_health_checks_of_the_image_are_valid(
    image_install: Path,
) -> None:
    python = str(image_install / "python")
    steps = dict(instructions(DOCKERFILE))
    default = yaml.safe_load(steps["CMD"])  # the exec form is a JSON list
    done = subprocess.run(
        [str(image_install / default[0]), *default[1:], "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    web_check = SERVICES["web"]["healthcheck"]["test"]
    assert web_check[1] == "python"
    # Nothing listens on the port here: the check must fail (a live web app passes it, see
    # tests/worker/test_runtime_install.py).
    failed = subprocess.run([python, *web_check[2:]], capture_output=True, timeout=60)
    assert failed.returncode != 0
    assert b"ConnectionRefusedError" in failed.stderr or b"URLError" in failed.stderr
    image_check = steps["HEALTHCHECK"].split("CMD", 1)[1].strip()
    assert yaml.safe_load(image_check) == web_check[1:]


DEPLOY = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_shows_docker_compose_up_after_the_two_first_commands() -> None:
    section = README.split("## Run it for an organisation", 1)[1].split("\n## ", 1)[0]
    assert "docker compose up" in section
    assert "(docs/deploy.md)" in section
    first = README.index("agenda-regie review examples/sample-leader.ics")
    assert first < README.index("scripts/check") < README.index("## Run it for an organisation")


def test_the_deploy_guide_covers_what_an_operator_asks() -> None:
    for heading in (
        "## From zero to the first leader's email",
        "## Backups",
        "## Upgrades",
        "## Key rotation",
        "## Sizing, per 1,000 leaders",
        "## More workers, on other machines",
    ):
        assert heading in DEPLOY
    assert "pg_dump" in DEPLOY
    assert "pg_restore" in DEPLOY
    for name in SERVICES:
        assert f"`{name}`" in DEPLOY, name


def test_every_command_in_the_deploy_guide_exists() -> None:
    code = "\n".join(re.findall(r"```.*?```|`[^`\n]+`", DEPLOY, flags=re.DOTALL))
    commands = set(re.findall(r"agenda-regie ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", code))
    program = str(Path(sys.executable).parent / "agenda-regie")
    checked = set()
    for command in commands:
        words = command.split()
        done = subprocess.run([program, *words, "--help"], capture_output=True, timeout=60)
        if done.returncode != 0:  # a second word that is an argument, not a subcommand
            words = words[:1]
            done = subprocess.run([program, *words, "--help"], capture_output=True, timeout=60)
        assert done.returncode == 0, f"agenda-regie {command}: {done.stderr.decode()}"
        checked.add(words[0])
    assert {"connect", "db", "serve", "run-once", "status", "secrets", "worker"} <= checked
