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
    "reason.no_value": {
        "en": "{name}: no value this week ({level} when there is none).",
        "nl": "{name}: deze week geen waarde ({level} als die ontbreekt).",
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
    # Signals of narrowing (assistant.core.trends): the leader against their own baseline.
    # {held} and {span} are numbers of weeks in words ("3 weeks"); {recent} and {baseline} come
    # from the "trend.value.*" phrases; {change} is "−25%" or, against a floor, "+45 min".
    "trend.not_enough_history": {
        "en": "There is not enough history yet to compare you with your own baseline: "
        "{available} of the {needed} weeks needed.",
        "nl": "Er is nog niet genoeg geschiedenis om je met je eigen basislijn te vergelijken: "
        "{available} van de {needed} benodigde weken.",
    },
    "trend.none_fired": {
        "en": "Against your own baseline, no signal of narrowing has held for {hold} or more "
        "({weeks} of history read).",
        "nl": "Tegen je eigen basislijn hield geen signaal van versmalling {hold} of langer aan "
        "({weeks} geschiedenis gelezen).",
    },
    "trend.some_fired.one": {
        "en": "Against your own baseline, one of the {total} signals of narrowing has held for "
        "{hold} or more. A pattern to notice, not a verdict.",
        "nl": "Tegen je eigen basislijn hield één van de {total} signalen van versmalling {hold} "
        "of langer aan. Een patroon om op te merken, geen oordeel.",
    },
    "trend.some_fired.many": {
        "en": "Against your own baseline, {count} of the {total} signals of narrowing have held "
        "for {hold} or more. A pattern to notice, not a verdict.",
        "nl": "Tegen je eigen basislijn hielden {count} van de {total} signalen van versmalling "
        "{hold} of langer aan. Een patroon om op te merken, geen oordeel.",
    },
    "trend.steady": {
        "en": "{subject}: {recent} on average over the last {span}, against {baseline} before "
        "({change}).",
        "nl": "{subject}: gemiddeld {recent} over de laatste {span}, tegen {baseline} daarvoor "
        "({change}).",
    },
    "trend.no_data": {
        "en": "{subject}: not enough data to compare yet.",
        "nl": "{subject}: nog niet genoeg gegevens om te vergelijken.",
    },
    "trend.fired.reflection_minutes": {
        "en": "Reflection time has been lower for {held}: {recent} on average over the last "
        "{span}, against {baseline} before ({change}).",
        "nl": "Je reflectietijd is al {held} lager: gemiddeld {recent} over de laatste {span}, "
        "tegen {baseline} daarvoor ({change}).",
    },
    "trend.fired.protected_overrun_minutes": {
        "en": "Meetings have been taking more of your protected time for {held}: {recent} on "
        "average over the last {span}, against {baseline} before ({change}).",
        "nl": "Overleg neemt al {held} meer van je beschermde tijd in: gemiddeld {recent} over "
        "de laatste {span}, tegen {baseline} daarvoor ({change}).",
    },
    "trend.fired.median_meeting_minutes": {
        "en": "Your meetings have been shorter for {held}: a typical meeting lasted {recent} on "
        "average over the last {span}, against {baseline} before ({change}).",
        "nl": "Je overleggen zijn al {held} korter: een doorsnee overleg duurde gemiddeld "
        "{recent} over de laatste {span}, tegen {baseline} daarvoor ({change}).",
    },
    "trend.fired.short_notice_share": {
        "en": "More of your meetings have been booked at short notice for {held}: {recent} on "
        "average over the last {span}, against {baseline} before ({change}).",
        "nl": "Er wordt al {held} meer overleg op korte termijn ingepland: gemiddeld {recent} "
        "over de laatste {span}, tegen {baseline} daarvoor ({change}).",
    },
    "trend.fired.organised_meeting_share": {
        "en": "You have been organising more of your meetings yourself for {held}: {recent} on "
        "average over the last {span}, against {baseline} before ({change}).",
        "nl": "Je organiseert al {held} meer van je overleg zelf: gemiddeld {recent} over de "
        "laatste {span}, tegen {baseline} daarvoor ({change}).",
    },
    "trend.fired.longest_back_to_back_minutes": {
        "en": "Your longest runs of back-to-back meetings have been longer for {held}: {recent} "
        "on average over the last {span}, against {baseline} before ({change}).",
        "nl": "Je langste reeksen aaneengesloten overleg zijn al {held} langer: gemiddeld "
        "{recent} over de laatste {span}, tegen {baseline} daarvoor ({change}).",
    },
    "trend.fired.days_without_midday_break": {
        "en": "Midday breaks have been scarcer for {held}: {recent} without one on average over "
        "the last {span}, against {baseline} before ({change}).",
        "nl": "Middagpauzes zijn al {held} schaarser: gemiddeld {recent} zonder over de laatste "
        "{span}, tegen {baseline} daarvoor ({change}).",
    },
    "trend.subject.reflection_minutes": {"en": "Reflection time", "nl": "Reflectietijd"},
    "trend.subject.protected_overrun_minutes": {
        "en": "Protected time taken by meetings",
        "nl": "Beschermde tijd die overleg innam",
    },
    "trend.subject.median_meeting_minutes": {
        "en": "Length of a typical meeting",
        "nl": "Duur van een doorsnee overleg",
    },
    "trend.subject.short_notice_share": {
        "en": "Meeting time booked at short notice",
        "nl": "Overlegtijd op korte termijn ingepland",
    },
    "trend.subject.organised_meeting_share": {
        "en": "Meeting time you organised yourself",
        "nl": "Overlegtijd die je zelf organiseerde",
    },
    "trend.subject.longest_back_to_back_minutes": {
        "en": "Longest run of back-to-back meetings",
        "nl": "Langste reeks aaneengesloten overleg",
    },
    "trend.subject.days_without_midday_break": {
        "en": "Days without a midday break",
        "nl": "Dagen zonder middagpauze",
    },
    "trend.value.reflection_minutes": {"en": "{value} a week", "nl": "{value} per week"},
    "trend.value.protected_overrun_minutes": {"en": "{value} a week", "nl": "{value} per week"},
    "trend.value.median_meeting_minutes": {"en": "{value}", "nl": "{value}"},
    "trend.value.short_notice_share": {
        "en": "{value} of meeting time",
        "nl": "{value} van de overlegtijd",
    },
    "trend.value.organised_meeting_share": {
        "en": "{value} of meeting time",
        "nl": "{value} van de overlegtijd",
    },
    "trend.value.longest_back_to_back_minutes": {"en": "{value}", "nl": "{value}"},
    "trend.value.days_without_midday_break": {"en": "{value} a week", "nl": "{value} per week"},
    "trend.unchanged": {"en": "unchanged", "nl": "onveranderd"},
    "trend.points": {"en": "{sign}{value} percentage points", "nl": "{sign}{value} procentpunt"},
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


def lookup(table: dict[str, dict[str, str]], key: str, language: str, **values: object) -> str:
    """Message `key` of `table` in `language` ("nl", "nl-BE" ... read as Dutch, else English),
    with its `{placeholders}` filled from `values`."""
    chosen = "nl" if language.lower().split("-")[0].split("_")[0] == "nl" else "en"
    message = table[key][chosen]
    return message.format(**values) if values else message


def text(key: str, language: str, **values: object) -> str:
    return lookup(MESSAGES, key, language, **values)


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


def weeks(count: int, language: str) -> str:
    """3 weeks / 3 weken; 1 week in both languages."""
    unit = {"nl": ("week", "weken"), "en": ("week", "weeks")}[language][0 if count == 1 else 1]
    return f"{count} {unit}"


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
