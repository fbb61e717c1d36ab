"""The `agenda-regie rules ...` commands: init, check, show, schema and preview (a shell).

Assistants write rule files; these commands help them write, check and try them. Nothing here
writes anywhere but to standard output (and `init`'s chosen file).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from assistant.cli.errors import rule_line
from assistant.core.review import IsoWeek, Status, WeeklyReview
from assistant.i18n import texts, wording
from assistant.i18n.labels import buffer_name, indicator_name, kind_label, status_name
from assistant.i18n.operator import operator_language
from rules import RulesError, load_rules
from rules.load import Layered, load_with_origins
from rules.model import Rules
from rules.schema import rules_json_schema


def word(key: str, language: str, **values: object) -> str:
    """The command line's message `key` (the catalogue's "cli.rules.<key>") in `language`."""
    return texts.text(f"cli.rules.{key}", language, None, **values)


def init_text(email: str, language: str) -> str:
    """A commented starter rule file for one leader, in their language."""
    template = resources.files("rules").joinpath(f"starter.{language}.yaml")
    return Template(template.read_text(encoding="utf-8")).substitute(email=email, language=language)


def check(paths: list[Path]) -> tuple[bool, list[str]]:
    """Check each file with the layers below it: every problem of every file, at once."""
    lines: list[str] = []
    ok = True
    for path in paths:
        try:
            load_rules(path)
        except RulesError as error:
            ok = False
            lines.extend(rule_line(problem) for problem in error.problems)
            continue
        lines.append(word("ok", operator_language(), path=path))
    return ok, lines


def show(path: Path) -> str:
    """Every effective setting, its value, and the file and line that set it."""
    _, layered = load_with_origins(path)
    rows = [
        (".".join(key), _yaml_value(value), _origin(layered, key))
        for key, value in _leaves(layered.data, ())
    ]
    width_key = max(len(r[0]) for r in rows)
    width_value = min(max(len(r[1]) for r in rows), 48)
    return (
        "\n".join(
            f"{key:<{width_key}}  {value:<{width_value}}  {origin}" for key, value, origin in rows
        )
        + "\n"
    )


def schema_text() -> str:
    return json.dumps(rules_json_schema(), indent=2, ensure_ascii=False) + "\n"


def preview(
    path: Path,
    calendar: str,
    *,
    week: IsoWeek | None,
    me: list[str],
    today: date | None,
    now: datetime,
) -> str:
    """What the rules would propose next week, and which statuses differ from the defaults."""
    from assistant.app.review import default_week, open_ics, review_week

    rules = load_rules(path)
    defaults = load_rules(
        None,
        {
            "leader": {
                "timezone": rules.leader.timezone,
                "language": rules.leader.language,
                "email": rules.leader.email,
            }
        },
    )
    zone = ZoneInfo(rules.leader.timezone)
    if today is not None:
        now = datetime.combine(today, time(12), tzinfo=zone)
    chosen = week or default_week(now, rules)
    with_rules = review_week(open_ics(calendar, rules, me), rules, chosen, now)
    with_defaults = review_week(open_ics(calendar, defaults, me), defaults, chosen, now)
    return _preview_text(path, rules, with_rules, with_defaults)


def _preview_text(path: Path, rules: Rules, review: WeeklyReview, baseline: WeeklyReview) -> str:
    language = rules.leader.language
    leader = rules.leader.name or rules.leader.email or "—"
    out = [
        word(
            "preview_title",
            language,
            path=path,
            leader=leader,
            week=review.week,
            next=review.proposals_week,
        ),
        word("nothing_written", language),
        "",
        word("proposals", language),
    ]
    for proposal in review.proposals:
        out.append(
            f"  {texts.weekday(proposal.start.date(), language)} "
            f"{texts.time_range(proposal.start, proposal.end, language)}  "
            f"{kind_label(proposal.kind, language)}  "
            f"{proposal.key}"
        )
        out.append(f"      {wording.word(proposal.reason, language)}")
    if not review.proposals:
        out.append("  " + word("no_proposals", language))
    notes = [
        wording.word(w.message, language) for w in review.warnings if w.code != "skipped_event"
    ]
    if notes:
        out += ["", word("notes", language)]
        out += [f"  - {note}" for note in notes]
    out += ["", word("changes", language)]
    for mine, theirs in zip(review.buffers, baseline.buffers, strict=True):
        name = buffer_name(mine.buffer, language)
        if mine.status == theirs.status:
            out.append(f"  {name}: {_status(mine.status, language)} ({word('same', language)})")
        else:
            out.append(
                f"  {name}: {_status(theirs.status, language)} → {_status(mine.status, language)}"
            )
    for mine_result, base_result in zip(review.indicators, baseline.indicators, strict=True):
        if mine_result.status != base_result.status:
            out.append(
                word(
                    "indicator_change",
                    language,
                    name=indicator_name(mine_result.id, language),
                    before=_status(base_result.status, language),
                    after=_status(mine_result.status, language),
                )
            )
    out += ["", word("writing", language)]
    focus = rules.google.focus_time
    out.append(
        "  "
        + word(
            "focus_time",
            language,
            mode=word(f"decline.{focus.auto_decline}", language),
            message=focus.decline_message or word("standard_message", language),
        )
    )
    if rules.exceptions.organisers:
        out.append(
            "  " + word("exceptions", language, organisers=", ".join(rules.exceptions.organisers))
        )
    if rules.counterforce.people:
        people = ", ".join(rules.counterforce.people)
        out.append("  " + word("counterforce", language, people=people))
    delivery = rules.delivery
    cc = (
        word("copy", language, cc=", ".join(delivery.assistant_cc)) if delivery.assistant_cc else ""
    )
    out.append(
        "  "
        + word(
            "delivery",
            language,
            weekday=texts.weekday_name(_next_weekday(delivery.weekday), language),
            time=delivery.time.strftime("%H:%M"),
            to=delivery.to or rules.leader.email or word("leader_address", language),
            cc=cc,
        )
    )
    return "\n".join(out) + "\n"


def _status(status: Status | None, language: str) -> str:
    return status_name(status, language) if status is not None else word("no_status", language)


def _next_weekday(name: str) -> date:
    """Any date with that weekday, to name it in the leader's language."""
    from rules.values import WEEKDAYS

    return date(2024, 1, 1 + WEEKDAYS.index(name))  # 1 January 2024 was a Monday


def _leaves(data: dict[str, Any], prefix: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    out: list[tuple[tuple[str, ...], Any]] = []
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and value:
            out.extend(_leaves(value, path))
        else:
            out.append((path, value))
    return out


def _origin(layered: Layered, key: tuple[str, ...]) -> str:
    for depth in range(len(key), 0, -1):
        origin = layered.origins.get(key[:depth])
        if origin is not None:
            return str(origin)
    return ""


def _yaml_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
