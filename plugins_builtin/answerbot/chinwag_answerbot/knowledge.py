"""The one place the bot reads the knowledge base: chinwag-kb's documented search API,
``chinwag_kb.search(ctx, site_id, query, *, locale=None, limit=5) -> list[Hit]``.

Only published articles are ever returned by it, so every answer quotes a real article.
"""

from __future__ import annotations

from dataclasses import dataclass

import chinwag_kb
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


def _hit(raw: chinwag_kb.Hit) -> Passage:
    return Passage(
        article_id=raw.article_id,
        title=raw.title,
        url=raw.url,
        summary=raw.summary or "",
        passage=raw.snippet or "",
        score=raw.score,
    )


def search(ctx: PluginContext, site_id: int, query: str, limit: int = 3) -> list[Passage]:
    """The best published passages for ``query`` on ``site_id``, best first (score 0..1).

    A knowledge base that fails finds nothing: the bot then says it is not sure and offers a
    person, rather than going silent."""
    try:
        hits = chinwag_kb.search(ctx, site_id, query, limit=limit)
    except Exception:
        ctx.logger.exception("knowledge base search failed for site %s", site_id)
        return []
    # kb's order is the ranking (fused with semantic search when chinwag-kb-semantic is on,
    # where the order is not by score): keep it
    return [_hit(h) for h in hits]
