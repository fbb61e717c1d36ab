"""The command line in the operator's language: help, argparse's own words, one-line errors and
summaries, in Dutch for a Dutch locale and in English otherwise; and no text left out of the
catalogue (every template in the code has its Dutch translation)."""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from assistant.cli.main import build_parser, main
from assistant.i18n.operator import operator_language
from assistant.i18n.translations import catalogue
from tests.conftest import REPO, SAMPLE, SAMPLE_LEADER

# Where a message template is written: `tr("...")`, an error's template, a rule problem's.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "tr": None,
    "tr_plural": (1, 2),
    "__init__": None,  # super().__init__("template", ...) of our errors
    "RuleValueError": None,
    "RuleProblem": (3,),
    "SecretKeyError": None,
    "SmtpRefusedError": None,
    "StoreError": None,
    "InputError": None,
    "ConsoleUserError": None,
    "PasswordError": None,
    "CalendarFetchError": (2,),
    "CalendarParseError": (2,),
    "FeedError": (2,),
    "GoogleAuthError": (2,),
    "MicrosoftAuthError": (2,),
    "SignInError": (2,),
}
PACKAGES = ("assistant", "connectors", "rules")


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANG": "en_GB.UTF-8", "LC_ALL": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_NL.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8", "LANGUAGE": "nl:en"}, "nl"),
        ({"LANG": "nl_NL.UTF-8", "LANGUAGE": "en"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_the_language_follows_the_locale_as_gettext_reads_it(
    environ: dict[str, str], language: str
) -> None:
    assert operator_language(environ) == language


def _help_texts(
    parser: argparse.ArgumentParser, path: str = "agenda-regie"
) -> Iterator[tuple[str, str]]:
    if parser.description:
        yield path, parser.description
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            yield f"{path} {'/'.join(action.option_strings) or action.dest}", action.help
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.help:
                    yield f"{path} {choice.dest}", choice.help
            for name, sub in action.choices.items():
                yield from _help_texts(sub, f"{path} {name}")


def test_every_help_text_has_a_dutch_translation() -> None:
    dutch = catalogue("nl")
    missing = []
    for where, help_text in _help_texts(build_parser()):
        found = dutch.get(help_text)
        if found is None or not found.string or found.string == help_text:
            missing.append(f"{where}: {help_text!r}")
    assert not missing, "help without Dutch:\n" + "\n".join(missing)


def test_every_template_in_the_code_has_a_dutch_translation() -> None:
    dutch = catalogue("nl")
    missing, unextractable = [], io.StringIO()
    with contextlib.redirect_stderr(unextractable):
        for package in PACKAGES:
            found = extract_from_dir(
                str(REPO / package), [("**.py", "python")], keywords=KEYWORDS, comment_tags=()
            )
            for filename, line, message, _comments, _context in found:
                english = message[0] if isinstance(message, tuple) else message
                if not any(c.isalpha() for c in english):
                    continue  # "; ".join(...) and the like
                entry = dutch.get(english)
                if entry is None or not (
                    all(entry.string) if isinstance(entry.string, tuple) else entry.string
                ):
                    missing.append(f"{package}/{filename}:{line}: {english!r}")
    assert not missing, "templates without Dutch:\n" + "\n".join(missing)
    # Babel names an f-string where a template belongs: it could never be translated.
    assert "Skipping f-string" not in unextractable.getvalue(), unextractable.getvalue()


def _dutch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "nl")


def test_help_is_dutch_for_a_dutch_locale(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _dutch(monkeypatch)
    with pytest.raises(SystemExit) as ended:
        main(["review", "--help"])
    assert ended.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("gebruik: agenda-regie review")
    assert "argumenten:" in out
    assert "opties:" in out
    assert "deze hulptekst tonen en stoppen" in out
    assert "doen alsof vandaag deze datum is" in out
    assert "pretend today" not in out
    assert "usage:" not in out


def test_help_is_english_otherwise(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["review", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: agenda-regie review")
    assert "pretend today is this date" in out


@pytest.mark.parametrize(
    ("arguments", "dutch"),
    [
        (["review"], "agenda-regie review: fout: deze argumenten ontbreken: SOURCE"),
        (
            ["review", "x.ics", "--week", "2026-X"],
            "agenda-regie review: fout: argument --week: '2026-X' is geen ISO-week zoals 2026-W13",
        ),
        (
            ["review", "x.ics", "--format", "pdf"],
            "agenda-regie review: fout: argument --format: ongeldige keuze: 'pdf' "
            "(kies uit 'text', 'json', 'html')",
        ),
    ],
)
def test_argparse_mistakes_are_dutch(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    dutch: str,
) -> None:
    _dutch(monkeypatch)
    with pytest.raises(SystemExit) as ended:
        main(arguments)
    assert ended.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == dutch


def _broken_rules(folder: Path) -> Path:
    path = folder / "rules.yaml"
    path.write_text(
        "version: 1\n"
        "reflection:\n"
        "  minutes: 5\n"
        "  preferred_windows: ['25:00-26:00']\n"
        "lunch:\n"
        "  window: 13:00-12:00\n"
        "focus: {}\n"
        "thresholds:\n"
        "  meeting_shar: '>= 0.5'\n",
        encoding="utf-8",
    )
    return path


def test_a_wrong_rule_file_is_told_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = _broken_rules(tmp_path)
    code = main(["review", str(SAMPLE), "--rules", str(rules), "--today", "2026-11-30"])
    english = capsys.readouterr().err
    _dutch(monkeypatch)
    code_nl = main(["review", str(SAMPLE), "--rules", str(rules), "--today", "2026-11-30"])
    dutch = capsys.readouterr().err
    assert code == code_nl == 2
    assert len(dutch.splitlines()) == len(english.splitlines()) >= 3
    assert "Input should be greater than or equal to 15" in english
    assert "Waarde moet groter dan of gelijk aan 15 zijn" in dutch
    assert "'25:00-26:00' is geen geldig tijdvak" in dutch
    assert "onbekende instelling; bedoelt u 'meeting_share'?" in dutch
    for line in dutch.removeprefix("agenda-regie: ").splitlines():  # each names file and line
        assert line.startswith(f"{rules}:")
    assert "Input should" not in dutch
    assert "unknown setting" not in dutch


@pytest.mark.parametrize(
    ("content", "dutch"),
    [
        (None, "{path}: bestand niet gevonden"),
        ("hello\n", "{path}: geen iCalendar-bestand (geen BEGIN:VCALENDAR)"),
        (
            "BEGIN:VCALENDAR\nVERSION:2.0\n",
            "{path}: het bestand houdt op vóór END:VCALENDAR (afgekapt?)",
        ),
    ],
)
def test_a_calendar_that_cannot_be_read_is_told_in_dutch(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: str | None,
    dutch: str,
) -> None:
    path = tmp_path / "calendar.ics"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    _dutch(monkeypatch)
    code = main(["review", str(path), "--today", "2026-11-30"])
    assert code == 2
    assert capsys.readouterr().err == f"agenda-regie: {dutch.format(path=path)}\n"


def test_summaries_and_store_errors_are_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _dutch(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("De database staat op revisie ")
    code = main(
        ["history", str(SAMPLE), "--leader", SAMPLE_LEADER, "--weeks", "3", "--today", "2026-11-30"]
    )
    assert code == 0
    assert capsys.readouterr().out == (
        f"3 weken opgeslagen voor {SAMPLE_LEADER}: 2026-W46 tot en met 2026-W48.\n"
    )
    missing = tmp_path / "nowhere" / "metrics.csv"
    assert main(["export", "--format", "csv", "--output", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"agenda-regie: {missing}: de export kan niet worden geschreven; "
        f"er is geen map {missing.parent}\n"
    )
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    (tmp_path / "empty.db").touch()
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out == "leeg: draai agenda-regie db upgrade\n"


def test_missing_settings_are_told_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AGENDA_REGIE_SMTP_HOST", "AGENDA_REGIE_SMTP_FROM", "AGENDA_REGIE_LINK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    _dutch(monkeypatch)
    assert main(["send-review", "--leader", "x@example.org"]) == 2
    assert capsys.readouterr().err == (
        "agenda-regie: AGENDA_REGIE_SMTP_HOST is niet ingesteld (de naam van de SMTP-server); "
        "AGENDA_REGIE_SMTP_FROM moet het adres van de afzender zijn; stel "
        "AGENDA_REGIE_LINK_SECRET in op een lange willekeurige tekenreeks (de sleutel die de "
        "links in e-mails ondertekent)\n"
    )
