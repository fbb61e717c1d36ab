"""Weekly metrics: one row per leader and week, the history behind the trends, the export."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from assistant.core.catalogue import METRIC_IDS
from assistant.core.review import IsoWeek, WeekMetrics
from assistant.store import StoreError
from assistant.store.models import (
    Leader,
    WeeklyMetricsRow,
)

if TYPE_CHECKING:
    import pandas as pd
from assistant.store.repositories.base import (
    _EXCLUDED,
    _aware,
    _leader_id,
    _number,
    _split_leaders,
    _upsert,
)

if TYPE_CHECKING:
    import pandas as pd


ExportFormat = Literal["csv", "parquet"]


EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "parquet")


def record_week(
    session: Session,
    leader: Leader | int,
    metrics: WeekMetrics,
    rules_version: int | None,
    computed_at: datetime,
) -> None:
    """Store one week's metrics; a second recording of the same week replaces the first.

    Ids not in `catalogue.METRIC_IDS` are refused (ValueError) rather than silently dropped;
    ids left out are stored as NULL; NaN is stored as NULL.
    """
    unknown = sorted(set(metrics.values) - set(METRIC_IDS))
    if unknown:
        raise ValueError(
            f"the store has no column for {', '.join(unknown)}; a new metric needs a migration"
        )
    values: dict[str, Any] = {
        "leader_id": _leader_id(leader),
        "iso_week": str(metrics.week),
        "year": metrics.week.year,
        "week": metrics.week.week,
        **{metric: _number(metric, metrics.values.get(metric)) for metric in METRIC_IDS},
        "rules_version": rules_version,
        "computed_at": _aware(computed_at, "computed_at"),
    }
    replaced = [key for key in values if key not in {"leader_id", "iso_week"}]
    session.execute(
        _upsert(
            session,
            WeeklyMetricsRow,
            values,
            ["leader_id", "iso_week"],
            {key: _EXCLUDED for key in replaced},
        )
    )


def weekly_history(
    session: Session, leader: Leader | int, until: IsoWeek, weeks: int
) -> list[WeekMetrics]:
    """The stored weeks among the `weeks` weeks ending with `until`, oldest first.

    Weeks never recorded are simply absent. Every returned week carries every id of
    `catalogue.METRIC_IDS`, None where nothing was measured; values come back as floats.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    first = until.shifted(-(weeks - 1))
    statement = (
        select(WeeklyMetricsRow)
        .where(
            WeeklyMetricsRow.leader_id == _leader_id(leader),
            # 'YYYY-Www' sorts like the weeks, and the unique index covers it.
            WeeklyMetricsRow.iso_week.between(str(first), str(until)),
        )
        .order_by(WeeklyMetricsRow.iso_week)
    )
    return [
        WeekMetrics(
            week=IsoWeek(row.year, row.week),
            values={metric: getattr(row, metric) for metric in METRIC_IDS},
        )
        for row in session.scalars(statement)
    ]


def metrics_frame(
    session: Session, leaders: Iterable[Leader | int | str] | None = None
) -> pd.DataFrame:
    """Every stored week (of `leaders`, or of all), one row each, for export and analysis.

    Columns: leader (address), iso_week, year, week, one per metric id, rules_version (nullable
    integer) and computed_at (UTC). Sorted by leader, then week.
    """
    import pandas as pd

    statement: Select[Any] = select(
        Leader.email.label("leader"),
        WeeklyMetricsRow.iso_week,
        WeeklyMetricsRow.year,
        WeeklyMetricsRow.week,
        *(getattr(WeeklyMetricsRow, metric) for metric in METRIC_IDS),
        WeeklyMetricsRow.rules_version,
        WeeklyMetricsRow.computed_at,
    ).join(Leader, Leader.id == WeeklyMetricsRow.leader_id)
    if leaders is not None:
        ids, addresses = _split_leaders(leaders)
        statement = statement.where(Leader.id.in_(ids) | Leader.email.in_(addresses))
    statement = statement.order_by(Leader.email, WeeklyMetricsRow.iso_week)
    rows = session.execute(statement).all()
    columns = ["leader", "iso_week", "year", "week", *METRIC_IDS, "rules_version", "computed_at"]
    frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
    # Text columns keep the pandas default (str in pandas 3, object before).
    dtypes: dict[str, Any] = {
        "year": "int64",
        "week": "int64",
        **dict.fromkeys(METRIC_IDS, "float64"),
        "rules_version": "Int64",
    }
    frame = frame.astype(dtypes)
    frame["computed_at"] = pd.to_datetime(frame["computed_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    return frame


def export_metrics(
    session: Session,
    path: str | Path,
    format: ExportFormat | None = None,
    *,
    leaders: Iterable[Leader | int | str] | None = None,
) -> int:
    """Write `metrics_frame` to `path` as csv or parquet (default: from the suffix).

    Returns the number of rows written.
    """
    target = Path(path)
    chosen = format or target.suffix.lstrip(".").lower()
    if chosen not in EXPORT_FORMATS:
        raise ValueError(
            f"{target}: cannot tell the export format; use a .csv or .parquet file name "
            "or pass format='csv' or 'parquet'"
        )
    frame = metrics_frame(session, leaders)
    if chosen == "csv":
        frame.to_csv(target, index=False)
    else:
        if importlib.util.find_spec("pyarrow") is None:
            raise StoreError(
                "parquet export needs pyarrow; install it (pip install pyarrow) or export csv"
            )
        frame.to_parquet(target, index=False)
    return len(frame)
