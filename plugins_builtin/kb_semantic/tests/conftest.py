"""Fixtures of chinwag-kb-semantic's tests: articles written through chinwag-kb's admin API (so
its save hook queues the embedding jobs, as in production)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from chinwag.testing import enable_plugin

SEMANTIC = "chinwag-kb-semantic"


@pytest.fixture
def write_article(
    chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> Callable[..., int]:
    """-> ``write_article(title, body, **fields) -> id``: a published article on the demo site."""

    def write(title: str, body: str = "", **fields: Any) -> int:
        data = {"title": title, "body": body, "status": "published", "sites": [demo_site["id"]]}
        data.update(fields)
        res = chinwag_client.post(
            "/api/v1/kb/articles", json=data, headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert res.status_code == 201, res.get_json()
        return int(res.get_json()["id"])

    return write


@pytest.fixture
def semantic_on(chinwag_app: Any) -> None:
    """chinwag-kb-semantic switched on (it is off by default)."""
    enable_plugin(chinwag_app, SEMANTIC)
