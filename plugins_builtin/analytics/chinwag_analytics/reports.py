"""The dashboard's figures for one site (or all) and a range of days in a time zone, read from
the aggregates: counter rows per quarter hour plus one facts row per conversation for the
medians. Local days are worked out here, in Python, from UTC instants, so SQLite and PostgreSQL
give the same answer (neither database's time-zone functions are used)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from chinwag_analytics.models import (
    ALL_SITES,
    NO_SLOT,
    SLOT_MINUTES,
    ConversationFacts,
    DailyCount,
    DayRollup,
)

DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 731
#: what an IANA name looks like (no path tricks reach the zone files)
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}$")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Range:
    """Which site (None: every site) and which days of the time zone ``tz`` (an IANA name),
    both ends included."""

    site_id: int | None
    start: date
    end: date
    tz: str = "UTC"

    @classmethod
    def from_query(cls, query: dict[str, Any]) -> Range:
        tz = query.get("tz") or "UTC"
        end = query.get("to") or datetime.now(ZoneInfo(tz)).date()
        span = timedelta(days=DEFAULT_DAYS - 1)
        start = query.get("from_") or (end - span if end - date.min > span else date.min)
        return cls(query.get("site_id"), start, end, tz)

    def as_query(self) -> dict[str, str]:
        out = {"from": self.start.isoformat(), "to": self.end.isoformat(), "tz": self.tz}
        if self.site_id is not None:
            out["site_id"] = str(self.site_id)
        return out

    def utc_days(self) -> tuple[date, date]:
        """The UTC days that hold every instant of the local range (a day more each side:
        offsets reach ±14 hours)."""
        one = timedelta(days=1)
        return (
            self.start - one if self.start > date.min else self.start,
            self.end + one if self.end < date.max else self.end,
        )


def known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this server knows (``Europe/Berlin``, ``UTC``)."""
    if not _ZONE.match(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _local(when: datetime, zone: tzinfo) -> datetime:
    return (when.replace(tzinfo=UTC) if when.tzinfo is None else when).astimezone(zone)


def _slot_time(day: date, slot: int, zone: tzinfo) -> datetime | None:
    """The local time a counter's quarter hour starts at; None for a count without a slot."""
    if slot == NO_SLOT:
        return None
    start = datetime.combine(day, time(), UTC) + timedelta(minutes=slot * SLOT_MINUTES)
    return start.astimezone(zone)


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


#: a day's figures in the dashboard's table (and the rollup's ``metric`` names)
DAY_FIGURES = (
    "conversations",
    "visitor_messages",
    "agent_messages",
    "bot_messages",
    "handed_off",
    "closed",
    "widget_loaded",
    "widget_opened",
)
#: figures kept per day but shown only as totals
TOTAL_FIGURES = ("suggest_shown", "suggest_clicked")
_COUNTED = ("handed_off", "closed", "widget_loaded", "widget_opened", *TOTAL_FIGURES)


class Fold:
    """The counters added up per local day of a zone: each day's figures and its visitor
    messages per (weekday, hour). The one place quarter hours become days, for the dashboard
    (days not in the rollup) and for the rollup itself, so both give the same figures."""

    def __init__(self, days: Sequence[date], zone: tzinfo) -> None:
        self.zone = zone
        self.figures: dict[date, Counter[str]] = {d: Counter() for d in days}
        self.heat: dict[date, Counter[tuple[int, int]]] = {d: Counter() for d in days}
        #: the heat of the rolled days of the range, summed by the database
        self.rolled_heat: Counter[tuple[int, int]] = Counter()
        #: a quarter hour's local time, worked out once (a range has at most 96 a day)
        self._slot_times: dict[tuple[date, int], datetime | None] = {}

    def add_counter(self, day: date, slot: int, metric: str, dim: str, n: int) -> None:
        """One counter row (a quarter hour of a UTC day); rows of other days are ignored."""
        key = (day, slot)
        if key not in self._slot_times:
            self._slot_times[key] = _slot_time(day, slot, self.zone)
        at = self._slot_times[key]
        local = day if at is None else at.date()
        figures = self.figures.get(local)
        if figures is None:
            return
        if metric == "conversations":
            figures["conversations"] += n
        elif metric == "messages" and dim in ("visitor", "agent", "bot"):
            figures[f"{dim}_messages"] += n
            if dim == "visitor" and at is not None:
                self.heat[local][(at.weekday(), at.hour)] += n
        elif metric in _COUNTED:
            figures[metric] += n
        elif metric == "hour":  # counted before the slots: UTC weekday and hour
            weekday, _, hour = dim.partition(":")
            if weekday.isdigit() and hour.isdigit() and int(weekday) < 7 and int(hour) < 24:
                self.heat[local][(int(weekday), int(hour))] += n


def counter_rows(session: Session, site_id: int | None, spans: Sequence[tuple[date, date]]) -> Any:
    """The counter rows (day, slot, metric, dim, count) of the UTC days in ``spans`` (both ends
    included), of one site or summed across every site (None)."""
    c = DailyCount
    keys = (c.day, c.slot, c.metric, c.dim)
    if site_id is None:  # summed by the database across sites: a row per key, not per site
        counts = select(*keys, func.sum(c.count)).group_by(*keys)
    else:  # one site's rows are unique per key already (the primary key)
        counts = select(*keys, c.count).where(c.site_id == site_id)
    return _plain(
        session, counts.where(or_(*(c.day.between(first, last) for first, last in spans)))
    )


def _plain(session: Session, query: Any) -> Any:
    """The rows of a column query as plain tuples, without the ORM's result layer (a third of
    the time at a few hundred thousand rows)."""
    return session.connection().execute(query).all()


def _spans(days: Sequence[date]) -> list[tuple[date, date]]:
    """The UTC days that hold every instant of the local ``days`` (a day more each side:
    offsets reach ±14 hours), as few (first, last) spans as there are runs of days."""
    one = timedelta(days=1)
    spans: list[tuple[date, date]] = []
    for d in sorted(days):
        first = d - one if d > date.min else d
        last = d + one if d < date.max else d
        if spans and (first - spans[-1][1]).days <= 1:
            spans[-1] = (spans[-1][0], max(spans[-1][1], last))
        else:
            spans.append((first, last))
    return spans


def fold_counters(session: Session, r: Range, rolled: bool = True) -> Fold:
    """The range's counters per local day: whole past days from the rollup where it has them
    (``rolled``), every other day (today, a day a late count reopened, a zone not rolled up
    yet) from the quarter hours."""
    zone = ZoneInfo(r.tz)
    days = [r.start + timedelta(days=i) for i in range((r.end - r.start).days + 1)]
    fold = Fold(days, zone)
    done: set[date] = set()
    if rolled:
        d = DayRollup
        site = ALL_SITES if r.site_id is None else r.site_id
        span = (d.site_id == site, d.day.between(r.start, r.end), d.zone == r.tz)
        # a day's rows are written and deleted in one transaction with its ``rolled`` marker:
        # a day with rows has its marker. Plain rows (no ORM): a year is a few thousand
        for day, metric, n in _plain(
            session, select(d.day, d.metric, d.count).where(*span, d.metric != "heat")
        ):
            if metric == "rolled":
                done.add(day)
            else:
                fold.figures[day][metric] += int(n)
        heat = select(d.dim, func.sum(d.count)).where(*span, d.metric == "heat").group_by(d.dim)
        for dim, n in _plain(session, heat):  # summed by the database over the days
            weekday, _, hour = dim.partition(":")
            fold.rolled_heat[(int(weekday), int(hour))] += int(n)
    left = [d for d in days if d not in done]
    if left:
        spans = _spans(left)
        if len(spans) > 16:  # a patchy rollup: one read of the whole range, filtered below
            spans = [(spans[0][0], spans[-1][1])]
        raw = Fold(left, zone)  # only the days not rolled: their quarter hours, not twice
        for day, slot, metric, dim, n in counter_rows(session, r.site_id, spans):
            raw.add_counter(day, slot, metric, dim, int(n))
        fold.figures.update(raw.figures)
        fold.heat.update(raw.heat)
    return fold


def summary(session: Session, r: Range, rolled: bool = True) -> dict[str, Any]:
    """Every figure of the dashboard and of ``GET /api/v1/analytics/summary`` (``rolled``
    False: every day from the quarter hours, ignoring the rollup; the figures are the same)."""
    zone = ZoneInfo(r.tz)
    first_day, last_day = r.utc_days()
    # plain columns, not ORM objects: building an object per conversation was most of the time
    f = ConversationFacts
    facts = select(
        f.day,
        f.started_at,
        f.first_response_seconds,
        f.resolution_seconds,
        f.bot_replied,
        f.agent_replied,
        f.handed_off,
        f.csat_satisfied,
    ).where(f.day >= first_day, f.day <= last_day)
    if r.site_id is not None:
        facts = facts.where(f.site_id == r.site_id)
    fold = fold_counters(session, r, rolled)
    first: list[float] = []
    resolution: list[float] = []
    closed_conversations = bot_resolved = handed_off = answered = satisfied = 0
    # a conversation of a UTC day well inside the range is inside it in every zone (offsets
    # are under a day): only the edge days' start times need converting
    inner_first, inner_last = r.start + timedelta(days=1), r.end - timedelta(days=1)
    for day, started, first_s, resolution_s, bot, agent, hand, csat in _plain(session, facts):
        if not inner_first <= day <= inner_last and not (
            r.start <= _local(started, zone).date() <= r.end
        ):
            continue
        if first_s is not None:
            first.append(first_s)
        if hand:
            handed_off += 1
        if resolution_s is not None:
            resolution.append(resolution_s)
            closed_conversations += 1
            if bot and not agent and not hand:
                bot_resolved += 1
        if csat is not None:
            answered += 1
            satisfied += int(csat)
    first.sort()
    resolution.sort()
    rows: list[dict[str, Any]] = [
        {"day": day.isoformat(), **{name: figures[name] for name in DAY_FIGURES}}
        for day, figures in fold.figures.items()
    ]
    heat = [[0] * 24 for _ in WEEKDAYS]
    for day_heat in (*fold.heat.values(), fold.rolled_heat):
        for (weekday, hour), n in day_heat.items():
            heat[weekday][hour] += n
    shown = sum(figures["suggest_shown"] for figures in fold.figures.values())
    clicked = sum(figures["suggest_clicked"] for figures in fold.figures.values())
    conversations = sum(x["conversations"] for x in rows)
    opened = sum(x["widget_opened"] for x in rows)
    loaded = sum(x["widget_loaded"] for x in rows)
    return {
        "site_id": r.site_id,
        "from": r.start.isoformat(),
        "to": r.end.isoformat(),
        "tz": r.tz,
        "days": rows,
        "totals": {
            "conversations": conversations,
            "visitor_messages": sum(x["visitor_messages"] for x in rows),
            "agent_messages": sum(x["agent_messages"] for x in rows),
            "bot_messages": sum(x["bot_messages"] for x in rows),
            "closed": sum(x["closed"] for x in rows),
            "handed_off": sum(x["handed_off"] for x in rows),
            "widget_loaded": loaded,
            "widget_opened": opened,
        },
        "load_to_open_rate": _rate(opened, loaded),
        "open_to_conversation_rate": _rate(conversations, opened),
        "load_to_conversation_rate": _rate(conversations, loaded),
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


#: the distinct sites of the counters by hopping along the primary key (it starts with the site):
#: one index probe per site, where ``GROUP BY site_id`` read every counter row
_SITES = text(
    "WITH RECURSIVE sites(id) AS ("
    " SELECT MIN(site_id) FROM analytics_counts"
    " UNION ALL"
    " SELECT (SELECT MIN(site_id) FROM analytics_counts WHERE site_id > sites.id)"
    " FROM sites WHERE sites.id IS NOT NULL"
    ") SELECT id FROM sites WHERE id IS NOT NULL"
)


def active_sites(session: Session) -> list[int]:
    """Sites with any figure, for the dashboard's site picker."""
    return sorted(int(site) for site in session.execute(_SITES).scalars())


__all__ = [
    "DAY_FIGURES",
    "MAX_RANGE_DAYS",
    "WEEKDAYS",
    "Fold",
    "Range",
    "active_sites",
    "counter_rows",
    "fold_counters",
    "known_zone",
    "percentile",
    "summary",
]
