"""The dashboard's figures for one site (or all) and a range of UTC days, read from the
aggregates: a few counter rows per day plus one facts row per conversation for the medians."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chinwag_analytics.models import ConversationFacts, DailyCount

DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 731
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Range:
    """Which site (None: every site) and which days, both ends included."""

    site_id: int | None
    start: date
    end: date

    @classmethod
    def from_query(cls, query: dict[str, Any]) -> Range:
        end = query.get("to") or datetime.now(UTC).date()
        span = timedelta(days=DEFAULT_DAYS - 1)
        start = query.get("from_") or (end - span if end - date.min > span else date.min)
        return cls(query.get("site_id"), start, end)

    def as_query(self) -> dict[str, str]:
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.site_id is not None:
            out["site_id"] = str(self.site_id)
        return out


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0-1) of sorted ``values``, by linear interpolation; None if empty."""
    if not values:
        return None
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (pos - low), 1)


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def summary(session: Session, r: Range) -> dict[str, Any]:
    """Every figure of the dashboard and of ``GET /api/v1/analytics/summary``."""
    counts = select(DailyCount.day, DailyCount.metric, DailyCount.dim, DailyCount.count).where(
        DailyCount.day >= r.start, DailyCount.day <= r.end
    )
    facts = select(ConversationFacts).where(
        ConversationFacts.day >= r.start, ConversationFacts.day <= r.end
    )
    if r.site_id is not None:
        counts = counts.where(DailyCount.site_id == r.site_id)
        facts = facts.where(ConversationFacts.site_id == r.site_id)
    days: dict[date, dict[str, Any]] = {}
    for offset in range((r.end - r.start).days + 1):
        d = r.start + timedelta(days=offset)
        days[d] = {
            "day": d.isoformat(),
            "conversations": 0,
            "visitor_messages": 0,
            "agent_messages": 0,
            "bot_messages": 0,
            "handed_off": 0,
            "closed": 0,
        }
    heat = [[0] * 24 for _ in WEEKDAYS]
    shown = clicked = 0
    for day, metric, dim, n in session.execute(counts):
        row = days.get(day)
        if row is None:
            continue
        if metric == "conversations":
            row["conversations"] += n
        elif metric == "messages" and dim in ("visitor", "agent", "bot"):
            row[f"{dim}_messages"] += n
        elif metric in ("handed_off", "closed"):
            row[metric] += n
        elif metric == "hour":
            weekday, _, hour = dim.partition(":")
            if weekday.isdigit() and hour.isdigit() and int(weekday) < 7 and int(hour) < 24:
                heat[int(weekday)][int(hour)] += n
        elif metric == "suggest_shown":
            shown += n
        elif metric == "suggest_clicked":
            clicked += n
    first: list[float] = []
    resolution: list[float] = []
    closed_conversations = bot_resolved = handed_off = answered = satisfied = 0
    for f in session.execute(facts).scalars():
        if f.first_response_seconds is not None:
            first.append(f.first_response_seconds)
        if f.handed_off:
            handed_off += 1
        if f.resolution_seconds is not None:
            resolution.append(f.resolution_seconds)
            closed_conversations += 1
            if f.bot_replied and not f.agent_replied and not f.handed_off:
                bot_resolved += 1
        if f.csat_satisfied is not None:
            answered += 1
            satisfied += int(f.csat_satisfied)
    first.sort()
    resolution.sort()
    rows = list(days.values())
    conversations = sum(x["conversations"] for x in rows)
    return {
        "site_id": r.site_id,
        "from": r.start.isoformat(),
        "to": r.end.isoformat(),
        "days": rows,
        "totals": {
            "conversations": conversations,
            "visitor_messages": sum(x["visitor_messages"] for x in rows),
            "agent_messages": sum(x["agent_messages"] for x in rows),
            "bot_messages": sum(x["bot_messages"] for x in rows),
            "closed": sum(x["closed"] for x in rows),
            "handed_off": sum(x["handed_off"] for x in rows),
        },
        "first_response": {
            "count": len(first),
            "median": percentile(first, 0.5),
            "p90": percentile(first, 0.9),
        },
        "resolution": {
            "count": len(resolution),
            "median": percentile(resolution, 0.5),
            "p90": percentile(resolution, 0.9),
        },
        "handoff_rate": _rate(handed_off, conversations),
        "bot_resolution_rate": _rate(bot_resolved, closed_conversations),
        "csat": {"answered": answered, "satisfied": satisfied, "rate": _rate(satisfied, answered)},
        "suggestions": {"shown": shown, "clicked": clicked, "click_through": _rate(clicked, shown)},
        "busiest_hours": heat,
    }


def active_sites(session: Session) -> list[int]:
    """Sites with any figure, for the dashboard's site picker."""
    found = session.execute(select(DailyCount.site_id).group_by(DailyCount.site_id)).scalars()
    return sorted(found)


__all__ = ["MAX_RANGE_DAYS", "WEEKDAYS", "Range", "active_sites", "percentile", "summary"]
