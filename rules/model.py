"""The protection rules as typed, validated settings (pydantic).

Imports nothing of agenda-regie. `assistant` reads these values; the core holds no thresholds of
its own.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_COMPARISON = re.compile(r"^\s*(<=|>=|<|>|=)\s*(target|-?\d+(?:\.\d+)?)\s*$")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PROPOSAL_KINDS = ("reflection", "recovery", "lunch", "mini_retreat")
ProposalKind = Literal["reflection", "recovery", "lunch", "mini_retreat"]


def parse_clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time of day like 13:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a valid time of day")
    return time(hour, minute)


class ClockRange(BaseModel):
    """A local time range "HH:MM-HH:MM" on one day; 24:00 is allowed as an end."""

    model_config = ConfigDict(frozen=True)
    start_minute: int
    end_minute: int

    @classmethod
    def parse(cls, text: str) -> ClockRange:
        match = _RANGE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a time range like 08:30-17:30")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
            raise ValueError(f"{text!r} is not a valid time range")
        if end <= start:
            raise ValueError(f"{text!r} ends before it starts")
        return cls(start_minute=start, end_minute=end)

    def __str__(self) -> str:
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _to_range(value: object) -> object:
    return ClockRange.parse(value) if isinstance(value, str) else value


class Comparison(BaseModel):
    """A threshold such as ">= 0.60"; `target` stands for reflection_target_minutes."""

    model_config = ConfigDict(frozen=True)
    op: Literal["<", "<=", ">", ">=", "="]
    value: float | Literal["target"]

    @classmethod
    def parse(cls, text: str) -> Comparison:
        match = _COMPARISON.match(str(text))
        if not match:
            raise ValueError(
                f"{text!r} is not a comparison like '>= 0.60' or '< 10' (operators < <= > >= =)"
            )
        raw = match.group(2)
        value: float | Literal["target"] = "target" if raw == "target" else float(raw)
        return cls(op=match.group(1), value=value)  # type: ignore[arg-type]

    def holds(self, measured: float, target: float) -> bool:
        bound = target if self.value == "target" else float(self.value)
        if self.op == "<":
            return measured < bound
        if self.op == "<=":
            return measured <= bound
        if self.op == ">":
            return measured > bound
        if self.op == ">=":
            return measured >= bound
        return measured == bound

    def __str__(self) -> str:
        value = self.value if self.value == "target" else f"{self.value:g}"
        return f"{self.op} {value}"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Leader(_Section):
    email: str | None = None
    language: Literal["nl", "en"] = "en"
    timezone: str = "Europe/Amsterdam"
    holiday_country: str | None = "NL"
    holiday_subdivision: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known IANA time zone (e.g. Europe/Amsterdam)")
        return value

    @field_validator("holiday_country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import holidays

        if value.upper() not in holidays.list_supported_countries():
            raise ValueError(f"{value!r} is not a country the holidays package knows (e.g. NL)")
        return value.upper()


class WorkingHours(_Section):
    monday: tuple[ClockRange, ...] = ()
    tuesday: tuple[ClockRange, ...] = ()
    wednesday: tuple[ClockRange, ...] = ()
    thursday: tuple[ClockRange, ...] = ()
    friday: tuple[ClockRange, ...] = ()
    saturday: tuple[ClockRange, ...] = ()
    sunday: tuple[ClockRange, ...] = ()

    @field_validator(*WEEKDAYS, mode="before")
    @classmethod
    def _parse_ranges(cls, value: object) -> object:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            return tuple(_to_range(v) for v in value)
        return value

    @field_validator(*WEEKDAYS)
    @classmethod
    def _no_overlap(cls, value: tuple[ClockRange, ...]) -> tuple[ClockRange, ...]:
        ordered = sorted(value, key=lambda r: r.start_minute)
        for first, second in zip(ordered, ordered[1:], strict=False):
            if second.start_minute < first.end_minute:
                raise ValueError(f"ranges {first} and {second} overlap")
        return tuple(ordered)

    def for_weekday(self, weekday: int) -> tuple[ClockRange, ...]:
        ranges: tuple[ClockRange, ...] = getattr(self, WEEKDAYS[weekday])
        return ranges


class Classification(_Section):
    tentative_counts_as_meeting: bool = True
    reflection_keywords: tuple[str, ...] = ()
    out_of_office_keywords: tuple[str, ...] = ()
    personal_keywords: tuple[str, ...] = ()


class Measurement(_Section):
    focus_block_minutes: int = Field(120, ge=1, le=24 * 60)
    fragment_max_minutes: int = Field(30, ge=1, le=24 * 60)
    half_day_split: time = time(13, 0)
    short_notice_hours: float = Field(24, gt=0)
    back_to_back_gap_minutes: int = Field(10, ge=0, le=120)
    back_to_back_chain_minutes: int = Field(120, ge=1)
    rest_hours: float = Field(11, gt=0, le=24)
    context_weeks: int = Field(12, ge=0, le=104)

    @field_validator("half_day_split", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        return parse_clock(value) if isinstance(value, str) else value


class Threshold(_Section):
    attention: Comparison | None = None
    alert: Comparison | None = None

    @field_validator("attention", "alert", mode="before")
    @classmethod
    def _comparison(cls, value: object) -> object:
        if isinstance(value, str | int | float):
            return Comparison.parse(str(value))
        return value


class Thresholds(_Section):
    meeting_share: Threshold = Threshold()
    focus_hours: Threshold = Threshold()
    meeting_free_half_days: Threshold = Threshold()
    short_notice_share: Threshold = Threshold()
    longest_back_to_back_minutes: Threshold = Threshold()
    days_without_midday_break: Threshold = Threshold()
    longest_workday_span_hours: Threshold = Threshold()
    short_rest_nights: Threshold = Threshold()
    after_hours_meeting_hours: Threshold = Threshold()
    missing_reflection_minutes: Threshold = Threshold()
    days_since_mini_retreat: Threshold = Threshold()

    def for_indicator(self, indicator: str) -> Threshold | None:
        threshold = getattr(self, indicator, None)
        return threshold if isinstance(threshold, Threshold) else None


class Reflection(_Section):
    blocks_per_week: int = Field(2, ge=0, le=14)
    minutes: int = Field(90, ge=15, le=8 * 60)
    preferred_window: ClockRange = ClockRange(start_minute=510, end_minute=720)
    different_days: bool = True

    @field_validator("preferred_window", mode="before")
    @classmethod
    def _range(cls, value: object) -> object:
        return _to_range(value)


class Recovery(_Section):
    break_minutes: int = Field(15, ge=5, le=120)
    search_minutes: int = Field(60, ge=0, le=240)


class Lunch(_Section):
    enabled: bool = True
    window: ClockRange = ClockRange(start_minute=690, end_minute=840)
    minutes: int = Field(30, ge=10, le=120)

    @field_validator("window", mode="before")
    @classmethod
    def _range(cls, value: object) -> object:
        return _to_range(value)

    @model_validator(mode="after")
    def _fits(self) -> Lunch:
        if self.minutes > self.window.end_minute - self.window.start_minute:
            raise ValueError(f"lunch of {self.minutes} min does not fit in window {self.window}")
        return self


class MiniRetreat(_Section):
    cadence_days: int = Field(28, ge=1, le=365)
    minutes: int = Field(180, ge=60, le=12 * 60)


class Proposals(_Section):
    kinds: tuple[ProposalKind, ...] = PROPOSAL_KINDS
    grid_minutes: int = Field(15, ge=1, le=60)


class Rules(_Section):
    """The effective protection rules for one leader."""

    version: Literal[1] = 1
    leader: Leader = Leader()
    working_hours: WorkingHours = WorkingHours()
    classification: Classification = Classification()
    measurement: Measurement = Measurement()
    thresholds: Thresholds = Thresholds()
    reflection: Reflection = Reflection()
    recovery: Recovery = Recovery()
    lunch: Lunch = Lunch()
    mini_retreat: MiniRetreat = MiniRetreat()
    proposals: Proposals = Proposals()

    @property
    def reflection_target_minutes(self) -> int:
        return self.reflection.blocks_per_week * self.reflection.minutes
