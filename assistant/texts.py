"""Every sentence the core writes for a leader, in Dutch and English (pure core).

Numbers and dates are formatted with Babel for the leader's language. A test checks that every
message exists in both languages with the same placeholders.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("en", "nl")
_LOCALES = {"en": "en_GB", "nl": "nl_NL"}

MESSAGES: dict[str, dict[str, str]] = {
    # Buffer reasons, one per indicator that is not ok. {limit} is the threshold that fired.
    "reason.meeting_share": {
        "en": "Meetings took {value} of your working time ({level} {limit}).",
        "nl": "Overleg nam {value} van je werktijd in beslag ({level} {limit}).",
    },
    "reason.focus_hours": {
        "en": "You had {value} of focus time in stretches of {focus} or more ({level} {limit}).",
        "nl": "Je had {value} focustijd in blokken van {focus} of langer ({level} {limit}).",
    },
    "reason.meeting_free_half_days": {
        "en": "{value} half-days were free of meetings ({level} {limit}).",
        "nl": "{value} dagdelen waren vrij van overleg ({level} {limit}).",
    },
    "reason.short_notice_share": {
        "en": "{value} of your meeting time was booked less than {notice} ahead ({level} {limit}).",
        "nl": "{value} van je overlegtijd werd minder dan {notice} vooraf ingepland ({level} "
        "{limit}).",
    },
    "reason.longest_back_to_back_minutes": {
        "en": "Your longest run of meetings without a pause of {gap} lasted {value} ({level} "
        "{limit}).",
        "nl": "Je langste reeks overleg zonder pauze van {gap} duurde {value} ({level} {limit}).",
    },
    "reason.days_without_midday_break": {
        "en": "On {value} there were no {lunch} free between {window} ({level} {limit}).",
        "nl": "Op {value} was er tussen {window} geen {lunch} vrij ({level} {limit}).",
    },
    "reason.longest_workday_span_hours": {
        "en": "Your longest day ran {value} from first to last appointment ({level} {limit}).",
        "nl": "Je langste dag duurde {value} van eerste tot laatste afspraak ({level} {limit}).",
    },
    "reason.short_rest_nights": {
        "en": "{value} nights left less than {rest} between the last and the first "
        "appointment ({level} {limit}).",
        "nl": "{value} nachten bleef er minder dan {rest} tussen de laatste en de eerste "
        "afspraak ({level} {limit}).",
    },
    "reason.after_hours_meeting_hours": {
        "en": "{value} of meetings fell outside your working time ({level} {limit}).",
        "nl": "{value} overleg viel buiten je werktijd ({level} {limit}).",
    },
    "reason.missing_reflection_minutes": {
        "en": "You protected {reflection} for reflection against a target of {target}.",
        "nl": "Je beschermde {reflection} voor reflectie, tegen een doel van {target}.",
    },
    "reason.days_since_mini_retreat": {
        "en": "Your last mini-retreat (a protected block of {minutes} or more) was {value} days "
        "ago ({level} {limit}).",
        "nl": "Je laatste mini-retraite (een beschermd blok van {minutes} of langer) was {value} "
        "dagen geleden ({level} {limit}).",
    },
    "reason.days_since_mini_retreat.none": {
        "en": "No mini-retreat (a protected block of {minutes} or more) in the {weeks} weeks read.",
        "nl": "Geen mini-retraite (een beschermd blok van {minutes} of langer) in de {weeks} "
        "gelezen weken.",
    },
    "reason.ok": {
        "en": "All indicators of this buffer are within your rules.",
        "nl": "Alle indicatoren van deze buffer vallen binnen je regels.",
    },
    "level.attention": {"en": "attention", "nl": "aandacht"},
    "level.alert": {"en": "alert", "nl": "alarm"},
    # Proposals
    "proposal.reflection": {
        "en": "{existing} of reflection is protected next week against a target of {target}; "
        "{day} {window} is free{preferred}.",
        "nl": "Volgende week is {existing} reflectietijd beschermd, tegen een doel van {target}; "
        "{day} {window} is vrij{preferred}.",
    },
    "proposal.reflection.none": {
        "en": "No reflection time is protected next week yet (your target is {target}); "
        "{day} {window} is free{preferred}.",
        "nl": "Voor volgende week is nog geen reflectietijd beschermd (je doel is {target}); "
        "{day} {window} is vrij{preferred}.",
    },
    "proposal.reflection.preferred": {
        "en": " in your preferred window",
        "nl": " binnen je voorkeursvenster",
    },
    "proposal.recovery": {
        "en": "{day} {chain} is {length} of meetings with no pause of {gap}; {minutes} "
        "right after helps you recover.",
        "nl": "{day} {chain} is {length} overleg zonder pauze van {gap}; {minutes} direct "
        "erna helpt om te herstellen.",
    },
    "proposal.lunch": {
        "en": "Last {weekday} had no {lunch} free between {lunch_window}; next {weekday} "
        "{window} is still free.",
        "nl": "Afgelopen {weekday} was er tussen {lunch_window} geen {lunch} vrij; komende "
        "{weekday} is {window} nog vrij.",
    },
    "proposal.mini_retreat.since": {
        "en": "Your last mini-retreat will be {days} days ago by the end of next week (your "
        "cadence is {cadence} days); {day} is your lightest day.",
        "nl": "Aan het eind van volgende week is je laatste mini-retraite {days} dagen geleden "
        "(je ritme is {cadence} dagen); {day} is je rustigste dag.",
    },
    "proposal.mini_retreat.none": {
        "en": "There was no mini-retreat in the weeks read (your cadence is {cadence} days); "
        "{day} is your lightest day.",
        "nl": "In de gelezen weken was er geen mini-retraite (je ritme is {cadence} dagen); "
        "{day} is je rustigste dag.",
    },
    # Notes on proposals that could not be made
    "note.no_room_for_mini_retreat": {
        "en": "A mini-retreat is due (by the end of next week the last will be {since} days "
        "ago), but next week has no free stretch of {minutes} in working time. Perhaps one can "
        "be made in the week after.",
        "nl": "Een mini-retraite is aan de beurt (aan het eind van volgende week is de laatste "
        "{since} dagen geleden), maar volgende week heeft geen vrij blok van {minutes} in "
        "werktijd. Misschien lukt het de week daarna.",
    },
    "note.no_room_for_mini_retreat.none": {
        "en": "A mini-retreat is due (there was none in the weeks read), but next week has no "
        "free stretch of {minutes} in working time. Perhaps one can be made in the week after.",
        "nl": "Een mini-retraite is aan de beurt (in de gelezen weken was er geen), maar volgende "
        "week heeft geen vrij blok van {minutes} in werktijd. Misschien lukt het de week daarna.",
    },
    "note.protected_block_overrun": {
        "en": "On {day} meetings took {minutes} of a protected block.",
        "nl": "Op {day} nam overleg {minutes} van een beschermd blok in beslag.",
    },
    # Warnings
    "warning.skipped": {
        "en": "Skipped an event that could not be read ({where}): {reason}",
        "nl": "Een afspraak kon niet worden gelezen en is overgeslagen ({where}): {reason}",
    },
    "warning.no_working_time": {
        "en": "This week had no working time (days off, holidays or out of office); most "
        "indicators are empty.",
        "nl": "Deze week had geen werktijd (vrije dagen, feestdagen of afwezigheid); de meeste "
        "indicatoren zijn leeg.",
    },
    "warning.no_events": {
        "en": "The calendar holds no events in this week or the weeks around it.",
        "nl": "De agenda bevat geen afspraken in deze week of de weken eromheen.",
    },
}

# The whitepaper's reflection guide ("Reflectiewijzer: Waar sta jij als leider?").
QUESTIONS: tuple[dict[str, str], ...] = (
    {
        "nl": "Waar ervaar je op dit moment de meeste druk in je rol?",
        "en": "Where in your role do you feel the most pressure right now?",
    },
    {
        "nl": "Op welke momenten merk je dat je minder ruimte hebt om te reflecteren of afstand "
        "te nemen?",
        "en": "At which moments do you notice you have less room to reflect or step back?",
    },
    {
        "nl": "Welke buffers zijn voor jou goed georganiseerd en welke krijgen minder aandacht?",
        "en": "Which buffers are well organised for you, and which get less attention?",
    },
    {
        "nl": "Waar ligt jouw neiging onder druk: versnellen, overnemen of juist terugtrekken?",
        "en": "Under pressure, where does your tendency lie: speeding up, taking over, or "
        "withdrawing?",
    },
    {
        "nl": "Wat helpt jou om scherp te blijven wanneer de druk toeneemt?",
        "en": "What helps you stay sharp when the pressure rises?",
    },
    {
        "nl": "Wie of wat zorgt er bij jou voor tegenkracht?",
        "en": "Who or what provides a counterforce for you?",
    },
)


_COMPARISONS = {
    "en": {
        "<": "below {x}",
        "<=": "at {x} or less",
        ">": "above {x}",
        ">=": "from {x}",
        "=": "at {x}",
    },
    "nl": {
        "<": "onder {x}",
        "<=": "bij {x} of minder",
        ">": "boven {x}",
        ">=": "vanaf {x}",
        "=": "bij {x}",
    },
}


def comparison(op: str, bound: str, language: str) -> str:
    """A threshold in words: ('>=', '60%') -> 'from 60%' / 'vanaf 60%'."""
    return _COMPARISONS[language][op].format(x=bound)


def text(key: str, language: str, **values: object) -> str:
    return MESSAGES[key][language].format(**values)


def locale(language: str) -> str:
    return _LOCALES[language]


def question_for_week(week_number: int, language: str) -> str:
    return QUESTIONS[week_number % len(QUESTIONS)][language]


def half_up(value: float | Decimal, digits: int) -> Decimal:
    """Round half up: "32.25 h" reads "32.3 h" (Babel alone would round half to even)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def percent(share: float | Decimal, language: str) -> str:
    rounded = half_up(share, 2)
    return str(format_percent(rounded, format="#,##0%", locale=locale(language)))


def hours(value: float | Decimal, language: str) -> str:
    unit = "u" if language == "nl" else "h"
    number = format_decimal(half_up(value, 1), format="#,##0.#", locale=locale(language))
    return f"{number} {unit}"


def minutes(value: float | Decimal, language: str) -> str:
    """95 min, 2 h, 3 h 30 min (Dutch: 2 u, 3 u 30 min)."""
    whole = int(half_up(value, 0))
    if whole < 120:
        return f"{format_decimal(whole, locale=locale(language))} min"
    unit = "u" if language == "nl" else "h"
    hours_part, rest = divmod(whole, 60)
    return f"{hours_part} {unit}" + (f" {rest} min" if rest else "")


def days(value: float | Decimal, language: str) -> str:
    one = half_up(value, 1) == 1
    unit = {"nl": ("dag", "dagen"), "en": ("day", "days")}[language][0 if one else 1]
    return f"{number(value, language)} {unit}"


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
