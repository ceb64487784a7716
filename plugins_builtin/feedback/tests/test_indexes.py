"""The report queries use the plugin's indexes (EXPLAIN on SQLite and PostgreSQL).

On PostgreSQL sequential scans are switched off for the check: with a handful of rows the
planner rightly prefers them, and the question here is whether an index *serves* the query
(bench/feedback measures the difference at a million rows).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chinwag_feedback.reports import Filters, summary_statements
from sqlalchemy import Select, text

from chinwag.testing import app_session


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
        surveys, ratings = summary_statements(by_site, "day")
        assert "ix_feedback_surveys_site_asked" in _plan(s, surveys)
        assert "ix_feedback_ratings_site_created" in _plan(s, ratings)
        surveys, ratings = summary_statements(by_agent, "day")
        assert "ix_feedback_surveys_agent_asked" in _plan(s, surveys)
        assert "ix_feedback_ratings_agent_created" in _plan(s, ratings)
