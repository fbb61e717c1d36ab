"""The weekly review for a terminal or a plain-text mail part, drawn with rich.

`render_text` gives plain text (no colour codes) at a fixed width; `print_text` draws the same
view in colour on a console the caller owns. Both show, in the leader's language: the header,
the three buffers with their status and reasons, the key figures, the trend against the
leader's own baseline (sparklines and the signals of narrowing that fired), the week by the
hour, the proposals for next week, notes on the data and the reflection question.
Everything shown comes from the review; no event titles exist in it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from assistant.core.catalogue import INDICATORS
from assistant.core.review import Proposal, Status, WeeklyReview
from assistant.i18n.labels import (
    SEGMENT_KINDS,
    WeekPicture,
    buffer_name,
    format_value,
    indicator_name,
    kind_label,
    label,
    language_of,
    non_working_label,
    segment_label,
    sparkline,
    status_name,
    week_picture,
)
from assistant.i18n.texts import (
    format_day,
    format_moment,
    format_short_day,
    format_time_range,
    format_week_dates,
    to_local,
)
from assistant.i18n.translations import gettext
from assistant.i18n.wording import energy_sentence, signal_sentence, word
from assistant.render.continua import continua_context

# Calm colours: the word always carries the meaning, the colour only underlines it.
STATUS_STYLES: dict[Status, str] = {
    Status.OK: "green",
    Status.ATTENTION: "yellow",
    Status.ALERT: "red",
    Status.NO_DATA: "dim",
}
CELL_CHARACTERS: dict[str, str] = {
    "meeting": "█",
    "solo": "▓",
    "protected": "░",
    "working": "·",
    "outside": " ",
}
CELL_STYLES: dict[str, str] = {
    "meeting": "steel_blue",
    "solo": "light_slate_grey",
    "protected": "green",
    "working": "grey50",
    "outside": "",
}
WARNINGS_LISTED = 3
INDENT = 2


def render_text(review: WeeklyReview, *, width: int = 100) -> str:
    """The review as plain text, `width` columns wide, without colour or control codes."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        force_jupyter=False,
        force_interactive=False,
        no_color=True,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    print_text(review, console)
    lines = (line.rstrip() for line in buffer.getvalue().splitlines())
    return "\n".join(lines).strip("\n") + "\n"


def print_text(review: WeeklyReview, console: Console) -> None:
    """Draw the review on `console` (in colour when the console supports it)."""
    for renderable in _sections(review):
        console.print(renderable)


def _sections(review: WeeklyReview) -> Iterator[RenderableType]:
    yield _header(review)
    yield Text()
    yield _heading(label("buffers", review.language))
    yield _buffers(review)
    yield Text()
    yield _heading(label("key_figures", review.language))
    yield _key_figures(review)
    yield Text()
    yield _heading(label("trends", review.language))
    yield _trends(review)
    chart = continua_context(review)
    if chart is not None:
        yield Text()
        yield _indented(Text(chart["heading"], style="bold"))
        if chart["show_chart"]:
            yield _indented(Text("\n".join(chart["text_lines"])))
            yield _indented(Text(f"{chart['y_label']} (1-5) · {chart['x_label']}", style="dim"))
        yield _indented(Text(chart["message"]))
    yield Text()
    yield _heading(label("week_picture", review.language))
    yield _indented(_week_picture(review))
    yield Text()
    yield _heading(label("proposals", review.language, week=review.proposals_week.week))
    yield _proposals(review)
    if review.warnings:
        yield Text()
        yield _heading(label("warnings", review.language, count=len(review.warnings)))
        yield _warnings(review)
    question = word(review.question, review.language)
    if question:
        yield Text()
        yield _heading(label("question", review.language))
        yield _indented(Text(question, style="italic"))


def _heading(text: str) -> Text:
    return Text(text, style="bold")


def _indented(renderable: RenderableType, extra: int = 0) -> Padding:
    return Padding(renderable, (0, 0, 0, INDENT + extra))


