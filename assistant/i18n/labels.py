"""Every heading and label a leader reads in a rendered review, in English and Dutch.

The labels are messages of the gettext catalogue ("label.title" ...); reasons are worded by
`assistant.i18n.wording`; indicator, buffer and status names are catalogue messages too.
This module also holds the sparklines and the week picture, so the text and HTML views say the
same thing in the same words; numbers, dates and times are formatted in `assistant.i18n.texts`.
It imports only the core and the i18n package (no I/O).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from assistant.core.review import Buffer, DayRow, Status
from assistant.i18n import texts
from assistant.i18n.translations import entries
from assistant.i18n.translations import language_of as language_of

LANGUAGES: Final = ("en", "nl")
LABEL: Final = "label."  # the labels' message ids in the catalogue: "label.title" ...


def label_keys() -> tuple[str, ...]:
    """Every label's key ("title", "week" ...), as the catalogue holds them."""
    return tuple(key[len(LABEL) :] for key in entries() if key.startswith(LABEL))


# The kinds of a DayRow segment, in the order the legend lists them.
SEGMENT_KINDS: Final = ("meeting", "solo", "protected", "working", "outside")


def label(key: str, language: str, **values: object) -> str:
    """The label `key` in `language`, with `%(placeholders)s` filled from `values`."""
    return texts.text(LABEL + key, language, None, **values)


def indicator_name(indicator: str, language: str) -> str:
    """An indicator's name: "Meeting hours" / "Vergaderuren"."""
    return texts.text(f"indicator.{indicator}", language)


def buffer_name(buffer: Buffer, language: str) -> str:
    """A buffer's name: "Agenda control" / "Agenda-regie"."""
    return texts.text(f"buffer.{buffer.value}", language)


def status_name(status: Status, language: str) -> str:
    """A status word: "attention" / "aandacht"."""
    return texts.text(f"status.{status.value}", language)


def kind_label(kind: str, language: str) -> str:
    """What a proposal of `kind` is called ("reflection" -> "Reflection block")."""
    key = f"proposal_{kind}"
    return label(key if LABEL + key in entries() else "proposal_other", language)


def segment_label(kind: str, language: str) -> str:
    """What a cell of the week picture means ("meeting" -> "meeting" / "overleg")."""
    return label(f"kind_{kind}", language)


def non_working_label(reason: str | None, language: str) -> str:
    """Why a day is not a working day ("out_of_office" -> "out of office" / "afwezig")."""
    key = f"non_working_{reason}"
    return label(key if LABEL + key in entries() else "non_working_other", language)


# --- A value or "no data" ---------------------------------------------------------------------


def format_value(value: float | Decimal | None, unit: str, language: str) -> str:
    """An indicator value with its unit ("62%", "14.5 h", "3 h 30 min"), or "no data"."""
    if value is None:
        return label("no_data", language)
    return texts.format_value(value, unit, language)


# --- Sparklines: one block character a week -------------------------------------------------

SPARK_BLOCKS: Final = "▁▂▃▄▅▆▇█"
SPARK_GAP: Final = "·"


def sparkline(values: Sequence[float | int | None]) -> str:
    """Values as block characters scaled from 0 to the highest value; a gap is "·".

    The scale starts at 0, not at the lowest week, so a small wobble stays a small wobble.
    """
    top = max((float(v) for v in values if v is not None), default=0.0)
    steps = len(SPARK_BLOCKS) - 1
    characters = []
    for value in values:
        if value is None:
            characters.append(SPARK_GAP)
        elif top <= 0:
            characters.append(SPARK_BLOCKS[0])
        else:
            level = int(texts.half_up(max(0.0, float(value)) / top * steps, 0))
            characters.append(SPARK_BLOCKS[level])
    return "".join(characters)


# --- The week picture: half-hour cells from DayRow.segments ----------------------------------

CELL_MINUTES: Final = 30
PICTURE_START_HOUR: Final = 7
PICTURE_END_HOUR: Final = 21
# When one cell holds several kinds, the one covering most minutes wins; ties go to the kind
# that weighs most on the leader's room (a meeting before a solo hold before protected time).
_PRIORITY: Final = {kind: rank for rank, kind in enumerate(SEGMENT_KINDS)}


@dataclass(frozen=True, slots=True)
class PictureRow:
    day: DayRow
    cells: tuple[str, ...]  # one segment kind per half hour, from SEGMENT_KINDS


@dataclass(frozen=True, slots=True)
class WeekPicture:
    start_hour: int
    end_hour: int
    rows: tuple[PictureRow, ...]

    @property
    def hours(self) -> range:
        return range(self.start_hour, self.end_hour)

    def cell_start_minute(self, index: int) -> int:
        return self.start_hour * 60 + index * CELL_MINUTES


def week_picture(days: tuple[DayRow, ...]) -> WeekPicture:
    """The week as half-hour cells, 07:00-21:00, widened to show any meeting or hold outside it."""
    busy = [
        (start, end)
        for day in days
        for start, end, kind in day.segments
        if kind != "working" and end > start
    ]
    start_hour = min([PICTURE_START_HOUR, *(start // 60 for start, _ in busy)])
    end_hour = max([PICTURE_END_HOUR, *(-(-end // 60) for _, end in busy)])
    start_hour, end_hour = max(0, start_hour), min(24, end_hour)
    cell_count = (end_hour - start_hour) * 60 // CELL_MINUTES
    rows = []
    for day in days:
        cells = []
        for index in range(cell_count):
            cell_start = start_hour * 60 + index * CELL_MINUTES
            cells.append(_cell_kind(day.segments, cell_start, cell_start + CELL_MINUTES))
        rows.append(PictureRow(day, tuple(cells)))
    return WeekPicture(start_hour, end_hour, tuple(rows))


def _cell_kind(segments: tuple[tuple[int, int, str], ...], start: int, end: int) -> str:
    covered = dict.fromkeys(SEGMENT_KINDS, 0)
    for seg_start, seg_end, kind in segments:
        overlap = min(end, seg_end) - max(start, seg_start)
        if overlap > 0 and kind in covered:
            covered[kind] += overlap
    covered["outside"] = max(0, (end - start) - sum(covered.values()))
    return max(SEGMENT_KINDS, key=lambda kind: (covered[kind], -_PRIORITY[kind]))
