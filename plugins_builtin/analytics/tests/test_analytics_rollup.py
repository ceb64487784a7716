"""The per-day rollup (chinwag_analytics.rollup) on SQLite and PostgreSQL: once whole past days
are rolled up, the dashboard's figures are exactly those it adds up from the quarter hours, in
every time zone (whole-hour, half- and quarter-hour offsets, +14 h, a DST change), for one site
and for every site, for ranges that run into days not rolled yet; a late count reopens its day
(and is shown at once); the plugin's scheduled job rolls the zones the dashboards were read in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from chinwag_analytics.models import NO_SLOT, DailyCount, DayRollup, RollupZone
from chinwag_analytics.reports import Range, summary
from chinwag_analytics.rollup import note_zone, roll_up
from chinwag_analytics.sink import AggregatingSink
from chinwag_plugin_api import AnalyticsEvent
from sqlalchemy import func, select

from chinwag.testing import plugin_context, run_jobs

PLUGIN = "chinwag-analytics"
ZONES = ("UTC", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns", "Pacific/Kiritimati")
START = datetime(2030, 3, 27, tzinfo=UTC)  # Berlin goes to summer time on Sunday 31 March
DAYS = 8
#: the job's clock: every day of the feed is over in every zone
NOW = datetime(2030, 4, 20, tzinfo=UTC)


def _events(site: int, first_cid: int, start: datetime = START) -> list[AnalyticsEvent]:
    """Events every 97 minutes over DAYS days (so they hit every quarter hour's edge of some
    zone), of every kind the dashboard counts."""
    out: list[AnalyticsEvent] = []
    cid = first_cid
    when = start
    step = 0
    while when < start + timedelta(days=DAYS):

        def at(name: str, **props: Any) -> AnalyticsEvent:
            return AnalyticsEvent(name, site, 7, props, when)  # noqa: B023 (used at once)

        out += [at("conversation.started", conversation_id=cid), at("widget.loaded", mode="frame")]
        out.append(at("message.sent", conversation_id=cid, author_kind="visitor", seq=1))
        kinds = ("bot", "agent") if step % 2 else ("agent",)
        out += [at("message.sent", conversation_id=cid, author_kind=k, seq=2) for k in kinds]
        out.append(at("conversation.first_response", conversation_id=cid, seconds=step % 50))
        if step % 3 == 0:
            out.append(at("conversation.handed_off", conversation_id=cid, by="visitor"))
        if step % 4 == 0:
            out.append(at("conversation.closed", conversation_id=cid, by_kind="agent", seconds=90))
        if step % 5 == 0:
            out += [at("widget.opened", unread=0), at("suggest.shown"), at("suggest.clicked")]
        cid += 1
        step += 1
        when += timedelta(minutes=97)
    return out


def _feed(app: Any, sites: tuple[int, int]) -> None:
    with app.test_request_context():
        ctx = plugin_context(app, PLUGIN)
        AggregatingSink().track_batch(ctx, _events(sites[0], 1000))
        AggregatingSink().track_batch(ctx, _events(sites[1], 5000))
        for metric, dim, n in (("conversations", "", 4), ("hour", "5:9", 3)):  # from before 0002
            ctx.db_session.add(
                DailyCount(
                    site_id=sites[0],
                    day=date(2030, 3, 29),
                    slot=NO_SLOT,
                    metric=metric,
                    dim=dim,
                    count=n,
                )
            )
        ctx.db_session.commit()


def _ranges(sites: tuple[int, int]) -> list[Range]:
    return [
        Range(site, start, end, zone)
        for zone in ZONES
        for site in (*sites, None)
        for start, end in (
            (date(2030, 3, 26), date(2030, 4, 5)),  # the whole feed and a day each side
            (date(2030, 3, 30), date(2030, 3, 31)),  # the DST change
            (date(2030, 4, 3), date(2030, 4, 25)),  # runs past the job's clock: not rolled
        )
    ]


def _site_ids(app: Any, demo_site: dict[str, Any]) -> tuple[int, int]:
    return demo_site["id"], demo_site["id"] + 1000  # counters name sites by id only


def test_rolled_days_read_exactly_as_the_quarter_hours(
    analytics_app: Any, demo_site: dict[str, Any]
) -> None:
    sites = _site_ids(analytics_app, demo_site)
    _feed(analytics_app, sites)
    with analytics_app.app_context():
        session = plugin_context(analytics_app, PLUGIN).db_session
        raw = [summary(session, r, rolled=False) for r in _ranges(sites)]
        assert raw[0]["totals"]["conversations"] == 8 * 24 * 60 // 97 + 1 + 4
        for zone in ZONES:
            note_zone(session, zone, NOW.date())
        assert roll_up(session, NOW) > 0
        assert roll_up(session, NOW) == 0  # nothing left to roll
        for zone in ZONES:  # every day of the feed is rolled, in each zone, per site and overall
            rolled = session.scalar(
                select(func.count()).where(
                    DayRollup.zone == zone,
                    DayRollup.metric == "rolled",
                    DayRollup.day.between(date(2030, 3, 27), date(2030, 4, 3)),
                )
            )
            assert rolled == 8 * 3, zone
        for r, before in zip(_ranges(sites), raw, strict=True):
            assert summary(session, r) == before, r


def test_a_late_count_reopens_its_day_until_the_job_rolls_it_again(
    analytics_app: Any, demo_site: dict[str, Any]
) -> None:
    site = demo_site["id"]
    now = datetime.now(UTC)
    start = datetime.combine(now.date() - timedelta(days=20), datetime.min.time(), UTC)
    r = Range(site, start.date(), start.date() + timedelta(days=DAYS - 1), "Europe/Berlin")
    markers = select(DayRollup.day).where(
        DayRollup.site_id == site, DayRollup.zone == "Europe/Berlin", DayRollup.metric == "rolled"
    )
    with analytics_app.test_request_context():
        ctx = plugin_context(analytics_app, PLUGIN)
        session = ctx.db_session
        AggregatingSink().track_batch(ctx, _events(site, 1000, start))
        note_zone(session, "Europe/Berlin")
        roll_up(session)
        before = summary(session, r)
        rolled = set(session.scalars(markers))
        assert len(rolled) >= DAYS

        # an on-time count cannot be on a rolled day: the rollup is left alone
        on_time = AnalyticsEvent("conversation.started", site, 7, {"conversation_id": 8}, now)
        AggregatingSink().track_batch(ctx, [on_time])
        assert set(session.scalars(markers)) == rolled

        # 23:10 UTC is 00:10 or 01:10 of the next day in Berlin, winter or summer
        late = start + timedelta(days=3, hours=23, minutes=10)
        next_day = (late + timedelta(hours=2)).date()
        AggregatingSink().track_batch(
            ctx, [AnalyticsEvent("conversation.started", site, 7, {"conversation_id": 9}, late)]
        )
        after = summary(session, r)

        def on(s: dict[str, Any]) -> int:
            return next(
                int(d["conversations"]) for d in s["days"] if d["day"] == next_day.isoformat()
            )

        assert on(after) == on(before) + 1
        assert after == summary(session, r, rolled=False)
        assert next_day not in set(session.scalars(markers))
        roll_up(session)
        assert next_day in set(session.scalars(markers))
        assert summary(session, r) == after


def test_the_job_rolls_up_the_zones_the_dashboard_was_read_in(
    analytics_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    site = demo_site["id"]
    past = datetime.now(UTC) - timedelta(days=3)
    with analytics_app.test_request_context():
        ctx = plugin_context(analytics_app, PLUGIN)
        AggregatingSink().track_batch(
            ctx, [AnalyticsEvent("conversation.started", site, 7, {"conversation_id": 3}, past)]
        )
    day = past.astimezone(UTC).date()
    query = f"site_id={site}&from={day - timedelta(days=2)}&to={day + timedelta(days=1)}"
    res = chinwag_client.get(
        f"/api/v1/analytics/summary?{query}&tz=Asia/Kathmandu",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200, res.get_json()
    first = res.get_json()
    run_jobs(analytics_app, scheduled=True)
    with analytics_app.app_context():
        session = plugin_context(analytics_app, PLUGIN).db_session
        assert session.get(RollupZone, "Asia/Kathmandu") is not None
        zones = set(session.scalars(select(DayRollup.zone).where(DayRollup.site_id == site)))
        assert zones == {"UTC", "Asia/Kathmandu"}
    again = chinwag_client.get(
        f"/api/v1/analytics/summary?{query}&tz=Asia/Kathmandu",
        headers={"Authorization": f"Bearer {admin_token}"},
    ).get_json()
    assert again == first
    assert sum(d["conversations"] for d in again["days"]) == 1
