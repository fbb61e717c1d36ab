"""What a leader (or a program) reads from a rendered review: JSON, text and HTML."""

from __future__ import annotations

import copy
import io
import json
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from rich.console import Console

from assistant.core.catalogue import INDICATOR_IDS, INDICATORS
from assistant.core.reasons import reason
from assistant.core.review import BufferStatus, Warning, WeeklyReview
from assistant.i18n import texts, wording
from assistant.i18n.labels import LABEL, format_value, indicator_name, label_keys
from assistant.i18n.translations import catalogue
from assistant.render import (
    print_text,
    render_html,
    render_text,
    review_to_dict,
    review_to_json,
)

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "review-schema.json"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


# --- JSON -------------------------------------------------------------------------------------


def test_json_validates_against_the_schema(
    any_review: WeeklyReview, validator: Draft202012Validator
) -> None:
    document = json.loads(review_to_json(any_review))
    errors = [error.message for error in validator.iter_errors(document)]
    assert errors == []


def test_schema_requires_every_indicator_and_pins_the_version() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    indicators = schema["properties"]["indicators"]
    assert indicators["required"] == list(INDICATOR_IDS)
    assert list(indicators["properties"]) == list(INDICATOR_IDS)
    assert indicators["additionalProperties"] is False
    assert schema["properties"]["schema_version"]["const"] == "2.0"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    assert schema["title"]


def _drop_indicator(doc: dict[str, Any]) -> None:
    del doc["indicators"]["focus_hours"]


def _unknown_status(doc: dict[str, Any]) -> None:
    doc["buffers"][0]["status"] = "fine"


def _unknown_kind(doc: dict[str, Any]) -> None:
    doc["proposals"][0]["kind"] = "nap"


def _added_title(doc: dict[str, Any]) -> None:
    doc["proposals"][0]["title"] = "Board meeting"


def _time_without_offset(doc: dict[str, Any]) -> None:
    doc["days"][0]["first_start"] = "2026-11-23T09:00:00"


def _other_version(doc: dict[str, Any]) -> None:
    doc["schema_version"] = "1.2"


def _text_as_value(doc: dict[str, Any]) -> None:
    doc["indicators"]["meeting_share"] = "74%"


def _missing_question(doc: dict[str, Any]) -> None:
    del doc["question"]


@pytest.mark.parametrize(
    "breakage",
    [
        _drop_indicator,
        _unknown_status,
        _unknown_kind,
        _added_title,
        _time_without_offset,
        _other_version,
        _text_as_value,
        _missing_question,
    ],
)
def test_a_broken_document_fails_validation(
    review_en: WeeklyReview, validator: Draft202012Validator, breakage: Any
) -> None:
    document = copy.deepcopy(review_to_dict(review_en))
    assert validator.is_valid(document)
    breakage(document)
    assert not validator.is_valid(document)


def test_json_keys_follow_the_documented_order(review_en: WeeklyReview) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    document = json.loads(review_to_json(review_en))
    assert list(document) == schema["required"]
    assert list(document["indicators"]) == list(INDICATOR_IDS)
    assert list(document["days"][0]) == schema["properties"]["days"]["items"]["required"]


def test_json_rounds_shares_and_hours(review_en: WeeklyReview) -> None:
    document = review_to_dict(review_en)
    assert document["indicators"]["meeting_share"] == 0.742
    assert document["indicators"]["meeting_hours"] == 32.25
    assert document["indicators"]["longest_back_to_back_minutes"] == 375
    thursday = document["days"][3]
    assert thursday["span_hours"] == 14.0
    details = {d["id"]: d for d in document["indicator_details"]}
    assert details["focus_hours"] == {
        "id": "focus_hours",
        "buffer": "agenda_regie",
        "value": 3.5,
        "unit": "hours",
        "status": "alert",
    }
    assert details["meeting_hours"]["status"] is None


def test_json_describes_the_week(review_en: WeeklyReview) -> None:
    document = review_to_dict(review_en)
    assert document["week"] == "2026-W48"
    assert (document["week_start"], document["week_end"]) == ("2026-11-23", "2026-11-29")
    assert document["proposals_week"] == "2026-W49"
    assert document["generated_at"] == "2026-11-30T07:00:00+01:00"
    assert [d["weekday"] for d in document["days"]] == [1, 2, 3, 4, 5, 6, 7]
    assert document["days"][2]["non_working_reason"] == "out_of_office"
    assert document["buffers"][1] == {
        "buffer": "energie",
        "status": "alert",
        "reasons": [
            "Your longest run of meetings without a pause of 10 min lasted 6 h 15 min "
            "(alert from 3 h)."
        ],
    }
    assert len(document["warnings"]) == 5


