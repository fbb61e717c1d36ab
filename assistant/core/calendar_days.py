"""Public holidays for the leader's country, from the holidays package (pure core)."""

from __future__ import annotations

from datetime import date

from rules import Rules
from rules.countries import load_country


def holiday_dates(rules: Rules, first: date, last: date) -> frozenset[date]:
    """The public holidays between `first` and `last` (inclusive), none without a country.

    Only the country's own module of the holidays package is loaded (`load_country`)."""
    country = rules.leader.holiday_country
    if country is None:
        return frozenset()
    import holidays

    load_country(country)
    calendar = holidays.country_holidays(
        country, subdiv=rules.leader.holiday_subdivision, years=range(first.year, last.year + 1)
    )
    return frozenset(d for d in calendar if first <= d <= last)
