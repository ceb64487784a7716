"""The one place the bot reads the knowledge base: chinwag-kb's documented search API,
``chinwag_kb.search(ctx, site_id, query, *, locale=None, limit=5) -> list[Hit]``.

Only published articles are ever returned by it, so every answer quotes a real article.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from chinwag_plugin_api import PluginContext


@dataclass(frozen=True)
class Passage:
    """What the bot needs of one search hit."""

    article_id: int
    title: str
    url: str
    summary: str
    passage: str
    score: float


def _hit(raw: Any) -> Passage:
    return Passage(
        article_id=int(raw.article_id),
        title=str(raw.title),
        url=str(raw.url),
        summary=str(raw.summary or ""),
        passage=str(raw.passage or ""),
        score=float(raw.score),
    )


def search(ctx: PluginContext, site_id: int, query: str, limit: int = 3) -> list[Passage]:
    """The best published passages for ``query`` on ``site_id``, best first (score 0..1)."""
    kb = importlib.import_module("chinwag_kb")
    hits = kb.search(ctx, site_id, query, limit=limit)
    return sorted((_hit(h) for h in hits), key=lambda p: -p.score)
