"""`agenda-regie rules apply | history | rollback` and `rules show --leader`: a leader's stored
rules, changed only on purpose (a shell around `assistant.app.rules`). They speak to the
assistant who runs them, so in the operator's language (the leader's reads the review).

Every change names who made it, when, and each setting that changed; applying the same rules
again stores nothing.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.cli.errors import InputError
from assistant.cli.rules import word
from assistant.i18n.operator import operator_language
from rules import Rules, load_rules
from rules.diff import Change, settings_of


def who(given: str | None) -> str:
    """Who makes the change: `--by`, else the operating system's user."""
    if given:
        return given.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a bare container)
        return "agenda-regie"


def _engine() -> Any:
    from assistant import bootstrap

    return bootstrap.open_engine(bootstrap.load_settings())


def file_rules(path: Path, leader: str) -> Rules:
    """The rules of `path` for `leader`; a file written for someone else is refused."""
    rules = load_rules(path)
    named = rules.leader.email
    if named is not None and named.strip().lower() != leader.strip().lower():
        raise InputError(
            word("other_leader", operator_language(), path=path, named=named, leader=leader)
        )
    return rules


def shared_files(path: Path) -> tuple[list[Any], dict[str, Any]]:
    """The files `path` extends as shared sets (lowest first, each named by its file name
    without `.yaml`), and the settings of `path` itself."""
    from assistant.app.rules import SharedFile
    from rules.load import EXTENDS, file_chain

    chain = file_chain(path)
    names = [Path(layer.where).stem for layer in chain]
    shared = [
        SharedFile(names[i], _own(layer.data, EXTENDS), names[i - 1] if i else None)
        for i, layer in enumerate(chain[:-1])
    ]
    return shared, _own(chain[-1].data, EXTENDS)


def apply_file(path: Path, leader: str, by: str | None, now: datetime | None = None) -> str:
    from assistant.app.rules import apply

    rules = file_rules(path, leader)
    shared, own = shared_files(path)
    engine = _engine()
    try:
        applied, outcomes = apply(
            engine, leader, rules, who(by), now or datetime.now(UTC), shared=shared, layer=own
        )
    finally:
        engine.dispose()
    language = operator_language()
    return _shared_text(outcomes, language) + _applied_text(applied, language, None)


def apply_shared_file(path: Path, by: str | None, now: datetime | None = None) -> str:
    """Store an organisation's or a team's file (and the files it extends) as shared sets."""
    from assistant.app.rules import SharedFile, apply_shared

    load_rules(path)  # the whole chain must make valid rules
    shared, own = shared_files(path)
    top = SharedFile(path.stem, own, shared[-1].name if shared else None)
    engine = _engine()
    try:
        outcomes = apply_shared(engine, [*shared, top], who(by), now or datetime.now(UTC))
    finally:
        engine.dispose()
    return _shared_text(outcomes, operator_language())


def _own(data: dict[str, Any], extends: str) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != extends}


def _shared_text(outcomes: list[tuple[str, int, bool]], language: str) -> str:
    return "".join(
        word("shared_stored" if stored else "shared_unchanged", language, name=name, version=v)
        + "\n"
        for name, v, stored in outcomes
    )


def rollback_to(leader: str, to: int, by: str | None, now: datetime | None = None) -> str:
    from assistant.app.rules import rollback

    engine = _engine()
    try:
        applied = rollback(engine, leader, to, who(by), now or datetime.now(UTC))
    finally:
        engine.dispose()
    return _applied_text(applied, operator_language(), to)


def history_text(leader: str) -> str:
    from assistant.app.rules import stored_rules, versions

    engine = _engine()
    try:
        rules = stored_rules(engine, leader)
        if rules is None:
            raise InputError(word("unknown_leader", operator_language(), leader=leader))
        found = versions(engine, leader)
    finally:
        engine.dispose()
    language = operator_language()
    if not found:
        return word("no_versions", language, leader=leader) + "\n"
    out = [word("history_title", language, leader=leader)]
    for version in found:
        out.append(
            word(
                "history_line",
                language,
                version=version.version,
                at=_when(version.created_at),
                by=version.created_by,
                count=len(version.changes),
            )
        )
        out.extend(_change_line(change, language) for change in version.changes)
    return "\n".join(out) + "\n"


def show_stored(leader: str) -> str:
    """The leader's effective rules, each setting with where its value comes from: the
    defaults, an organisation's or a team's shared rules, or the leader's own version."""
    from assistant.app.rules import rules_with_origins

    engine = _engine()
    try:
        found = rules_with_origins(engine, leader)
    finally:
        engine.dispose()
    if found is None:
        raise InputError(word("unknown_leader", operator_language(), leader=leader))
    rules, origins, version = found
    language = operator_language()
    rows = [
        (setting, _value(value), _origin_word(origins[setting], version, language))
        for setting, value in settings_of(rules).items()
    ]
    width_key = max(len(r[0]) for r in rows)
    width_value = min(max(len(r[1]) for r in rows), 48)
    return "".join(f"{k:<{width_key}}  {v:<{width_value}}  {o}\n" for k, v, o in rows)


def _origin_word(origin: str, version: int | None, language: str) -> str:
    if origin == "default":
        return word("origin_default", language)
    if origin == "leader":
        return word("origin_leader", language, version=version)
    kind, name, shared_version = origin.split(" ")
    return word(f"origin_{kind}", language, name=name, version=shared_version.lstrip("v"))


def _applied_text(applied: Any, language: str, restored: int | None) -> str:
    values = {
        "leader": applied.leader,
        "version": applied.version,
        "by": applied.by,
        "at": _when(applied.at),
    }
    if not applied.stored:
        return word("unchanged", language, **values) + "\n"
    head = (
        word("rolled_back", language, restored=restored, **values)
        if restored is not None
        else word("applied", language, **values)
    )
    lines = [head, *(_change_line(change, language) for change in applied.changes)]
    return "\n".join(lines) + "\n"


def _change_line(change: Change, language: str) -> str:
    return word(
        "change",
        language,
        setting=change.setting,
        before=_value(change.before, language),
        after=_value(change.after, language),
    )


def _value(value: Any, language: str | None = None) -> str:
    if value is None and language is not None:
        return word("not_set", language)
    return json.dumps(value, ensure_ascii=False)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
