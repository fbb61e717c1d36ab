"""One error tree: every error of ours is a user error (exit 2, one line) or a fault (exit 1),
and the command line turns each into one line and its exit code in one place."""

from __future__ import annotations

import pytest

from assistant.app.pipeline import LeaderNotFoundError
from assistant.app.writers import WriteBackUnavailableError
from assistant.cli.errors import InputError, problem
from assistant.errors import AgendaRegieError, Fault, UserError
from assistant.mail.links import LinkError, LinkSecretMissingError
from assistant.mail.send import MailError, SmtpSettingsError
from assistant.settings import (
    LinkSettings,
    Settings,
    SettingsError,
    SmtpSettings,
    WorkerSettings,
)
from assistant.store import MigrationNeededError
from assistant.store.crypto import SecretKeyError
from connectors import ConnectorError
from rules import RulesError
from rules.errors import RuleProblem


@pytest.mark.parametrize(
    "error",
    [
        SettingsError(["DATABASE_URL names no database"]),
        SmtpSettingsError(["AGENDA_REGIE_SMTP_HOST is not set"]),
        LinkSecretMissingError(),
        MigrationNeededError(None, "0003"),
        SecretKeyError("no key fits"),
        LeaderNotFoundError("nobody@example.org"),
        MailError("the server refused"),
        LinkError("expired"),
        InputError("x.ics: no such file"),
    ],
)
def test_the_users_mistakes_are_one_line_and_exit_2(error: AgendaRegieError) -> None:
    assert isinstance(error, UserError)
    assert problem(error) == (str(error), 2)


def test_a_fault_of_ours_is_one_line_and_exit_1() -> None:
    error = WriteBackUnavailableError("Microsoft 365 is not set up in this process")
    assert isinstance(error, Fault)
    assert problem(error) == (str(error), 1)


def test_the_roots_of_connectors_and_rules_are_mapped_in_one_place() -> None:
    feed = ConnectorError("feed.ics", "not a calendar", line=4)
    assert problem(feed) == ("feed.ics, line 4: not a calendar", 2)
    two = RulesError(
        [
            RuleProblem("rules.yaml", "focus", "unknown setting", 3, 1),
            RuleProblem(
                "rules.yaml",
                "lunch.window",
                "%(text)r is not a valid time range",
                9,
                3,
                {"text": "25:00-26:00"},
            ),
        ]
    )
    assert problem(two) == (
        "rules.yaml:3:1: focus: unknown setting\n"
        "rules.yaml:9:3: lunch.window: '25:00-26:00' is not a valid time range",
        2,
    )
    assert problem(ValueError("a bug")) is None


def test_the_settings_a_command_asks_for_are_checked_together() -> None:
    settings = Settings.from_environ({"AGENDA_REGIE_SMTP_PORT": "seventy"})
    with pytest.raises(SettingsError) as raised:
        settings.require(SmtpSettings, LinkSettings)
    assert len(raised.value.problems) == 4
    assert not isinstance(raised.value, SmtpSettingsError)
    with pytest.raises(SmtpSettingsError):
        settings.smtp()  # one group alone raises that group's own error
    assert settings.worker() == WorkerSettings()  # a group without problems is read once
    assert settings.worker() is settings.worker()


def test_a_group_made_in_code_reads_nothing_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENDA_REGIE_SMTP_USER", "someone")
    made = SmtpSettings("smtp.example.org", 587, "starttls", "review@example.org")
    assert made.user is None
