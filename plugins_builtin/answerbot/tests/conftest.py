"""Fixtures of the answer bot's tests: the bot and chinwag-kb enabled, with articles written
through the knowledge base's own admin API (the bot reads them only through its search API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from answerbot_testkit import ALWAYS_OPEN, ARTICLES

from chinwag.testing import configure_plugin, enable_plugin


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
