"""The trend against the leader's own baseline, from a calendar to what the leader reads.

A constructed calendar of 16 weeks (2026-W02 to W17): every Tuesday a protected block of 3 h,
from week 13 of 1 h only; two meetings a week. Week 9 is not stored (a gap in the history). The
last week is reviewed with the stored weeks before it as history, through `build_review`.

Reflection per week (index 0..15): 180 (8 missing) until 11, then 60. At 15 the recent mean is
60 against a baseline median of 180: -67%. It holds at 13 ((180+180+60+60)/4 = 120, -33%), 14
and 15, so reflection_erosion fires with 3 weeks held; nothing else changes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from assistant.core.analysis import build_review, measure_weeks
from assistant.core.review import IsoWeek, WeeklyReview
from assistant.i18n import wording
from assistant.render import render_html, render_text, review_to_dict, review_to_json
from connectors import CalendarEvent
from rules import Rules, load_rules
from tests.core.builders import AMSTERDAM, meeting, protected

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "review-schema.json").read_text("utf-8")
)
FIRST = IsoWeek(2026, 2)
WEEKS = [FIRST.shifted(offset) for offset in range(16)]
REVIEWED = WEEKS[-1]
NOT_STORED = WEEKS[8]
NOW = datetime(2026, 4, 27, 7, 0, tzinfo=AMSTERDAM)
# 180 min a week, a gap (not stored), then 60 min: the last 12 weeks, oldest first.
REFLECTION_LINE = "████·███▃▃▃▃"


def calendar() -> list[CalendarEvent]:
    events = []
    for index, week in enumerate(WEEKS):
        monday = week.monday
        tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)
        events.append(protected(tuesday, "09:00", "12:00" if index < 12 else "10:00"))
        events.append(meeting(monday, "10:00", "11:00"))
        events.append(meeting(wednesday, "14:00", "15:30"))
    return events


def rules_in(language: str) -> Rules:
    return load_rules(overrides={"leader": {"language": language}})


def reviewed(language: str, *, with_history: bool = True) -> WeeklyReview:
    rules = rules_in(language)
    events = calendar()
    stored = [week for week in WEEKS[:-1] if week != NOT_STORED]
    history = measure_weeks(events, rules=rules, weeks=stored) if with_history else []
    return build_review(events, rules=rules, week=REVIEWED, now=NOW, history=history)


@pytest.fixture(scope="module")
def review_en() -> WeeklyReview:
    return reviewed("en")


@pytest.fixture(scope="module")
def review_nl() -> WeeklyReview:
    return reviewed("nl")


@pytest.fixture(scope="module")
def review_new() -> WeeklyReview:
    """The same week without stored history: not enough history yet."""
    return reviewed("en", with_history=False)


def flat(text: str) -> str:
    """Text with its line wrapping undone, to find a sentence the view wrapped."""
    return " ".join(text.split())


# --- The review -------------------------------------------------------------------------------


def test_the_review_compares_the_week_with_the_stored_history(review_en: WeeklyReview) -> None:
    trends = review_en.trends
    assert (trends.enough_history, trends.weeks_available, trends.weeks_needed) == (True, 15, 6)
    assert [s.id for s in trends.fired] == ["reflection_erosion"]
    erosion = trends.fired[0]
    assert (erosion.recent, erosion.baseline, erosion.weeks_held) == (60.0, 180.0, 3)
    assert erosion.shift == pytest.approx(-2 / 3, abs=1e-4)
    assert wording.words(erosion.reasons, "en") == (
        "Reflection time has been lower for 3 weeks: 60 min a week on average over the last "
        "4 weeks, against 3 h a week before (−67%)."
    )


def test_a_review_without_history_says_there_is_not_enough_yet(review_new: WeeklyReview) -> None:
    trends = review_new.trends
    assert (trends.enough_history, trends.weeks_available, trends.weeks_needed) == (False, 1, 6)
    assert trends.signals == ()
    assert wording.word(trends.message, "en") == (
        "There is not enough history yet to compare you with your own baseline: 1 of the 6 "
        "weeks needed."
    )


def test_the_history_reads_the_same_numbers_as_the_review(review_en: WeeklyReview) -> None:
    # The reviewed week's own values are the review's indicators, not measured twice apart.
    sparkline = next(s for s in review_en.trends.sparklines if s.indicator == "reflection_minutes")
    assert sparkline.latest == review_en.indicator("reflection_minutes").value == 60


# --- JSON -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["review_en", "review_nl", "review_new"])
def test_json_validates_against_the_schema(name: str, request: pytest.FixtureRequest) -> None:
    review: WeeklyReview = request.getfixturevalue(name)
    document = json.loads(review_to_json(review))
    errors = [error.message for error in Draft202012Validator(SCHEMA).iter_errors(document)]
    assert errors == []
    assert document["schema_version"] == SCHEMA["properties"]["schema_version"]["const"] == "2.0"


def test_json_carries_the_signals_and_sparklines(review_en: WeeklyReview) -> None:
    trends = review_to_dict(review_en)["trends"]
    assert list(trends) == SCHEMA["properties"]["trends"]["required"]
    assert trends["enough_history"] is True
    # The whitepaper's five signals of narrowing, in its order; density is an energy trend.
    assert [s["id"] for s in trends["signals"]] == [
        "faster_agenda",
        "reflection_erosion",
        "shorter_conversations",
        "less_challenge",
        "taking_over",
    ]
    assert [t["id"] for t in trends["energy_trends"]] == ["rising_density"]
    erosion = trends["signals"][1]
    assert erosion == {
        "id": "reflection_erosion",
        "name": "Reflection is less naturally given a place.",
        "fired": True,
        "metric": "reflection_minutes",
        "unit": "minutes",
        "direction": "down",
        "recent": 60,
        "baseline": 180,
        "shift": -0.667,
        "weeks_held": 3,
        "message": wording.words(review_en.trends.signals[1].reasons, review_en.language),
    }
    # No meeting had a creation time, so there is nothing to compare short notice with.
    faster = trends["signals"][0]
    assert (faster["fired"], faster["recent"], faster["shift"]) == (False, None, None)
    reflection = next(s for s in trends["sparklines"] if s["indicator"] == "reflection_minutes")
    assert reflection["values"] == [180, 180, 180, 180, None, 180, 180, 180, 60, 60, 60, 60]
    assert reflection["weeks"][0] == "2026-W06"
    assert reflection["weeks"][-1] == str(REVIEWED) == "2026-W17"


def test_json_without_history_has_no_signals(review_new: WeeklyReview) -> None:
    trends = review_to_dict(review_new)["trends"]
    assert (trends["enough_history"], trends["weeks_available"], trends["signals"]) == (
        False,
        1,
        [],
    )
    meeting_share = trends["sparklines"][0]
    assert meeting_share["values"][:11] == [None] * 11
    assert meeting_share["values"][-1] is not None


# --- Text -------------------------------------------------------------------------------------


def _trend_section(text: str, heading: str, next_heading: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(heading)
    end = lines.index(next_heading, start)
    return lines[start + 1 : end]


def test_text_shows_sparklines_and_the_signal_in_english(review_en: WeeklyReview) -> None:
    text = render_text(review_en)
    section = _trend_section(text, "Trend against your own baseline", "Your week by the hour")
    header = next(line for line in section if "Indicator" in line)
    assert "Last 12 weeks" in header
    assert "This week" in header
    reflection = next(line for line in section if line.strip().startswith("Protected reflection"))
    assert reflection.split()[-3:] == [REFLECTION_LINE, "60", "min"]
    assert any(line.strip() == "Signals of narrowing" for line in section)
    joined = flat("\n".join(section))
    assert (
        "- Reflection is less naturally given a place. "
        + wording.words(review_en.trends.fired[0].reasons, review_en.language)
        in joined
    )
    # One counterforce step, never more.
    assert joined.count("A step that might help") == 1
    assert wording.word(review_en.trends.message, review_en.language) in joined
    assert "· marks a week without data" in joined
    # Signals that did not fire are not listed.
    assert "Length of a typical meeting" not in joined
    assert "None" not in text
    assert "!" not in text


def test_text_shows_sparklines_and_the_signal_in_dutch(review_nl: WeeklyReview) -> None:
    text = render_text(review_nl)
    section = _trend_section(text, "Trend ten opzichte van je eigen basislijn", "Je week per uur")
    reflection = next(line for line in section if line.strip().startswith("Beschermde"))
    assert reflection.split()[-3:] == [REFLECTION_LINE, "60", "min"]
    joined = flat("\n".join(section))
    for dutch in (
        "Laatste 12 weken",
        "Deze week",
        "Signalen van versmalling",
        "Reflectie krijgt minder vanzelfsprekend een plek. "
        "Je reflectietijd is al 3 weken lager: gemiddeld 60 min per week in de laatste 4 "
        "weken, tegenover 3 u per week daarvoor (−67%).",
        "Vergeleken met je eigen basislijn hield één van de 5 signalen van versmalling 3 weken "
        "of langer aan.",
    ):
        assert dutch in joined, dutch
    for english in ("Signals of narrowing", "Last 12 weeks", "Reflection time", " a week"):
        assert english not in joined, english
    assert "None" not in text


def test_text_without_history_shows_only_the_message(review_new: WeeklyReview) -> None:
    text = render_text(review_new)
    section = _trend_section(text, "Trend against your own baseline", "Your week by the hour")
    assert flat("\n".join(section)) == wording.word(review_new.trends.message, review_new.language)
    assert not any(block in "".join(section) for block in "▁▂▃▄▅▆▇█")


@pytest.mark.parametrize("width", [72, 100])
def test_text_with_trends_stays_within_its_width(review_en: WeeklyReview, width: int) -> None:
    text = render_text(review_en, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert REFLECTION_LINE in text


# --- HTML -------------------------------------------------------------------------------------


class _Elements(HTMLParser):
    """Every element with its attributes and the text inside it (nested text included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, int]] = []  # (tag, index into found)
        self.found: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs), []))
        if tag not in {"meta", "br", "col"}:
            self.open.append((tag, len(self.found) - 1))

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1][0] in {"style", "title"}:
            return
        self.text.append(data)
        for _, index in self.open:
            self.found[index][2].append(data)

    def text_of(self, tag: str, **attributes: str) -> str:
        for found_tag, attrs, texts in self.found:
            if found_tag == tag and all(attrs.get(k) == v for k, v in attributes.items()):
                return " ".join("".join(texts).split())
        raise AssertionError(f"no <{tag}> with {attributes}")


