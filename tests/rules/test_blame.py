"""Which file and line a problem is blamed on, across layers, and which problems one run reports.

A problem with a whole section points at the highest layer that set anything in it; a mapping
that a higher layer replaced whole no longer blames the settings lower layers had inside it;
unknown settings get a suggestion only when a known one is close; and a broken setting does
not hide the checks of the other sections.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rules import RulesError, load_rules
from rules.values import WEEKDAYS


def problems(path: Path) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    return [str(p) for p in caught.value.problems]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def chain(tmp_path: Path) -> dict[str, Path]:
    """organisation.yaml <- team/team.yaml <- leaders/anna.yaml."""
    organisation = write(
        tmp_path / "organisation.yaml",
        "version: 1\n"
        "lunch: false\n"  # not a mapping: replaced whole by the leader's
        "working_hours:\n"
        "  monday: []\n"
        "  tuesday: []\n"
        "  wednesday: []\n",
    )
    team = write(
        tmp_path / "team" / "team.yaml",
        "extends: ../organisation.yaml\n"
        "reflection:\n"
        "  blocks_per_week: 1\n"  # lines before the team's working hours
        "working_hours:\n"
        "  thursday: []\n"
        "  friday: []\n",
    )
    leader = write(
        tmp_path / "leaders" / "anna.yaml",
        "version: 1\nextends: ../team/team.yaml\nlunch:\n  minutes: 45\n",
    )
    return {"organisation": organisation, "team": team, "leader": leader}


def test_a_section_problem_is_blamed_on_the_highest_layer_that_set_anything_in_it(
    chain: dict[str, Path],
) -> None:
    # The organisation empties Monday to Wednesday, the team Thursday and Friday: the team's
    # first line inside working_hours, not the bundled defaults where the section began.
    team = chain["team"]
    assert problems(team) == [
        f"{chain['organisation']}:2:1: lunch: Input should be a valid dictionary or instance of "
        "Lunch",
        f"{team}:5:3: working_hours: no working time on any day of the week",
    ]


def test_a_mapping_replaced_whole_no_longer_blames_what_lower_layers_set_inside_it(
    chain: dict[str, Path],
) -> None:
    # The leader's lunch mapping replaces the organisation's `false`, which had replaced the
    # bundled lunch settings: what is missing now is the leader's file's to say, at its `lunch`.
    leader = chain["leader"]
    assert problems(leader) == [
        f"{leader}:3:1: lunch.enabled: is missing (the bundled defaults were changed?)",
        f"{leader}:3:1: lunch.window: is missing (the bundled defaults were changed?)",
        f"{chain['team']}:5:3: working_hours: no working time on any day of the week",
    ]


def test_unknown_settings_get_a_suggestion_only_when_a_known_one_is_close(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "anna.yaml",
        "version: 1\nextend: base.yaml\nzzzzzz: 1\nlunch:\n  extend: 1\n  minuts: 3\n",
    )
    assert problems(path) == [
        f"{path}:2:1: extend: unknown setting; did you mean 'extends'?",
        f"{path}:3:1: zzzzzz: unknown setting",
        f"{path}:5:3: lunch.extend: unknown setting",  # extends is a top-level word only
        f"{path}:6:3: lunch.minuts: unknown setting; did you mean 'minutes'?",
    ]


def test_a_section_that_is_no_mapping_is_one_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "anna.yaml", "version: 1\nworking_hours: nine-to-five\n")
    assert problems(path) == [
        f"{path}:2:1: working_hours: Input should be a valid dictionary or instance of WorkingHours"
    ]


def test_a_broken_setting_does_not_hide_the_other_sections_checks(
    tmp_path: Path,
) -> None:
    no_days = "".join(f"  {day}: []\n" for day in ("monday", "tuesday", "wednesday", "thursday"))
    path = write(
        tmp_path / "anna.yaml",
        f"version: 1\nlunch:\n  minutes: -5\nworking_hours:\n{no_days}  friday: []\n",
    )
    assert problems(path) == [
        f"{path}:3:3: lunch.minutes: Input should be greater than or equal to 10",
        f"{path}:5:3: working_hours: no working time on any day of the week",
    ]


def test_a_broken_list_item_does_not_hide_the_other_sections_checks(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "anna.yaml",
        'version: 1\nreflection:\n  preferred_windows: ["bogus"]\nlunch:\n'
        '  window: "05:00-06:00"\n',
    )
    assert problems(path) == [
        f"{path}:3:3: reflection.preferred_windows: 'bogus' is not a time range like 08:30-17:30",
        f"{path}:5:3: lunch.window: 05:00-06:00 lies outside the working hours of every day",
    ]


def test_a_broken_day_of_working_hours_counts_as_a_whole_day_for_the_other_checks(
    tmp_path: Path,
) -> None:
    days = "".join(f"  {day}: []\n" for day in ("tuesday", "wednesday", "thursday", "friday"))
    path = write(
        tmp_path / "anna.yaml",
        f"version: 1\nworking_hours:\n  monday: [bogus]\n{days}reflection:\n  blocks_per_week: 3\n",
    )
    # Monday may be anything: taken as the whole day, the week has one working day, which three
    # blocks on different days cannot share; "no working time" is not invented.
    assert problems(path) == [
        f"{path}:3:3: working_hours.monday: 'bogus' is not a time range like 08:30-17:30",
        f"{path}:9:3: reflection.blocks_per_week: 3 blocks on different days need more working "
        "days than the week has (1)",
    ]


def test_overlapping_ranges_of_a_broken_day_are_joined_for_the_other_checks(
    tmp_path: Path,
) -> None:
    days = "".join(f"  {day}: []\n" for day in ("tuesday", "wednesday", "thursday", "friday"))
    path = write(
        tmp_path / "anna.yaml",
        'version: 1\nworking_hours:\n  monday: ["09:00-11:00", "10:00-10:30", "11:00-13:00"]\n'
        f"{days}reflection:\n  minutes: 200\n  blocks_per_week: 1\n",
    )
    # Monday overlaps itself; joined it is 09:00-13:00 (240 min, the touching ranges too), in
    # which a 200-minute block fits: only the broken day is reported.
    [only] = problems(path)
    assert only.startswith(f"{path}:3:3: working_hours.monday: ")


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        (
            "attention: bogus",
            "thresholds.meeting_share.attention: 'bogus' is not a comparison like '>= 0.60' or "
            "'< 10' (operators < <= > >= =)",
        ),
        (
            'atention: ">= 0.5"',
            "thresholds.meeting_share.atention: unknown setting; did you mean 'attention'?",
        ),
    ],
    ids=["invalid", "misspelt"],
)
def test_a_broken_setting_three_levels_deep_does_not_hide_the_other_checks(
    tmp_path: Path, setting: str, problem: str
) -> None:
    path = write(
        tmp_path / "anna.yaml",
        f"version: 1\nthresholds:\n  meeting_share:\n    {setting}\n"
        'lunch:\n  window: "05:00-06:00"\n',
    )
    assert problems(path) == [
        f"{path}:4:5: {problem}",
        f"{path}:6:3: lunch.window: 05:00-06:00 lies outside the working hours of every day",
    ]


def test_an_extends_that_is_no_path_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "anna.yaml", "version: 1\nextends: 5\n")
    assert problems(path) == [f"{path}:2:1: extends: must be the path of a rule file"]


def test_a_broken_item_of_a_list_does_not_hide_the_other_sections_checks(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "anna.yaml",
        "version: 1\nclassification:\n  reflection_keywords: [[1]]\n"
        'lunch:\n  window: "05:00-06:00"\n',
    )
    assert problems(path) == [
        f"{path}:3:3: classification.reflection_keywords: Input should be a valid string",
        f"{path}:5:3: lunch.window: 05:00-06:00 lies outside the working hours of every day",
    ]


def test_a_folder_or_a_file_that_is_no_text_is_named_with_what_is_wrong(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    assert problems(folder) == [f"{folder}: is a directory, not a rule file"]
    assert problems(tmp_path / "missing.yaml") == [f"{tmp_path / 'missing.yaml'}: file not found"]
    binary = tmp_path / "anna.yaml"
    binary.write_bytes(b"version: 1\nleader:\n  name: \xff\xfe\n")
    [problem] = problems(binary)
    assert problem.startswith(f"{binary}: cannot be read ('utf-8' codec can't decode byte 0xff")


def test_extending_a_folder_or_a_missing_file_is_blamed_on_the_extends_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "team").mkdir()
    leader = write(tmp_path / "anna.yaml", "version: 1\nextends: team\n")
    team, gone = tmp_path / "team", tmp_path / "gone.yaml"
    assert problems(leader) == [f"{leader}:2:1: extends: {team}: is a directory, not a rule file"]
    write(leader, "version: 1\nextends: gone.yaml\n")
    assert problems(leader) == [f"{leader}:2:1: extends: {gone}: file not found"]


def test_a_setting_given_on_the_command_line_is_blamed_on_the_command_line() -> None:
    with pytest.raises(RulesError) as caught:
        load_rules(overrides={"lunch": {"minutes": 5}})
    assert [str(p) for p in caught.value.problems] == [
        "<command line>: lunch.minutes: Input should be greater than or equal to 10"
    ]


def test_a_wrong_value_of_a_known_setting_gets_no_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path / "anna.yaml", "version: 1\nlunch:\n  minutes: lang\n")
    assert problems(path) == [
        f"{path}:3:3: lunch.minutes: Input should be a valid integer, unable to parse string "
        "as an integer"
    ]


def test_problems_on_one_line_are_told_from_left_to_right(tmp_path: Path) -> None:
    path = write(tmp_path / "anna.yaml", "version: 1\nlunch: {window: 1, minutes: x}\n")
    # By column, not by name: "minutes" sorts before "window".
    assert problems(path) == [
        f"{path}:2:9: lunch.window: Input should be a valid dictionary or instance of ClockRange",
        f"{path}:2:20: lunch.minutes: Input should be a valid integer, unable to parse string as "
        "an integer",
    ]


def test_stored_layers_are_read_as_written_and_blamed_by_their_names() -> None:
    """The layers `rules apply` stored, each as its file was written (`extends` included)."""
    from rules.load import load_layers

    team = {"version": 1, "lunch": {"minutes": 45}}
    leader = {"version": 1, "extends": "team.yaml", "leader": {"language": "nl"}}
    rules, _ = load_layers([("team (version 3)", team), ("leader (version 1)", leader)])
    assert (rules.lunch.minutes, rules.leader.language) == (45, "nl")
    # Nothing of one leader's layers stays behind: not in what was passed, not in the defaults.
    assert team == {"version": 1, "lunch": {"minutes": 45}}
    assert leader["extends"] == "team.yaml"
    assert load_layers([])[0].lunch.minutes == 30
    early = {"version": 1, "working_hours": {day: ["06:00-08:00"] for day in WEEKDAYS}}
    with pytest.raises(RulesError) as caught:
        load_layers([("leader (version 2)", early)])
    # The windows and the block are the defaults' (their lines and columns); the hours are
    # the leader's.
    assert [str(p) for p in caught.value.problems] == [
        "<bundled defaults.yaml>:116:3: reflection.preferred_windows.0: 08:30-12:00 lies outside "
        "the working hours of every day",
        "<bundled defaults.yaml>:134:3: lunch.window: 11:30-14:00 lies outside the working "
        "hours of every day",
        "<bundled defaults.yaml>:141:3: mini_retreat.minutes: a block of 180 min is longer than "
        "the longest stretch of working time (120 min), so it could never be proposed",
    ]


def test_a_character_no_yaml_may_hold_is_named_on_one_line_with_its_place(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "anna.yaml", "version: 1\nleader:\n  name: Anna\x07\n")
    assert problems(path) == [
        f"{path}:3:13: not valid YAML: unacceptable character #x0007: special characters are "
        "not allowed"
    ]


@pytest.mark.parametrize("text", ["", "# nothing here yet\n"])
def test_an_empty_rule_file_changes_nothing(tmp_path: Path, text: str) -> None:
    assert load_rules(write(tmp_path / "anna.yaml", text)) == load_rules()
