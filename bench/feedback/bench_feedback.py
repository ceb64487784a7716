"""chinwag-feedback's report queries on PostgreSQL at a million ratings (and 200,000 surveys),
with the plugin's indexes and, as the baseline measured in the same run on the same rows,
without them. Prints p50/p99 milliseconds per query: the summary (``GET
/api/v1/feedback/summary``), the list (``GET /api/v1/feedback``) and the Reports page's own
queries (summaries by agent and by site, the answers rated down, the articles, the comment
search, and the whole page's set, as ``admin.py`` runs them).

Rows are generated inside PostgreSQL with one ``INSERT ... SELECT generate_series`` per table,
so the set-up is bounded (about a minute on a loaded machine). Usage::

    .venv/bin/python bench/feedback/bench_feedback.py [ratings] [runs]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from chinwag_feedback import reports
from chinwag_feedback.reports import Filters, list_ratings, summary_statements

from chinwag.testing import fresh_postgres_database, make_app, postgres_reachable

RATINGS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 40
SURVEYS = RATINGS // 5
SITES, AGENTS = 20, 50
#: a small site: one rating in a thousand (the list of its newest is where (site_id, id) counts)
SMALL = SITES + 1

#: the indexes the plugin adds for its reports (the baseline runs without them)
INDEXES = [
    "ix_feedback_ratings_site_created",
    "ix_feedback_ratings_agent_created",
    "ix_feedback_surveys_site_asked",
    "ix_feedback_surveys_agent_asked",
    "ix_feedback_ratings_site_id_id",
    "ix_feedback_surveys_site_id_id",
    "ix_feedback_ratings_created",
    "ix_feedback_surveys_asked",
]

SEED_RATINGS = f"""
INSERT INTO feedback_ratings (message_id, conversation_id, visitor_id, site_id, agent_id,
    author_kind, locale, value, reason, comment, created_at, updated_at)
SELECT i, i / 3, i / 3, CASE WHEN i % 1000 = 0 THEN {SMALL} ELSE 1 + i % {SITES} END, CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % {AGENTS} END,
    CASE WHEN i % 3 = 0 THEN 'bot' ELSE 'agent' END, 'en',
    CASE WHEN i % 4 = 0 THEN 'down' ELSE 'up' END,
    CASE WHEN i % 4 = 0 THEN 'wrong' END, CASE WHEN i % 40 = 0 THEN 'comment ' || i END,
    TIMESTAMPTZ '2030-01-01 00:00+00' + (i % 525600) * INTERVAL '1 minute',
    TIMESTAMPTZ '2030-01-01 00:00+00' + (i % 525600) * INTERVAL '1 minute'
FROM generate_series(1, {RATINGS}) AS i
"""

SEED_SURVEYS = f"""
INSERT INTO feedback_surveys (conversation_id, visitor_id, site_id, agent_id, locale, scale,
    trigger, asked_at, score, satisfied, nps_class, comment, answered_at)
SELECT i, i, 1 + i % {SITES}, 1 + i % {AGENTS}, 'en', 'stars', 'on_close',
    TIMESTAMPTZ '2030-01-01 00:00+00' + (i % 525600) * INTERVAL '1 minute',
    CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 5 END,
    CASE WHEN i % 3 = 0 THEN NULL ELSE (1 + i % 5) >= 4 END, NULL, NULL,
    CASE WHEN i % 3 = 0 THEN NULL
         ELSE TIMESTAMPTZ '2030-01-01 00:05+00' + (i % 525600) * INTERVAL '1 minute' END
FROM generate_series(1, {SURVEYS}) AS i
"""


#: a third of the ratings are of bot answers; each of those links one of 200 articles
SEED_LINKS = f"""
INSERT INTO feedback_answer_links (message_id, url, title, site_id)
SELECT i, 'https://kb.example/article-' || (i % 200), 'Article ' || (i % 200),
    CASE WHEN i % 1000 = 0 THEN {SMALL} ELSE 1 + i % {SITES} END