def parse(document: str) -> _Elements:
    page = _Elements()
    page.feed(document)
    page.close()
    return page


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("review_en", ("Trend against your own baseline", "Signals of narrowing", "60 min")),
        ("review_nl", ("Trend ten opzichte van je eigen basislijn", "Signalen van versmalling")),
    ],
)
def test_html_shows_the_sparklines_and_the_signal(
    name: str, words: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    review: WeeklyReview = request.getfixturevalue(name)
    document = render_html(review)
    page = parse(document)
    row = page.text_of("tr", **{"data-trend": "reflection_minutes"})
    assert REFLECTION_LINE in row
    assert page.text_of("li", **{"data-signal": "reflection_erosion"}) == (
        wording.signal_sentence(review.trends.fired[0], review.language)
    )
    text = " ".join("".join(page.text).split())
    for word in words:
        assert word in text, word
    assert wording.word(review.trends.message, review.language) in text
    assert "None" not in document
    assert "!" not in text
    trends_rows = [a["data-trend"] for t, a, _ in page.found if t == "tr" and "data-trend" in a]
    assert trends_rows == [line.indicator for line in review.trends.sparklines]


def test_html_sparkline_reads_its_values_aloud(review_en: WeeklyReview) -> None:
    page = parse(render_html(review_en))
    spark = next(
        attrs
        for tag, attrs, texts in page.found
        if tag == "span" and attrs.get("class") == "sparkline" and "".join(texts) == REFLECTION_LINE
    )
    assert spark["role"] == "img"
    assert spark["aria-label"] == (
        "3 h, 3 h, 3 h, 3 h, no data, 3 h, 3 h, 3 h, 60 min, 60 min, 60 min, 60 min"
    )


def test_html_without_history_shows_only_the_message(review_new: WeeklyReview) -> None:
    document = render_html(review_new)
    page = parse(document)
    assert wording.word(review_new.trends.message, review_new.language) in " ".join(
        "".join(page.text).split()
    )
    assert 'class="sparkline"' not in document
    assert "data-signal" not in document
    assert "None" not in document


def test_the_gap_week_is_the_one_not_stored(review_en: WeeklyReview) -> None:
    reflection = next(s for s in review_en.trends.sparklines if s.indicator == "reflection_minutes")
    gaps = [
        week
        for week, value in zip(reflection.weeks, reflection.values, strict=True)
        if value is None
    ]
    assert gaps == [NOT_STORED]
    assert reflection.weeks[0].monday == date(2026, 2, 2)
