"""The one formatting module: numbers, shares, durations, dates and times with Babel, in the
leader's language, and the review's messages from the gettext catalogue
(`assistant.i18n.translations`). A test checks that every message exists in both catalogues
with the same placeholders.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_interval, format_time
from babel.numbers import format_decimal, format_percent

from assistant.i18n.translations import LANGUAGES as LANGUAGES
from assistant.i18n.translations import language_of, message, plural_number

_LOCALES = {"en": "en_GB", "nl": "nl_NL"}

# A threshold's comparison in the catalogue: ">=" reads "from 60%" / "vanaf 60%".
_COMPARISONS = {"<": "below", "<=": "at_most", ">": "above", ">=": "from", "=": "at"}


def comparison(op: str, bound: str, language: str) -> str:
    """A threshold in words: ('>=', '60%') -> 'from 60%' / 'vanaf 60%'."""
    return text(f"comparison.{_COMPARISONS[op]}", language, bound=bound)


def text(key: str, language: str, n: int | None = None, **values: object) -> str:
    """Message `key` of the catalogue in `language`, `%(placeholders)s` filled from `values`;
    a message with plural forms takes the form for `n` (default: the number of its count)."""
    return message(key, language, values, n)


def locale(language: str) -> str:
    return _LOCALES[language_of(language)]


def half_up(value: float | Decimal, digits: int) -> Decimal:
    """Round half up: "32.25 h" reads "32.3 h" (Babel alone would round half to even)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def percent(share: float | Decimal, language: str) -> str:
    rounded = half_up(share, 2)
    return str(format_percent(rounded, format="#,##0%", locale=locale(language)))


def hours(value: float | Decimal, language: str) -> str:
    unit = text("label.unit_hours", language)
    number = format_decimal(half_up(value, 1), format="#,##0.#", locale=locale(language))
    return f"{number} {unit}"


def minutes(value: float | Decimal, language: str) -> str:
    """95 min, 2 h, 3 h 30 min (Dutch: 2 u, 3 u 30 min)."""
    whole = int(half_up(value, 0))
    short = text("label.unit_minutes", language)
    if whole < 120:
        return f"{format_decimal(whole, locale=locale(language))} {short}"
    unit = text("label.unit_hours", language)
    hours_part, rest = divmod(whole, 60)
    return f"{hours_part} {unit}" + (f" {rest} {short}" if rest else "")


def days(value: float | Decimal, language: str) -> str:
    """1 day, 2 days, 1.5 days (Dutch: 1 dag, 1,5 dagen): singular when it reads as 1."""
    shown = half_up(value, 1)
    plural = 1 if shown == 1 else plural_number(shown)
    return text("label.unit_days", language, plural, count=number(value, language))


def weeks(count: int, language: str) -> str:
    """3 weeks / 3 weken; 1 week in both languages."""
    return text("unit.weeks", language, count=count)


MINUS = "\u2212"  # a real minus sign: "−25%" reads better than "-25%"


def _sign(value: Decimal) -> str:
    return "+" if value > 0 else MINUS if value < 0 else ""


def signed_percent(fraction: float, language: str) -> str:
    """A relative change: +25%, −70%, or "unchanged" when it rounds to 0%."""
    rounded = half_up(fraction, 2)
    if not rounded:
        return text("trend.unchanged", language)
    return _sign(rounded) + percent(abs(rounded), language)


def signed_difference(difference: float, unit: str, language: str) -> str:
    """An absolute change in a value's unit: +45 min, +1.5 days, +7 percentage points, or
    "unchanged" when it rounds to nothing."""
    if unit == "share":
        points = half_up(difference * 100, 0)
        if not points:
            return text("trend.unchanged", language)
        return text("trend.points", language, sign=_sign(points), value=abs(points))
    rounded = half_up(difference, 0 if unit == "minutes" else 1)
    if not rounded:
        return text("trend.unchanged", language)
    return _sign(rounded) + format_value(abs(rounded), unit, language)


def number(value: float | Decimal, language: str) -> str:
    return str(format_decimal(half_up(value, 2), format="#,##0.##", locale=locale(language)))


def format_value(value: float | Decimal, unit: str, language: str) -> str:
    """An indicator value with its unit, as every view shows it: 62%, 14.5 h, 3 h 30 min."""
    formatters = {"share": percent, "hours": hours, "minutes": minutes, "days": days}
    return formatters.get(unit, number)(value, language)


def weekday(day: date, language: str) -> str:
    return str(format_date(day, "EEEE d MMMM", locale=locale(language)))


def weekday_name(day: date, language: str) -> str:
    return str(format_date(day, "EEEE", locale=locale(language)))


def clock(moment: datetime, language: str) -> str:
    return str(format_time(moment, "HH:mm", locale=locale(language)))


def time_range(start: datetime, end: datetime, language: str) -> str:
    return f"{clock(start, language)}–{clock(end, language)}"


# --- Days, weeks and moments in the leader's time zone -----------------------------------------


def zone(timezone: str) -> tzinfo | None:
    """The leader's time zone, or None when the name is unknown (times then stay as given)."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def to_local(moment: datetime, timezone: str) -> datetime:
    """`moment` in the leader's time zone (unchanged when the zone is unknown)."""
    local_zone = zone(timezone)
    return moment.astimezone(local_zone) if local_zone is not None else moment


def format_day(day: date, language: str) -> str:
    """A short day: "Mon 23 Nov" / "ma 23 nov"."""
    return str(format_date(day, "EEE d MMM", locale=locale(language)))


def format_short_day(day: date, language: str) -> str:
    """A weekday and day of the month: "Mon 23" / "ma 23"."""
    return str(format_date(day, "EEE d", locale=locale(language)))


def format_week_dates(start: date, end: date, language: str) -> str:
    """A week's dates: "23 – 29 Nov 2026" / "23–29 nov 2026"."""
    return str(format_interval(start, end, "yMMMd", locale=locale(language)))


def format_moment(moment: datetime, timezone: str, language: str) -> str:
    """A date and time in the leader's zone: "30 Nov 2026 07:00" / "30 nov 2026 07:00"."""
    local = to_local(moment, timezone)
    return str(format_datetime(local, "d MMM y HH:mm", locale=locale(language)))


def format_time_range(start: datetime, end: datetime, timezone: str) -> str:
    """Local clock times: "08:30–10:00" (24-hour, in both languages)."""
    return f"{to_local(start, timezone):%H:%M}–{to_local(end, timezone):%H:%M}"
