"""The dashboard's "loaded, then a conversation": every page the chat is served to counts as a
load, also where the visitor never opens it (no session), also on a site that requires consent
(this sink is first-party), so conversations ÷ loads is the widget's real conversion; the same
address served again within 30 s is the same load (a script cannot inflate them); and the
funnel loaded -> opened -> a conversation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chinwag_analytics.routes import to_csv
from chinwag_analytics.sink import AggregatingSink
from chinwag_plugin_api import AnalyticsEvent

from chinwag.testing import create_site, deliver_analytics, plugin_context

PLUGIN = "chinwag-analytics"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _summary(client: Any, token: str, site_id: int) -> dict[str, Any]:
    res = client.get(f"/api/v1/analytics/summary?site_id={site_id}", headers=_auth(token))
    assert res.status_code == 200, res.get_json()
    return dict(res.get_json())


def test_page_views_without_a_session_make_the_load_to_conversation_rate(
    analytics_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., Any],
) -> None:
    key = demo_site["site_key"]
    for n in range(3):  # three page views whose visitors never open the chat
        for _again in range(2):  # the same address again within the window: the same load
            res = chinwag_client.get(
                f"/widget/frame/{key}?host=https://shop.example",
                environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"},
            )
            assert res.status_code == 200
    assert chinwag_client.get(f"/chat/{key}").status_code == 200  # the full-page chat
    assert chinwag_client.get(f"/chat/{key}?preview=1").status_code == 200  # not a page view
    visitor = visitor_client()  # one who chats (their frame load is among the four above)
    assert visitor.send("hello")["ok"]
    visitor.wait_for_reply()
    deliver_analytics(analytics_app)

    s = _summary(chinwag_client, admin_token, demo_site["id"])
    assert s["totals"]["widget_loaded"] == 4 and s["days"][-1]["widget_loaded"] == 4
    assert s["totals"]["conversations"] == 1
    assert s["load_to_conversation_rate"] == 0.25
    page = chinwag_client.get(
        f"/api/v1/admin-pages/{PLUGIN}/dashboard?site_id={demo_site['id']}",
        headers=_auth(admin_token),
    ).get_json()
    assert 'data-metric="load_to_conversation_rate">25%' in page["html"]
    assert "the chat loaded on 4 pages" in page["html"]


def test_loads_on_a_site_that_requires_consent_are_counted_here(
    analytics_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    site = create_site(analytics_app, "Strict", ("https://strict.example",))
    res = chinwag_client.patch(
        f"/api/v1/sites/{site['id']}",
        json={"widget_settings": {"consent_required": True, "consent_version": "v1"}},
        headers=_auth(admin_token),
    )
    assert res.status_code == 200, res.get_json()
    url = f"/widget/frame/{site['site_key']}?host=https://strict.example"
    assert chinwag_client.get(url).status_code == 200
    deliver_analytics(analytics_app)
    s = _summary(chinwag_client, admin_token, site["id"])
    assert s["totals"]["widget_loaded"] == 1
    assert s["load_to_conversation_rate"] == 0.0


def test_the_funnel_loaded_opened_conversation(
    analytics_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    """Loaded -> opened -> a conversation: the API's rates, the page's funnel (a chart hidden
    from screen readers and its table) and the CSV's rows."""
    site = demo_site["id"]
    when = datetime.now(UTC)
    events = [AnalyticsEvent("widget.loaded", site, None, {"mode": "frame"}, when)] * 8
    events += [AnalyticsEvent("widget.opened", site, 7, {"unread": 0}, when)] * 4
    events += [AnalyticsEvent("conversation.started", site, 7, {"conversation_id": 9}, when)]
    with analytics_app.test_request_context():
        AggregatingSink().track_batch(plugin_context(analytics_app, PLUGIN), events)

    s = _summary(chinwag_client, admin_token, site)
    assert (s["totals"]["widget_loaded"], s["totals"]["widget_opened"]) == (8, 4)
    assert s["load_to_open_rate"] == 0.5
    assert s["open_to_conversation_rate"] == 0.25
    assert s["load_to_conversation_rate"] == 0.125
    page = chinwag_client.get(
        f"/api/v1/admin-pages/{PLUGIN}/dashboard?site_id={site}", headers=_auth(admin_token)
    ).get_json()["html"]
    assert 'data-metric="load_to_open_rate">50%' in page
    funnel = page[page.index("<caption>Funnel (table view)") :].split("</table>")[0]
    rows = re.findall(r'<tr><th scope="row">(\w+)</th><td>(\d+)</td><td>([^<]+)</td></tr>', funnel)
    assert rows == [("Loaded", "8", "-"), ("Opened", "4", "50%"), ("Conversation", "1", "25%")]
    assert "load_to_open_rate,0.5" in to_csv(s).splitlines()
