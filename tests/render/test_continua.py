"""The two continua in the review and the email: the felt room (1-5) beside the calendar load of
the last 12 weeks, drawn as a table that every mail client shows, with one sentence."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from assistant.core.continua import continua
from assistant.core.review import WeeklyReview
from assistant.render.email import EmailExtras, EmailLinks, compose
from assistant.render.html import render_html
from assistant.render.json_out import review_to_dict
from assistant.render.text import render_text


def with_ratings(review: WeeklyReview, scores: dict[int, int]) -> WeeklyReview:
    """`review` with the leader's ratings of some of the 12 weeks (by index, oldest 0)."""
    line = next(s for s in review.trends.sparklines if s.indicator == "meeting_share")
    ratings = {line.weeks[index]: score for index, score in scores.items()}
    return replace(review, continua=continua(line, ratings))


# The load of the conftest's 12 weeks: 60% rising to 74%, the fourth week missing.
RATED = {0: 4, 1: 4, 2: 4, 4: 3, 5: 3, 8: 2, 9: 2, 10: 2, 11: 2}


class Cells(HTMLParser):
    """The marks of the continua chart's cells, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.rows: list[list[str]] = []
        self.cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and any(name == "data-continua" for name, _ in attrs):
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self.inside = False
        elif self.inside and tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell += data


def chart_rows(html: str) -> list[list[str]]:
    parser = Cells()
    parser.feed(html)
    return parser.rows[:5]  # rows 5 to 1; then the axis


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        (
            "review_en",
            "In week 48 your calendar was fuller than usual (74% of working time in meetings, "
            "usually 66%) and you felt little room (2 out of 5). That is when room needs "
            "organising on purpose.",
        ),
        ("review_nl", "In week 13 was je agenda voller dan gewoonlijk (74% van je werktijd"),
    ],
)
def test_the_html_review_and_the_email_show_the_chart_and_its_sentence(
    name: str, sentence: str, request: pytest.FixtureRequest
) -> None:
    review = with_ratings(request.getfixturevalue(name), RATED)
    page = render_html(review)
    links = EmailLinks(proposals={}, accept_all=None, ratings={}, pause=None)
    email = compose(review, links, EmailExtras())
    for html in (page, email.html):
        assert "<svg" not in html  # Gmail and Outlook drop inline SVG
        rows = chart_rows(html)
        assert [row[0] for row in rows] == ["5", "4", "3", "2", "1"]
        dots = [cell for row in rows for cell in row[1:] if cell in ("●", "◉")]
        assert len(dots) <= len(RATED)
        assert dots.count("◉") == 1
        # The latest week (74%, rated 2) is the ringed dot, in the row of 2, column 70-75%.
        assert rows[3][1 + 14] == "◉"
        assert sentence in html
    assert sentence in email.text
    grid = [line.strip() for line in email.text.splitlines() if re.match(r"\s*[1-5] [ |]", line)]
    assert len(grid) == 5
    assert "◉" in grid[3]


def test_a_few_ratings_say_how_many_are_needed_and_draw_nothing(
    review_en: WeeklyReview,
) -> None:
    review = with_ratings(review_en, {11: 3})
    page = render_html(review)
    assert chart_rows(page) == []
    assert (
        "1 week with your rating so far; after 3 weeks with a rating, the room you felt appears "
        "here beside your calendar load." in page
    )
    assert "1 week with your rating so far" in render_text(review)


def test_the_json_carries_the_weeks_of_the_chart(review_en: WeeklyReview) -> None:
    document = review_to_dict(with_ratings(review_en, RATED))["continua"]
    assert document["usual_load"] == 0.66
    assert [week["room"] for week in document["weeks"]] == [
        4, 4, 4, None, 3, 3, None, None, 2, 2, 2, 2,
    ]  # fmt: skip
    assert document["weeks"][3]["load"] is None  # the missing week
    assert review_to_dict(review_en)["continua"] is None  # a review without ratings


def test_a_falling_felt_room_under_steady_load_is_said_in_the_html_review(
    review_nl: WeeklyReview,
) -> None:
    # Weeks 6 to 11 of the conftest carry 66% to 74%; the ratings fall from 4 to 2 while the
    # load of the rated weeks stays within 10%.
    review = with_ratings(review_nl, {6: 4, 7: 4, 8: 2, 9: 2, 10: 2})
    assert (
        "Je ervaren ruimte daalde van 4 naar 2 van de 5, terwijl je agendadruk ongeveer gelijk "
        "bleef (72% van je werktijd in overleg). Functioneren zegt niet alles: de ruimte kan "
        "kleiner worden terwijl je agenda hetzelfde lijkt." in render_html(review)
    )
