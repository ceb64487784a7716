"""Consent withdrawn from the open widget (docs/privacy.md), in Chromium: a visitor accepts the
site's consent text, later withdraws it in the Privacy tab with the keyboard only, and no
analytics event of theirs after the withdrawal reaches a third-party sink (chinwag.testing's
``analytics`` capture, on an app served in this process)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from widget_helpers import chat_frame, launcher

from chinwag.testing import CapturedAnalytics, create_site


@dataclass
class Served:
    url: str
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def served_app(chinwag_app: Any, widget_build: dict[str, Any]) -> Iterator[Served]:
    """``chinwag_app`` (threading mode) on a real port, so a browser talks to the same app the
    test's ``analytics`` capture listens to."""
    server = make_server("127.0.0.1", 0, chinwag_app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    chinwag_app.config["CHINWAG_PUBLIC_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(url)
    server.shutdown()
    thread.join(timeout=10)


def consent_site(
    app: Any, server: Served, host_page: Any, version: str, **settings: Any
) -> tuple[Any, Any]:
    """A new site served to a host page, requiring consent to ``version`` of its text, with
    more widget ``settings`` (e.g. ``consent_purposes``): (the site, the host page)."""
    from chinwag.extensions import db
    from chinwag.models import Site

    server.extra["site"] = site = create_site(app)
    host = host_page(server)
    with app.app_context():
        row = db.session.get(Site, site["id"])
        row.allowed_origins = [server.url, host.origin]
        row.widget_settings = {
            "consent_required": True,
            "consent_version": version,
            "consent_text": "We share usage statistics with our analytics provider.",
            **settings,
        }
        db.session.commit()
    return site, host


def agree_and_chat(app: Any, page: Any, host: Any, site_id: int, text: str) -> tuple[Any, Any, int]:
    """Open the widget on ``host``, tick every consent box ("I agree", or one per purpose),
    start the chat and send ``text``: (the chat frame, its composer, the new visitor's id)."""
    from chinwag.extensions import db
    from chinwag.models import Visitor

    page.goto(host.origin)
    launcher(page).click()
    frame = chat_frame(page)
    boxes = frame.locator(".cw-consent input[type=checkbox]")
    boxes.first.wait_for()
    for box in boxes.all():
        box.check()
    frame.get_by_role("button", name="Start chat").click()
    composer = frame.locator("#cw-input")
    composer.wait_for()
    composer.fill(text)
    composer.press("Enter")
    with app.app_context():
        visitor_id = db.session.execute(
            db.select(Visitor.id).where(Visitor.site_id == site_id)
        ).scalar_one()
    return frame, composer, int(visitor_id)


def press_until(page: Any, frame: Any, key: str, probe: str, wanted: str, tries: int = 12) -> None:
    """Press ``key`` until the frame's ``probe`` (a JS expression on the focused element) reads
    ``wanted``: keyboard-only navigation, bounded."""
    for _ in range(tries):
        if frame.evaluate(f"() => document.activeElement.{probe}") == wanted:
            return
        page.keyboard.press(key)
    assert frame.evaluate(f"() => document.activeElement.{probe}") == wanted


def _visitor_events(analytics: CapturedAnalytics, visitor_id: int) -> list[str]:
    return [e.name for e in analytics.events if e.visitor_id == visitor_id]


def _messages(app: Any, visitor_id: int) -> int:
    from sqlalchemy import func, select

    from chinwag.extensions import db
    from chinwag.models import Conversation, Message

    with app.app_context():
        return int(
            db.session.execute(
                select(func.count())
                .select_from(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.visitor_id == visitor_id, Message.author_kind == "visitor")
            ).scalar_one()
        )


def _withheld(app: Any) -> int:
    """Events the capture sink was refused for want of consent (counted when collected)."""
    from chinwag.actions import analytics as pipeline

    app.extensions["chinwag"].bus.wait_idle()
    with app.app_context():
        return pipeline.health(["captured-analytics"])["captured-analytics"]["withheld"]


def _until(page: Any, condition: Any, tries: int = 1200) -> None:
    for _ in range(tries):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("condition never held")


def test_a_visitor_withdraws_consent_with_the_keyboard_and_analytics_stop(
    chinwag_app: Any, served_app: Served, host_page: Any, page: Any, analytics: CapturedAnalytics
) -> None:
    from chinwag.consent import history

    site, host = consent_site(chinwag_app, served_app, host_page, "2026-12")
    frame, composer, visitor_id = agree_and_chat(
        chinwag_app, page, host, site["id"], "Hello, I agreed"
    )

    def delivered(name: str) -> bool:
        analytics.drain()
        return name in _visitor_events(analytics, visitor_id)

    _until(page, lambda: delivered("message.sent"))  # with consent, the sink gets them

    # withdraw from the open widget, keys only: the Privacy tab, its checkbox, Save
    tab = frame.get_by_role("button", name="Privacy")
    tab.wait_for()
    composer.focus()
    press_until(page, frame, "Shift+Tab", "textContent", "Privacy")
    page.keyboard.press("Enter")
    box = frame.get_by_label("Analytics shared with third parties")
    box.wait_for()
    frame.wait_for_function(
        "() => document.querySelector('input[name=cw-consent-analytics]').checked"
    )
    press_until(page, frame, "Tab", "name", "cw-consent-analytics", tries=6)
    page.keyboard.press("Space")
    assert not box.is_checked()
    page.keyboard.press("Tab")
    assert frame.evaluate("() => document.activeElement.textContent") == "Save"
    page.keyboard.press("Enter")
    frame.get_by_role("status").filter(has_text="Saved.").wait_for()
    with chinwag_app.app_context():
        records = history(visitor_id)
    assert [(r["granted"], r["source"], r["version"]) for r in records] == [
        (True, "widget", "2026-12"),
        (False, "widget", "2026-12"),
    ]
    seen = len(_visitor_events(analytics, visitor_id))

    # after the withdrawal: a host-page event and a message; each is withheld, none delivered
    withheld = _withheld(chinwag_app)
    page.evaluate("() => Chinwag('track', 'plan.viewed', {plan: 'pro'})")
    _until(page, lambda: _withheld(chinwag_app) > withheld)
    frame.get_by_role("button", name="Messages").click()
    composer.wait_for()
    composer.fill("Still here, no consent")
    composer.press("Enter")
    _until(page, lambda: _messages(chinwag_app, visitor_id) == 2)
    _until(page, lambda: _withheld(chinwag_app) > withheld + 1)
    analytics.drain()
    assert len(_visitor_events(analytics, visitor_id)) == seen, _visitor_events(
        analytics, visitor_id
    )
