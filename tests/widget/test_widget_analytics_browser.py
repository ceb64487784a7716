"""The widget's own analytics reports in Chromium (docs/analytics.md): a visitor opens the chat
with the keyboard, agrees, closes it with Escape, and a third-party sink (chinwag.testing's
``analytics`` capture) gets ``widget.opened`` and ``widget.closed`` with the catalogue's
properties; the page view itself (``widget.loaded``, counted by the server when it served the
frame, of no visitor) reaches only a first-party sink, as the site requires consent. After the
visitor withdraws consent, opening and closing again reaches only the first-party sink.

The same visits with a plugin declaring ``HostPageEvents`` (docs/widget-features.md): the host
page's ``dataLayer`` gets the frame's events through the loader while the visitor consents,
nothing while consent is withdrawn (nor a message the page posts to itself), and again once it
is granted, with a conversation started and a message sent."""

from __future__ import annotations

from typing import Any, ClassVar

from chinwag_plugin_api import (
    AnalyticsEvent,
    AnalyticsSink,
    Feature,
    HostPageEvents,
    PluginContext,
    WidgetFeatures,
)
from test_widget_consent_browser import Served, _until, consent_site, served_app  # noqa: F401
from widget_helpers import chat_frame, launcher, launcher_focused

from chinwag.testing import CapturedAnalytics, register_plugin

OWN = ("widget.loaded", "widget.opened", "widget.closed")


def _first_party(app: Any) -> CapturedAnalytics:
    """A first-party sink's capture: it gets events of visitors without consent too."""
    captured = CapturedAnalytics(app=app)

    class OwnSink(AnalyticsSink):
        first_party: ClassVar[bool] = True

        def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
            captured.events.append(event)

    register_plugin(app, "own-analytics", OwnSink)
    return captured


class _PushesToTheHostPage(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> list[Feature]:
        return [HostPageEvents(prefix="chinwag_")]


def _server_log(monkeypatch: Any) -> list[tuple[str, Any]]:
    """What the server answered the frame, in order: its ``widget.track`` reports and its
    consent reads (``consent.update {}``, which the host-events chunk sends for each event)."""
    from chinwag import actions, consent

    log: list[tuple[str, Any]] = []
    track, state_of = actions.track_widget, consent.state_of

    def tracked(actor: Any, name: str, props: Any) -> Any:
        out = track(actor, name, props)
        log.append(("track", name))
        return out

    def read(visitor: Any) -> Any:
        out = state_of(visitor)
        log.append(("consent", out["purposes"].get("analytics")))
        return out

    monkeypatch.setattr(actions, "track_widget", tracked)
    monkeypatch.setattr(consent, "state_of", read)
    return log


def _data_layer(page: Any, n: int) -> list[tuple[str, list[str]]]:
    """The host page's dataLayer once it has ``n`` entries: (event, property names)."""
    page.wait_for_function(f"() => (window.dataLayer || []).length >= {n}", polling=100)
    pushed = page.evaluate("() => window.dataLayer")
    return [(p["event"], sorted(p["chinwag"])) for p in pushed]


def _own(events: list[AnalyticsEvent]) -> list[tuple[str, dict[str, Any]]]:
    return [(e.name, dict(e.properties)) for e in events if e.name in OWN]


def test_open_and_close_with_the_keyboard_reach_the_sinks_and_respect_consent(
    chinwag_app: Any,
    served_app: Served,  # noqa: F811
    host_page: Any,
    page: Any,
    analytics: CapturedAnalytics,
    monkeypatch: Any,
) -> None:
    from chinwag import consent
    from chinwag.extensions import db
    from chinwag.models import Visitor

    own = _first_party(chinwag_app)
    register_plugin(chinwag_app, "page-tags", _PushesToTheHostPage)
    log = _server_log(monkeypatch)
    site, host = consent_site(chinwag_app, served_app, host_page, "v1")

    page.goto(host.origin)
    launcher(page).focus()
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    box = frame.get_by_label("I agree")
    box.wait_for()
    frame.wait_for_function("() => document.activeElement.id === 'cw-consent'")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Start chat: the session starts, the frame connects
    frame.locator("#cw-input").wait_for()
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')"
    )
    assert launcher_focused(page)

    analytics.wait(3)  # widget.session_started, then the frame's two reports, in order
    got = _own(analytics.events)
    assert [name for name, _ in got] == ["widget.opened", "widget.closed"], analytics.names()
    assert got[0][1] == {"unread": 0}
    (seconds,) = got[1][1].values()
    assert list(got[1][1]) == ["seconds"] and 0 <= seconds < 600
    # the page view: one load, of no visitor, for the first party only (nobody consented yet)
    loads = [e for e in own.wait(4) if e.name == "widget.loaded"]
    assert [(e.visitor_id, e.distinct_id, dict(e.properties)) for e in loads] == [
        (None, None, {"mode": "frame"})
    ]
    with chinwag_app.app_context():
        visitor = db.session.execute(
            db.select(Visitor).where(Visitor.site_id == site["id"])
        ).scalar_one()
        visitor_id = visitor.id
        assert {e.visitor_id for e in analytics.events} == {visitor_id}
        consent.record(visitor, {"analytics": False}, "api")  # withdrawn
        db.session.commit()
    before = len(own.wait(4))
    mark = len(log)

    # without consent: open and close again, keys only; only the first-party sink hears it
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    page.keyboard.press("Escape")
    later = own.wait(before + 2)[before:]
    assert [(e.name, e.visitor_id) for e in later] == [
        ("widget.opened", visitor_id),
        ("widget.closed", visitor_id),
    ]
    analytics.drain()
    assert len(_own(analytics.events)) == 2, analytics.names()
    # the host page's dataLayer: the first visit's two events, with their properties
    first = [("chinwag_widget_opened", ["unread"]), ("chinwag_widget_closed", ["seconds"])]
    assert _data_layer(page, 2) == first

    # without consent nothing was pushed: the frame read the visitor's consent after each of
    # the second visit's reports (and each answer reached it before anything said later)
    def settled() -> bool:
        part = log[mark:]
        if ("track", "closed") not in part:
            return False
        after_open = part[part.index(("track", "opened")) :]
        after_close = part[part.index(("track", "closed")) :]
        return after_open.count(("consent", False)) >= 2 and ("consent", False) in after_close

    _until(page, settled)
    # a message the page posts to itself is not the frame's: the loader ignores it
    page.evaluate("() => window.postMessage({type: 'chinwag:v1:dl', push: {event: 'forged'}}, '*')")

    # consent granted again: the third visit is pushed, with the conversation it starts
    with chinwag_app.app_context():
        consent.record(db.session.get(Visitor, visitor_id), {"analytics": True}, "api")
        db.session.commit()
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    frame.get_by_text("hello", exact=True).wait_for()
    page.keyboard.press("Escape")
    assert _data_layer(page, 6) == [
        *first,
        ("chinwag_widget_opened", ["unread"]),
        ("chinwag_conversation_started", ["conversation_id"]),
        ("chinwag_message_sent", ["author_kind", "conversation_id"]),
        ("chinwag_widget_closed", ["seconds"]),
    ]
    sent = page.evaluate("() => window.dataLayer[4].chinwag")
    assert sent["author_kind"] == "visitor" and isinstance(sent["conversation_id"], int)
