"""Dashboards in a time zone (docs/analytics-dashboards.md): counters kept per quarter hour of
UTC add up into the days and hours of the zone asked for (``?tz=``), on SQLite and PostgreSQL;
the admin page defaults to the browser's zone; the CSV export keeps the zone; an unknown zone
is a 400 with ``unknown_time_zone``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from chinwag_analytics.models import NO_SLOT, DailyCount
from chinwag_analytics.sink import AggregatingSink
from chinwag_plugin_api import AnalyticsEvent

from chinwag.testing import plugin_context

PLUGIN = "chinwag-analytics"
LATE = datetime(2030, 1, 1, 23, 30, tzinfo=UTC)  # a Tuesday; 00:30 on Wednesday in Berlin
MORNING = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)  # 11:00 in Berlin, the same day


def _feed(app: Any, site: int) -> None:
    def at(when: datetime, name: str, **props: Any) -> AnalyticsEvent:
        return AnalyticsEvent(name, site, 7, props, when)

    events = [
        at(LATE, "conversation.started", conversation_id=701),
        at(LATE, "message.sent", conversation_id=701, author_kind="visitor", seq=1),
        at(LATE, "conversation.first_response", conversation_id=701, author_kind="bot", seconds=3),
        at(LATE, "widget.opened", unread=0),
        at(MORNING, "conversation.started", conversation_id=702),
        at(MORNING, "message.sent", conversation_id=702, author_kind="visitor", seq=1),
        at(MORNING, "widget.loaded", mode="frame"),
        at(MORNING, "widget.opened", unread=0),
    ]
    with app.test_request_context():
        ctx = plugin_context(app, PLUGIN)
        AggregatingSink().track_batch(ctx, events)
        # a count from before the quarter hours (migration 0002): stays on its UTC day
        ctx.db_session.add(
            DailyCount(
                site_id=site,
                day=date(2030, 1, 3),
                slot=NO_SLOT,
                metric="conversations",
                dim="",
                count=4,
            )
        )
        ctx.db_session.commit()


def _summary(client: Any, token: str, query: str) -> Any:
    return client.get(
        f"/api/v1/analytics/summary?{query}", headers={"Authorization": f"Bearer {token}"}
    )


def test_a_conversation_at_2330_utc_is_the_next_day_in_berlin(
    analytics_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    site = demo_site["id"]
    _feed(analytics_app, site)
    span = f"site_id={site}&from=2030-01-01&to=2030-01-03"

    utc = _summary(chinwag_client, admin_token, span).get_json()
    assert utc["tz"] == "UTC"
    assert [d["conversations"] for d in utc["days"]] == [2, 0, 4]
    assert utc["busiest_hours"][1][23] == 1 and utc["busiest_hours"][1][10] == 1

    res = _summary(chinwag_client, admin_token, span + "&tz=Europe/Berlin")
    assert res.status_code == 200, res.get_json()
    berlin = res.get_json()
    assert berlin["tz"] == "Europe/Berlin"
    assert [(d["day"], d["conversations"]) for d in berlin["days"]] == [
        ("2030-01-01", 1),
        ("2030-01-02", 1),
        ("2030-01-03", 4),
    ]
    assert [d["visitor_messages"] for d in berlin["days"]] == [1, 1, 0]
    assert [d["widget_opened"] for d in berlin["days"]] == [1, 1, 0]
    heat = berlin["busiest_hours"]
    assert heat[2][0] == 1 and heat[1][11] == 1 and sum(map(sum, heat)) == 2
    assert berlin["totals"]["widget_loaded"] == 1
    assert berlin["open_to_conversation_rate"] == 3.0  # six conversations, two openings

    # the conversation facts follow the local day too
    second = _summary(
        chinwag_client,
        admin_token,
        f"site_id={site}&from=2030-01-02&to=2030-01-02&tz=Europe/Berlin",
    ).get_json()
    assert second["totals"]["conversations"] == 1
    assert second["first_response"] == {"count": 1, "median": 3.0, "p90": 3.0}
    in_utc = _summary(
        chinwag_client, admin_token, f"site_id={site}&from=2030-01-02&to=2030-01-02"
    ).get_json()
    assert in_utc["totals"]["conversations"] == 0 and in_utc["first_response"]["count"] == 0


def test_unknown_zones_are_refused(
    chinwag_client: Any, admin_token: str, analytics_app: Any
) -> None:
    for zone in ("Mars/Olympus_Mons", "../../etc/passwd", "Europe/", "x" * 65):
        res = _summary(chinwag_client, admin_token, f"tz={zone}")
        assert res.status_code == 400, (zone, res.get_json())
        code = res.get_json()["error"]["code"]
        assert code in ("unknown_time_zone", "validation_error"), code
    res = _summary(chinwag_client, admin_token, "tz=Mars/Olympus_Mons")
    assert res.get_json()["error"]["code"] == "unknown_time_zone"
    assert "Mars/Olympus_Mons" in res.get_json()["error"]["message"]


def test_the_page_defaults_to_the_browsers_zone_and_the_csv_keeps_it(
    analytics_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    site = demo_site["id"]
    _feed(analytics_app, site)
    h = {"Authorization": f"Bearer {admin_token}", "X-Chinwag-Time-Zone": "Europe/Berlin"}
    url = f"/api/v1/admin-pages/{PLUGIN}/dashboard?site_id={site}&from=2030-01-01&to=2030-01-02"
    html = chinwag_client.get(url, headers=h).get_json()["html"]
    assert 'name="tz" type="text" value="Europe/Berlin"' in html
    assert "weekday and hour (Europe/Berlin)" in html
    assert "<td>2030-01-02</td>" not in html and '<th scope="row">2030-01-02</th>' in html
    # the URL's zone wins over the browser's; an unknown one falls back to UTC, with a note
    html = chinwag_client.get(url + "&tz=UTC", headers=h).get_json()["html"]
    assert 'value="UTC"' in html
    html = chinwag_client.get(url + "&tz=Nowhere/Land", headers=h).get_json()["html"]
    assert "Unknown time zone: the figures are in UTC." in html and 'value="UTC"' in html

    html = chinwag_client.get(url, headers=h).get_json()["html"]
    before = html.split(" download>Export CSV")[0]
    href = before.rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    path = "/" + href.split("://", 1)[1].split("/", 1)[1] if "://" in href else href
    lines = chinwag_client.get(path).get_data(as_text=True).splitlines()
    assert lines[0].split(",")[:2] == ["day", "conversations"]
    assert [line.split(",")[:2] for line in lines[1:3]] == [
        ["2030-01-01", "1"],
        ["2030-01-02", "1"],
    ]
    assert "time_zone,Europe/Berlin" in lines
