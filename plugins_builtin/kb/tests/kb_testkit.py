"""Helpers of the knowledge base's tests: write articles through the plugin's own service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from chinwag_kb.frontmatter import load_folder
from chinwag_kb.service import import_articles, save_article
from flask import Flask

from chinwag.testing import plugin_context

NAME = "chinwag-kb"
SAMPLE = Path(__file__).parent / "sample_kb"


def add_article(app: Flask, site_id: int, **fields: Any) -> int:
    """Create a published article shown on ``site_id``; return its id."""
    data: dict[str, Any] = {
        "summary": "",
        "body": "",
        "tags": [],
        "locale": "en",
        "status": "published",
    }
    data.update(fields)
    data.setdefault("sites", [site_id])
    with app.app_context():
        ctx = plugin_context(app, NAME)
        article = save_article(ctx.db_session, data)
        ctx.db_session.commit()
        return int(article.id)


def add_articles(app: Flask, site_id: int, items: Iterable[Mapping[str, Any]]) -> None:
    with app.app_context():
        ctx = plugin_context(app, NAME)
        import_articles(ctx.db_session, [{**i, "sites": [site_id]} for i in items])
        ctx.db_session.commit()


def load_sample(app: Flask, site_id: int) -> None:
    """The sample knowledge base of tests/sample_kb, published on ``site_id``."""
    add_articles(app, site_id, load_folder(SAMPLE))
