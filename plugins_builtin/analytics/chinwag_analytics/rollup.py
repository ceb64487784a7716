"""The rollup: the quarter-hour counters added up per whole past day of each time zone the
dashboards are read in (``analytics_days``), so a year is ~35 rows a day instead of ~700.

- Built by :class:`RollupJob` on the job queue (every five minutes, once across processes),
  never on the chat path: for every site (and every site together, ``site_id`` 0) and every
  zone asked for in the last :data:`ZONE_DAYS` days (UTC always), each local day that ended at
  least :data:`GRACE` ago and has no ``rolled`` marker yet.
- The same :class:`~chinwag_analytics.reports.Fold` that the dashboard uses on the quarter hours
  makes the rows, so a rolled day reads exactly as the raw one (tested on both databases).
- A count that arrives for a day already rolled (a sink that was down, a batch retried late;
  only events older than half of :data:`GRACE` can be) deletes that site's rollup rows of the
  UTC day and its neighbours (:func:`reopen`, in the sink's transaction): the dashboard reads those days raw until the next run rolls them again.
- Conversation timings (medians, p90, rates) are not rolled up: exact percentiles need every
  value, and one row per conversation is what they read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from chinwag_plugin_api import PluginContext, ScheduledJob
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chinwag_analytics.models import ALL_SITES, DailyCount, DayRollup, RollupZone
from chinwag_analytics.reports import Fold, active_sites, counter_rows

#: a local day is rolled once it has been over for this long (most late batches are in by then)
GRACE = timedelta(hours=1)
#: a zone nobody read the dashboards in for this long is dropped from the rollup
ZONE_DAYS = 35
#: days rolled in one transaction
CHUNK_DAYS = 92


def note_zone(session: Session, zone: str, today: date | None = None) -> None:
    """Remember that a dashboard was read in ``zone`` (at most one write a day per zone), so the
    job rolls its days up. Commits."""
    today = today or datetime.now(UTC).date()
    row = session.get(RollupZone, zone)
    if row is not None and row.asked_on == today:
        return
    if row is None:
        session.add(RollupZone(zone=zone, asked_on=today))
    else:
        row.asked_on = today
    try:
        session.commit()
    except IntegrityError:  # another request noted it first
        session.rollback()


def reopen(session: Session, site_days: Iterable[tuple[int, date]]) -> None:
    """Forget the rolled days a late count for (site, UTC day) changes: that day and the days
    either side (the local days it can fall on), for the site and for every site together."""
    one = timedelta(days=1)
    pairs = set(site_days)
    if not pairs:
        return
    d = DayRollup
    session.execute(
        delete(d).where(
            or_(
                *(
                    (d.site_id.in_((site, ALL_SITES)) & d.day.between(day - one, day + one))
                    for site, day in pairs
                )
            )
        )
    )


def _rows(fold: Fold, site: int, zone: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for day, figures in fold.figures.items():
        base = {"site_id": site, "day": day, "zone": zone}
        rows.append({**base, "metric": "rolled", "dim": "", "count": 0})
        rows.extend(
            {**base, "metric": name, "dim": "", "count": n} for name, n in figures.items() if n
        )
        rows.extend(
            {**base, "metric": "heat", "dim": f"{weekday}:{hour}", "count": n}
            for (weekday, hour), n in fold.heat[day].items()
            if n
        )
    return rows


def roll_days(session: Session, site: int, zone: str, days: Sequence[date]) -> int:
    """Roll up ``days`` (consecutive) of ``site`` (0: every site) in ``zone``; rows written."""
    fold = Fold(days, ZoneInfo(zone))
    one = timedelta(days=1)
    span = (
        days[0] - one if days[0] > date.min else days[0],
        days[-1] + one if days[-1] < date.max else days[-1],
    )
    for day, slot, metric, dim, n in counter_rows(
        session, None if site == ALL_SITES else site, [span]
    ):
        fold.add_counter(day, slot, metric, dim, int(n))
    d = DayRollup
    session.execute(
        delete(d).where(d.site_id == site, d.zone == zone, d.day.between(days[0], days[-1]))
    )
    rows = _rows(fold, site, zone)
    # the table's plain INSERT, many rows at once (the ORM's bulk insert was half the run)
    session.execute(insert(DayRollup.__table__), rows)
    return len(rows)


def _runs(days: Sequence[date]) -> list[list[date]]:
    """Consecutive days in runs of at most :data:`CHUNK_DAYS`."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][-1]).days == 1 and len(runs[-1]) < CHUNK_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def zones(session: Session, today: date) -> list[str]:
    """The zones to keep rolled up (UTC and those asked for lately); forgets the others."""
    stale = today - timedelta(days=ZONE_DAYS)
    old = list(session.scalars(select(RollupZone.zone).where(RollupZone.asked_on < stale)))
    if old:
        session.execute(delete(DayRollup).where(DayRollup.zone.in_(old)))
        session.execute(delete(RollupZone).where(RollupZone.zone.in_(old)))
        session.commit()
    asked = set(session.scalars(select(RollupZone.zone)))
    return sorted(asked | {"UTC"})


def roll_up(session: Session, now: datetime | None = None) -> int:
    """One run of the job: every missing whole past day of every site and zone. Rows written."""
    now = now or datetime.now(UTC)
    written = 0
    for zone in zones(session, now.date()):
        last = (now - GRACE).astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
        for site in [ALL_SITES, *active_sites(session)]:
            c = DailyCount
            first_q = select(func.min(c.day))
            if site != ALL_SITES:
                first_q = first_q.where(c.site_id == site)
            first = session.scalar(first_q)
            if first is None:
                continue
            first = first - timedelta(days=1) if first > date.min else first
            if first > last:
                continue
            d = DayRollup
            done = set(
                session.scalars(
                    select(d.day).where(
                        d.site_id == site,
                        d.zone == zone,
                        d.metric == "rolled",
                        d.day.between(first, last),
                    )
                )
            )
            todo = [
                first + timedelta(days=i)
                for i in range((last - first).days + 1)
                if first + timedelta(days=i) not in done
            ]
            for run in _runs(todo):
                written += roll_days(session, site, zone, run)
                session.commit()
    return written


class RollupJob(ScheduledJob):
    """Keeps ``analytics_days`` up to date (see the module docstring)."""

    interval: ClassVar[int] = 300

    def run(self, ctx: PluginContext) -> None:
        roll_up(ctx.db_session)
