"""The dispatcher's claims of a week, one leader at a time against all at once, on PostgreSQL.

    .venv/bin/python bench/bench_dispatch.py [--leaders N]

N leaders (default 10,000) in a database of their own; each way claims the same week for every
leader from an empty claims table (`claim_review` per leader: a transaction each; then
`claim_reviews`: one transaction, three statements per 500 leaders). Prints a table with the
time of each, per leader, and the load average while it ran.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, delete, insert, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.app.schedule import claim_review, claim_reviews  # noqa: E402
from assistant.core.review import IsoWeek  # noqa: E402
from assistant.store import migrations  # noqa: E402
from assistant.store.database import make_engine  # noqa: E402
from assistant.store.models import Leader, ReviewClaim  # noqa: E402

ADMIN = os.environ.get(
    "AGENDA_REGIE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
WEEK = IsoWeek(2026, 49)
NOW = datetime(2026, 12, 7, 8, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaders", type=int, default=10_000)
    leaders = parser.parse_args().leaders
    name = f"bench_dispatch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrations.upgrade(url)
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(
                insert(Leader),
                [
                    {
                        "email": f"l{n}@example.org",
                        "timezone": "Europe/Amsterdam",
                        "language": "en",
                        "created_at": NOW,
                    }
                    for n in range(leaders)
                ],
            )
            ids = [row[0] for row in connection.execute(text("SELECT id FROM leaders ORDER BY id"))]
        hour = timedelta(hours=1)
        start = time.perf_counter()
        single = sum(claim_review(engine, i, WEEK, NOW, retry_after=hour) for i in ids)
        one_by_one = time.perf_counter() - start
        with engine.begin() as connection:
            connection.execute(delete(ReviewClaim))
        start = time.perf_counter()
        bulk = len(claim_reviews(engine, [(i, WEEK) for i in ids], NOW, retry_after=hour))
        at_once = time.perf_counter() - start
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    table = Table(title=f"Claiming week {WEEK} for {leaders:,} leaders (PostgreSQL)")
    for column in ("way", "claimed", "seconds", "ms per leader"):
        table.add_column(column, justify="right" if column != "way" else "left")
    for way, claimed, seconds in (
        ("one by one", single, one_by_one),
        ("all at once", bulk, at_once),
    ):
        table.add_row(way, f"{claimed:,}", f"{seconds:.2f}", f"{1000 * seconds / leaders:.3f}")
    Console().print(table)
    print(f"load average: {os.getloadavg()[0]:.1f}; speed-up: {one_by_one / at_once:.0f}x")


if __name__ == "__main__":
    main()
