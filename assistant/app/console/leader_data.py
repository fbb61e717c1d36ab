"""A leader's data to take with them: everything the store keeps about them, as one JSON
document (with a schema version and the export time) or as a ZIP of one CSV per table.

Their notes to the coach are decrypted; tokens, passwords and invitation hashes are never read.
A look: nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from assistant.store.crypto import SecretBox, SecretKeyError
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.leader_data import leader_tables, sealed_notes
from assistant.store.repositories.leaders import find_leader

SCHEMA_VERSION = 1
Row = dict[str, Any]


@dataclass(frozen=True)
class LeaderExport:
    """Everything about one leader, by table, as of `exported_at`."""

    leader_id: int
    exported_at: datetime
    tables: Mapping[str, list[Row]]


def leader_id_of(engine: Engine, address: str) -> int | None:
    """The id of the leader with this address (any case); None when there is none."""
    with session_scope(engine) as session:
        leader = find_leader(session, address)
        return None if leader is None else leader.id


def export_leader(
    engine: Engine, box: SecretBox, leader_id: int, now: datetime
) -> LeaderExport | None:
    """The leader's data; None when there is no such leader."""
    with session_scope(engine) as session:
        tables = leader_tables(session, leader_id)
        if not tables:
            return None
        notes = [_note(box, at, sealed) for at, sealed in sealed_notes(session, leader_id)]
    return LeaderExport(leader_id, now, {**tables, "coach_notes": notes})


def _note(box: SecretBox, written_at: datetime, sealed: bytes) -> Row:
    try:
        text: str | None = box.decrypt(sealed).decode("utf-8")
    except SecretKeyError:
        text = None  # a key that is no longer configured: said, not hidden
    return {"written_at": written_at, "text": text, "readable": text is not None}


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def as_document(export: LeaderExport) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "exported_at": export.exported_at.isoformat(),
        **{
            table: [{key: _value(value) for key, value in row.items()} for row in rows]
            for table, rows in export.tables.items()
        },
    }


def as_json(export: LeaderExport) -> bytes:
    """One JSON document, UTF-8, readable by a person."""
    return json.dumps(as_document(export), ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def as_zip(export: LeaderExport) -> bytes:
    """A ZIP of one CSV per table (UTF-8, a header row; JSON in the cells that hold JSON), and
    `export.json`'s schema version and time in `about.csv`."""
    document = as_document(export)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        about = [{"schema_version": SCHEMA_VERSION, "exported_at": document["exported_at"]}]
        archive.writestr("about.csv", _csv(about))
        for table in export.tables:
            archive.writestr(f"{table}.csv", _csv(document[table]))
    return out.getvalue()


def _csv(rows: list[Row]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: _cell(value) for key, value in row.items()} for row in rows)
    return out.getvalue()
