"""Fixtures of the answer bot's tests: the bot and chinwag-kb enabled, with articles written
through the knowledge base's own admin API (the bot reads them only through its search API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chinwag.testing import configure_plugin, enable_plugin

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN = {d: "00:00-24:00" for d in DAYS}
NEVER_OPEN: dict[str, str] = {}

ARTICLES = [
    {
        "title": "Reset your password",
        "slug": "reset-password",
        "summary": "Forgot your password? Get a reset link by email.",
        "body": "On the sign-in page choose **Forgot password?** and enter the email address of "
        "your account.\n\nWe email you a reset link within a minute. The link works once and "
        "expires after one hour.",
        "tags": ["account", "login"],
        "status": "published",
    },
    {
        "title": "Change your email address",
        "slug": "change-email",
        "summary": "Use another email address for your account.",
        "body": "Open Settings, choose Profile and type the new email address; we confirm it by "
        "sending a link to the new address.",
        "tags": ["account"],
        "status": "published",
    },
    {
        "title": "Our secret roadmap",
        "slug": "roadmap",
        "summary": "Draft: never shown.",
        "body": "Shipping parcels to Mars next year.",
        "status": "draft",
    },
]


@pytest.fixture
def add_articles(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> Callable[[int, list[dict[str, Any]]], None]:
    """-> ``add_articles(site_id, articles)``: imports them with chinwag-kb's admin API."""
    enable_plugin(chinwag_app, "chinwag-kb")

    def add(site_id: int, articles: list[dict[str, Any]]) -> None:
        res = chinwag_client.post(
            "/api/v1/kb/import",
            json={"articles": [{**a, "sites": [site_id]} for a in articles]},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert res.status_code in (200, 201), res.get_json()

    return add


@pytest.fixture
def bot(chinwag_app: Any, add_articles: Any, demo_site: dict[str, Any]) -> Any:
    """The installed answer bot, enabled, always within office hours, with the articles above."""
    add_articles(demo_site["id"], ARTICLES)
    enable_plugin(chinwag_app, "chinwag-answerbot")
    configure_plugin(chinwag_app, "chinwag-answerbot", hours=ALWAYS_OPEN)
    return chinwag_app
