"""`agenda-regie rules init|check|show|schema|preview` and `review --rules`, through the CLI.

Each test runs `assistant.cli.main` as a user would and reads what they would read: the exit
code, standard output and standard error. A user's mistake never shows a traceback.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from assistant.cli.main import main
from rules import load_rules
from tests.conftest import REPO, SAMPLE

GOOD = "version: 1\nleader:\n  email: anna@example.org\n  language: en\n"
BAD = """\
version: 1
leader:
  langauge: nl
reflection:
  minutes: 5
"""
PREVIEW = ["--calendar", str(SAMPLE), "--today", "2026-11-30"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# init ------------------------------------------------------------------------------------------


def test_init_prints_a_commented_dutch_file_that_check_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "rules", "init", "--leader", "x@example.org", "--lang", "nl")

    assert (code, err) == (0, "")
    assert out.startswith(
        "# Beschermingsregels voor x@example.org (agenda-regie, regelformaat versie 1).\n"
    )
    assert "leader:\n  email: x@example.org\n  language: nl\n" in out
    assert "# Werktijden per weekdag; meerdere blokken per dag mogen, [] is een vrije dag.\n" in out
    path = write(tmp_path / "x.yaml", out)

    assert run(capsys, "rules", "check", str(path)) == (0, f"{path}: ok\n", "")
    rules = load_rules(path)
    assert (rules.leader.email, rules.leader.language) == ("x@example.org", "nl")


def test_init_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "init", "--leader", "x@example.org")
    assert code == 0
    assert out.startswith(
        "# Protection rules for x@example.org (agenda-regie, rule format version 1).\n"
    )
    assert "  language: en\n" in out


def test_init_output_writes_a_new_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.yaml"
    _, printed, _ = run(capsys, "rules", "init", "--leader", "x@example.org", "--lang", "nl")

    assert run(
        capsys,
        "rules",
        "init",
        "--leader",
        "x@example.org",
        "--lang",
        "nl",
        "--output",
        str(target),
    ) == (0, "", "")
    assert target.read_text(encoding="utf-8") == printed


def test_init_output_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = write(tmp_path / "anna.yaml", "version: 1\n# careful work of an assistant\n")
    before = (target.read_bytes(), target.stat().st_mtime_ns)

    code, out, err = run(
        capsys, "rules", "init", "--leader", "x@example.org", "--output", str(target)
    )

    assert (code, out) == (2, "")
    assert err == f"agenda-regie: {target}: exists already; not overwritten\n"
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before


# check -----------------------------------------------------------------------------------------


def test_check_accepts_good_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(tmp_path / "anna.yaml", GOOD)
    second = write(tmp_path / "bert.yaml", "version: 1\nleader:\n  language: nl\n")

    # The command speaks the assistant's language, whatever the leader's file says.
    assert run(capsys, "rules", "check", str(first), str(second)) == (
        0,
        f"{first}: ok\n{second}: ok\n",
        "",
    )
    monkeypatch.setenv("LANGUAGE", "nl")
    assert run(capsys, "rules", "check", str(first)) == (0, f"{first}: in orde\n", "")


def test_check_reports_every_problem_of_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "anna.yaml", GOOD)
    bad = write(tmp_path / "bert.yaml", BAD)
    not_yaml = write(tmp_path / "carla.yaml", "version: 1\nleader: [unclosed\n")
    a_list = write(tmp_path / "dirk.yaml", "- version: 1\n")
    missing = tmp_path / "eva.yaml"

    code, out, err = run(
        capsys, "rules", "check", *(str(p) for p in (good, bad, not_yaml, a_list, missing))
    )

    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{good}: ok",
        f"{bad}:3:3: leader.langauge: unknown setting; did you mean 'language'?",
        f"{bad}:5:3: reflection.minutes: Input should be greater than or equal to 15",
        f"{not_yaml}:3:1: not valid YAML: expected ',' or ']', but got '<stream end>'",
        f"{a_list}:1:1: must be a mapping of settings",
        f"{missing}: file not found",
    ]


def test_check_reports_problems_of_the_files_below(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    organisation = write(tmp_path / "organisation.yaml", "lunch:\n  minutes: 200\n")
    leader = write(tmp_path / "anna.yaml", "version: 1\nextends: organisation.yaml\n")

    code, _, err = run(capsys, "rules", "check", str(leader))

    assert code == 2
    assert err == (
        f"{organisation}:2:3: lunch.minutes: Input should be less than or equal to 120\n"
    )


# show ------------------------------------------------------------------------------------------


def test_show_lists_every_setting_with_its_origin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "anna.yaml", GOOD)

    code, out, err = run(capsys, "rules", "show", str(path))

    assert (code, err) == (0, "")
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert rows["leader.email"].split()[1:] == ['"anna@example.org"', f"{path}:3:3"]
    assert rows["leader.language"].split()[1:] == ['"en"', f"{path}:4:3"]
    assert rows["measurement.focus_block_minutes"].split()[1] == "120"
    assert rows["measurement.focus_block_minutes"].endswith(":3")
    assert "<bundled defaults.yaml>:" in rows["measurement.focus_block_minutes"]
    assert len(rows) == len(out.splitlines())  # one row per setting


def test_show_of_a_bad_file_names_the_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "bert.yaml", BAD)

    code, out, err = run(capsys, "rules", "show", str(path))

    assert (code, out) == (2, "")
    assert err == (
        f"agenda-regie: {path}:3:3: leader.langauge: unknown setting; did you mean 'language'?\n"
        f"{path}:5:3: reflection.minutes: Input should be greater than or equal to 15\n"
    )


# schema ----------------------------------------------------------------------------------------


def test_schema_validates_the_bundled_defaults_and_a_starter_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "rules", "schema")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    defaults = yaml.safe_load((REPO / "rules" / "defaults.yaml").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(defaults)) == []

    _, printed, _ = run(capsys, "rules", "init", "--leader", "x@example.org", "--lang", "nl")
    starter = yaml.safe_load(printed)
    assert list(validator.iter_errors(starter)) == []


def test_schema_flags_what_check_flags(capsys: pytest.CaptureFixture[str]) -> None:
    main(["rules", "schema"])
    validator = jsonschema.Draft202012Validator(json.loads(capsys.readouterr().out))

    errors = sorted(validator.iter_errors(yaml.safe_load(BAD)), key=lambda e: list(e.path))
    assert [(list(e.path), e.validator) for e in errors] == [
        (["leader"], "additionalProperties"),
        (["reflection", "minutes"], "minimum"),
    ]


# preview ---------------------------------------------------------------------------------------

_NOT_OURS = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
# mutmut's own records, written beside the code by its other processes while a mutant's tests
# run in its copy of the repository (scripts/mutation): counted, they fail this test for every
# mutant it runs against, surviving ones included.
_MUTMUT_RECORDS = ("mutmut-stats.json", ".meta")


def repository_state() -> tuple[str, dict[str, tuple[int, str]]]:
    """`git status --porcelain` and (mtime, sha256) of every file of the working tree."""
    status = subprocess.run(
        ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files = {}
    for path in sorted(REPO.rglob("*")):
        parts = set(path.relative_to(REPO).parts)
        if parts & _NOT_OURS or any(p.startswith(".hypothesis") for p in parts):
            continue
        if path.name.endswith(_MUTMUT_RECORDS):
            continue
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files[str(path.relative_to(REPO))] = (path.stat().st_mtime_ns, digest)
    return status, files


def listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def test_preview_is_deterministic_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "sanne.yaml", "version: 1\nleader:\n  name: Sanne de Vries\n")
    monkeypatch.chdir(tmp_path)
    before = repository_state(), listing(tmp_path)

    first = run(capsys, "rules", "preview", str(path), *PREVIEW)
    second = run(capsys, "rules", "preview", str(path), *PREVIEW)

    (status, files), folder = repository_state(), listing(tmp_path)
    (status_before, files_before), folder_before = before
    changed = [
        k for k in sorted(files.keys() | files_before.keys()) if files.get(k) != files_before.get(k)
    ]
    assert changed == []
    assert status == status_before
    assert folder == folder_before
    assert first == second
    code, out, err = first
    assert (code, err) == (0, "")
    assert out.splitlines()[:4] == [
        f"Preview of {path} for Sanne de Vries: week 2026-W48 reviewed, proposals for week "
        "2026-W49",
        "Nothing has been written anywhere; this is what the rules would do.",
        "",
        "Proposals",
    ]
    assert "  Monday 30 November 16:30–16:45  Recovery break  leader:2026-W49:recovery:0\n" in out
    assert (
        "Buffer statuses compared with the default rules\n"
        "  Agenda control: alert (same as with the defaults)\n"
        "  Energy: alert (same as with the defaults)\n"
        "  Mini-retreats: alert (same as with the defaults)\n"
    ) in out


def test_preview_shows_an_indicator_status_that_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # In 2026-W48 meetings take 73% of Sanne's working time: attention by default (>= 60%),
    # alert when the alert threshold is 70%.
    path = write(
        tmp_path / "strict.yaml",
        'version: 1\nthresholds:\n  meeting_share: {attention: ">= 0.50", alert: ">= 0.70"}\n',
    )

    code, out, _ = run(capsys, "rules", "preview", str(path), *PREVIEW)

    assert code == 0
    assert (
        "Buffer statuses compared with the default rules\n"
        "  Agenda control: alert (same as with the defaults)\n"
        "  Energy: alert (same as with the defaults)\n"
        "  Mini-retreats: alert (same as with the defaults)\n"
        "  Share of working time in meetings: attention → alert\n"
        "\n"
    ) in out


def test_preview_shows_a_buffer_status_that_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Agenda control in 2026-W48: meetings 73%, focus 2 h, 0 meeting-free half-days, 33% at
    # short notice. Meetings get a 70% attention bound and the other three are switched off.
    path = write(
        tmp_path / "lenient.yaml",
        "version: 1\n"
        "leader:\n  language: nl\n"
        "thresholds:\n"
        '  meeting_share: {attention: ">= 0.70", alert: ">= 0.90"}\n'
        "  focus_hours: {attention: null, alert: null}\n"
        "  meeting_free_half_days: {attention: null, alert: null}\n"
        "  short_notice_share: {attention: null, alert: null}\n",
    )

    code, out, _ = run(capsys, "rules", "preview", str(path), *PREVIEW)

    assert code == 0
    assert (
        "Bufferstatussen vergeleken met de standaardregels\n"
        "  Agenda-regie: alarm → aandacht\n"
        "  Energiemanagement: alarm (gelijk aan de standaard)\n"
        "  Mini-retraites: alarm (gelijk aan de standaard)\n"
        "  Focusuren: alarm → in orde\n"
        "  Overlegvrije dagdelen: alarm → in orde\n"
        "  Overlegtijd op korte termijn ingepland: aandacht → in orde\n"
        "\n"
    ) in out


def test_preview_of_a_bad_file_names_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "bert.yaml", BAD)
    code, out, err = run(capsys, "rules", "preview", str(path), *PREVIEW)
    assert (code, out) == (2, "")
    assert err.startswith(f"agenda-regie: {path}:3:3: leader.langauge: unknown setting")


# review --rules --------------------------------------------------------------------------------


def test_review_uses_the_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "sanne.yaml", "version: 1\nleader:\n  language: nl\n")
    args = [
        "review",
        str(SAMPLE),
        "--today",
        "2026-11-30",
        "--format",
        "json",
        "--rules",
        str(path),
    ]

    code, out, _ = run(capsys, *args)
    review = json.loads(out)
    assert code == 0
    assert review["language"] == "nl"
    assert review["week"] == "2026-W48"

    # --lang on the command line goes over the file.
    code, out, _ = run(capsys, *args, "--lang", "en")
    assert (code, json.loads(out)["language"]) == (0, "en")


def test_review_with_a_bad_rules_file_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "bert.yaml", BAD)
    code, out, err = run(
        capsys, "review", str(SAMPLE), "--today", "2026-11-30", "--rules", str(path)
    )
    assert (code, out) == (2, "")
    assert err == (
        f"agenda-regie: {path}:3:3: leader.langauge: unknown setting; did you mean 'language'?\n"
        f"{path}:5:3: reflection.minutes: Input should be greater than or equal to 15\n"
    )


def test_preview_says_why_a_due_mini_retreat_is_not_proposed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The four-day-week leader's next week has no free stretch of 3 h on Monday to Thursday.
    code, out, err = run(
        capsys,
        "rules",
        "preview",
        str(REPO / "examples" / "rules" / "leader-four-day-week.yaml"),
        "--calendar",
        str(SAMPLE),
        "--today",
        "2026-11-30",
    )
    assert code == 0, err
    notes = out.split("Opmerkingen\n", 1)[1]
    assert notes.startswith("  - Een mini-retraite is aan de beurt")
    assert "geen vrij blok van 3 u in werktijd" in notes
