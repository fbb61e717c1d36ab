"""Benchmarks of the main job; prints a table with the measured figures and the targets.

    .venv/bin/python bench/bench_review.py [--repeat N]

1. iCalendar ingestion of a synthetic leader-year (52 weeks, about 60 events a week, with
   recurring series) through `IcsSource`, against the bare floor measured in the same run:
   icalendar's parse plus recurring-ical-events' expansion of the same window. Target: ratio <= 1.3.
2. Analysis of one week with 12 weeks of context (`build_review` on fetched events).
   Target: <= 50 ms.
3. The CLI's cold wall time on the sample leader with `--format json` (a new process each time,
   no database: a first look at an exported calendar). Target: <= 1.5 s.
4. Against the bare floor of that review, measured in the same run, alternating: a new Python
   process that imports icalendar and recurring-ical-events, parses the sample and expands the
   weeks the review reads. Target: CLI / floor <= 2.

Timings are the median of several runs; the machine's other load shows in the spread.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.app.history import history_weeks_needed, weeks_before  # noqa: E402
from assistant.app.review import default_week, open_ics  # noqa: E402
from assistant.core.analysis import analysis_span, build_review  # noqa: E402
from assistant.core.calendar_days import holiday_dates  # noqa: E402
from assistant.core.review import IsoWeek  # noqa: E402
from connectors import TimeWindow  # noqa: E402
from examples.make_sample import build_calendar  # noqa: E402
from rules import load_rules  # noqa: E402

ZONE = ZoneInfo("Europe/Amsterdam")
LEADER = "sanne.devries@example.org"


def median_seconds(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return _summary(timings)


def _summary(timings: list[float]) -> tuple[float, float]:
    """Median and spread (max - min) of the timings."""
    return statistics.median(timings), max(timings) - min(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)
    rules = load_rules()

    with tempfile.TemporaryDirectory() as folder:
        year_file = Path(folder) / "leader-year.ics"
        calendar = build_calendar(first_week="2026-W01", weeks=52, events_per_week=60)
        year_file.write_bytes(calendar.to_ical())
        raw = year_file.read_bytes()
        start = datetime(2025, 12, 29, tzinfo=ZONE)
        window = TimeWindow(start, start + timedelta(weeks=52))

        def floor() -> int:
            parsed = icalendar.Calendar.from_ical(raw)
            return len(recurring_ical_events.of(parsed).between(window.start, window.end))

        def ours() -> int:
            return len(open_ics(year_file, rules, [LEADER]).fetch(window).events)

        occurrences, events = floor(), ours()
        # Alternate the two so that a slow spell of the machine hits both alike.
        floor_runs: list[float] = []
        ours_runs: list[float] = []
        for _ in range(repeat):
            floor_runs.append(median_seconds(floor, 1)[0])
            ours_runs.append(median_seconds(ours, 1)[0])
        floor_s, floor_spread = _summary(floor_runs)
        ours_s, ours_spread = _summary(ours_runs)

        week = IsoWeek(2026, 40)
        first, last = analysis_span(week, rules)
        fetched = open_ics(year_file, rules, [LEADER]).fetch(
            TimeWindow(
                datetime.combine(first, datetime.min.time(), tzinfo=ZONE),
                datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=ZONE),
            )
        )
        holidays = holiday_dates(rules, first, last)
        now = datetime(2026, 10, 5, 7, tzinfo=UTC)

        def analyse() -> object:
            return build_review(fetched.events, rules=rules, week=week, now=now, holidays=holidays)

        analyse()  # warm: first use of pandas and Babel data
        analysis_s, analysis_spread = median_seconds(analyse, max(repeat, 20))

    command = [
        str(Path(sys.executable).with_name("agenda-regie")),
        "review",
        str(REPO / "examples" / "sample-leader.ics"),
        "--today",
        "2026-11-30",
        "--me",
        LEADER,
        "--format",
        "json",
    ]

    sample = REPO / "examples" / "sample-leader.ics"
    today = datetime(2026, 11, 30, 12, tzinfo=ZONE)
    review_week = default_week(today, rules)
    earlier = weeks_before(review_week, history_weeks_needed(rules))
    span_start, _ = analysis_span(earlier[0] if earlier else review_week, rules)
    _, span_end = analysis_span(review_week, rules)
    bare = (
        "import sys, datetime, icalendar, recurring_ical_events\n"
        "zone = datetime.timezone.utc\n"
        "start = datetime.datetime.fromisoformat(sys.argv[2])\n"
        "end = datetime.datetime.fromisoformat(sys.argv[3])\n"
        "calendar = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n"
        "print(len(recurring_ical_events.of(calendar).between(start, end)))\n"
    )
    floor_command = [
        sys.executable,
        "-c",
        bare,
        str(sample),
        datetime.combine(span_start, datetime.min.time(), tzinfo=ZONE).isoformat(),
        datetime.combine(
            span_end + timedelta(days=1), datetime.min.time(), tzinfo=ZONE
        ).isoformat(),
    ]
    with tempfile.TemporaryDirectory() as home:
        # No database: a first look leaves nothing behind and reads no store.
        environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        environment.update({"HOME": home, "XDG_DATA_HOME": home})

        def cli() -> None:
            subprocess.run(command, check=True, capture_output=True, env=environment)

        def bare_floor() -> None:
            subprocess.run(floor_command, check=True, capture_output=True, env=environment)

        cli(), bare_floor()  # warm the file cache for both
        cli_runs: list[float] = []
        bare_runs: list[float] = []
        cli_cpu: list[float] = []
        bare_cpu: list[float] = []
        for _ in range(repeat):  # alternating, so a slow spell of the machine hits both alike
            used = _children_cpu()
            cli_runs.append(median_seconds(cli, 1)[0])
            cli_cpu.append(_children_cpu() - used)
            used = _children_cpu()
            bare_runs.append(median_seconds(bare_floor, 1)[0])
            bare_cpu.append(_children_cpu() - used)
    cli_s, cli_spread = _summary(cli_runs)
    bare_s, bare_spread = _summary(bare_runs)

    table = Table(title=f"agenda-regie benchmarks (median of {repeat} runs)")
    for column in ("measurement", "figure", "spread", "target", "met"):
        table.add_column(column)
    ratio = ours_s / floor_s
    table.add_row(
        f"bare floor: parse + expand, 52 weeks ({occurrences} occurrences)",
        f"{floor_s * 1000:.0f} ms",
        f"{floor_spread * 1000:.0f} ms",
        "",
        "",
    )
    table.add_row(
        f"IcsSource.fetch, same window ({events} events kept)",
        f"{ours_s * 1000:.0f} ms",
        f"{ours_spread * 1000:.0f} ms",
        "",
        "",
    )
    table.add_row("ingestion / floor", f"{ratio:.2f}", "", "<= 1.30", _met(ratio <= 1.3))
    table.add_row(
        f"analysis of {week}, 12 weeks of context ({len(fetched.events)} events)",
        f"{analysis_s * 1000:.1f} ms",
        f"{analysis_spread * 1000:.1f} ms",
        "<= 50 ms",
        _met(analysis_s <= 0.05),
    )
    table.add_row(
        "CLI cold wall time, sample, --format json",
        f"{cli_s:.2f} s",
        f"{cli_spread:.2f} s",
        "<= 1.5 s",
        _met(cli_s <= 1.5),
    )
    table.add_row(
        "bare floor of that review: new process, parse + expand the same weeks",
        f"{bare_s:.2f} s",
        f"{bare_spread:.2f} s",
        "",
        "",
    )
    cold_ratio = cli_s / bare_s
    table.add_row(
        "CLI cold review / bare floor, wall time",
        f"{cold_ratio:.2f}",
        "",
        "<= 2.00",
        _met(cold_ratio <= 2),
    )
    # CPU time (user + system) of each process: what the machine's other load changes least.
    cli_cpu_s, bare_cpu_s = statistics.median(cli_cpu), statistics.median(bare_cpu)
    cpu_ratio = cli_cpu_s / bare_cpu_s
    table.add_row(
        f"CLI cold review / bare floor, CPU time ({cli_cpu_s:.2f} s / {bare_cpu_s:.2f} s)",
        f"{cpu_ratio:.2f}",
        "",
        "<= 2.00",
        _met(cpu_ratio <= 2),
    )
    Console().print(table)
    return 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


if __name__ == "__main__":
    raise SystemExit(main())
