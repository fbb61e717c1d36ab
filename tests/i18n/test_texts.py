"""One gettext catalogue per language: every message exists in English and Dutch with the same
placeholders and plural forms, and numbers, durations and counts read naturally."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from assistant.core.analysis import QUESTION_COUNT, question_for_week
from assistant.core.catalogue import INDICATORS
from assistant.core.continua import ContinuaPoint, continua
from assistant.core.reasons import Quantity, reason
from assistant.core.review import IsoWeek, SignalResult, Sparkline
from assistant.core.trends import ENERGY_TRENDS, SIGNALS, counterforce_step
from assistant.i18n import texts, wording
from assistant.i18n.translations import LANGUAGES, catalogue, entries
from assistant.i18n.wording import word
from tests.conftest import REPO

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def messages(language: str) -> Iterator[Message]:
    return (message for message in catalogue(language) if message.id)


def key(message: Message) -> tuple[str | None, str]:
    singular = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return message.context, str(singular)


ENGLISH = {key(message): message for message in messages("en")}
DUTCH = {key(message): message for message in messages("nl")}


def test_the_languages_are_english_and_dutch() -> None:
    assert set(LANGUAGES) == {"en", "nl"}
    assert set(texts.LANGUAGES) == {"en", "nl"}


def test_both_catalogues_hold_the_same_messages() -> None:
    assert set(ENGLISH) == set(DUTCH)


@pytest.mark.parametrize("found", sorted(ENGLISH, key=str), ids=str)
def test_message_exists_in_both_languages_with_the_same_placeholders(
    found: tuple[str | None, str],
) -> None:
    english, dutch = ENGLISH[found], DUTCH[found]
    if isinstance(english.id, tuple | list):
        # Plural forms: English msgid / msgid_plural against Dutch msgstr[0] / msgstr[1].
        assert isinstance(dutch.string, tuple | list)
        assert len(dutch.string) == 2
        for english_form, dutch_form in zip(english.id, dutch.string, strict=True):
            assert english_form.strip()
            assert dutch_form.strip()
            assert placeholders(english_form) == placeholders(dutch_form)
    else:
        assert english.id.strip()
        assert isinstance(dutch.string, str)
        assert dutch.string.strip()
        assert placeholders(english.id) == placeholders(dutch.string)


def test_both_catalogues_have_two_plural_forms() -> None:
    for language in LANGUAGES:
        assert catalogue(language).num_plurals == 2
        assert catalogue(language).plural_expr == "(n != 1)"


def test_a_plural_message_names_the_value_that_counts() -> None:
    plural = {message_id: entry for message_id, entry in entries().items() if entry.plural}
    assert "trend.some_fired" in plural
    for message_id, entry in plural.items():
        assert entry.count is not None, message_id
        assert entry.count in placeholders(entry.plural or ""), message_id


def test_every_message_the_core_can_name_is_in_the_catalogue() -> None:
    ids = set(entries())
    assert {f"reason.{d.id}" for d in INDICATORS if d.id in THRESHOLDED} <= ids
    assert {"reason.ok", "reason.no_value", "level.attention", "level.alert"} <= ids
    metrics = {metric for _, inputs in (*SIGNALS, *ENERGY_TRENDS) for metric, _ in inputs}
    assert {f"signal.{signal_id}" for signal_id, _ in (*SIGNALS, *ENERGY_TRENDS)} <= ids
    for metric in metrics:
        assert {f"trend.fired.{metric}", f"trend.subject.{metric}", f"trend.value.{metric}"} <= ids
    assert {f"question.{number}" for number in range(QUESTION_COUNT)} <= ids


THRESHOLDED = {
    "meeting_share",
    "focus_hours",
    "meeting_free_half_days",
    "short_notice_share",
    "longest_back_to_back_minutes",
    "days_without_midday_break",
    "longest_workday_span_hours",
    "short_rest_nights",
    "after_hours_meeting_hours",
    "missing_reflection_minutes",
    "days_since_mini_retreat",
}


@pytest.mark.parametrize("number", range(QUESTION_COUNT))
def test_reflection_question_exists_in_both_languages(number: int) -> None:
    english = texts.text(f"question.{number}", "en")
    dutch = texts.text(f"question.{number}", "nl")
    assert english.endswith("?")
    assert dutch.endswith("?")
    assert english != dutch


def test_each_week_gets_a_question_in_the_leaders_language() -> None:
    # Consecutive weeks cycle through all questions.
    asked = {word(question_for_week(week), "en") for week in range(1, QUESTION_COUNT + 1)}
    assert len(asked) == QUESTION_COUNT
    assert word(question_for_week(7), "nl") == texts.text(f"question.{7 % QUESTION_COUNT}", "nl")


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


@pytest.mark.parametrize(
    ("count", "en", "nl"),
    [(1, "1 week", "1 week"), (3, "3 weeks", "3 weken")],
)
def test_weeks_take_the_plural_form_of_their_count(count: int, en: str, nl: str) -> None:
    assert texts.weeks(count, "en") == en
    assert texts.weeks(count, "nl") == nl


@pytest.mark.parametrize(
    ("value", "en", "nl"),
    [(1, "1 day", "1 dag"), (1.5, "1.5 days", "1,5 dagen"), (2, "2 days", "2 dagen")],
)
def test_days_take_the_plural_form_of_their_number(value: float, en: str, nl: str) -> None:
    assert texts.days(value, "en") == en
    assert texts.days(value, "nl") == nl


def test_the_summary_of_signals_takes_the_plural_form_of_their_count() -> None:
    one = texts.text("trend.some_fired", "en", count=1, total=5, hold="3 weeks")
    two = texts.text("trend.some_fired", "en", count=2, total=5, hold="3 weeks")
    assert one.startswith("Against your own baseline, one of the 5 signals of narrowing has held")
    assert two.startswith("Against your own baseline, 2 of the 5 signals of narrowing have held")
    dutch = texts.text("trend.some_fired", "nl", count=1, total=5, hold="3 weken")
    assert dutch.startswith("Vergeleken met je eigen basislijn hield één van de 5 signalen")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_message_reads_differently_for_one_and_for_more(language: str) -> None:
    # "1 half-days were free of meetings" came from a message whose two forms were the same.
    same = []
    for message_id, entry in entries().items():
        if entry.plural is None:
            continue
        assert entry.count is not None
        values = {name: 7 for name in placeholders(entry.singular) | placeholders(entry.plural)}
        one = texts.text(message_id, language, 1, **values)
        two = texts.text(message_id, language, 2, **values)
        five = texts.text(message_id, language, 5, **values)
        zero = texts.text(message_id, language, 0, **values)
        if one == five:
            same.append(message_id)
        assert zero == two == five, message_id  # 0, 2 and 5 take the plural in both languages
    assert not same, f"{language}: the same words for 1 and 5 in {same}"


# --- The signals of narrowing, the counterforce steps and the two continua, at 0, 1, 2 and 5 ---

COUNTS = (0, 1, 2, 5)
PEOPLE = {
    "en": {0: "0 people a week", 1: "1 person a week", 2: "2 people a week", 5: "5 people a week"},
    "nl": {
        0: "0 personen per week",
        1: "1 persoon per week",
        2: "2 personen per week",
        5: "5 personen per week",
    },
}
SESSIONS = {
    "en": {0: "0 sessions a week", 1: "1 session a week", 2: "2 sessions a week"},
    "nl": {0: "0 gesprekken per week", 1: "1 gesprek per week", 2: "2 gesprekken per week"},
}
RATED = {
    "en": {0: "0 weeks with your rating so far", 1: "1 week with your rating so far"},
    "nl": {0: "Tot nu toe 0 weken met jouw", 1: "Tot nu toe 1 week met jouw"},
}


def _fired(signal_id: str, held: int) -> SignalResult:
    metric = {"less_challenge": "distinct_people"}.get(signal_id, "reflection_minutes")
    unit = "count" if metric == "distinct_people" else "minutes"
    sentence = reason(
        f"trend.fired.{metric}",
        held=Quantity(held, "weeks"),
        span=Quantity(4, "weeks"),
        recent=reason(f"trend.value.{metric}", value=Quantity(held, unit)),
        baseline=reason(f"trend.value.{metric}", value=Quantity(held + 1, unit)),
        change=Quantity(-0.2, "share"),
    )
    return SignalResult(
        signal_id, True, metric, unit, "down", held, held + 1, -0.2, held, (sentence,)
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("n", COUNTS)
def test_new_messages_read_right_with_0_1_2_and_5(language: str, n: int) -> None:
    people = word(reason("trend.value.distinct_people", value=Quantity(n, "count")), language)
    assert people == PEOPLE[language].get(n, people)
    assert people.startswith(f"{n} ")
    sessions = word(
        reason("trend.value.counterforce_sessions", value=Quantity(n, "count")), language
    )
    assert sessions == SESSIONS[language].get(n, sessions)
    assert sessions.endswith("gesprek per week" if n == 1 else "gesprekken per week") or (
        language == "en" and sessions.endswith("session a week" if n == 1 else "sessions a week")
    )
    rated = word(reason("continua.too_few", rated=n, needed=Quantity(3, "weeks")), language)
    if n in RATED[language]:
        assert rated.startswith(RATED[language][n])
    assert ("3 weeks" if language == "en" else "3 weken") in rated
    # Every signal's line and its evidence, with n weeks held.
    for signal_id, _ in (*SIGNALS, *ENERGY_TRENDS):
        said = wording.signal_sentence(_fired(signal_id, n), language)
        weeks = f"{n} week" if n == 1 else (f"{n} weeks" if language == "en" else f"{n} weken")
        assert weeks in said, said
        assert "%(" not in said
    # The summary of n of the 5 signals.
    summary = word(
        reason("trend.some_fired", count=n, total=5, hold=Quantity(3, "weeks")), language
    )
    if n == 1:
        assert ("one of the 5" if language == "en" else "één van de 5") in summary
    else:
        assert (f"{n} of the 5" if language == "en" else f"{n} van de 5") in summary
    # One counterforce step for every number of fired signals.
    fired = [_fired(signal_id, 3) for signal_id, _ in SIGNALS][: max(n, 0)]
    step = counterforce_step(fired)
    if n == 0:
        assert step is None
    else:
        assert step is not None
        assert word(step, language).startswith(
            "A step that might help: " if language == "en" else "Een stap die kan helpen: "
        )
    # The two continua: n rated weeks beside a steady load.
    weeks = [IsoWeek(2026, 40).shifted(offset) for offset in range(12)]
    load = Sparkline("meeting_share", "share", tuple(weeks), tuple([0.6] * 12))
    ratings = {week: 4 for week in weeks[-n:]} if n else {}
    chart = continua(load, ratings)
    assert len(chart.plotted) == n
    assert "%(" not in word(chart.message, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_falling_felt_room_under_steady_load_gets_its_sentence(language: str) -> None:
    weeks = [IsoWeek(2026, 40).shifted(offset) for offset in range(12)]
    load = Sparkline("meeting_share", "share", tuple(weeks), tuple([0.62] * 12))
    ratings = {week: 4 for week in weeks[:6]} | {week: 2 for week in weeks[-3:]}
    chart = continua(load, ratings)
    said = word(chart.message, language)
    if language == "en":
        assert said.startswith(
            "The room you felt fell from 4 to 2 out of 5, while your calendar load stayed about "
            "the same (62% of working time in meetings). Functioning does not say everything"
        )
    else:
        assert said.startswith(
            "Je ervaren ruimte daalde van 4 naar 2 van de 5, terwijl je agendadruk ongeveer "
            "gelijk bleef (62% van je werktijd in overleg). Functioneren zegt niet alles"
        )
    assert [p.week for p in chart.plotted] == [*weeks[:6], *weeks[-3:]]
    assert isinstance(chart.points[0], ContinuaPoint)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_each_catalogue_is_a_well_formed_po_file(language: str) -> None:
    """A merge that drops a msgstr would make Babel warn at every start and lose a sentence."""
    path = REPO / "assistant" / "i18n" / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        read_po(handle, locale=language, abort_invalid=True)
