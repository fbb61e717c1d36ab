"""A review's public holidays come from the one country module of the holidays package it needs:
the same dates as the package's own lookup, without loading its 250 countries (a quarter of a
second of every cold review).

Each check runs in a new Python process: the test run itself has loaded other countries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

# (country, subdivision) of the rules; holiday_dates for 2026 of each, and what was loaded.
PROBE = """
import json, sys
from datetime import date
from assistant.core.calendar_days import holiday_dates
from rules import load_rules

found = {}
for country, subdivision in json.loads(sys.argv[1]):
    rules = load_rules(None, {"leader": {"holiday_country": country,
                                         "holiday_subdivision": subdivision}})
    dates = holiday_dates(rules, date(2026, 1, 1), date(2026, 12, 31))
    found[f"{country}/{subdivision}"] = sorted(d.isoformat() for d in dates)
loaded = sorted(m for m in sys.modules if m.startswith("holidays.countries"))
if sys.argv[2] == "then-all":
    import holidays.countries
    from holidays.countries.netherlands import Netherlands
    assert holidays.countries.Netherlands is Netherlands
    assert holidays.countries.Afghanistan.__name__ == "Afghanistan"
print(json.dumps({"found": found, "loaded": loaded}))
"""

# The package's own answer, loading everything as it does.
REFERENCE = """
import json, sys
import holidays
found = {}
for country, subdivision in json.loads(sys.argv[1]):
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=2026)
    found[f"{country}/{subdivision}"] = sorted(d.isoformat() for d in calendar)
print(json.dumps(found))
"""

CASES = [["NL", None], ["DE", "BY"], ["GB", "SCT"], ["IM", None]]


def _run(code: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_holidays_are_the_packages_own_and_only_their_countries_are_loaded() -> None:
    probe = _run(PROBE, json.dumps(CASES), "alone")
    assert probe["found"] == _run(REFERENCE, json.dumps(CASES))
    found = probe["found"]
    assert "2026-04-27" in found["NL/None"]  # King's Day
    assert "2026-01-06" in found["DE/BY"]  # Epiphany: in Bavaria, not in all Germany
    assert "2026-01-06" not in _run(REFERENCE, json.dumps([["DE", None]]))["DE/None"]
    loaded = probe["loaded"]
    assert "holidays.countries" not in loaded  # the package of all countries never ran
    assert "holidays.countries.netherlands" in loaded
    assert "holidays.countries.isle_of_man" in loaded
    assert "holidays.countries.united_kingdom" in loaded  # the Isle of Man's own import
    assert len(loaded) < 10


def test_the_whole_package_still_loads_after_one_country() -> None:
    probe = _run(PROBE, json.dumps([["NL", None]]), "then-all")
    assert probe["loaded"] == ["holidays.countries.netherlands"]