def _header(review: WeeklyReview) -> RenderableType:
    language = review.language
    week = review.week
    days = week.days()
    title = Text(label("title", language), style="bold")
    title.append(" · ")
    title.append(label("week", language, week=week.week, year=week.year), style="bold")
    details = [
        format_week_dates(days[0], days[-1], language),
        f"{label('timezone', language)} {review.timezone}",
    ]
    if review.leader:
        details.append(f"{label('leader', language)} {review.leader}")
    prepared = (
        f"{label('generated_at', language)} "
        f"{format_moment(review.generated_at, review.timezone, language)}"
        f" · {label('source', language)} {review.source}"
    )
    return Group(title, Text(" · ".join(details)), Text(prepared, style="dim"))


def _status_text(status: Status, language: str) -> Text:
    return Text(status_name(status, language), style=f"bold {STATUS_STYLES[status]}")


def _buffers(review: WeeklyReview) -> RenderableType:
    language = review.language
    parts: list[RenderableType] = []
    name_width = max((len(buffer_name(b.buffer, language)) for b in review.buffers), default=0)
    for buffer_status in review.buffers:
        name = buffer_name(buffer_status.buffer, language)
        line = Text(name.ljust(name_width + 2), style="bold")
        line.append_text(_status_text(buffer_status.status, language))
        parts.append(_indented(line))
        reasons = [word(reason, language) for reason in buffer_status.reasons] or [
            label("nothing_stands_out", language)
        ]
        for reason in reasons:
            parts.append(_indented(Text(reason), extra=INDENT))
    return Group(*parts)


def _key_figures(review: WeeklyReview) -> RenderableType:
    language = review.language
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 2, 0, 0),
        header_style="bold",
    )
    table.add_column(label("indicator", language), ratio=1)
    table.add_column(label("value", language), justify="right", no_wrap=True)
    table.add_column(label("status", language), no_wrap=True)
    results = {result.id: result for result in review.indicators}
    previous_buffer = None
    for definition in INDICATORS:
        if definition.buffer != previous_buffer:
            if previous_buffer is not None:
                table.add_row()
            table.add_row(Text(buffer_name(definition.buffer, language), style="bold"))
            previous_buffer = definition.buffer
        result = results.get(definition.id)
        value = result.value if result is not None else None
        unit = result.unit if result is not None else definition.unit
        status = result.status if result is not None else None
        table.add_row(
            Text(indicator_name(definition.id, language_of(language)), style=""),
            Text(format_value(value, unit, language), style="dim" if value is None else ""),
            _status_text(status, language) if status is not None else Text(""),
        )
    return _indented(table)


def _trends(review: WeeklyReview) -> RenderableType:
    """The message; with enough history, the sparklines and the signals that fired."""
    language = review.language
    report = review.trends
    message = _indented(Text(word(report.message, language)))
    if not report.enough_history:
        return message
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 2, 0, 0),
        header_style="bold",
    )
    weeks = max((len(line.values) for line in report.sparklines), default=0)
    table.add_column(label("indicator", language), ratio=1)
    table.add_column(label("trend_weeks", language, count=weeks), no_wrap=True)
    table.add_column(label("trend_latest", language), justify="right", no_wrap=True)
    for line in report.sparklines:
        latest = line.latest
        table.add_row(
            Text(indicator_name(line.indicator, language_of(language))),
            Text(sparkline(line.values)),
            Text(format_value(latest, line.unit, language), style="dim" if latest is None else ""),
        )
    parts: list[RenderableType] = [
        message,
        Text(),
        _indented(table),
        _indented(Text(label("trend_caption", language), style="dim")),
    ]
    fired = report.fired
    if fired:
        signals = Table.grid(padding=(0, 1, 0, 0))
        signals.add_column(no_wrap=True)
        signals.add_column(ratio=1)
        for signal in fired:
            signals.add_row(Text("-"), Text(signal_sentence(signal, language)))
        parts += [
            Text(),
            _indented(Text(label("signals", language), style="bold")),
            _indented(signals),
        ]
    energy = [trend for trend in report.energy_trends if trend.fired]
    if energy:
        heading = gettext(language, "A trend of the energy buffer, not a signal of narrowing")
        parts += [Text(), _indented(Text(heading, style="bold"))]
        parts += [_indented(Text(energy_sentence(trend, language))) for trend in energy]
    if report.step is not None:
        parts += [Text(), _indented(Text(word(report.step, language), style="bold"))]
    return Group(*parts)