def test_json_times_carry_the_local_offset_across_the_dst_change(
    review_nl: WeeklyReview,
) -> None:
    document = review_to_dict(review_nl)
    monday, sunday = document["days"][0], document["days"][6]
    assert monday["first_start"] == "2026-03-23T09:00:00+01:00"
    assert sunday["first_start"] == "2026-03-29T20:00:00+02:00"
    reflection = document["proposals"][0]
    assert (reflection["start"], reflection["end"]) == (
        "2026-03-31T08:30:00+02:00",
        "2026-03-31T10:00:00+02:00",
    )


def test_json_of_an_empty_week_has_nulls_not_zeros(review_empty: WeeklyReview) -> None:
    document = review_to_dict(review_empty)
    values = document["indicators"]
    assert values["reflection_target_minutes"] == 180
    assert all(values[i] is None for i in INDICATOR_IDS if i != "reflection_target_minutes")
    assert document["leader"] is None
    assert document["proposals"] == []
    assert {d["first_start"] for d in document["days"]} == {None}
    assert {d["midday_break"] for d in document["days"]} == {None}


def test_json_keeps_non_ascii_text_readable(review_en: WeeklyReview) -> None:
    text = review_to_json(replace(review_en, leader="Zoë Jansen-Ürün"))
    assert '"leader": "Zoë Jansen-Ürün"' in text
    assert text.startswith('{\n  "schema_version": "2.0",')


def test_json_adds_nothing_that_is_not_in_the_review(review_en: WeeklyReview) -> None:
    document = review_to_dict(review_en)
    proposal = document["proposals"][0]
    assert set(proposal) == {"key", "kind", "buffer", "start", "end", "reason"}
    strings = _all_strings(document)
    language = review_en.language
    review_strings = {
        *(wording.word(reason, language) for b in review_en.buffers for reason in b.reasons),
        *(wording.word(p.reason, language) for p in review_en.proposals),
        *(wording.word(w.message, language) for w in review_en.warnings),
        wording.word(review_en.trends.message, language),
        *(wording.words(signal.reasons, language) for signal in review_en.trends.signals),
        *(wording.words(trend.reasons, language) for trend in review_en.trends.energy_trends),
        # Each signal's name: the whitepaper's own line.
        *(
            texts.text(f"signal.{signal.id}", language)
            for signal in (*review_en.trends.signals, *review_en.trends.energy_trends)
        ),
        wording.word(review_en.trends.step, language) if review_en.trends.step else "",
        wording.word(review_en.question, language),
        review_en.leader,
    }
    prose = {s for s in strings if " " in s}
    assert prose == review_strings


def _all_strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_all_strings(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_all_strings(v) for v in value)) if value else set()
    return set()


# --- Text -------------------------------------------------------------------------------------


def test_text_names_every_indicator_in_the_leaders_language(any_review: WeeklyReview) -> None:
    text = render_text(any_review)
    language = "nl" if any_review.language == "nl" else "en"
    for definition in INDICATORS:
        assert indicator_name(definition.id, language) in text, definition.id


def test_text_never_says_none_or_raises_its_voice(any_review: WeeklyReview) -> None:
    text = render_text(any_review)
    assert "None" not in text
    assert "!" not in text
    assert "\x1b" not in text


def test_text_shows_missing_values_as_no_data(review_empty: WeeklyReview) -> None:
    text = render_text(review_empty)
    meeting_hours_line = next(line for line in text.splitlines() if "Meeting hours " in line)
    assert "no data" in meeting_hours_line
    target_line = next(line for line in text.splitlines() if "Reflection target" in line)
    assert "3 h" in target_line  # 180 minutes, read as hours
    assert "Nothing to propose this time." in text


