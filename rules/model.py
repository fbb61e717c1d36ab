"""The protection rules as typed, validated settings (pydantic).

Imports nothing of agenda-regie. `assistant` reads these values; the core holds no thresholds of
its own.
"""

from __future__ import annotations

import itertools
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rules.address import one_address, plain_address
from rules.countries import holiday_countries, subdivisions
from rules.errors import RuleValueError
from rules.values import (
    WEEKDAYS,
    ClockRange,
    Comparison,
    ProposalKind,
    _to_clock,
    _to_range,
)


class _Section(BaseModel):
    """Values come from rules/defaults.yaml merged with the rule files; no defaults here but
    for optional details (a threshold's `missing`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Leader(_Section):
    name: str | None
    email: str | None
    language: Literal["nl", "en"]
    timezone: str
    holiday_country: str | None
    holiday_subdivision: str | None

    @field_validator("email")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return one_address(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise RuleValueError(
                "%(value)r is not a known IANA time zone (e.g. Europe/Amsterdam)", value=value
            ) from None
        return value

    @field_validator("holiday_country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.upper() not in holiday_countries():
            raise RuleValueError(
                "%(value)r is not a country the holidays package knows (e.g. NL)", value=value
            )
        return value.upper()

    @field_validator("holiday_subdivision")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("holiday_country")
        if value is None or country is None:
            return value
        known = subdivisions(country)
        for name in known:
            if name.lower() == value.lower():
                return name
        examples = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
        if known:
            raise RuleValueError(
                "%(value)r is not a subdivision of %(country)s the holidays package knows "
                "(%(examples)s)",
                value=value,
                country=country,
                examples=examples,
            )
        raise RuleValueError(
            "%(value)r is not a subdivision of %(country)s the holidays package knows; "
            "%(country)s has none",
            value=value,
            country=country,
        )


class WorkingHours(_Section):
    monday: tuple[ClockRange, ...]
    tuesday: tuple[ClockRange, ...]
    wednesday: tuple[ClockRange, ...]
    thursday: tuple[ClockRange, ...]
    friday: tuple[ClockRange, ...]
    saturday: tuple[ClockRange, ...]
    sunday: tuple[ClockRange, ...]

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
        for first, second in itertools.pairwise(ordered):
            if second.start_minute < first.end_minute:
                raise RuleValueError(
                    "ranges %(first)s and %(second)s overlap", first=first, second=second
                )
        return tuple(ordered)

    def for_weekday(self, weekday: int) -> tuple[ClockRange, ...]:
        ranges: tuple[ClockRange, ...] = getattr(self, WEEKDAYS[weekday])
        return ranges


class Classification(_Section):
    tentative_counts_as_meeting: bool
    reflection_keywords: tuple[str, ...]
    out_of_office_keywords: tuple[str, ...]
    personal_keywords: tuple[str, ...]


class Measurement(_Section):
    focus_block_minutes: int = Field(ge=1, le=24 * 60)
    fragment_max_minutes: int = Field(ge=1, le=24 * 60)
    half_day_split: time
    short_notice_hours: float = Field(gt=0)
    back_to_back_gap_minutes: int = Field(ge=0, le=120)
    rest_hours: float = Field(gt=0, le=24)
    context_weeks: int = Field(ge=0, le=104)

    @field_validator("half_day_split", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        return _to_clock(value)


class Threshold(_Section):
    attention: Comparison | None
    alert: Comparison | None
    # The status when the indicator has no value (days_since_mini_retreat: no retreat read).
    missing: Literal["attention", "alert"] | None = None

    @field_validator("attention", "alert", mode="before")
    @classmethod
    def _comparison(cls, value: object) -> object:
        if isinstance(value, str | int | float):
            return Comparison.parse(str(value))
        return value


class Thresholds(_Section):
    meeting_share: Threshold
    focus_hours: Threshold
    meeting_free_half_days: Threshold
    short_notice_share: Threshold
    longest_back_to_back_minutes: Threshold
    days_without_midday_break: Threshold
    longest_workday_span_hours: Threshold
    short_rest_nights: Threshold
    after_hours_meeting_hours: Threshold
    missing_reflection_minutes: Threshold
    days_since_mini_retreat: Threshold

    def for_indicator(self, indicator: str) -> Threshold | None:
        threshold = getattr(self, indicator, None)
        return threshold if isinstance(threshold, Threshold) else None


class Reflection(_Section):
    blocks_per_week: int = Field(ge=0, le=14)
    minutes: int = Field(ge=15, le=8 * 60)
    preferred_windows: tuple[ClockRange, ...]
    different_days: bool

    @field_validator("preferred_windows", mode="before")
    @classmethod
    def _ranges(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            return tuple(_to_range(v) for v in value)
        return value


class Recovery(_Section):
    chain_minutes: int = Field(ge=1, le=24 * 60)
    break_minutes: int = Field(ge=5, le=120)
    search_minutes: int = Field(ge=0, le=240)
    max_per_week: int = Field(ge=0, le=50)


class Lunch(_Section):
    enabled: bool
    window: ClockRange
    minutes: int = Field(ge=10, le=120)

    @field_validator("window", mode="before")
    @classmethod
    def _range(cls, value: object) -> object:
        return _to_range(value)

    @model_validator(mode="after")
    def _fits(self) -> Lunch:
        if self.minutes > self.window.end_minute - self.window.start_minute:
            raise RuleValueError(
                "lunch of %(minutes)s min does not fit in window %(window)s",
                minutes=self.minutes,
                window=self.window,
            )
        return self


class MiniRetreat(_Section):
    cadence_days: int = Field(ge=1, le=365)
    minutes: int = Field(ge=60, le=12 * 60)


class Exceptions(_Section):
    organisers: tuple[str, ...]

    @field_validator("organisers")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if "@" not in address:
                raise RuleValueError("%(value)r is not an email address", value=address)
        return tuple(a.strip().lower().removeprefix("mailto:") for a in value)


class Counterforce(_Section):
    """The whitepaper's "tegenkracht": the people and sessions that challenge and support the
    leader (coach, mentor, peers, board). Read once at ingestion, like the keywords above;
    counted by the `less_challenge` signal."""

    keywords: tuple[str, ...]
    people: tuple[str, ...]

    @field_validator("people")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if "@" not in address:
                raise RuleValueError("%(value)r is not an email address", value=address)
        return tuple(a.strip().lower().removeprefix("mailto:") for a in value)


AutoDecline = Literal["none", "all_conflicting", "only_new_conflicting"]


class FocusTime(_Section):
    auto_decline: AutoDecline
    decline_message: str | None = Field(max_length=1000)


class Google(_Section):
    focus_time: FocusTime


class Delivery(_Section):
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    time: time
    to: str | None
    assistant_cc: tuple[str, ...]

    @field_validator("time", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        return _to_clock(value)

    @field_validator("assistant_cc")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        addresses = []
        for given in value:
            address = plain_address(given)
            if address is None:
                raise RuleValueError(
                    "%(value)r is not one plain email address (no names, lists or control "
                    "characters)",
                    value=given,
                )
            addresses.append(address)
        return tuple(addresses)

    @field_validator("to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return one_address(value)


class Proposals(_Section):
    kinds: tuple[ProposalKind, ...]
    grid_minutes: int = Field(ge=1, le=60)


class TrendFloors(_Section):
    """Per trend input, the smallest baseline a shift is measured against (in its own unit).

    A baseline below its floor would make a small change look large (and a baseline of 0 makes
    every rise infinite), so the shift is taken against the floor instead.
    """

    reflection_minutes: float = Field(gt=0)
    protected_overrun_minutes: float = Field(gt=0)
    median_meeting_minutes: float = Field(gt=0)
    short_notice_share: float = Field(gt=0, le=1)
    organised_meeting_share: float = Field(gt=0, le=1)
    distinct_people: float = Field(gt=0)
    counterforce_sessions: float = Field(gt=0)
    longest_back_to_back_minutes: float = Field(gt=0)
    days_without_midday_break: float = Field(gt=0, le=7)


class Trends(_Section):
    """The signals of narrowing: the leader against their own baseline (assistant.core.trends)."""

    recent_weeks: int = Field(ge=1, le=26)
    baseline_weeks: int = Field(ge=1, le=104)
    min_history_weeks: int = Field(ge=2, le=130)
    shift: float = Field(gt=0, le=10)
    hold_weeks: int = Field(ge=1, le=26)
    sparkline_weeks: int = Field(ge=2, le=104)
    floors: TrendFloors

    @model_validator(mode="after")
    def _windows_fit(self) -> Trends:
        if self.min_history_weeks <= self.recent_weeks:
            raise RuleValueError(
                "min_history_weeks (%(history)s) must be more than recent_weeks (%(recent)s), "
                "so the baseline has at least one week",
                history=self.min_history_weeks,
                recent=self.recent_weeks,
            )
        if self.min_history_weeks > self.recent_weeks + self.baseline_weeks:
            raise RuleValueError(
                "min_history_weeks (%(history)s) cannot be more than recent_weeks + "
                "baseline_weeks (%(weeks)s), the weeks a comparison reads",
                history=self.min_history_weeks,
                weeks=self.recent_weeks + self.baseline_weeks,
            )
        return self


class Rules(_Section):
    """The effective protection rules for one leader."""

    version: Literal[1]
    leader: Leader
    working_hours: WorkingHours
    classification: Classification
    measurement: Measurement
    thresholds: Thresholds
    reflection: Reflection
    recovery: Recovery
    lunch: Lunch
    mini_retreat: MiniRetreat
    proposals: Proposals
    exceptions: Exceptions
    counterforce: Counterforce
    google: Google
    delivery: Delivery
    trends: Trends

    @property
    def reflection_target_minutes(self) -> int:
        return self.reflection.blocks_per_week * self.reflection.minutes
