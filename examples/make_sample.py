"""Generate `examples/sample-leader.ics`: the calendar of a fictional Dutch executive.

Sanne de Vries (sanne.devries@example.org, Europe/Amsterdam) runs an organisation of a few
hundred people. Her calendar covers ISO weeks 2026-W35 to 2026-W49 and shows the gradual
narrowing the weekly review looks for: reflection blocks disappear, meetings get shorter and
come in back-to-back chains, more of them are booked at short notice, the lunch break and the
evenings fill up. The last week (2026-W49, "the coming week" when the review runs on Monday
2026-11-30) is partly booked, as a real calendar would be on that Monday morning.

Everything is deterministic: one `random.Random(seed)`, no clock. The calendar is "exported" on
the Monday of its last week at 07:00 local time; that moment is every event's DTSTAMP and no
event was created after it. Run without arguments to regenerate the committed sample
byte-for-byte:

    python examples/make_sample.py
    python examples/make_sample.py --weeks 52 --events-per-week 60 --output /tmp/year.ics

All names and addresses are invented (example.org for the organisation, example.com outside).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import icalendar

TZ = ZoneInfo("Europe/Amsterdam")
DEFAULT_OUTPUT = Path(__file__).resolve().with_name("sample-leader.ics")
PRODID = "-//agenda-regie//examples/make_sample.py//EN"
UID_DOMAIN = "sample.agenda-regie.example.org"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


LEADER = Person("Sanne de Vries", "sanne.devries@example.org")
SECRETARY = Person("Eva Smit", "eva.smit@example.org")  # bestuurssecretaris
OR_SECRETARY = Person("Ellen Koster", "ellen.koster@example.org")  # ambtelijk secretaris OR
CFO = Person("Pieter Bakker", "pieter.bakker@example.org")
COO = Person("Fatima El Amrani", "fatima.elamrani@example.org")
CIO = Person("Joost van Dijk", "joost.vandijk@example.org")
HR = Person("Lotte Visser", "lotte.visser@example.org")
SALES = Person("Ravi Ramdin", "ravi.ramdin@example.org")
DIRECT_REPORTS = (CFO, COO, CIO, HR, SALES)
ALL_STAFF = Person("Alle medewerkers", "allemedewerkers@example.org")

# Colleagues by topic: each one-off meeting draws its attendees from one group.
GROUPS: dict[str, tuple[Person, ...]] = {
    "finance": (
        CFO,
        Person("Mark de Graaf", "mark.degraaf@example.org"),
        Person("Ingrid Mulder", "ingrid.mulder@example.org"),
    ),
    "it": (
        CIO,
        Person("Koen Peters", "koen.peters@example.org"),
        Person("Anouk Bos", "anouk.bos@example.org"),
    ),
    "hr": (
        HR,
        Person("Sophie Dekker", "sophie.dekker@example.org"),
        Person("Yusuf Demir", "yusuf.demir@example.org"),
    ),
    "ops": (
        COO,
        Person("Wouter Smits", "wouter.smits@example.org"),
        Person("Iris Meijer", "iris.meijer@example.org"),
    ),
    "sales": (
        SALES,
        Person("Jeroen de Boer", "jeroen.deboer@example.org"),
        Person("Sara Brouwer", "sara.brouwer@example.org"),
    ),
    "legal": (
        Person("Thomas Vermeulen", "thomas.vermeulen@example.org"),
        Person("Maaike van den Berg", "maaike.vandenberg@example.org"),
    ),
    "comms": (
        Person("Noor Hendriks", "noor.hendriks@example.org"),
        Person("Tim Jansen", "tim.jansen@example.org"),
    ),
    "works_council": (
        Person("Bram Willems", "bram.willems@example.org"),
        OR_SECRETARY,
    ),
    "mt": (*DIRECT_REPORTS, SECRETARY),
    "board": (
        Person("Henk Prins", "henk.prins@example.com"),
        Person("Carla Huisman", "carla.huisman@example.com"),
        Person("Gerard Vos", "gerard.vos@example.com"),
        SECRETARY,
    ),
    "external": (
        Person("Marieke Jacobs", "marieke.jacobs@example.com"),
        Person("Daan Kok", "daan.kok@example.com"),
        Person("Laura Schouten", "laura.schouten@example.com"),
        Person("Oliver Brown", "oliver.brown@example.com"),
        Person("Hanna Lindqvist", "hanna.lindqvist@example.com"),
        Person("Rob Kuipers", "rob.kuipers@example.com"),
    ),
    "government": (
        Person("Wethouder Ank Post", "a.post@example.com"),
        Person("Joris Dam", "j.dam@example.com"),
    ),
}
BOARD_CHAIR = GROUPS["board"][0]

CLIENTS = ("Noordlicht Logistiek", "Brugwerk Bouw", "Zilvermeeuw Zorg", "Polderkracht Energie")
TOPICS = (
    "begroting 2027",
    "ERP-migratie",
    "reorganisatie Operations",
    "klanttevredenheid",
    "huisvesting Utrecht",
    "cyberincident",
    "aanbesteding",
    "jaarplan",
    "pricing 2027",
    "duurzaamheidsrapportage",
)
ISSUES = (
    "leveringsprobleem",
    "persvraag",
    "IT-storing",
    "klachtenescalatie",
    "vertrek teamleider",
    "contractgeschil",
)
VACANCIES = ("manager Finance", "head of Data", "directiesecretaris", "teamleider Service")
LOCATIONS = (
    "Kantoor Utrecht, bestuurskamer",
    "Kantoor Utrecht, zaal 4.12",
    "Microsoft Teams",
    "Google Meet",
    "Kantoor Utrecht, kamer Sanne",
)

# One-off meeting templates: title (may use {client}, {topic}, {issue}, {vacancy}), durations in
# minutes for calm weeks, attendee group, chance that Sanne organises it.
MEETINGS: tuple[tuple[str, tuple[int, ...], str, float], ...] = (
    ("Overleg {topic}", (45, 60, 90), "mt", 0.6),
    ("Review kwartaalcijfers", (60, 90), "finance", 0.3),
    ("Budgetoverleg {topic}", (60,), "finance", 0.4),
    ("Stuurgroep digitalisering", (60, 90), "it", 0.2),
    ("Projectupdate ERP-migratie", (45, 60), "it", 0.1),
    ("Security briefing", (45,), "it", 0.0),
    ("Klantgesprek {client}", (60, 90), "external", 0.6),
    ("Kennismaking {client}", (45, 60), "external", 0.4),
    ("Sollicitatiegesprek {vacancy}", (60,), "hr", 0.1),
    ("Afstemming communicatie {topic}", (45, 60), "comms", 0.5),
    ("Strategy session 2027", (90, 120), "mt", 0.8),
    ("Sync with legal on {topic}", (30, 45), "legal", 0.3),
    ("Interview vakblad", (45, 60), "comms", 0.0),
    ("Voortgang {topic}", (45, 60), "ops", 0.3),
    ("Operationeel overleg", (60,), "ops", 0.2),
    ("Salesreview pipeline", (60,), "sales", 0.2),
    ("Investor call", (45, 60), "external", 0.2),
    ("Risk & compliance review", (60, 90), "legal", 0.3),
    ("Bestuurlijk overleg gemeente", (60, 90), "government", 0.0),
    ("Gesprek voorzitter OR", (60,), "works_council", 0.5),
    ("Talent review", (90,), "hr", 0.5),
    ("Partneroverleg {client}", (60,), "external", 0.3),
)
# Short-notice (ad hoc) meetings: short, reactive.
AD_HOC: tuple[tuple[str, str], ...] = (
    ("Escalatie: {issue}", "ops"),
    ("Quick sync {topic}", "mt"),
    ("Even bijpraten: {topic}", "mt"),
    ("Ad hoc: {issue}", "comms"),
    ("Spoedoverleg {issue}", "ops"),
    ("Call re {topic}", "finance"),
    ("Crisisoverleg {issue}", "it"),
    ("Short call: {topic}", "sales"),
)
LUNCHES = (
    ("Werklunch {client}", "external"),
    ("Lunchoverleg {topic}", "mt"),
    ("Lunch met voorzitter OR", "works_council"),
    ("Working lunch: {topic}", "finance"),
)
REFLECTION_TITLES = (
    "Focus: strategie 2027",
    "Reflectie",
    "Denktijd",
    "Deep work: jaarplan",
    "Focus time – board memo",
    "Reflectie op het kwartaal",
)
SOLO_HOLDS = (
    ("Voorbereiding MT", (30, 45)),
    ("Stukken lezen", (45, 60)),
    ("Mail wegwerken", (30,)),
    ("Voorbereiding klantgesprek", (30,)),
    ("Voorbereiding board prep", (30, 45)),
    ("Bellen en afhandelen", (30,)),
)
EARLY = (
    ("Ondernemersontbijt regio Utrecht", 75, "external"),
    ("Call with Singapore office", 45, "sales"),
    ("Vroege call {topic}", 30, "mt"),
    ("Ontbijt met {client}", 60, "external"),
)
LATE = (
    ("Diner met {client}", 90, "external"),
    ("Call with US team", 60, "sales"),
    ("Avondoverleg RvC-voorzitter", 45, "board"),
    ("Informatieavond gemeente", 90, "government"),
    ("Netwerkborrel brancheorganisatie", 90, "external"),
)


@dataclass(frozen=True)
class _Slot:
    start: datetime
    end: datetime
    kind: str  # meeting, solo, protected; phantom (lunch) and keepfree hold time, not events


@dataclass(frozen=True)
class _Series:
    key: str
    title: str
    weekday: int  # 0 = Monday
    start: time
    minutes: int
    attendees: tuple[Person, ...]
    organizer: Person | None
    interval: int = 1  # weeks; 0 = monthly on the first <weekday> of the month
    use_count: bool = False
    location: str | None = None


def parse_iso_week(value: str) -> date:
    """Return the Monday of an ISO week written as YYYY-Www."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", value)
    if not match:
        raise ValueError(f"not an ISO week (YYYY-Www): {value!r}")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValueError(f"not an ISO week: {value!r}") from exc


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ)