def test_text_in_dutch_uses_dutch_words(review_nl: WeeklyReview) -> None:
    text = render_text(review_nl)
    for dutch in (
        "Weekoverzicht",
        "Agenda-regie",
        "Energiemanagement",
        "Mini-retraites",
        "Kerncijfers",
        "Voorstellen voor week 14",
        "Reflectieblok",
        "Lunchpauze",
        "aandacht",
        "in orde",
        "32,3 u",
        "74%",
        "6 u 15 min",
        "37 dagen",
        "Je week per uur",
        "afwezig",
        "Legenda",
        "Een vraag om mee te nemen",
        "Tijdzone Europe/Amsterdam",
    ):
        assert dutch in text, dutch
    assert "voorstel" in text.lower()
    for english in ("Key figures", "Proposals", "Agenda control", "attention", "no data", " h "):
        assert english not in text, english


def test_text_in_english_uses_english_words(review_en: WeeklyReview) -> None:
    text = render_text(review_en)
    for english in (
        "Weekly review",
        "Week 48, 2026",
        "For Anna de Vries",
        "Agenda control",
        "Energy",
        "Mini-retreats",
        "Key figures",
        "Proposals for week 49",
        "Reflection block",
        "Recovery break",
        "Mini-retreat",
        "attention",
        "alert",
        "32.3 h",
        "3.5 h",
        "74%",
        "6 h 15 min",
        "37 days",
        "out of office",
        "weekend",
    ):
        assert english in text, english
    for dutch in ("Agenda-regie", "Energiemanagement", "Voorstel", "aandacht", " u "):
        assert dutch not in text, dutch


