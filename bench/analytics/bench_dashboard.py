"""chinwag-analytics' dashboard at many conversations, on SQLite and (when reachable)
PostgreSQL on 127.0.0.1: what ``GET /api/v1/analytics/summary`` and the admin's dashboard run
(``chinwag_analytics.reports.summary``) and the site picker (``active_sites``), p50/p99 ms.

Before and after, on the same database in the same run: every day added up from the quarter-hour
counters (``rolled=False``, what the dashboard did before the rollup), then the plugin's job
builds the per-day rollup (its time is printed) and the same queries read whole past days from
it. Each query's figures must be identical both ways (checked).

Rows are generated inside the database (one ``INSERT ... SELECT`` over ``generate_series`` on
PostgreSQL, a recursive CTE on SQLite), so the set-up is bounded: 10 sites, one conversation
every 31 s of one year (2030), each with its facts row, and the counters the sink would have
kept for them per quarter hour (conversations, messages by author, closes, hand-offs, loads,
openings). Usage::

    .venv/bin/python bench/analytics/bench_dashboard.py [--conversations 100000] [--runs 20]
        [--sqlite-only | --postgresql-only]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from chinwag_analytics.reports import Range, active_sites, summary
from chinwag_analytics.rollup import note_zone, roll_up

from chinwag.testing import dispose, fresh_postgres_database, make_app, postgres_reachable

SITES = 10
YEAR = 365 * 86400
#: the rollup job's clock: every day of 2030 is over
CLOCK = datetime(2031, 1, 2, tzinfo=UTC)
#: the longest any one query is repeated (a loaded machine stays bounded)
QUERY_BUDGET_S = 60.0

#: (label, the range); site 1 is one of ten equal sites
QUERIES: list[tuple[str, Range | None]] = [
    ("one site, 30 days, UTC", Range(1, date(2030, 6, 1), date(2030, 6, 30), "UTC")),
    ("one site, 30 days, Europe/Berlin", Range(1, date(2030, 6, 1), date(2030, 6, 30), "Europe/Berlin")),
    ("every site, 30 days", Range(None, date(2030, 6, 1), date(2030, 6, 30), "UTC")),
    ("one site, a year", Range(1, date(2030, 1, 1), date(2030, 12, 31), "UTC")),
    ("site picker (active_sites)", None),
]  # fmt: skip

#: the facts of conversation i (started ``i * step`` seconds into 2030)
FACTS = """
INSERT INTO analytics_conversations (conversation_id, site_id, visitor_id, day, started_at,
    first_response_seconds, first_response_kind, resolution_seconds, bot_replied,
    agent_replied, handed_off, csat_satisfied)
SELECT i + 1, 1 + i % {sites}, i + 1, {day}, {at},
    CASE WHEN i % 10 = 0 THEN NULL ELSE 1 + ((i % 1009) * 7919) % 600 END,
    CASE WHEN i % 10 = 0 THEN NULL WHEN i % 3 = 0 THEN 'bot' ELSE 'agent' END,
    CASE WHEN i % 4 = 0 THEN NULL ELSE 60 + ((i % 1013) * 104729) % 7200 END,
    i % 3 = 0, i % 3 <> 0, i % 7 = 0,
    CASE WHEN i % 5 = 0 THEN i % 10 = 0 END
