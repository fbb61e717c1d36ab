"""Rule files in layers: bundled defaults, then organisation, team and leader through `extends`.

Values merge key by key and lists replace; `rules show` names the file and line of every value;
every problem, in any layer, is reported at once with its file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.cli import rules as rules_commands
from rules import RulesError, load_rules
from rules.load import default_rules_text

ORGANISATION = """\
version: 1
leader:
  language: nl
  holiday_country: NL
working_hours:
  friday: ["08:30-13:00"]
  wednesday: ["08:30-17:30"]
reflection:
  minutes: 60
  preferred_windows: ["08:30-12:00", "13:00-15:00"]
classification:
  reflection_keywords: [denktijd, focus]
"""

TEAM = """\
extends: ../organisation.yaml
working_hours:
  friday: []
  wednesday: ["09:00-17:00"]
reflection:
  blocks_per_week: 3
"""

LEADER = """\
version: 1
extends: ../team/team.yaml
leader:
  email: anna@example.org
reflection:
  preferred_windows: ["14:00-16:00"]
"""


@pytest.fixture
def layers(tmp_path: Path) -> dict[str, Path]:
    """organisation.yaml <- team/team.yaml <- leaders/anna.yaml, each naming the one below."""
    (tmp_path / "team").mkdir()
    (tmp_path / "leaders").mkdir()
    files = {
        "organisation": tmp_path / "organisation.yaml",
        "team": tmp_path / "team" / "team.yaml",
        "leader": tmp_path / "leaders" / "anna.yaml",
    }
    files["organisation"].write_text(ORGANISATION, encoding="utf-8")
    files["team"].write_text(TEAM, encoding="utf-8")
    files["leader"].write_text(LEADER, encoding="utf-8")
    return files


def problems(path: Path) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    return [str(p) for p in caught.value.problems]


def default_line(text: str) -> int:
    """The line of bundled defaults.yaml that starts with `text` (indentation included)."""
    lines = default_rules_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(text))


_ROW = re.compile(r"^(?P<key>\S+)\s+(?P<value>.*?)\s+(?P<file>(<bundled [^>]+>|\S+)):(\d+):(\d+)$")


def shown(path: Path) -> dict[str, tuple[str, Path | str, int, int]]:
    """`rules show` as {setting: (value, file, line, column)}; files resolved."""
    rows = {}
    for line in rules_commands.show(path).splitlines():
        match = _ROW.match(line)
        assert match, line
        where = match["file"]
        file: Path | str = where if where.startswith("<") else Path(where).resolve()
        rows[match["key"]] = (match["value"], file, int(match[5]), int(match[6]))
    return rows


# merging ---------------------------------------------------------------------------------------


def test_values_merge_key_by_key_through_the_layers(layers: dict[str, Path]) -> None:
    rules = load_rules(layers["leader"])

    # leader: email from the leader's file, language and holidays from the organisation, the
    # time zone from the bundled defaults.
    assert rules.leader.email == "anna@example.org"
    assert rules.leader.language == "nl"
    assert rules.leader.holiday_country == "NL"
    assert rules.leader.timezone == "Europe/Amsterdam"
    # working hours: the team overrides the organisation's Friday and Wednesday, Monday is the
    # bundled default.
    assert [str(r) for r in rules.working_hours.friday] == []
    assert [str(r) for r in rules.working_hours.wednesday] == ["09:00-17:00"]
    assert [str(r) for r in rules.working_hours.monday] == ["08:30-17:30"]
    # reflection: minutes from the organisation, blocks from the team, different_days default.
    assert rules.reflection.minutes == 60
    assert rules.reflection.blocks_per_week == 3
    assert rules.reflection.different_days is True
    assert rules.reflection_target_minutes == 180


def test_lists_replace_the_list_below_whole(layers: dict[str, Path]) -> None:
    rules = load_rules(layers["leader"])

    # The leader's one window replaces the organisation's two; nothing is appended.
    assert [str(w) for w in rules.reflection.preferred_windows] == ["14:00-16:00"]
    # The organisation's two keywords replace the fourteen bundled ones.
    assert rules.classification.reflection_keywords == ("denktijd", "focus")


def test_each_layer_read_alone_holds_what_is_below_it(layers: dict[str, Path]) -> None:
    organisation = load_rules(layers["organisation"])
    team = load_rules(layers["team"])

    assert [str(r) for r in organisation.working_hours.friday] == ["08:30-13:00"]
    assert organisation.reflection.blocks_per_week == 2
    assert organisation.leader.email is None
    assert [str(r) for r in team.working_hours.friday] == []
    assert [str(w) for w in team.reflection.preferred_windows] == ["08:30-12:00", "13:00-15:00"]


def test_rules_show_names_the_file_and_line_of_every_value(layers: dict[str, Path]) -> None:
    rows = shown(layers["leader"])
    organisation, team, leader = (layers[k].resolve() for k in ("organisation", "team", "leader"))
    bundled = "<bundled defaults.yaml>"

    assert rows["leader.email"] == ('"anna@example.org"', leader, 4, 3)
    assert rows["reflection.preferred_windows"] == ('["14:00-16:00"]', leader, 6, 3)
    assert rows["working_hours.friday"] == ("[]", team, 3, 3)
    assert rows["working_hours.wednesday"] == ('["09:00-17:00"]', team, 4, 3)
    assert rows["reflection.blocks_per_week"] == ("3", team, 6, 3)
    assert rows["leader.language"] == ('"nl"', organisation, 3, 3)
    assert rows["reflection.minutes"] == ("60", organisation, 9, 3)
    assert rows["classification.reflection_keywords"] == (
        '["denktijd", "focus"]',
        organisation,
        12,
        3,
    )
    assert rows["leader.timezone"] == (
        '"Europe/Amsterdam"',
        bundled,
        default_line("  timezone:"),
        3,
    )
    assert rows["working_hours.monday"] == (
        '["08:30-17:30"]',
        bundled,
        default_line("  monday:"),
        3,
    )
    assert rows["version"] == ("1", leader, 1, 1)
    # Every effective setting has a row, and none is `extends`.
    assert "extends" not in rows
    assert "thresholds.days_since_mini_retreat.missing" in rows


# files that cannot be read ---------------------------------------------------------------------


def test_a_missing_extended_file_is_reported_at_the_extends_line(tmp_path: Path) -> None:
    leader = tmp_path / "leaders" / "bob.yaml"
    leader.parent.mkdir()
    leader.write_text("version: 1\nextends: ../team/nope.yaml\n", encoding="utf-8")

    missing = tmp_path / "team" / "nope.yaml"  # shown without the "leaders/.." detour
    assert problems(leader) == [f"{leader}:2:1: extends: {missing}: file not found"]


def test_a_missing_file_deeper_in_the_chain_is_reported_where_it_is_named(
    layers: dict[str, Path],
) -> None:
    layers["organisation"].unlink()

    # Paths are shown as plain as they can be, without "leaders/../" detours.
    team_as_named = layers["team"]
    missing = layers["organisation"]
    assert problems(layers["leader"]) == [
        f"{team_as_named}:1:1: extends: {missing}: file not found"
    ]


def test_an_extends_loop_is_reported(tmp_path: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text("version: 1\nextends: second.yaml\n", encoding="utf-8")
    second.write_text("# the loop closes here\nextends: first.yaml\n", encoding="utf-8")

    assert problems(first) == [f"{second}:2:1: extends: {first} extends itself in a loop"]


def test_a_file_extending_itself_is_a_loop(tmp_path: Path) -> None:
    itself = tmp_path / "itself.yaml"
    itself.write_text("extends: ./itself.yaml\nversion: 1\n", encoding="utf-8")

    assert problems(itself) == [
        f"{itself}:1:1: extends: {tmp_path / 'itself.yaml'} extends itself in a loop"
    ]


# every problem at once -------------------------------------------------------------------------

SIX_MISTAKES = """\
version: 1
leader:
  timezone: Europe/Amsterdm
  langauge: nl
