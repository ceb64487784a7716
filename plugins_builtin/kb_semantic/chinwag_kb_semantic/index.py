"""Computing and keeping the article embeddings: jobs on the job queue, never in a request.

``embed_articles`` is the job chinwag-kb's save hook queues (through :class:`Semantic`); the
``chinwag kb-semantic reindex`` command queues it for every article of a site. It is idempotent:
a published article gets (or replaces) its vector, any other id (a draft, a deleted article)
loses it.
"""

from __future__ import annotations

from collections.abc import Sequence

from chinwag_kb.models import Article, ArticleSite
from chinwag_plugin_api import PluginContext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chinwag_kb_semantic import cache
from chinwag_kb_semantic.embed import MODEL, article_text, embed
from chinwag_kb_semantic.models import Vector, utcnow

#: articles embedded per job (about 50 ms of model time and 100 KB of vectors)
BATCH = 200


def embed_articles(ctx: PluginContext, article_ids: Sequence[int]) -> None:
    """The job: (re)embed the published articles among ``article_ids``, drop the others'
    vectors. Commits itself, then drops this process's cached matrix (a reload before the
    commit would keep the old vectors for a while)."""
    write(ctx.db_session, article_ids)
    ctx.db_session.commit()
    cache.forget()


def write(session: Session, article_ids: Sequence[int]) -> int:
    """Embed and store now; returns how many vectors were written. The caller commits, then
    calls :func:`chinwag_kb_semantic.cache.forget`."""
    ids = sorted(set(article_ids))
    if not ids:
        return 0
    articles = list(
        session.execute(
            select(Article).where(Article.id.in_(ids), Article.status == "published")
        ).scalars()
    )
    keep = {a.id for a in articles}
    session.execute(
        delete(Vector)
        .where(Vector.article_id.in_([i for i in ids if i not in keep]))
        .execution_options(synchronize_session=False)
    )
    if not articles:
        return 0
    vectors = embed(
        [article_text(a.title, a.tags or [], a.summary or "", a.body or "") for a in articles]
    )
    now = utcnow()
    for article, vector in zip(articles, vectors, strict=True):
        session.merge(
            Vector(article_id=article.id, model=MODEL, vector=vector.tobytes(), embedded_at=now)
        )
    session.flush()
    return len(articles)


def queue(ctx: PluginContext, article_ids: Sequence[int]) -> int:
    """Queue :func:`embed_articles` in batches of :data:`BATCH`; returns the number of jobs."""
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), BATCH):
        ctx.run_in_background(embed_articles, ctx, ids[start : start + BATCH])
    return (len(ids) + BATCH - 1) // BATCH


def site_article_ids(session: Session, site_id: int | None) -> list[int]:
    """Every article shown on ``site_id`` (every article when None), drafts too (their stale
    vectors are dropped by the job)."""
    stmt = select(Article.id)
    if site_id is not None:
        stmt = stmt.join(ArticleSite, ArticleSite.article_id == Article.id).where(
            ArticleSite.site_id == site_id
        )
    return list(session.execute(stmt).scalars())
