"""Migration 0002_analytics_slots on the data 0001 wrote, on SQLite and PostgreSQL: a database
built at 0001_analytics with daily counters as the old sink kept them (``analytics_daily``, the
heatmap as ``hour`` counts by UTC weekday and hour) is upgraded; every count survives in
``analytics_counts`` with slot -1 (time of day unknown), the per-conversation facts are untouched,
and the dashboard shows the same figures as before. A downgrade adds the quarter hours of a day
back into one daily row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from chinwag_analytics.models import NO_SLOT
from chinwag_analytics.reports import Range, active_sites, summary
from sqlalchemy import inspect, text

from chinwag.testing import app_session, dispose, downgrade, make_app, migrate

OLD = "0001_analytics"
DAY = date(2026, 3, 2)  # a Monday
NEXT = date(2026, 3, 3)

#: rows as the 0001 sink wrote them: (site, day, metric, dim, count)
DAILY = [
    (1, DAY, "conversations", "", 3),
    (1, DAY, "messages", "visitor", 7),
    (1, DAY, "messages", "agent", 4),
    (1, DAY, "messages", "bot", 2),
    (1, DAY, "handed_off", "", 1),
    (1, DAY, "closed", "agent", 2),
    (1, DAY, "hour", "0:9", 5),  # Monday 09:00 UTC
    (1, DAY, "hour", "0:14", 2),
    (1, NEXT, "conversations", "", 1),
    (1, NEXT, "suggest_shown", "", 4),
    (1, NEXT, "suggest_clicked", "", 1),
    (2, DAY, "conversations", "", 9),  # another site: kept apart
]
#: (conversation, site, visitor, day, started_at, first response s, resolution s, bot, agent,
#: handed off, csat)
FACTS = [
    (10, 1, 100, DAY, "2026-03-02 09:05:00+00:00", 30.0, 600.0, True, False, False, True),
    (11, 1, 101, DAY, "2026-03-02 09:40:00+00:00", 90.0, 1200.0, False, True, True, False),
    (12, 1, None, DAY, "2026-03-02 14:00:00+00:00", None, None, False, False, False, None),
    (13, 1, 102, NEXT, "2026-03-03 08:00:00+00:00", 10.0, None, True, False, False, None),
]


@pytest.fixture
def old_app(tmp_path: Any, database_url: str) -> Iterator[Any]:
    """An app whose database is at chinwag-analytics' first revision (the core migrated as far
    as that revision needs)."""
    app = make_app(tmp_path, database_url, revision=None)
    migrate(app, OLD)
    yield app
    dispose(app)


def _tables(app: Any) -> set[str]:
    with app_session(app) as session:
        return set(inspect(session.connection()).get_table_names())


def _write_old(app: Any) -> None:
    with app_session(app) as session:
        for site, day, metric, dim, count in DAILY:
            session.execute(
                text(
                    "INSERT INTO analytics_daily (site_id, day, metric, dim, count) "
                    "VALUES (:s, :d, :m, :dim, :c)"
                ),
                {"s": site, "d": day, "m": metric, "dim": dim, "c": count},
            )
        for cid, site, vid, day, at, first, res, bot, agent, hand, csat in FACTS:
            session.execute(
                text(
                    "INSERT INTO analytics_conversations (conversation_id, site_id, visitor_id, "
                    "day, started_at, first_response_seconds, first_response_kind, "
                    "resolution_seconds, bot_replied, agent_replied, handed_off, csat_satisfied) "
                    "VALUES (:c, :s, :v, :d, :at, :f, :k, :r, :b, :a, :h, :csat)"
                ),
                {
                    "c": cid,
                    "s": site,
                    "v": vid,
                    "d": day,
                    "at": at,
                    "f": first,
                    "k": None if first is None else ("bot" if bot else "agent"),
                    "r": res,
                    "b": bot,
                    "a": agent,
                    "h": hand,
                    "csat": csat,
                },
            )
        session.commit()


def _counts(app: Any) -> list[tuple[int, date, int, str, str, int]]:
    with app_session(app) as session:
        rows = session.execute(
            text("SELECT site_id, day, slot, metric, dim, count FROM analytics_counts")
        )
        return sorted(
            (r[0], r[1] if isinstance(r[1], date) else date.fromisoformat(r[1]), *r[2:])
            for r in rows
        )


def _daily(app: Any) -> list[tuple[int, date, str, str, int]]:
    with app_session(app) as session:
        rows = session.execute(text("SELECT site_id, day, metric, dim, count FROM analytics_daily"))
        return sorted(
            (r[0], r[1] if isinstance(r[1], date) else date.fromisoformat(r[1]), *r[2:])
            for r in rows
        )


def test_upgrade_keeps_every_old_count_and_the_dashboard_figures(old_app: Any) -> None:
    assert "analytics_daily" in _tables(old_app) and "analytics_counts" not in _tables(old_app)
    _write_old(old_app)

    migrate(old_app)

    tables = _tables(old_app)
    assert "analytics_counts" in tables and "analytics_daily" not in tables
    assert _counts(old_app) == sorted(
        (site, day, NO_SLOT, metric, dim, count) for site, day, metric, dim, count in DAILY
    )
    with app_session(old_app) as session:
        facts = session.execute(
            text("SELECT conversation_id, visitor_id FROM analytics_conversations")
        ).all()
        assert sorted((c, v) for c, v in facts) == [(10, 100), (11, 101), (12, None), (13, 102)]
        got = summary(session, Range(1, DAY, NEXT, "UTC"))
        tokyo = summary(session, Range(1, DAY, NEXT, "Asia/Tokyo"))
        other = summary(session, Range(2, DAY, DAY))
        sites = active_sites(session)  # the site picker, hopping along the primary key
    monday, tuesday = got["days"]
    assert (monday["conversations"], tuesday["conversations"]) == (3, 1)
    assert (monday["visitor_messages"], monday["agent_messages"], monday["bot_messages"]) == (
        7,
        4,
        2,
    )
    assert monday["handed_off"] == 1 and monday["closed"] == 2
    # the old heatmap (UTC weekday and hour) is still read from the ``hour`` counts
    assert got["busiest_hours"][0][9] == 5 and got["busiest_hours"][0][14] == 2
    assert sum(map(sum, got["busiest_hours"])) == 7
    assert got["suggestions"] == {"shown": 4, "clicked": 1, "click_through": 0.25}
    assert got["first_response"] == {"count": 3, "median": 30.0, "p90": 78.0}
    assert got["resolution"]["count"] == 2 and got["csat"]["answered"] == 2
    assert got["bot_resolution_rate"] == 0.5
    # a count without a time of day stays on its UTC day in every time zone
    assert [d["conversations"] for d in tokyo["days"]] == [3, 1]
    assert other["totals"]["conversations"] == 9
    assert sites == [1, 2]


def test_downgrade_adds_the_quarter_hours_of_a_day_into_one_daily_row(old_app: Any) -> None:
    _write_old(old_app)
    migrate(old_app)
    with app_session(old_app) as session:  # counted by the new sink: two quarter hours a day
        for slot, count in ((36, 2), (37, 5)):
            session.execute(
                text(
                    "INSERT INTO analytics_counts (site_id, day, slot, metric, dim, count) "
                    "VALUES (3, :d, :slot, 'conversations', '', :c)"
                ),
                {"d": DAY, "slot": slot, "c": count},
            )
        session.commit()

    downgrade(old_app, OLD)

    tables = _tables(old_app)
    assert "analytics_daily" in tables and "analytics_counts" not in tables
    assert _daily(old_app) == sorted([*DAILY, (3, DAY, "conversations", "", 7)])
    migrate(old_app)  # and up again: nothing lost on the way
    assert (3, DAY, NO_SLOT, "conversations", "", 7) in _counts(old_app)
    assert len(_counts(old_app)) == len(DAILY) + 1
