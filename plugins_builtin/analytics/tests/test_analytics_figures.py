"""chinwag-analytics end to end: conversations through the real pipeline become the figures of
``GET /api/v1/analytics/summary``, the dashboard and its CSV, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chinwag_analytics.sink import AggregatingSink
from chinwag_plugin_api import AnalyticsEvent

from chinwag.testing import deliver_analytics, enable_plugin, plugin_context

PLUGIN = "chinwag-analytics"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _two_conversations(
    app: Any, visitor_client: Callable[..., Any], agent_client: Callable[..., Any]
) -> tuple[Any, Any]:
    """One conversation the bot resolves, one it hands to an agent who answers and closes it."""
    agent = agent_client()
    solved = visitor_client()
    assert solved.send("hello")["ok"]
    solved.wait_for_reply()
    assert solved.close_conversation()["ok"]
    handed = visitor_client()
    assert handed.send("a human please")["ok"]
    handed.wait_for_reply()
    assert agent.send("Hi, I am here.", conversation_id=handed.conversation_id)["ok"]
    assert agent.close_conversation(handed.conversation_id)["ok"]
    deliver_analytics(app)
    return solved, handed


def test_a_bot_and_an_agent_conversation_make_the_summary(
    analytics_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> None:
    _two_conversations(analytics_app, visitor_client, agent_client)
    res = chinwag_client.get(
        f"/api/v1/analytics/summary?site_id={demo_site['id']}", headers=_auth(admin_token)
    )
    assert res.status_code == 200, res.get_json()
    s = res.get_json()
    t = s["totals"]
    assert t["conversations"] == 2
    assert (t["visitor_messages"], t["bot_messages"], t["agent_messages"]) == (2, 2, 1)
    assert t["handed_off"] == 1 and t["closed"] == 2
    assert s["first_response"]["count"] == 2 and s["first_response"]["median"] >= 0
    assert s["resolution"]["count"] == 2
    assert s["resolution"]["p90"] >= s["resolution"]["median"] >= 0
    assert s["handoff_rate"] == 0.5
    assert s["bot_resolution_rate"] == 0.5  # the handed-off one does not count as the bot's
    assert sum(map(sum, s["busiest_hours"])) == 2
    today = datetime.now(UTC).date().isoformat()
    assert s["to"] == today and s["days"][-1]["day"] == today
    assert s["days"][-1]["conversations"] == 2
    # another site's range is empty
    other = chinwag_client.get(
        f"/api/v1/analytics/summary?site_id={demo_site['id'] + 1}", headers=_auth(admin_token)
    ).get_json()
    assert other["totals"]["conversations"] == 0 and other["handoff_rate"] is None

    # the dashboard says the same, with a table beside every chart, and exports the range
    page = chinwag_client.get(
        f"/api/v1/admin-pages/{PLUGIN}/dashboard?site_id={demo_site['id']}&from={today}",
        headers=_auth(admin_token),
    ).get_json()
    html = page["html"]
    assert 'data-metric="conversations">2<' in html
    assert 'data-metric="handoff_rate">50%' in html
    assert 'data-metric="bot_resolution_rate">50%' in html
    assert "<caption>Conversations and messages per day (table view)</caption>" in html
    assert "<caption>Response times (table view)</caption>" in html
    assert "<caption>Messages by author (table view)</caption>" in html
    assert "Busiest hours" in html
    assert f'value="{today}"' in html  # the range stays in the page's URL
    assert "<caption>Funnel (table view)</caption>" in html
    assert html.count('aria-hidden="true"') == 3  # the charts; their tables are the view
    before = html.split(" download>Export CSV")[0]
    href = before.rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    path = "/" + href.split("://", 1)[1].split("/", 1)[1] if "://" in href else href
    csv = chinwag_client.get(path)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("day,conversations,visitor_messages")
    assert lines[1] == f"{today},2,2,1,2,1,2,0,0"
    assert "handoff_rate,0.5" in lines
    forged = chinwag_client.get("/api/v1/analytics/export.csv?token=forged")
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "link_expired"


def test_plugin_events_give_csat_and_click_through_and_a_batch_counts_once(
    analytics_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    site = demo_site["id"]
    now = datetime.now(UTC)

    def event(name: str, **props: Any) -> AnalyticsEvent:
        return AnalyticsEvent(name, site, 7, props, now)

    events = [
        event("conversation.started", conversation_id=501),
        event("conversation.started", conversation_id=502),
        event("feedback.csat_answered", conversation_id=501, satisfied=False, score=2),
        event("feedback.csat_answered", conversation_id=501, satisfied=True, score=5),
        event("feedback.csat_answered", conversation_id=502, satisfied=False, score=1),
        event("suggest.shown", conversation_id=501, suggestion_ids=[1, 2]),
        event("suggest.shown", conversation_id=502, suggestion_ids=[1]),
        event("suggest.shown", conversation_id=502, suggestion_ids=[3]),
        event("suggest.shown", conversation_id=502, suggestion_ids=[4]),
        event("suggest.clicked", conversation_id=501, suggestion_id=2),
        event("conversation.first_response", conversation_id=501, author_kind="bot", seconds=4),
        event("conversation.first_response", conversation_id=502, author_kind="bot", seconds=10),
        event("widget.something_else", anything="ignored"),
    ]
    sink = AggregatingSink()
    with analytics_app.test_request_context():
        ctx = plugin_context(analytics_app, PLUGIN)
        sink.track_batch(ctx, events)
        bad: list[Any] = [event("conversation.started", conversation_id=503), object()]
        with pytest.raises(AttributeError):  # the host retries a batch that raised, whole
            sink.track_batch(ctx, bad)
    s = chinwag_client.get(
        f"/api/v1/analytics/summary?site_id={site}", headers=_auth(admin_token)
    ).get_json()
    assert s["totals"]["conversations"] == 2  # the failed batch left nothing behind
    assert s["csat"] == {"answered": 2, "satisfied": 1, "rate": 0.5}  # a changed answer replaces
    assert s["suggestions"] == {"shown": 4, "clicked": 1, "click_through": 0.25}
    assert s["first_response"] == {"count": 2, "median": 7.0, "p90": 9.4}
    yesterday = (now - timedelta(days=1)).date().isoformat()
    earlier = chinwag_client.get(
        f"/api/v1/analytics/summary?site_id={site}&from={yesterday}&to={yesterday}",
        headers=_auth(admin_token),
    ).get_json()
    assert earlier["totals"]["conversations"] == 0 and earlier["csat"]["rate"] is None


def test_switched_off_the_api_and_dashboard_are_gone(
    analytics_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    h = _auth(admin_token)
    assert chinwag_client.get("/api/v1/analytics/summary", headers=h).status_code == 200
    page = chinwag_client.get(f"/api/v1/admin-pages/{PLUGIN}/dashboard?from=soon", headers=h)
    assert "Some filters were ignored (invalid: from)" in page.get_json()["html"]
    enable_plugin(analytics_app, PLUGIN, False)
    assert chinwag_client.get("/api/v1/analytics/summary", headers=h).status_code == 404
    res = chinwag_client.get(f"/api/v1/admin-pages/{PLUGIN}/dashboard", headers=h)
    assert res.status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_survey_answered_in_chinwag_feedback_is_the_csat(
    analytics_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., Any],
) -> None:
    enable_plugin(analytics_app, "chinwag-feedback")
    visitor = visitor_client()
    assert visitor.send("hello")["ok"]
    visitor.wait_for_reply()
    assert visitor.close_conversation()["ok"]
    ack = visitor.submit(visitor.wait_for_prompt("feedback.survey"), score="5")
    assert ack["ok"], ack
    deliver_analytics(analytics_app)
    s = chinwag_client.get(
        f"/api/v1/analytics/summary?site_id={demo_site['id']}", headers=_auth(admin_token)
    ).get_json()
    assert s["csat"] == {"answered": 1, "satisfied": 1, "rate": 1.0}
    assert s["bot_resolution_rate"] == 1.0
