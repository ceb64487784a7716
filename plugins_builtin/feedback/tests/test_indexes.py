"""The report queries use the plugin's indexes (EXPLAIN on SQLite and PostgreSQL).

On PostgreSQL the tables get 20,000 rows over two years, 200 sites and fifty agents, and are
analysed, so the planner weighs the indexes with real statistics (on empty tables it cannot
tell a date-range index from the list's (site_id, id) one); sequential scans are switched off
for the check: the question is which index *serves* the query (bench/feedback measures the
difference at a million rows).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chinwag_feedback.reports import Filters, ratings_page, summary_statements, surveys_page
from sqlalchemy import Select, text

from chinwag.testing import app_session

SEED = [
    """INSERT INTO feedback_surveys (conversation_id, visitor_id, site_id, agent_id, scale,
       trigger, asked_at)
       SELECT g, g, 1 + g % 200, 1 + g % 50, 'stars', 'on_close',
              TIMESTAMPTZ '2029-01-01' + (g % 730) * INTERVAL '1 day'
       FROM generate_series(1, 20000) AS g""",
    """INSERT INTO feedback_ratings (message_id, conversation_id, visitor_id, site_id, agent_id,
       author_kind, value, created_at, updated_at)
       SELECT g, g, g, 1 + g % 200, 1 + g % 50, 'bot', 'up',
              TIMESTAMPTZ '2029-01-01' + (g % 730) * INTERVAL '1 day', now()
       FROM generate_series(1, 20000) AS g""",
    "ANALYZE feedback_surveys",
    "ANALYZE feedback_ratings",
]


def _seeded(session: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        for sql in SEED:
            session.execute(text(sql))
        session.commit()
    return session


def _plan(session: Any, stmt: Select[Any]) -> str:
    dialect = session.get_bind().dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        session.execute(text("SET enable_seqscan = off"))
        rows = session.execute(text("EXPLAIN " + sql)).scalars().all()
    else:
        rows = [r[-1] for r in session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()]
    return "\n".join(str(r) for r in rows)


def test_summary_queries_use_the_site_and_agent_indexes(feedback_app: Any) -> None:
    by_site = Filters(site_id=1, start=date(2030, 1, 1), end=date(2030, 1, 31))
    by_agent = Filters(agent_id=7, start=date(2030, 1, 1), end=date(2030, 1, 31))
    with app_session(feedback_app) as s:
        _seeded(s)
        surveys, ratings = summary_statements(by_site, "day")
        plan = _plan(s, surveys)
        assert "ix_feedback_surveys_site_asked" in plan, plan
        assert "ix_feedback_ratings_site_created" in _plan(s, ratings)
        surveys, ratings = summary_statements(by_agent, "day")
        assert "ix_feedback_surveys_agent_asked" in _plan(s, surveys)
        assert "ix_feedback_ratings_agent_created" in _plan(s, ratings)


def test_a_period_over_every_site_uses_the_date_indexes(feedback_app: Any) -> None:
    """No site nor agent: the (site_id, ...) indexes cannot narrow a month, the date ones do."""
    month = Filters(start=date(2030, 1, 1), end=date(2030, 1, 31))
    with app_session(feedback_app) as s:
        _seeded(s)
        for group_by in ("site", "day"):
            surveys, ratings = summary_statements(month, group_by)
            plan = _plan(s, surveys)
            assert "ix_feedback_surveys_asked" in plan, plan
            plan = _plan(s, ratings)
            assert "ix_feedback_ratings_created" in plan, plan


def test_the_list_of_one_site_pages_by_the_site_id_index(feedback_app: Any) -> None:
    """``GET /api/v1/feedback?site_id=`` orders by id under a site: (site_id, id) gives the
    first page's rows in that order, so no database sorts (nor reads the whole site, nor walks
    every site's rows backwards by the primary key); a later page (``id < cursor``) seeks
    into the same index."""
    f = Filters(site_id=1)
    with app_session(feedback_app) as s:
        _seeded(s)
        for stmt, index in (
            (ratings_page(f, None, 51), "ix_feedback_ratings_site_id_id"),
            (surveys_page(f, None, 51), "ix_feedback_surveys_site_id_id"),
        ):
            plan = _plan(s, stmt)
            assert index in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
        for stmt, index in (
            (ratings_page(f, 1000, 51), "ix_feedback_ratings_site_id_id"),
            (surveys_page(f, 1000, 51), "ix_feedback_surveys_site_id_id"),
        ):
            plan = _plan(s, stmt)
            assert index in plan, plan