class _Builder:
    def __init__(
        self, first_monday: date, weeks: int, seed: int, events_per_week: int | None
    ) -> None:
        self.rng = random.Random(seed)
        self.first = first_monday
        self.weeks = weeks
        self.events_per_week = events_per_week
        self.last_day = first_monday + timedelta(days=7 * weeks - 1)
        # The calendar is exported on the Monday of its last week at 07:00 local time.
        self.export = _local(first_monday + timedelta(weeks=weeks - 1), 7)
        self.busy: dict[date, list[_Slot]] = defaultdict(list)
        self.series_components: list[icalendar.Event] = []
        self.one_offs: list[icalendar.Event] = []
        self.week_counts: dict[int, int] = defaultdict(int)
        self.uid_counter = 0
        self.blocked: set[date] = set()
        years = range(first_monday.year, self.last_day.year + 1)
        self.holidays = set(holidays.country_holidays("NL", years=years))

    # ---- helpers ----------------------------------------------------------------------------

    def week_index(self, moment: date | datetime) -> int:
        day = moment if not isinstance(moment, datetime) else moment.date()
        return (day - self.first).days // 7

    def progress(self, index: int) -> float:
        return index / (self.weeks - 1) if self.weeks > 1 else 0.0

    def uid(self) -> str:
        self.uid_counter += 1
        token = self.rng.getrandbits(40)
        return f"{self.uid_counter:05d}-{token:010x}@{UID_DOMAIN}"

    def fill(self, template: str) -> str:
        return template.format(
            client=self.rng.choice(CLIENTS),
            topic=self.rng.choice(TOPICS),
            issue=self.rng.choice(ISSUES),
            vacancy=self.rng.choice(VACANCIES),
        )

    def book(self, start: datetime, end: datetime, kind: str) -> None:
        self.busy[start.date()].append(_Slot(start, end, kind))

    def fits(
        self, start: datetime, end: datetime, pad: int = 0, ignore: tuple[str, ...] = ()
    ) -> bool:
        margin = timedelta(minutes=pad)
        return all(
            not (slot.start < end + margin and slot.end + margin > start)
            for slot in self.busy[start.date()]
            if slot.kind not in ignore
        )

    def created_for(self, start: datetime, *, short_notice: bool) -> datetime:
        """A creation moment before `start`, in waking hours, never after the export."""
        rng = self.rng
        if short_notice:
            created = start - timedelta(minutes=rng.randrange(45, 22 * 60, 5))
        else:
            roll = rng.random()
            if roll < 0.2:
                lead = rng.randrange(26 * 60, 72 * 60, 5)
            elif roll < 0.7:
                lead = rng.randrange(3 * 24 * 60, 14 * 24 * 60, 5)
            else:
                lead = rng.randrange(14 * 24 * 60, 45 * 24 * 60, 5)
            created = start - timedelta(minutes=lead)
        if created >= self.export:
            created = self.export - timedelta(minutes=rng.randrange(30, 3 * 24 * 60, 5))
        return _utc(self.waking(created, min(start, self.export)))

    def waking(self, moment: datetime, before: datetime) -> datetime:
        """Move a creation moment into 07:00-22:00 local time, keeping it before `before`."""
        local = moment.astimezone(TZ)
        if 7 <= local.hour < 22:
            return local
        day = local.date()
        if local.hour < 7:
            morning = _local(day, 7, self.rng.randrange(0, 15, 5))
            if morning <= before - timedelta(minutes=15):
                return morning
            day -= timedelta(days=1)
        return _local(day, 21, self.rng.randrange(0, 60, 5))

    def attendee_line(self, person: Person, partstat: str, role: str) -> icalendar.vCalAddress:
        address = icalendar.vCalAddress(f"mailto:{person.email}")
        address.params["CN"] = person.name
        if person is ALL_STAFF:
            address.params["CUTYPE"] = "GROUP"
        address.params["ROLE"] = role
        address.params["PARTSTAT"] = partstat
        return address

    def organizer_line(self, person: Person) -> icalendar.vCalAddress:
        address = icalendar.vCalAddress(f"mailto:{person.email}")
        address.params["CN"] = person.name
        return address

    def others_partstat(self, start: datetime) -> str:
        if start >= self.export:
            return self.rng.choice(("ACCEPTED", "ACCEPTED", "NEEDS-ACTION", "TENTATIVE"))
        return self.rng.choice(("ACCEPTED",) * 6 + ("TENTATIVE", "NEEDS-ACTION", "DECLINED"))

    def make_event(
        self,
        *,
        title: str,
        start: date | datetime,
        end: date | datetime,
        created: datetime,
        organizer: Person | None = None,
        others: Sequence[Person] = (),
        my_partstat: str = "ACCEPTED",
        others_partstat: str | None = None,
        status: str = "CONFIRMED",
        transparent: bool = False,
        location: str | None = None,
        uid: str | None = None,
    ) -> icalendar.Event:
        event = icalendar.Event()
        event.add("uid", uid or self.uid())
        event.add("dtstamp", _utc(self.export))
        event.add("created", created)
        event.add("summary", title)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("status", status)
        event.add("transp", "TRANSPARENT" if transparent else "OPAQUE")
        if location:
            event.add("location", location)
        if organizer is not None:
            event.add("organizer", self.organizer_line(organizer))
            mine = organizer is LEADER
            event.add(
                "attendee",
                self.attendee_line(LEADER, my_partstat, "CHAIR" if mine else "REQ-PARTICIPANT"),
            )
            moment = start if isinstance(start, datetime) else self.export
            for person in others:
                if person is LEADER:
                    continue
                partstat = others_partstat or self.others_partstat(moment)
                if person is organizer:
                    partstat = "ACCEPTED"
                role = "CHAIR" if person is organizer else "REQ-PARTICIPANT"
                event.add("attendee", self.attendee_line(person, partstat, role))
        return event

    def add_one_off(self, event: icalendar.Event, index: int) -> None:
        self.one_offs.append(event)
        self.week_counts[index] += 1

    def meeting(
        self,
        title: str,
        start: datetime,
        minutes: int,
        group: str,
        *,
        organized_by_me: float = 0.3,
        short_notice: bool = False,
        my_partstat: str | None = None,
        status: str = "CONFIRMED",
        book: bool = True,
        size: tuple[int, int] = (1, 3),
    ) -> icalendar.Event:
        """Add a one-off meeting with attendees from `group`."""
        rng = self.rng
        end = start + timedelta(minutes=minutes)
        pool = GROUPS[group]
        others = rng.sample(pool, min(len(pool), rng.randint(*size)))
        mine = rng.random() < organized_by_me
        organizer = LEADER if mine else others[0]
        if my_partstat is None:
            my_partstat = "ACCEPTED"
            if not mine and start >= self.export and rng.random() < 0.25:
                my_partstat = "NEEDS-ACTION"
            elif not mine and rng.random() < 0.05:
                my_partstat = "TENTATIVE"
        location = rng.choice(LOCATIONS) if rng.random() < 0.6 else None
        event = self.make_event(
            title=title,
            start=start,
            end=end,
            created=self.created_for(start, short_notice=short_notice),
            organizer=organizer,
            others=others,
            my_partstat=my_partstat,
            status=status,
            location=location,
        )
        self.add_one_off(event, self.week_index(start))
        if book and my_partstat != "DECLINED" and status != "CANCELLED":
            self.book(start, end, "meeting")
        return event

    def solo(
        self,
        title: str,
        start: datetime,
        minutes: int,
        *,
        kind: str = "solo",
        created: datetime | None = None,
    ) -> None:
        end = start + timedelta(minutes=minutes)
        if created is None:
            lead = self.rng.randrange(60, 10 * 24 * 60, 5)
            moment = min(start - timedelta(minutes=lead), self.export - timedelta(minutes=30))
            created = _utc(self.waking(moment, min(start, self.export)))
        event = self.make_event(title=title, start=start, end=end, created=created)
        self.add_one_off(event, self.week_index(start))
        self.book(start, end, kind)

    def all_day(
        self, title: str, first: date, days: int, *, transparent: bool = False, lead_days: int = 30
    ) -> None:
        created = _utc(_local(first - timedelta(days=lead_days), 10, 5))
        event = self.make_event(
            title=title,
            start=first,
            end=first + timedelta(days=days),
            created=created,
            transparent=transparent,
        )
        self.add_one_off(event, self.week_index(first))

    def free_start(
        self,
        day: date,
        minutes: int,
        window: tuple[tuple[int, int], tuple[int, int]],
        *,
        pad: int = 0,
        grid: int = 15,
        ignore: tuple[str, ...] = (),
        longest: float | None = None,
    ) -> datetime | None:
        """A random free start on `day` inside the local window, or None.

        With `longest`, a meeting there must not make a back-to-back chain longer than that.
        """
        first = _local(day, *window[0])
        last = _local(day, *window[1]) - timedelta(minutes=minutes)
        candidates = []
        moment = first
        while moment <= last:
            end = moment + timedelta(minutes=minutes)
            if self.fits(moment, end, pad, ignore) and (
                longest is None or self.chain_minutes(day, moment, end) <= longest
            ):
                candidates.append(moment)
            moment += timedelta(minutes=grid)
        return self.rng.choice(candidates) if candidates else None

    def chain_minutes(self, day: date, start: datetime, end: datetime) -> float:
        """Length of the back-to-back chain (gaps < 10 min) that [start, end) would join."""
        meetings = sorted(
            [(s.start, s.end) for s in self.busy[day] if s.kind == "meeting"] + [(start, end)]
        )
        longest, chain_start, chain_end = 0.0, meetings[0][0], meetings[0][1]
        for first, last in meetings:
            if first < chain_end + timedelta(minutes=10):
                chain_end = max(chain_end, last)
            else:
                chain_start, chain_end = first, last
            if chain_start <= start and end <= chain_end:
                longest = max(longest, (chain_end - chain_start).total_seconds() / 60)
        return longest

    def adjacent_start(
        self, day: date, minutes: int, ignore: tuple[str, ...] = (), longest: float = 240
    ) -> datetime | None:
        """A start right after (or right before) a meeting on `day`: a back-to-back link."""
        candidates = []
        for slot in sorted(self.busy[day], key=lambda s: (s.start, s.end)):
            if slot.kind != "meeting":
                continue
            after = slot.end
            before = slot.start - timedelta(minutes=minutes)
            for start in (after, after + timedelta(minutes=5), before):
                end = start + timedelta(minutes=minutes)
                inside = _local(day, 8, 0) <= start and end <= _local(day, 18, 30)
                if (
                    inside
                    and self.fits(start, end, ignore=ignore)
                    and self.chain_minutes(day, start, end) <= longest
                ):
                    candidates.append(start)
        return self.rng.choice(candidates) if candidates else None

    # ---- recurring series -------------------------------------------------------------------

    def series_definitions(self) -> list[_Series]:
        return [
            _Series("planning", "Weekplanning met Eva", 4, time(14, 0), 30, (SECRETARY,), LEADER),
            _Series(
                "mt",
                "MT-overleg",
                0,
                time(9, 0),
                90,
                (*DIRECT_REPORTS, SECRETARY),
                LEADER,
                location="Kantoor Utrecht, bestuurskamer",
            ),
            _Series("1on1-cfo", "1:1 Sanne / Pieter", 0, time(11, 0), 45, (CFO,), LEADER),
            _Series("1on1-coo", "1:1 Sanne / Fatima", 1, time(9, 0), 45, (COO,), LEADER),
            _Series("1on1-cio", "1:1 Sanne / Joost", 1, time(14, 0), 30, (CIO,), LEADER),
            _Series("1on1-hr", "1:1 Sanne / Lotte", 2, time(11, 0), 45, (HR,), LEADER),
            _Series("1on1-sales", "1:1 Sanne / Ravi", 3, time(9, 30), 30, (SALES,), LEADER),
            _Series(
                "board-prep",
                "Board prep RvC-agenda",
                2,
                time(16, 0),
                60,
                (SECRETARY, CFO),
                SECRETARY,
                interval=2,
                use_count=True,
            ),
            _Series(
                "works-council",
                "Overlegvergadering OR",
                1,
                time(15, 30),
                90,
                (*GROUPS["works_council"], HR),
                OR_SECRETARY,
                interval=0,
                location="Kantoor Utrecht, zaal 4.12",
            ),
            _Series("denktijd", "Denktijd", 4, time(8, 30), 90, (), None),
        ]

    def retreat_window(self) -> tuple[datetime, datetime] | None:
        """The one mini-retreat: Friday afternoon of the second week."""
        if self.weeks < 2:
            return None
        start = _local(self.first + timedelta(weeks=1, days=4), 13)
        return start, start + timedelta(hours=4)

    def in_retreat(self, start: datetime, end: datetime) -> bool:
        window = self.retreat_window()
        return window is not None and start < window[1] and end > window[0]

    def occurrences(self, series: _Series) -> list[datetime]:
        days: list[date] = []
        if series.interval == 0:
            year, month = self.first.year, self.first.month
            while True:
                first_of_month = date(year, month, 1)
                offset = (series.weekday - first_of_month.weekday()) % 7
                day = first_of_month + timedelta(days=offset)
                if day > self.last_day:
                    break
                if day >= self.first:
                    days.append(day)
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            day = self.first + timedelta(days=series.weekday)
            while day <= self.last_day:
                days.append(day)
                day += timedelta(weeks=series.interval)
        return [datetime.combine(day, series.start, TZ) for day in days]

    def build_series(self) -> None:
        rng = self.rng
        until = _utc(datetime.combine(self.last_day, time(23, 59, 59), TZ))
        for series in self.series_definitions():
            starts = self.occurrences(series)
            if not starts:
                continue
            length = timedelta(minutes=series.minutes)
            booked_on = starts[0].date() - timedelta(days=rng.randint(20, 60))
            created = _utc(_local(booked_on, rng.randint(8, 17), rng.randrange(0, 60, 5)))
            master = self.make_event(
                title=series.title,
                start=starts[0],
                end=starts[0] + length,
                created=created,
                organizer=series.organizer,
                others=series.attendees,
                others_partstat="ACCEPTED",
                location=series.location,
            )
            rule: dict[str, str | int | datetime]
            if series.interval == 0:
                rule = {
                    "freq": "monthly",
                    "byday": f"1{('MO', 'TU', 'WE', 'TH', 'FR')[series.weekday]}",
                }
            else:
                rule = {"freq": "weekly"}
                if series.interval > 1:
                    rule["interval"] = series.interval
            if series.use_count:
                rule["count"] = len(starts)
            else:
                rule["until"] = until
            master.add("rrule", rule)
            exdates: list[datetime] = []
            overrides: list[icalendar.Event] = []
            uid = str(master["UID"])
            for start in starts:
                index = self.week_index(start)
                p = self.progress(index)
                if start.date() in self.blocked or self.in_retreat(start, start + length):
                    exdates.append(start)
                    continue
                if series.key == "denktijd" and index > 0 and rng.random() < 0.95 * p:
                    # The leader deleted this week's thinking time to make room.
                    exdates.append(start)
                    continue
                if series.key == "1on1-cio" and index == 5:
                    # Moved: Tuesday 14:00 becomes Thursday 11:00 that week.
                    new_start = start + timedelta(days=2, hours=-3)
                    override = self.make_event(
                        title=series.title,
                        start=new_start,
                        end=new_start + length,
                        created=created,
                        organizer=series.organizer,
                        others=series.attendees,
                        others_partstat="ACCEPTED",
                        uid=uid,
                    )
                    override.add("recurrence-id", start)
                    override.add("sequence", 1)
                    override.add("last-modified", _utc(start - timedelta(days=3, hours=2)))
                    overrides.append(override)
                    self.book(new_start, new_start + length, "meeting")
                    continue
                if series.key == "board-prep" and index == 10:
                    # One occurrence cancelled by the organiser.
                    override = self.make_event(
                        title=series.title,
                        start=start,
                        end=start + length,
                        created=created,
                        organizer=series.organizer,
                        others=series.attendees,
                        others_partstat="ACCEPTED",
                        status="CANCELLED",
                        uid=uid,
                    )
                    override.add("recurrence-id", start)
                    override.add("sequence", 1)
                    override.add("last-modified", _utc(start - timedelta(days=6, hours=5)))
                    overrides.append(override)
                    continue
                kind = "protected" if series.organizer is None else "meeting"
                self.book(start, start + length, kind)
                self.week_counts[index] += 1
            if exdates:
                master.add("exdate", exdates)
            self.series_components.append(master)
            self.series_components.extend(overrides)

    # ---- weeks ------------------------------------------------------------------------------

    def mark_blocked(self) -> None:
        for day in sorted(self.holidays):
            if self.first <= day <= self.last_day:
                self.blocked.add(day)
        if self.weeks > 3:  # one out-of-office Friday
            self.blocked.add(self.first + timedelta(weeks=3, days=4))
        if self.weeks > 8:  # autumn holiday, Monday to Wednesday
            monday = self.first + timedelta(weeks=8)
            self.blocked.update(monday + timedelta(days=n) for n in range(3))

    def fixed_events(self) -> None:
        """Events tied to a week number: retreat, absences, board meetings, oddities."""
        first = self.first

        def monday(index: int) -> date:
            return first + timedelta(weeks=index)

        retreat = self.retreat_window()
        if retreat is not None:  # the one mini-retreat: a Friday afternoon, early in the range
            start = retreat[0]
            self.solo(
                "Reflectie: mini-retraite (halve dag, buiten de deur)",
                start,
                240,
                kind="protected",
                created=_utc(start - timedelta(days=12, hours=3)),
            )
        if self.weeks > 3:
            self.all_day("Out of office", monday(3) + timedelta(days=4), 1, lead_days=20)
        if self.weeks > 8:
            self.all_day("Vakantie", monday(8), 3, lead_days=75)
        if self.weeks > 10:
            self.all_day(
                "Deadline begroting 2027", monday(10) + timedelta(days=4), 1, transparent=True
            )
        for index in range(3, self.weeks, 8):  # Raad van Commissarissen, every eight weeks
            day = monday(index) + timedelta(days=3)
            self.solo("Voorbereiding RvC", _local(day - timedelta(days=1), 8, 30), 90)
            self.meeting(
                "Vergadering Raad van Commissarissen",
                _local(day, 13),
                240,
                "board",
                organized_by_me=0.0,
                size=(4, 4),
            )
        if self.weeks > 6:  # a meeting the organiser marked tentative
            self.meeting(
                "Strategiedag 2027 (onder voorbehoud)",
                _local(monday(6) + timedelta(days=3), 13),
                180,
                "mt",
                organized_by_me=0.0,
                status="TENTATIVE",
                my_partstat="TENTATIVE",
                size=(4, 6),
            )
        if self.weeks > 7:  # townhall: one address for the whole organisation
            start = _local(monday(7) + timedelta(days=3), 16)
            event = self.make_event(
                title="Townhall Q3",
                start=start,
                end=start + timedelta(minutes=60),
                created=self.created_for(start, short_notice=False),
                organizer=LEADER,
                others=(ALL_STAFF, GROUPS["comms"][0]),
                location="Kantoor Utrecht, atrium + Teams",
            )
            self.add_one_off(event, 7)
            self.book(start, start + timedelta(minutes=60), "meeting")
        if self.weeks > 9:  # a cancelled one-off that stays in the export
            self.meeting(
                "Werkbezoek Rotterdam",
                _local(monday(9) + timedelta(days=1), 10),
                120,
                "ops",
                organized_by_me=0.0,
                status="CANCELLED",
            )
        if self.weeks > 2:  # Sunday evening call in the week before the last
            start = _local(monday(self.weeks - 2) + timedelta(days=6), 19, 30)
            self.meeting(
                "Call met voorzitter RvC",
                start,
                45,
                "board",
                organized_by_me=0.0,
                short_notice=True,
                size=(1, 1),
            )

    def week(self, index: int) -> None:
        rng = self.rng
        p = self.progress(index)
        monday = self.first + timedelta(weeks=index)
        days = [monday + timedelta(days=n) for n in range(7)]
        workdays = [d for d in days[:5] if d not in self.blocked]
        if not workdays:
            return
        last_week = index == self.weeks - 1

        # Calm weeks keep lunch free; later the midday break is given away.
        for day in workdays:
            if rng.random() < 0.9 - 0.9 * p:
                lunch = _local(day, 12, rng.choice((0, 15)))
                self.book(lunch, lunch + timedelta(minutes=30), "phantom")
        # They also keep Friday morning and Thursday afternoon free of meetings.
        for weekday, hours in ((4, ((8, 30), (13, 0))), (3, ((13, 0), (17, 30)))):
            day = monday + timedelta(days=weekday)
            if day in workdays and rng.random() < 0.95 * (1 - p) ** 1.5:
                self.book(_local(day, *hours[0]), _local(day, *hours[1]), "keepfree")

        # Reflection blocks: two or three a week at first, none at the end.
        wanted = max(0, round(2.6 * (1 - p) ** 1.5 - 0.2 + rng.uniform(-0.5, 0.5)))
        days_and_titles = zip(
            rng.sample(workdays, min(len(workdays), wanted)),
            rng.sample(REFLECTION_TITLES, wanted),
            strict=False,
        )
        for day, title in days_and_titles:
            minutes = rng.choice((60, 90, 90, 120))
            # Never right next to other protected time: two blocks merged into three hours
            # would count as a mini-retreat.
            start = self.free_start(day, minutes, ((8, 30), (12, 0)), pad=15, ignore=("keepfree",))
            if start is not None:
                self.solo(title, start, minutes, kind="protected")

        # Solo holds: preparation, reading, mail; in later weeks pushed into the evening.
        for title, durations in rng.sample(SOLO_HOLDS, rng.randint(2, 3)):
            minutes = rng.choice(durations)
            day = rng.choice(workdays)
            window = ((17, 30), (19, 0)) if rng.random() < 0.6 * p else ((8, 30), (17, 30))
            start = self.free_start(day, minutes, window, ignore=("keepfree",))
            if start is not None:
                self.solo(title, start, minutes)
        if rng.random() < 0.15:
            day = rng.choice(workdays)
            start = self.free_start(day, 60, ((8, 0), (17, 0)), ignore=("keepfree",))
            if start is not None:
                self.solo("Tandarts", start, 60)

        # A site visit with travel time on both sides.
        if rng.random() < 0.5:
            day = rng.choice(workdays)
            minutes = rng.choice((90, 120))
            start = self.free_start(day, minutes + 90, ((8, 30), (17, 30)), grid=30)
            if start is not None:
                client = rng.choice(CLIENTS)
                self.solo(f"Reistijd naar {client}", start, 45)
                self.meeting(
                    f"Werkbezoek {client}",
                    start + timedelta(minutes=45),
                    minutes,
                    "external",
                    organized_by_me=0.3,
                )
                self.solo("Reistijd terug", start + timedelta(minutes=45 + minutes), 45)

        # Early and late meetings, and the odd weekend call: rarer at first.
        early = (rng.random() < 0.15 + 0.5 * p) + (rng.random() < 0.35 * p)
        for title, minutes, group in rng.sample(EARLY, early):
            day = rng.choice(workdays)
            start = _local(day, 7, 30)
            if self.fits(start, start + timedelta(minutes=minutes)):
                self.meeting(self.fill(title), start, minutes, group, organized_by_me=0.2)
        late = (rng.random() < 0.1 + 0.6 * p) + (rng.random() < 0.4 * p)
        for title, minutes, group in rng.sample(LATE, late):
            day = rng.choice(workdays)
            start = _local(day, 19, rng.choice((0, 0, 30)))
            if self.fits(start, start + timedelta(minutes=minutes)):
                self.meeting(self.fill(title), start, minutes, group, organized_by_me=0.2)
        if rng.random() < 0.05 + 0.3 * p and index != self.weeks - 2:
            day = days[rng.choice((5, 6))]
            start = _local(day, rng.choice((10, 17, 20)))
            self.meeting(
                self.fill("Call re {issue}"),
                start,
                30,
                "mt",
                organized_by_me=0.3,
                short_notice=rng.random() < 0.5,
                size=(1, 2),
            )

        # A webinar she keeps as free time.
        if rng.random() < 0.3:
            day = rng.choice(workdays)
            start = _local(day, rng.choice((12, 15, 16)))
            event = self.make_event(
                title=self.fill("Webinar: {topic} (optioneel)"),
                start=start,
                end=start + timedelta(minutes=60),
                created=self.created_for(start, short_notice=False),
                transparent=True,
            )
            self.add_one_off(event, index)

        # Working lunches take over the midday break in later weeks.
        for day in workdays:
            if rng.random() < 0.85 * p:
                start = _local(day, 12, rng.choice((0, 15, 30)))
                if self.fits(start, start + timedelta(minutes=60), ignore=("phantom",)):
                    title, group = rng.choice(LUNCHES)
                    self.meeting(self.fill(title), start, 60, group, organized_by_me=0.4)

        # One-off meetings: more of them, shorter, more back-to-back and short-notice later on.
        if self.events_per_week is None:
            count = round(17 + 26 * p + rng.uniform(-2, 2))
        else:
            count = max(0, self.events_per_week - self.week_counts[index])
        if last_week:
            count = round(count * 0.7)
        used: set[str] = set()
        for _ in range(count):
            day = rng.choice(workdays)
            short_notice = rng.random() < 0.03 + 0.62 * p
            if last_week and day != monday:
                short_notice = False  # nothing is booked after the export on Monday morning
            if short_notice:
                template, group = rng.choice(AD_HOC)
                title = self.fill(template)
                minutes = rng.choice((15, 30, 30, 45))
                organized_by_me = 0.5
            else:
                fresh = [m for m in MEETINGS if m[0] not in used] or list(MEETINGS)
                template, durations, group, organized_by_me = rng.choice(fresh)
                used.add(template)
                title = self.fill(template)
                if rng.random() < p:
                    minutes = rng.choice((30, 30, 45, 60))
                else:
                    minutes = rng.choice(durations)
            start = None
            longest = 150 + 120 * p
            if rng.random() < 0.1 + 0.75 * p:
                skip_lunch = ("phantom",) if rng.random() < p else ()
                start = self.adjacent_start(day, minutes, ignore=skip_lunch, longest=longest)
            if start is None:
                pad = 15 if rng.random() < 0.9 * (1 - p) else 0
                wide = rng.random() < 0.05 + 0.3 * p
                window = ((8, 0), (18, 30)) if wide else ((8, 30), (17, 30))
                for candidate in [day, *rng.sample(workdays, len(workdays))]:
                    start = self.free_start(candidate, minutes, window, pad=pad, longest=longest)
                    if start is None and self.events_per_week is not None:
                        start = self.free_start(
                            candidate, minutes, window, ignore=("phantom", "keepfree")
                        )
                    if start is not None:
                        break
            if start is None:
                if self.events_per_week is None:
                    continue
                # A full week and a big target: double-book, as real calendars do.
                start = _local(rng.choice(workdays), rng.randint(8, 16), rng.choice((0, 30)))
            self.meeting(
                title,
                start,
                minutes,
                group,
                organized_by_me=organized_by_me,
                short_notice=short_notice,
            )

        # Later on, a short-notice meeting lands on top of a reflection block.
        protected = [
            slot for day in workdays for slot in self.busy[day] if slot.kind == "protected"
        ]
        if protected and p > 0.5 and rng.random() < p:
            block = rng.choice(sorted(protected, key=lambda s: (s.start, s.end)))
            template, group = rng.choice(AD_HOC)
            self.meeting(
                self.fill(template),
                block.start + timedelta(minutes=30),
                30,
                group,
                organized_by_me=0.0,
                short_notice=True,
            )

        # An invitation she declined because it clashed with another meeting.
        meetings = [
            slot
            for day in workdays
            for slot in self.busy[day]
            if slot.kind == "meeting" and slot.end - slot.start >= timedelta(minutes=45)
        ]
        if meetings and (index % 4 == 1 or rng.random() < 0.15):
            clash = rng.choice(sorted(meetings, key=lambda s: (s.start, s.end)))
            self.meeting(
                self.fill(rng.choice(MEETINGS)[0]),
                clash.start + timedelta(minutes=15),
                45,
                rng.choice(("ops", "it", "sales", "external")),
                organized_by_me=0.0,
                my_partstat="DECLINED",
                book=False,
            )
        # An invitation she answered "tentative".
        if index % 3 == 2:
            day = rng.choice(workdays)
            start = self.free_start(day, 60, ((13, 0), (17, 30)))
            if start is not None:
                self.meeting(
                    self.fill("Kennismaking {client}"),
                    start,
                    60,
                    "external",
                    organized_by_me=0.0,
                    my_partstat="TENTATIVE",
                )

    # ---- assembly ---------------------------------------------------------------------------

    def build(self) -> icalendar.Calendar:
        self.mark_blocked()
        self.build_series()
        self.fixed_events()
        for index in range(self.weeks):
            self.week(index)

        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", f"{LEADER.name} (voorbeeld)")
        calendar.add("x-wr-timezone", "Europe/Amsterdam")
        for component in self.series_components:
            calendar.add_component(component)
        for event in sorted(self.one_offs, key=_sort_key):
            calendar.add_component(event)
        calendar.add_missing_timezones(
            first_date=date(self.first.year, 1, 1), last_date=date(self.last_day.year + 1, 12, 31)
        )
        return calendar