working_hours:
  monday: ["08:30-12:30", "12:00-17:00"]
reflection:
  preferred_windows: ["19:00-21:00"]
recovery:
  break_minutes: 500
lunch:
  minutes: half an hour
"""


def test_every_mistake_in_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "anna.yaml"
    path.write_text(SIX_MISTAKES, encoding="utf-8")

    assert problems(path) == [
        f"{path}:3:3: leader.timezone: 'Europe/Amsterdm' is not a known IANA time zone "
        "(e.g. Europe/Amsterdam)",
        f"{path}:4:3: leader.langauge: unknown setting; did you mean 'language'?",
        f"{path}:6:3: working_hours.monday: ranges 08:30-12:30 and 12:00-17:00 overlap",
        f"{path}:8:3: reflection.preferred_windows.0: 19:00-21:00 lies outside the working "
        "hours of every day",
        f"{path}:10:3: recovery.break_minutes: Input should be less than or equal to 120",
        f"{path}:12:3: lunch.minutes: Input should be a valid integer, unable to parse string "
        "as an integer",
    ]


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        # Monday's overlapping ranges together reach 21:30; Tuesday's cannot be read.
        (
            'working_hours:\n  monday: ["08:30-12:30", "12:00-17:00", "16:00-21:30"]\n'
            "  tuesday: 5\n",
            [
                "3:3: working_hours.monday: ranges 08:30-12:30 and 12:00-17:00 overlap",
                "4:3: working_hours.tuesday: Input should be a valid tuple",
            ],
        ),
        # A misspelt section may have been meant as the working hours.
        (
            'workinghours:\n  monday: ["18:00-22:00"]\n',
            ["2:1: workinghours: unknown setting; did you mean 'working_hours'?"],
        ),
    ],
)
def test_a_broken_setting_never_invents_a_cross_check_problem(
    tmp_path: Path, hours: str, expected: list[str]
) -> None:
    # The evening window might fit the hours the assistant meant: only the mistakes themselves
    # are reported.
    path = tmp_path / "anna.yaml"
    path.write_text(
        f'version: 1\n{hours}reflection:\n  preferred_windows: ["19:00-21:00"]\n',
        encoding="utf-8",
    )
    assert problems(path) == [f"{path}:{problem}" for problem in expected]


def test_a_mistake_in_the_organisation_file_is_reported_against_that_file(
    layers: dict[str, Path],
) -> None:
    layers["organisation"].write_text(
        ORGANISATION + "lunch:\n  minutez: 45\nmini_retreat:\n  minutes: 30\n", encoding="utf-8"
    )
    organisation_as_named = layers["organisation"]
    leader_problems = problems(layers["leader"])

    assert leader_problems == [
        f"{organisation_as_named}:14:3: lunch.minutez: unknown setting; did you mean 'minutes'?",
        f"{organisation_as_named}:16:3: mini_retreat.minutes: Input should be greater than or "
        "equal to 60",
    ]
    assert Path(leader_problems[0].split(":")[0]).resolve() == layers["organisation"].resolve()
    # Checked on its own, the organisation file gives the same problems under its own name.
    assert [p.replace(str(organisation_as_named), "ORG") for p in leader_problems] == [
        p.replace(str(layers["organisation"]), "ORG") for p in problems(layers["organisation"])
    ]


def test_a_cross_check_is_reported_where_the_value_was_set(layers: dict[str, Path]) -> None:
    # The team's Wednesday starts at 09:00 and Friday is off; the organisation's early window
    # fits the working hours of no day once the leader's file no longer replaces it.
    layers["leader"].write_text("version: 1\nextends: ../team/team.yaml\n", encoding="utf-8")
    layers["organisation"].write_text(
        ORGANISATION.replace('["08:30-12:00", "13:00-15:00"]', '["07:00-08:00"]'),
        encoding="utf-8",
    )
    organisation_as_named = layers["organisation"]

    assert problems(layers["leader"]) == [
        f"{organisation_as_named}:10:3: reflection.preferred_windows.0: 07:00-08:00 lies "
        "outside the working hours of every day"
    ]


def test_a_higher_layer_can_mend_a_value_of_a_lower_one(layers: dict[str, Path]) -> None:
    # The organisation's window is outside everyone's hours, but the leader replaces it.
    layers["organisation"].write_text(
        ORGANISATION.replace('["08:30-12:00", "13:00-15:00"]', '["07:00-08:00"]'),
        encoding="utf-8",
    )
    assert [str(w) for w in load_rules(layers["leader"]).reflection.preferred_windows] == [
        "14:00-16:00"
    ]
    assert len(problems(layers["organisation"])) == 1


def test_rules_stored_with_the_history_load_back_the_same() -> None:
    # The history keeps each week's effective rules as JSON (times written "07:00:00", ranges
    # as objects); reading them back must give the same rules, or the confirm page and the
    # workers would act on other rules than the review used.
    from rules import load_rules

    rules = load_rules(None, {"delivery": {"time": "06:30"}, "leader": {"language": "nl"}})
    again = load_rules(None, rules.model_dump(mode="json"))
    assert again == rules
    assert again.delivery.time.strftime("%H:%M") == "06:30"


def test_stored_rules_leave_the_leaders_identity_out_and_load_back_the_same() -> None:
    # The store keeps `rules_json` (the model's JSON without the leader's address, name, language
    # and zone, which the leader's record holds); `rules_from_json` with the leader's gives the
    # same rules.
    import json

    from rules import load_rules, rules_from_json, rules_json

    rules = load_rules(
        None,
        {
            "delivery": {"time": "06:30"},
            "leader": {"language": "nl", "email": "a@example.org", "timezone": "Asia/Tokyo"},
        },
    )
    stored = rules_json(rules)
    assert "email" not in json.loads(stored)["leader"]
    assert "timezone" not in json.loads(stored)["leader"]
    assert "language" not in json.loads(stored)["leader"]
    assert "name" not in json.loads(stored)["leader"]
    again = rules_from_json(stored, email="a@example.org", timezone="Asia/Tokyo", language="nl")
    assert again == rules
    assert again.delivery.time.strftime("%H:%M") == "06:30"
    elsewhere = rules_from_json(stored, email="b@example.org", timezone="America/New_York")
    assert (elsewhere.leader.email, elsewhere.leader.timezone, elsewhere.leader.language) == (
        "b@example.org",
        "America/New_York",
        "en",
    )
