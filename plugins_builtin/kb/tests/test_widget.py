"""The widget side over a real Socket.IO test client: the declared features, the Help tab's
views and the suggestions while typing; switched off, they go. SQLite only: the database
does not change what the widget gets (search itself runs on both in test_search.py)."""

from __future__ import annotations

from typing import Any

import pytest
from kb_testkit import add_article

from chinwag.testing import configure_plugin, enable_plugin

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _kinds(session: dict[str, Any]) -> list[str]:
    return sorted(
        f["type"]
        for f in session["features"]["features"]
        if str(f.get("event", "")).startswith("kb.")
    )


def _texts(components: list[dict[str, Any]]) -> list[str]:
    return [c.get("text", "") for c in components if c["type"] == "text"]


def test_help_tab_browse_search_read(
    chinwag_app: Any, demo_site: dict[str, Any], visitor_client: Any, analytics: Any
) -> None:
    site = demo_site["id"]
    add_article(chinwag_app, site, title="Reset your password", summary="Get a link by email.",
                body="Open Settings.\n\nChoose Security, then Reset password.")  # fmt: skip
    add_article(chinwag_app, site, title="Shipping times", body="Two to four days.")
    add_article(chinwag_app, site, title="Secret draft", status="draft")
    visitor = visitor_client()
    home = visitor.emit("kb.help", {"payload": {"view": "home"}})
    assert home["ok"], home
    kinds = [c["type"] for c in home["components"]]
    assert kinds == ["input", "submit", "list"]
    listing = home["components"][2]
    assert [i["title"] for i in listing["items"]] == ["Reset your password", "Shipping times"]
    found = visitor.emit("kb.help", {"payload": {"view": "search"}, "values": {"q": "pasword"}})
    items = found["components"][2]["items"]
    assert [i["title"] for i in items] == ["Reset your password"]
    article = visitor.emit("kb.help", {"payload": items[0]["action"]["payload"]})
    texts = _texts(article["components"])
    assert texts[:3] == ["Reset your password", "Get a link by email.", "Open Settings."]
    buttons = [c for c in article["components"] if c["type"] == "button"]
    assert buttons[0]["url"].endswith(f"/sites/{site}/articles/reset-your-password")
    assert buttons[1]["text"] == "Back to articles"
    # reading it is the catalogue's kb.article_viewed (docs/analytics.md), browsing is not
    (viewed,) = analytics.of("kb.article_viewed")
    assert viewed.visitor_id == visitor.visitor_id and viewed.site_id == site
    assert dict(viewed.properties) == {
        "conversation_id": None,
        "article_id": int(items[0]["action"]["payload"]["article"]),
    }
    nothing = visitor.emit("kb.help", {"payload": {"view": "search"}, "values": {"q": "zebra"}})
    assert "No article matches" in _texts(nothing["components"])[0]
    gone = visitor.emit("kb.help", {"payload": {"article": "999"}})
    assert _texts(gone["components"])[0] == "This article is no longer available."
    assert len(analytics.of("kb.article_viewed")) == 1  # no view of what is not there


def test_suggestions_while_typing(
    chinwag_app: Any, demo_site: dict[str, Any], visitor_client: Any
) -> None:
    site = demo_site["id"]
    for i in range(5):
        add_article(chinwag_app, site, title=f"Password help {i}", body="Reset password steps.")
    add_article(chinwag_app, site, title="Shipping times", body="Two to four days.")
    visitor = visitor_client()
    ack = visitor.emit("kb.suggest", {"text": "reset password"})
    assert len(ack["results"]) == 3  # at most three
    assert all(r["url"].startswith("http://localhost/api/v1/kb/sites/") for r in ack["results"])
    assert visitor.emit("kb.suggest", {"text": "hello there"})["results"] == []
    bad = visitor.emit("kb.suggest", {"text": "x" * 501})
    assert bad["ok"] is False and bad["error"]["code"] == "validation_error"


def test_features_follow_the_plugin_and_its_settings(
    chinwag_app: Any, demo_site: dict[str, Any], visitor_session: Any, visitor_client: Any
) -> None:
    # nothing to offer yet: no empty Help tab, no suggestions (a draft does not count)
    add_article(chinwag_app, demo_site["id"], title="Not yet", status="draft")
    assert _kinds(visitor_session()) == []
    add_article(chinwag_app, demo_site["id"], title="Shipping times", body="Two to four days.")
    assert _kinds(visitor_session()) == ["composer_assist", "panel_tab"]
    configure_plugin(chinwag_app, "chinwag-kb", suggest_while_typing=False)
    assert _kinds(visitor_session()) == ["panel_tab"]
    enable_plugin(chinwag_app, "chinwag-kb", False)
    assert _kinds(visitor_session()) == []
    refused = visitor_client().emit("kb.help", {"payload": {"view": "home"}})
    assert refused["ok"] is False and refused["error"]["code"] == "plugin_disabled"