def _sort_key(event: icalendar.Event) -> tuple[datetime, str]:
    start = event.decoded("dtstart")
    if not isinstance(start, datetime):
        start = datetime.combine(start, time(0), TZ)
    return start, str(event["UID"])


def build_calendar(
    *,
    first_week: str = "2026-W35",
    weeks: int = 15,
    seed: int = 7,
    events_per_week: int | None = None,
) -> icalendar.Calendar:
    """Build the sample leader calendar.

    `first_week` is an ISO week (YYYY-Www) and `weeks` how many weeks the calendar covers; the
    calendar is exported on the Monday of its last week at 07:00 Europe/Amsterdam, so that week
    is only partly booked. `events_per_week`, when given, sets roughly how many events each week
    holds: one-off meetings fill the week up to it (double-booking when it is full). Without it
    the number of one-off meetings follows the sample's drift (about 17 a week rising to 30).
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    if events_per_week is not None and events_per_week < 0:
        raise ValueError("events_per_week must not be negative")
    builder = _Builder(parse_iso_week(first_week), weeks, seed, events_per_week)
    return builder.build()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the sample leader calendar (iCalendar) used by the examples and tests."
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"where to write (default {DEFAULT_OUTPUT})",
    )
    parser.add_argument("--weeks", type=int, default=15, help="number of ISO weeks (default 15)")
    parser.add_argument(
        "--first-week", default="2026-W35", help="first ISO week (default 2026-W35)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--events-per-week",
        type=int,
        default=None,
        help="fill each week up to about this many events (default: the sample's own drift)",
    )
    args = parser.parse_args(argv)
    try:
        calendar = build_calendar(
            first_week=args.first_week,
            weeks=args.weeks,
            seed=args.seed,
            events_per_week=args.events_per_week,
        )
    except ValueError as exc:
        parser.error(str(exc))
    args.output.write_bytes(calendar.to_ical())
    events = sum(1 for _ in calendar.walk("VEVENT"))
    print(f"wrote {args.output} ({events} VEVENTs, {args.weeks} weeks from {args.first_week})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