def _picture_cell(text: str, day_label: str, clock: str) -> str:
    """The character the week picture shows for `day_label` at `clock` (e.g. "09:00")."""
    lines = text.splitlines()
    ruler = next(line for line in lines if line.strip().startswith("07 "))
    row = next(line for line in lines if line.strip().startswith(day_label))
    hours, minutes = (int(part) for part in clock.split(":"))
    first_cell = ruler.index("07")
    return row[first_cell + (hours - 7) * 2 + minutes // 30]


@pytest.mark.parametrize(
    ("day_label", "clock", "expected"),
    [
        ("Mon 23", "09:00", "█"),  # meeting 09:00-12:00
        ("Mon 23", "14:30", "▓"),  # solo hold 14:00-15:30
        ("Mon 23", "12:00", "·"),  # free working time 12:00-12:30
        ("Mon 23", "17:30", " "),  # after working time, nothing on
        ("Mon 23", "18:30", "█"),  # after-hours meeting 18:00-19:00
        ("Tue 24", "08:30", "░"),  # protected reflection 08:30-10:00
        ("Wed 25", "10:00", " "),  # out of office
        ("Thu 26", "07:30", "█"),  # early meeting 07:30-08:30
        ("Thu 26", "21:00", "█"),  # late meeting 19:30-21:30 widens the picture
        ("Sun 29", "20:00", "█"),  # a meeting on a weekend evening
    ],
)
def test_week_picture_marks_what_happened_when(
    review_en: WeeklyReview, day_label: str, clock: str, expected: str
) -> None:
    assert _picture_cell(render_text(review_en), day_label, clock) == expected


def test_week_picture_labels_days_off_and_explains_itself(review_en: WeeklyReview) -> None:
    lines = render_text(review_en).splitlines()
    wednesday = next(line for line in lines if line.strip().startswith("Wed 25"))
    saturday = next(line for line in lines if line.strip().startswith("Sat 28"))
    assert wednesday.endswith("out of office")
    assert saturday.endswith("weekend")
    legend = next(line for line in lines if line.strip().startswith("Legend:"))
    for word in ("█ meeting", "▓ solo hold", "░ protected time", "· free working time"):
        assert word in legend


def test_week_picture_in_dutch(review_nl: WeeklyReview) -> None:
    text = render_text(review_nl)
    assert _picture_cell(text, "ma 23", "09:00") == "█"
    assert _picture_cell(text, "di 24", "09:00") == "░"


def test_text_lists_proposals_in_local_time(
    review_en: WeeklyReview, review_nl: WeeklyReview
) -> None:
    english = render_text(review_en).splitlines()
    reflection = next(line for line in english if "Reflection block" in line)
    assert reflection.split()[:4] == ["Tue", "1", "Dec", "08:30–10:00"]
    dutch = render_text(review_nl).splitlines()
    reflectie = next(line for line in dutch if "Reflectieblok" in line)
    assert reflectie.split()[:4] == ["di", "31", "mrt", "08:30–10:00"]


def test_text_counts_warnings_and_lists_the_first_few(review_en: WeeklyReview) -> None:
    text = render_text(review_en)
    assert "Notes (5)" in text
    assert "line 112" in text
    assert "line 512" in text
    assert "line 790" not in text
    assert "and 2 more" in text


def test_text_ends_with_the_question(any_review: WeeklyReview) -> None:
    question = wording.word(any_review.question, any_review.language)
    assert render_text(any_review).rstrip().endswith(question)


@pytest.mark.parametrize("width", [72, 100, 140])
def test_text_stays_within_its_width(review_en: WeeklyReview, width: int) -> None:
    text = render_text(review_en, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert wording.word(review_en.proposals[3].reason, "en").split()[-1] in text


def test_text_shows_markup_like_reasons_literally(review_en: WeeklyReview) -> None:
    # What a calendar file says about an event it could not read reaches the reasons as is.
    odd = "Meetings [bold]took[/bold] :smile: 74% of your time."
    said = reason("warning.skipped", where="line 7", reason=odd)
    review = replace(
        review_en,
        buffers=(BufferStatus(review_en.buffers[0].buffer, review_en.buffers[0].status, (said,)),),
    )
    assert odd in " ".join(render_text(review).split())  # wrapped, never interpreted


def test_print_text_colours_the_statuses(review_en: WeeklyReview) -> None:
    output = io.StringIO()
    console = Console(file=output, width=100, force_terminal=True, color_system="standard")
    print_text(review_en, console)
    coloured = output.getvalue()
    assert "\x1b[" in coloured
    assert "\x1b[1;31malert" in coloured  # bold red
    assert "\x1b[1;33mattention" in coloured  # bold yellow


# --- HTML -------------------------------------------------------------------------------------

VOID_ELEMENTS = {"meta", "br", "col", "img", "hr", "link", "input"}


class _Page(HTMLParser):
    """Checks that tags nest and close, and remembers every element with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open[-1:] not in (["style"], ["title"]):  # what a reader sees
            self.text.append(data)


def _parse(document: str) -> _Page:
    page = _Page()
    page.feed(document)
    page.close()
    return page


def test_html_is_well_formed_and_self_contained(any_review: WeeklyReview) -> None:
    document = render_html(any_review)
    assert document.startswith("<!DOCTYPE html>")
    page = _parse(document)
    assert page.problems == []
    assert page.open == []
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"script", "link", "img", "iframe", "object"}
    for tag, attrs in page.elements:
        for name in ("src", "href", "action", "background"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
    assert "url(" not in document
    assert "@import" not in document


def test_html_sets_the_language_and_fits_a_phone(
    review_en: WeeklyReview, review_nl: WeeklyReview
) -> None:
    for review, lang in ((review_en, "en"), (review_nl, "nl")):
        page = _parse(render_html(review))
        html_attrs = next(attrs for tag, attrs in page.elements if tag == "html")
        assert html_attrs["lang"] == lang
        viewport = [a for t, a in page.elements if t == "meta" and a.get("name") == "viewport"]
        assert viewport
    assert "max-width:680px" in render_html(review_en)


def test_html_shows_every_indicator(any_review: WeeklyReview) -> None:
    document = render_html(any_review)
    page = _parse(document)
    rows = [a["data-indicator"] for t, a in page.elements if t == "tr" and "data-indicator" in a]
    assert rows == list(INDICATOR_IDS)
    text = "".join(page.text)
    language = "nl" if any_review.language == "nl" else "en"
    for definition in INDICATORS:
        assert indicator_name(definition.id, language) in text


def test_html_never_says_none(any_review: WeeklyReview) -> None:
    text = "".join(_parse(render_html(any_review)).text)
    assert "None" not in text
    assert "!" not in text


def test_html_shows_missing_values_as_no_data(review_empty: WeeklyReview) -> None:
    text = "".join(_parse(render_html(review_empty)).text)
    assert text.count("no data") == len(INDICATOR_IDS) - 1


def test_html_in_dutch_uses_dutch_words(review_nl: WeeklyReview) -> None:
    text = "".join(_parse(render_html(review_nl)).text)
    for dutch in (
        "Agenda-regie",
        "Energiemanagement",
        "Mini-retraites",
        "Kerncijfers",
        "Voorstellen voor week 14",
        "Reflectieblok",
        "aandacht",
        "32,3 u",
        "afwezig",
        "Legenda",
        "overleg",
    ):
        assert dutch in text, dutch
    for english in ("Key figures", "Proposals", "Agenda control", "attention"):
        assert english not in text, english


def test_html_in_english_uses_english_words(review_en: WeeklyReview) -> None:
    text = "".join(_parse(render_html(review_en)).text)
    for english in ("Agenda control", "Energy", "Key figures", "Proposals for week 49", "32.3 h"):
        assert english in text, english
    assert "Agenda-regie" not in text


def _cell(page: _Page, day: str, slot: str) -> dict[str, str | None]:
    in_day = False
    for tag, attrs in page.elements:
        if tag == "tr":
            in_day = attrs.get("data-date") == day
        elif tag == "td" and in_day and attrs.get("data-slot") == slot:
            return attrs
    raise AssertionError(f"no cell {day} {slot}")


def test_html_week_picture_marks_a_known_meeting(review_en: WeeklyReview) -> None:
    page = _parse(render_html(review_en))
    monday_nine = _cell(page, "2026-11-23", "09:00")
    assert monday_nine["data-kind"] == "meeting"
    assert monday_nine["title"] == "Mon 23 09:00 · meeting"
    assert _cell(page, "2026-11-24", "08:30")["data-kind"] == "protected"
    assert _cell(page, "2026-11-23", "14:00")["data-kind"] == "solo"
    assert _cell(page, "2026-11-25", "10:00")["data-kind"] == "outside"
    meeting_style = monday_nine["style"] or ""
    solo_style = _cell(page, "2026-11-23", "14:00")["style"] or ""
    assert meeting_style != solo_style  # colour coded


def test_html_statuses_carry_a_word_as_well_as_a_colour(review_en: WeeklyReview) -> None:
    document = render_html(review_en)
    assert 'class="status status-alert"' in document
    page = _parse(document)
    text = "".join(page.text)
    for word in ("alert", "attention", "ok"):
        assert word in text


def test_html_escapes_what_it_is_given(review_en: WeeklyReview) -> None:
    said = reason("warning.skipped", where="line 1", reason="<script>alert(1)</script> & more?")
    review = replace(review_en, warnings=(Warning("skipped_event", said),))
    document = render_html(review)
    assert "<script>" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more?" in document


def test_html_lists_proposals_and_warnings(review_en: WeeklyReview) -> None:
    page = _parse(render_html(review_en))
    keys = [str(a["data-proposal"]) for t, a in page.elements if t == "tr" and "data-proposal" in a]
    assert sorted(keys) == sorted(p.key for p in review_en.proposals)
    text = "".join(page.text)
    assert "08:30–10:00" in text
    assert "Notes (5)" in text
    assert "and 2 more" in text
    assert wording.word(review_en.question, "en") in text


# --- Labels -----------------------------------------------------------------------------------


def test_every_label_exists_in_both_languages_and_stays_calm() -> None:
    keys = label_keys()
    assert {"title", "buffers", "proposals", "question"} <= set(keys)
    for language in ("en", "nl"):
        found = {m.context: m for m in catalogue(language) if m.context}
        for key in keys:
            message = found[LABEL + key]
            forms = message.string if language == "nl" else message.id
            forms = [forms] if isinstance(forms, str) else list(forms)
            assert all(text.strip() and "!" not in text for text in forms), key


@pytest.mark.parametrize(
    ("value", "unit", "english", "dutch"),
    [
        (0.6249, "share", "62%", "62%"),
        (14.5, "hours", "14.5 h", "14,5 u"),
        (32.25, "hours", "32.3 h", "32,3 u"),
        (95, "minutes", "95 min", "95 min"),
        (1234.5, "minutes", "20 h 35 min", "20 u 35 min"),
        (1, "days", "1 day", "1 dag"),
        (42, "days", "42 days", "42 dagen"),
        (3, "count", "3", "3"),
        (None, "hours", "no data", "geen gegevens"),
    ],
)
def test_values_read_naturally_in_each_language(
    value: float | None, unit: str, english: str, dutch: str
) -> None:
    assert format_value(value, unit, "en") == english
    assert format_value(value, unit, "nl") == dutch


def test_an_unknown_time_zone_keeps_times_as_given(review_en: WeeklyReview) -> None:
    review = replace(review_en, timezone="Mars/Olympus_Mons")
    assert review_to_dict(review)["proposals"][0]["start"] == "2026-12-01T08:30:00+01:00"
    assert "Mars/Olympus_Mons" in render_text(review)
