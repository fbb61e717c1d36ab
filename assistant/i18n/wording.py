"""The core's reasons in the leader's words (assistant.core.reasons -> text).

A `Reason` names a message of the gettext catalogue (its msgctxt) and the values it needs; each
value is formatted here for the leader's language (Babel: numbers, dates, durations) and put
into the message, in the plural form its count asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from assistant.core.reasons import (
    Change,
    ClockWindow,
    Indicator,
    Quantity,
    Reason,
    Threshold,
    TimeRange,
    Value,
    Weekday,
)
from assistant.core.review import SignalResult
from assistant.i18n import texts
from assistant.i18n.labels import indicator_name
from assistant.i18n.translations import entries, plural_number


def word(reason: Reason, language: str) -> str:
    """`reason` as a sentence (or phrase) in `language`."""
    values = {name: _value(value, language) for name, value in reason.values.items()}
    count = entries()[reason.id].count
    n = plural_number(reason.values[count]) if count is not None else None
    return texts.text(reason.id, language, n, **values)


def words(reasons: Iterable[Reason], language: str) -> str:
    """Several reasons as one paragraph, sentence after sentence."""
    return " ".join(word(reason, language) for reason in reasons)


def signal_sentence(signal: SignalResult, language: str) -> str:
    """A signal of narrowing as the review says it: the whitepaper's line, then what the
    calendar shows ("Tegenspraak wordt minder actief opgezocht. In je agenda: ...")."""
    return texts.text(
        "signal.line",
        language,
        signal=texts.text(f"signal.{signal.id}", language),
        evidence=words(signal.reasons, language),
    )


def energy_sentence(trend: SignalResult, language: str) -> str:
    """A trend of the energy buffer (rising density): said apart from the signals."""
    return texts.text(
        "trend.energy_line",
        language,
        signal=texts.text(f"signal.{trend.id}", language),
        evidence=words(trend.reasons, language),
    )


def quantity(value: Quantity, language: str) -> str:
    if value.unit == "weeks":
        return texts.weeks(int(value.amount), language)
    return texts.format_value(value.amount, value.unit, language)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _value(value: Value, language: str) -> object:
    if isinstance(value, Reason):
        return word(value, language)
    if isinstance(value, Quantity):
        return quantity(value, language)
    if isinstance(value, Threshold):
        return texts.comparison(value.op, quantity(value.bound, language), language)
    if isinstance(value, Change):
        if value.unit is None:
            return texts.signed_percent(value.amount, language)
        return texts.signed_difference(value.amount, value.unit, language)
    if isinstance(value, TimeRange):
        return texts.time_range(value.start, value.end, language)
    if isinstance(value, ClockWindow):
        return f"{_hhmm(value.start_minute)}–{_hhmm(value.end_minute)}"
    if isinstance(value, Weekday):
        return texts.weekday_name(value.day, language)
    if isinstance(value, Indicator):
        return indicator_name(value.id, language)
    if isinstance(value, date):
        return texts.weekday(value, language)
    return value
