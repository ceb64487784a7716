"""The media plugin declares attachments as a widget feature: its upload endpoint, the types and
size the site accepts, and the event that swaps in a processed block; none on a site where
media is off, none while the plugin is disabled."""

from __future__ import annotations

from typing import Any

from media_testkit import set_settings


def _attachments(visitor_session: Any) -> list[dict[str, Any]]:
    features = visitor_session()["features"]["features"]
    return [f for f in features if f["type"] == "attachments"]


def test_attachments_declared_per_site(
    chinwag_client: Any, admin_token: str, demo_site: dict[str, Any], visitor_session: Any
) -> None:
    (feature,) = _attachments(visitor_session)
    assert feature["upload_url"] == "/api/v1/plugins/chinwag-media/uploads"
    assert "image/png" in feature["accept"] and feature["max_bytes"] == 25 * 1024 * 1024
    assert feature["updates_event"] == "media.updated" and feature["update_key"] == "media_id"

    site = str(demo_site["id"])
    set_settings(
        chinwag_client,
        admin_token,
        settings={"sites": {site: {"max_size_mb": 5, "allowed_types": ["image/png"]}}},
    )
    (feature,) = _attachments(visitor_session)
    assert feature["accept"] == ["image/png"] and feature["max_bytes"] == 5 * 1024 * 1024
    set_settings(chinwag_client, admin_token, settings={"sites": {site: {"enabled": False}}})
    assert _attachments(visitor_session) == []
    set_settings(chinwag_client, admin_token, settings={"sites": {}}, enabled=False)
    assert _attachments(visitor_session) == []