FROM {series}
"""
#: the sink's counters for those conversations: (metric, dim, how many per conversation)
COUNTERS = [
    ("conversations", "", "1"),
    ("messages", "visitor", "3"),
    ("messages", "agent", "CASE WHEN agent_replied THEN 2 ELSE 0 END"),
    ("messages", "bot", "CASE WHEN bot_replied THEN 1 ELSE 0 END"),
    ("closed", "agent", "CASE WHEN resolution_seconds IS NULL THEN 0 ELSE 1 END"),
    ("handed_off", "", "CASE WHEN handed_off THEN 1 ELSE 0 END"),
    ("widget_loaded", "", "20"),
    ("widget_opened", "", "2"),
]
COUNTS = """
INSERT INTO analytics_counts (site_id, day, slot, metric, dim, count)
SELECT site_id, day, {slot}, '{metric}', '{dim}', SUM({per})
FROM analytics_conversations GROUP BY site_id, day, {slot} HAVING SUM({per}) > 0
"""


def _sql(dialect: str, conversations: int) -> list[str]:
    step = YEAR // conversations
    if dialect == "postgresql":
        at = f"TIMESTAMPTZ '2030-01-01 00:00+00' + (i * {step}) * INTERVAL '1 second'"
        day = f"(({at}) AT TIME ZONE 'UTC')::date"
        series = f"generate_series(0, {conversations - 1}) AS s(i)"
        slot = (
            "(EXTRACT(HOUR FROM started_at AT TIME ZONE 'UTC')::int * 4"
            " + EXTRACT(MINUTE FROM started_at AT TIME ZONE 'UTC')::int / 15)"
        )
        head = ""
    else:
        at = f"datetime('2030-01-01', '+' || (i * {step}) || ' seconds')"
        day = f"date('2030-01-01', '+' || (i * {step}) || ' seconds')"
        series = "s"
        slot = (
            "(CAST(strftime('%H', started_at) AS INTEGER) * 4"
            " + CAST(strftime('%M', started_at) AS INTEGER) / 15)"
        )
        head = (
            "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s "
            f"WHERE i < {conversations - 1}) "
        )
    facts = FACTS.format(sites=SITES, day=day, at=at, series=series)
    if head:  # SQLite: INSERT ... WITH ... SELECT
        into, select = facts.split("SELECT", 1)
        facts = f"{into}{head}SELECT{select}"
    counts = [COUNTS.format(slot=slot, metric=m, dim=d, per=p) for m, d, p in COUNTERS]
    return [facts, *counts]


@contextmanager
def database(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    with fresh_postgres_database() as url:
        yield url


def fill(app: Any, conversations: int) -> tuple[float, int]:
    """Seed the plugin's tables; seconds taken and counter rows made."""
    from chinwag.extensions import db

    begin = time.perf_counter()
    with app.app_context():
        with db.engine.begin() as conn:
            for statement in _sql(conn.dialect.name, conversations):
                conn.execute(sa.text(statement))
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("ANALYZE analytics_conversations"))
                conn.execute(sa.text("ANALYZE analytics_counts"))
                conn.commit()
            else:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
            rows = conn.execute(sa.text("SELECT count(*) FROM analytics_counts")).scalar_one()
    return time.perf_counter() - begin, int(rows)


def timed(run: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    samples: list[float] = []
    out: Any = None
    deadline = time.monotonic() + QUERY_BUDGET_S
    for _ in range(runs):
        begin = time.perf_counter()
        out = run()
        samples.append((time.perf_counter() - begin) * 1000)
        if time.monotonic() > deadline:
            break
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99, out


Figures = dict[str, tuple[float, float, Any]]


def _time_all(session: Any, runs: int, rolled: bool) -> Figures:
    out: Figures = {}
    for label, r in QUERIES:
        if r is None:
            out[label] = timed(lambda: active_sites(session), runs)
        else:
            out[label] = timed(lambda r=r: summary(session, r, rolled=rolled), runs)
        session.rollback()
    return out


def measure(backend: str, conversations: int, runs: int) -> tuple[Figures, Figures]:
    """The queries' figures on a database of ``conversations``: before and after the rollup."""
    from chinwag.extensions import db

    with database(backend) as url, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        app = make_app(tmp, url)
        seconds, rows = fill(app, conversations)
        print(
            f"  {backend}: {conversations:,} conversations, {rows:,} counter rows "
            f"seeded in {seconds:.1f} s",
            flush=True,
        )
        with app.app_context():
            before = _time_all(db.session, runs, rolled=False)
            for zone in {r.tz for _, r in QUERIES if r is not None}:
                note_zone(db.session, zone, CLOCK.date())
            begin = time.perf_counter()
            written = roll_up(db.session, CLOCK)
            print(
                f"  {backend}: the rollup job's first run wrote {written:,} rows in "
                f"{time.perf_counter() - begin:.1f} s (2 zones)",
                flush=True,
            )
            if db.engine.dialect.name == "postgresql":
                # as autovacuum would soon after the job (the fill's tables were analysed too):
                # read straight after a bulk insert, the planner knows nothing of the new rows
                db.session.execute(sa.text("ANALYZE analytics_days"))
                db.session.commit()
            after = _time_all(db.session, runs, rolled=True)
        dispose(app)
    for label, _ in QUERIES:
        assert before[label][2] == after[label][2], f"{backend} {label}: the figures differ"
    return before, after


def _check(label: str, value: Any) -> str:
    """What the query found (so a run that found nothing is seen)."""
    if isinstance(value, list):
        return f"{len(value)} sites"
    return f"{value['totals']['conversations']:,} conv."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgresql-only", action="store_true")
    args = parser.parse_args()
    backends = [] if args.postgresql_only else ["sqlite"]
    if not args.sqlite_only and postgres_reachable():
        backends.append("postgresql")
    print(f"chinwag-analytics dashboard, p50 / p99 ms of {args.runs} runs")
    for backend in backends:
        before, after = measure(backend, args.conversations, args.runs)
        print(
            f"\n{backend} {args.conversations:,}{'quarter hours':>22}{'rollup':>20}  (same figures)"
        )
        for label, _ in QUERIES:
            (b50, b99, out), (p50, p99, _out) = before[label], after[label]
            print(
                f"{label:<34}{b50:>9.1f} /{b99:>8.1f}{p50:>10.1f} /{p99:>8.1f}"
                f"  ({_check(label, out)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