FROM generate_series(3, {RATINGS}, 3) AS i
"""


def report_page(session: Any, f: Filters) -> None:
    """Every query of the Reports page (``admin.py``), the comment search included."""
    figures = Filters(site_id=f.site_id, start=f.start, end=f.end)
    for group_by in ("day", "agent", "team", "site", "trigger"):
        reports.summary(session, figures, group_by)
    reports.worst_answers(session, figures)
    reports.articles(session, figures)
    reports.comments(session, f)


def percentiles(fn: Callable[[], object]) -> tuple[float, float]:
    fn()  # warm the cache
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


def main() -> None:
    if not postgres_reachable():
        sys.exit("PostgreSQL on 127.0.0.1:5432 is required")
    month = Filters(site_id=3, start=date(2030, 3, 1), end=date(2030, 3, 30))
    agent = Filters(agent_id=7, start=date(2030, 3, 1), end=date(2030, 3, 30))
    site, small = Filters(site_id=3), Filters(site_id=SMALL)
    searched = Filters(site_id=3, start=date(2030, 3, 1), end=date(2030, 3, 30), q="comment 12")
    #: the Reports page's queries, each on its own, then the page's whole set
    page_queries: dict[str, Callable[[Any], object]] = {
        "report: summary by agent, one site, 30 days": lambda s: reports.summary(s, month, "agent"),
        "report: summary by site, all sites, 30 days": lambda s: reports.summary(
            s, Filters(start=month.start, end=month.end), "site"
        ),
        "report: answers rated down, one site, 30 days": lambda s: reports.worst_answers(s, month),
        "report: articles, one site, 30 days": lambda s: reports.articles(s, month),
        "report: comments matching a word, one site, 30 days": lambda s: reports.comments(
            s, searched
        ),
        "report: the whole page, one site, 30 days": lambda s: report_page(s, searched),
        "report: the whole page, all sites, 30 days": lambda s: report_page(
            s, Filters(start=month.start, end=month.end, q="comment 12")
        ),
    }
    pages = {
        "list page, one site, 30 days (newest 50)": month,
        "list page, one site (newest 50)": site,
        "list page, one site, next page (50)": site,
        "list page, small site (newest 50)": small,
        "list page, small site, next page (50)": small,
    }
    cursors = {
        "list page, one site, next page (50)": RATINGS // 2,
        "list page, small site, next page (50)": RATINGS // 2,
    }
    with fresh_postgres_database() as url, tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp, url)
        from chinwag.extensions import db

        with app.app_context():
            started = time.perf_counter()
            with db.engine.begin() as conn:
                conn.execute(sa.text(SEED_RATINGS))
                conn.execute(sa.text(SEED_SURVEYS))
                conn.execute(sa.text(SEED_LINKS))
                conn.execute(sa.text("ANALYZE feedback_answer_links"))
                conn.execute(sa.text("ANALYZE feedback_ratings"))
                conn.execute(sa.text("ANALYZE feedback_surveys"))
            seeded = time.perf_counter() - started
            dialect = db.engine.dialect

            def sql(stmt: sa.Select[object]) -> str:
                return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

            site_s, site_r = (sql(s) for s in summary_statements(month, "day"))
            agent_s, agent_r = (sql(s) for s in summary_statements(agent, "day"))
            queries: list[tuple[str, Callable[[sa.Connection], object]]] = [
                (
                    "summary by day, one site, 30 days: surveys",
                    lambda c: c.execute(sa.text(site_s)).all(),
                ),
                (
                    "summary by day, one site, 30 days: ratings",
                    lambda c: c.execute(sa.text(site_r)).all(),
                ),
                (
                    "summary by day, one agent, 30 days: surveys",
                    lambda c: c.execute(sa.text(agent_s)).all(),
                ),
                (
                    "summary by day, one agent, 30 days: ratings",
                    lambda c: c.execute(sa.text(agent_r)).all(),
                ),
            ]
            results: dict[str, dict[str, tuple[float, float]]] = {"with": {}, "without": {}}
            with db.engine.connect() as conn:
                for label, q in queries:
                    results["with"][label] = percentiles(lambda: q(conn))
                for label, f in pages.items():
                    results["with"][label] = percentiles(
                        lambda f=f, c=cursors.get(label): list_ratings(db.session, f, c, 50)
                    )
                for label, run in page_queries.items():
                    results["with"][label] = percentiles(lambda run=run: run(db.session))
                db.session.rollback()
            with db.engine.begin() as conn:
                for name in INDEXES:
                    conn.execute(sa.text(f"DROP INDEX {name}"))
                conn.execute(sa.text("ANALYZE feedback_ratings"))
                conn.execute(sa.text("ANALYZE feedback_surveys"))
            with db.engine.connect() as conn:
                for label, q in queries:
                    results["without"][label] = percentiles(lambda: q(conn))
                for label, f in pages.items():
                    results["without"][label] = percentiles(
                        lambda f=f, c=cursors.get(label): list_ratings(db.session, f, c, 50)
                    )
                for label, run in page_queries.items():
                    results["without"][label] = percentiles(lambda run=run: run(db.session))
                db.session.rollback()
            db.session.remove()
            db.engine.dispose()
    load = os.getloadavg()
    print(
        f"chinwag-feedback reports, PostgreSQL, {RATINGS:,} ratings + {SURVEYS:,} surveys "
        f"(seeded in {seeded:.1f} s), {RUNS} runs each, load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(f"{'query':<56}{'baseline: no plugin indexes':>30}{'with indexes':>20}")
    print(f"{'':<56}{'p50 / p99 ms':>30}{'p50 / p99 ms':>20}")
    for label in results["with"]:
        b50, b99 = results["without"][label]
        w50, w99 = results["with"][label]
        print(f"{label:<56}{f'{b50:.1f} / {b99:.1f}':>30}{f'{w50:.1f} / {w99:.1f}':>20}")


if __name__ == "__main__":
    main()
