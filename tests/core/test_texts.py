"""Every sentence the core writes exists in English and Dutch, with the same placeholders."""

from __future__ import annotations

from string import Formatter

import pytest

from assistant.i18n import texts


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("key", sorted(texts.MESSAGES))
def test_message_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    message = texts.MESSAGES[key]
    assert set(message) == {"en", "nl"}
    assert message["en"].strip()
    assert message["nl"].strip()
    assert placeholders(message["en"]) == placeholders(message["nl"])


def test_the_languages_are_english_and_dutch() -> None:
    assert set(texts.LANGUAGES) == {"en", "nl"}


@pytest.mark.parametrize("number", range(len(texts.QUESTIONS)))
def test_reflection_question_exists_in_both_languages(number: int) -> None:
    question = texts.QUESTIONS[number]
    assert set(question) == {"en", "nl"}
    assert question["en"].endswith("?")
    assert question["nl"].endswith("?")


def test_each_week_gets_a_question_in_the_leaders_language() -> None:
    count = len(texts.QUESTIONS)
    # Consecutive weeks cycle through all questions.
    assert {texts.question_for_week(week, "en") for week in range(1, count + 1)} == {
        q["en"] for q in texts.QUESTIONS
    }
    assert texts.question_for_week(7, "nl") == texts.QUESTIONS[7 % count]["nl"]


@pytest.mark.parametrize(
    ("minutes", "en", "nl"),
    [
        (95, "95 min", "95 min"),
        (120, "2 h", "2 u"),
        (210, "3 h 30 min", "3 u 30 min"),
    ],
)
def test_durations_read_naturally(minutes: int, en: str, nl: str) -> None:
    assert texts.minutes(minutes, "en") == en
    assert texts.minutes(minutes, "nl") == nl


def test_numbers_use_the_languages_decimal_mark() -> None:
    assert texts.hours(3.5, "en") == "3.5 h"
    assert texts.hours(3.5, "nl") == "3,5 u"
    assert texts.percent(0.6, "nl") == "60%"
