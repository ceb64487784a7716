"""chinwag-kb's search extension: cosine similarity of the query to the article vectors.

The vector matrix and each site's visible articles are kept per process (:mod:`.cache`: dropped
on kb's saves, re-checked every few seconds for other processes' writes), so a query costs one
embedding and one matrix product over the site's rows, and no database read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from chinwag_kb import SearchExtension
from chinwag_kb.models import Article, ArticleSite
from chinwag_plugin_api import PluginContext
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from chinwag_kb_semantic import cache
from chinwag_kb_semantic.embed import embed
from chinwag_kb_semantic.index import queue

NAME = "chinwag-kb-semantic"
#: cosine similarity mapped linearly to kb's 0..1 confidence (FLOOR -> 0, CEILING -> 1).
#: Set on the sample knowledge base's articles, not on its questions: an article's title against
#: the 34 other articles has a cosine of at most 0.48 in 99 % of pairs (mapped to 0.45, under
#: the answer bot's 0.5), against its own article a median of 0.67 (mapped to 0.75, kb's median
#: correct answer) (docs/kb-eval.md)
FLOOR = 0.195
CEILING = 0.828


def visible_ids(session: Session, site_id: int, locale: str | None) -> NDArray[np.int64]:
    """Published articles shown on the site (in ``locale``'s language first, as kb does)."""
    stmt = (
        select(Article.id)
        .join(ArticleSite, ArticleSite.article_id == Article.id)
        .where(ArticleSite.site_id == site_id, Article.status == "published")
    )
    language = language_of(locale)
    if language:
        local = session.execute(
            stmt.where((Article.locale == language) | Article.locale.like(f"{language}-%"))
        ).scalars()
        found = np.fromiter(local, dtype=np.int64)
        if len(found):
            return found
    return np.fromiter(session.execute(stmt).scalars(), dtype=np.int64)


def language_of(locale: str | None) -> str:
    """``"pt"`` of ``"pt-BR"``, ``"pt_BR"`` or ``"PT"``; ``""`` for none."""
    return (locale or "").split("-")[0].split("_")[0].lower()


def confidence(cosine: float) -> float:
    """A cosine similarity as kb's 0..1 score."""
    return float(min(1.0, max(0.0, (cosine - FLOOR) / (CEILING - FLOOR))))


def similar(
    session: Session, site_id: int, query: str, locale: str | None, limit: int
) -> list[tuple[int, float]]:
    """``(article id, cosine)`` of the nearest visible articles, best first."""
    matrix = cache.matrix(session)
    if not len(matrix.ids):
        return []
    rows = cache.visible_rows(
        session, matrix, site_id, language_of(locale),
        lambda: visible_ids(session, site_id, locale),
    )  # fmt: skip
    if not len(rows):
        return []
    ids, query_vector = matrix.ids[rows], embed([query])[0]
    # a small site: copy its rows; a large share of the matrix: one product over all of it
    if 2 * len(rows) < len(matrix.ids):
        sims = matrix.vectors[rows] @ query_vector
    else:
        sims = (matrix.vectors @ query_vector)[rows]
    top = np.argsort(-sims, kind="stable")[:limit]
    return [(int(ids[i]), float(sims[i])) for i in top]


# mypy sees chinwag-kb's editable install as an untyped module (Any), as for the answer bot
class Semantic(SearchExtension):  # type: ignore[misc]
    """Ranks a site's articles by meaning; kb fuses it with its full text."""

    distribution = NAME

    def rank(
        self, ctx: PluginContext, site_id: int, query: str, *, locale: str | None, limit: int
    ) -> list[tuple[int, float]]:
        return [
            (aid, confidence(cos))
            for aid, cos in similar(ctx.db_session, site_id, query, locale, limit)
        ]

    def articles_saved(self, ctx: PluginContext, article_ids: Sequence[int]) -> None:
        cache.forget()  # statuses and sites may have changed: read them again
        queue(ctx, article_ids)