def _week_picture(review: WeeklyReview) -> RenderableType:
    language = review.language
    picture = week_picture(review.days)
    lines = _picture_lines(picture, language)
    legend = Text(f"{label('legend', language)}: ", style="dim")
    for index, kind in enumerate(SEGMENT_KINDS):
        if index:
            legend.append("  ")
        character = CELL_CHARACTERS[kind]
        shown = "' '" if character == " " else character
        legend.append(shown, style=CELL_STYLES[kind])
        legend.append(f" {segment_label(kind, language)}", style="dim")
    caption = Text(label("picture_caption", language), style="dim")
    return Group(*lines, Text(), legend, caption)


def _picture_lines(picture: WeekPicture, language: str) -> list[Text]:
    """The week picture as lines: an hour ruler, then one line per day with its cells."""
    day_labels = [format_short_day(row.day.date, language) for row in picture.rows]
    label_width = max((len(text) for text in day_labels), default=0) + 1
    # A wrapped picture line would misalign every cell: crop at the console's width instead.
    ruler = Text(" " * label_width + " ", style="dim", no_wrap=True, overflow="crop")
    for hour in picture.hours:
        offset = hour - picture.start_hour
        ruler.append(f"{hour:02d}" if offset % 2 == 0 else "  ", style="dim")
    lines = [ruler]
    for day_label, row in zip(day_labels, picture.rows, strict=True):
        line = Text(
            day_label.ljust(label_width),
            style="bold" if row.day.working else "dim",
            no_wrap=True,
            overflow="crop",
        )
        line.append("│", style="dim")
        for kind in row.cells:
            line.append(CELL_CHARACTERS[kind], style=CELL_STYLES[kind])
        line.append("│", style="dim")
        if not row.day.working:
            line.append(f" {non_working_label(row.day.non_working_reason, language)}", "dim")
        lines.append(line)
    return lines


def _proposals(review: WeeklyReview) -> RenderableType:
    language = review.language
    if review.proposals_week_over:
        over = Text(label("week_over", language, week=review.proposals_week.week))
        if not review.hindsight:
            return _indented(over)
        intro = Text(label("hindsight_intro", language), style="dim")
        return Group(_indented(over), _indented(intro), _indented(_table(review, review.hindsight)))
    if not review.proposals:
        return _indented(Text(label("no_proposals", language)))
    intro = Text(label("proposals_intro", language), style="dim")
    return Group(_indented(intro), _indented(_table(review, review.proposals)))


def _table(review: WeeklyReview, proposals: tuple[Proposal, ...]) -> Table:
    language = review.language
    table = Table.grid(padding=(0, 2, 0, 0))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for proposal in sorted(proposals, key=lambda p: (p.start, p.key)):
        day = to_local(proposal.start, review.timezone).date()
        table.add_row(
            Text(format_day(day, language), style="bold"),
            Text(format_time_range(proposal.start, proposal.end, review.timezone)),
            Text(kind_label(proposal.kind, language)),
            Text(word(proposal.reason, language)),
        )
    return table


def _warnings(review: WeeklyReview) -> RenderableType:
    language = review.language
    lines = [
        Text(f"- {word(warning.message, language)}")
        for warning in review.warnings[:WARNINGS_LISTED]
    ]
    hidden = len(review.warnings) - WARNINGS_LISTED
    if hidden > 0:
        lines.append(Text(f"  {label('warnings_more', language, count=hidden)}", style="dim"))
    return _indented(Group(*lines))
