"""``widget.loaded`` is counted by the server when it serves the chat (docs/analytics.md): a page
view whose visitor never opens the chat (no session, no connection) counts, names no visitor,
sets no cookie, reaches third-party sinks only where the site does not require consent, and the
designer's previews and refused origins count nothing. The frame's own ``loaded`` report (older
frames) is accepted and dropped, so no load counts twice."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, PluginContext

from chinwag.testing import CapturedAnalytics, create_site, deliver_analytics, register_plugin

pytestmark = pytest.mark.filterwarnings("ignore")
HOST = "https://shop.example"


class OwnSink(AnalyticsSink):
    """A first-party sink: it gets events of visitors without consent too."""

    first_party: ClassVar[bool] = True
    got: ClassVar[list[AnalyticsEvent]] = []

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        self.got.append(event)


@pytest.fixture
def own(chinwag_app: Any) -> list[AnalyticsEvent]:
    OwnSink.got = []
    register_plugin(chinwag_app, "own-analytics", OwnSink)
    return OwnSink.got


def _loads(events: list[AnalyticsEvent]) -> list[AnalyticsEvent]:
    return [e for e in events if e.name == "widget.loaded"]


def _settings(app: Any, site_id: int, **settings: Any) -> None:
    from chinwag.extensions import db
    from chinwag.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id)
        site.widget_settings = {**(site.widget_settings or {}), **settings}
        db.session.commit()


def test_a_page_view_without_a_session_is_counted_once_of_no_visitor(
    chinwag_app: Any,
    chinwag_client: Any,
    demo_site: dict[str, Any],
    analytics: CapturedAnalytics,
    own: list[AnalyticsEvent],
) -> None:
    key = demo_site["site_key"]
    frame = chinwag_client.get(f"/widget/frame/{key}?host={HOST}")
    assert frame.status_code == 200
    assert "Set-Cookie" not in frame.headers
    page = chinwag_client.get(f"/chat/{key}")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    analytics.drain()

    for events in (own, analytics.events):  # no consent required: every sink gets them
        loads = _loads(events)
        assert [dict(e.properties) for e in loads] == [{"mode": "frame"}, {"mode": "page"}]
        assert {(e.site_id, e.visitor_id, e.distinct_id) for e in loads} == {
            (demo_site["id"], None, None)
        }
    assert [e.name for e in analytics.events] == ["widget.loaded", "widget.loaded"]


def test_previews_refused_origins_and_the_frames_own_report_count_nothing(
    chinwag_app: Any,
    chinwag_client: Any,
    demo_site: dict[str, Any],
    own: list[AnalyticsEvent],
    visitor_client: Any,
) -> None:
    key = demo_site["site_key"]
    assert chinwag_client.get(f"/chat/{key}?preview=1").status_code == 200
    refused = chinwag_client.get(f"/widget/frame/{key}?host=https://evil.example")
    assert refused.status_code == 403
    # Chinwag's own origin (the designer's draft launcher) may frame it: never a page view
    assert chinwag_client.get(f"/widget/frame/{key}?host=http://localhost").status_code == 200
    assert chinwag_client.get("/widget/frame/pk_nope?host=https://shop.example").status_code == 404
    visitor = visitor_client()
    ack = visitor.emit("widget.track", {"name": "loaded", "properties": {"mode": "frame"}})
    assert ack["ok"], ack
    deliver_analytics(chinwag_app)
    assert _loads(own) == []


def test_on_a_site_that_requires_consent_only_first_party_sinks_get_loads(
    chinwag_app: Any,
    chinwag_client: Any,
    analytics: CapturedAnalytics,
    own: list[AnalyticsEvent],
    admin_token: str,
) -> None:
    strict = create_site(chinwag_app, "Strict", (HOST,))
    _settings(chinwag_app, strict["id"], consent_required=True, consent_version="v1")
    open_site = create_site(chinwag_app, "Open", ("https://blog.example",))
    chinwag_client.get(f"/widget/frame/{strict['site_key']}?host={HOST}")
    chinwag_client.get(f"/widget/frame/{open_site['site_key']}?host=https://blog.example")
    analytics.drain()

    # two sites' events travel in two lanes of the bus: their order is not kept between them
    assert sorted(e.site_id for e in _loads(own)) == sorted([strict["id"], open_site["id"]])
    assert [e.site_id for e in _loads(analytics.events)] == [open_site["id"]]
    res = chinwag_client.get(
        "/api/v1/plugins/captured-analytics", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.get_json()["health"]["analytics"]["withheld"] == 1
