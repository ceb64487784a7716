"""Writing articles: every save keeps a revision and reindexes, in the caller's transaction.

The routes, the admin page, the importers and the tests all write through :func:`save_article`,
so the index, the revision history and the site list cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from chinwag_plugin_api import PluginError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chinwag_kb.index import index_article, unindex_article
from chinwag_kb.models import Article, ArticleSite, Revision, utcnow
from chinwag_kb.text import fold


def slugify(title: str) -> str:
    """``"Reset your password!"`` -> ``"reset-your-password"`` (at most 80 characters)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")
    return slug[:80].strip("-") or "article"


def _free_slug(session: Session, wanted: str, article_id: int | None) -> str:
    slug, n = wanted, 1
    while True:
        found = session.execute(select(Article.id).where(Article.slug == slug)).scalar()
        if found is None or found == article_id:
            return slug
        n += 1
        slug = f"{wanted[:110]}-{n}"


def article_sites(session: Session, article_id: int) -> list[int]:
    rows = session.execute(
        select(ArticleSite.site_id).where(ArticleSite.article_id == article_id)
    ).scalars()
    return sorted(rows)


def save_article(
    session: Session,
    data: Mapping[str, Any],
    *,
    article: Article | None = None,
    author_id: int | None = None,
) -> Article:
    """Create (``article`` None) or update an article from validated ``ArticleIn`` data, keep
    the new revision and reindex. A slug taken by another article is refused on update and
    made unique on create. Flushes; the caller commits."""
    if article is None:
        slug = _free_slug(session, data.get("slug") or slugify(data["title"]), None)
        article = Article(version=0, created_at=utcnow())
        session.add(article)
    else:
        slug = data.get("slug") or article.slug
        if _free_slug(session, slug, article.id) != slug:
            raise PluginError("Another article has this slug.", "slug_taken", 409)
    article.slug = slug
    article.title = data["title"]
    article.summary = data.get("summary", "")
    article.body = data.get("body", "")
    article.tags = list(dict.fromkeys(data.get("tags", [])))
    article.locale = data.get("locale", "en")
    article.status = data.get("status", "draft")
    article.version = (article.version or 0) + 1
    article.author_id = author_id
    article.updated_at = utcnow()
    session.flush()
    sites = sorted(set(data.get("sites", [])))
    session.execute(delete(ArticleSite).where(ArticleSite.article_id == article.id))
    session.add_all(ArticleSite(article_id=article.id, site_id=s) for s in sites)
    session.add(
        Revision(
            article_id=article.id,
            version=article.version,
            title=article.title,
            summary=article.summary,
            body=article.body,
            tags=article.tags,
            locale=article.locale,
            status=article.status,
            sites=sites,
            author_id=author_id,
            created_at=article.updated_at,
        )
    )
    index_article(session, article)
    return article


def delete_article(session: Session, article: Article) -> None:
    unindex_article(session, article.id)
    session.delete(article)
    session.flush()


def as_dict(session: Session, article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "slug": article.slug,
        "author_id": article.author_id,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "tags": list(article.tags or []),
        "locale": article.locale,
        "status": article.status,
        "version": article.version,
        "sites": article_sites(session, article.id),
        "created_at": article.created_at,
        "updated_at": article.updated_at,
    }


def export_articles(session: Session) -> list[dict[str, Any]]:
    """Every article in the import format (``ArticleIn``), oldest first."""
    out = []
    for article in session.execute(select(Article).order_by(Article.id)).scalars():
        data = as_dict(session, article)
        out.append({k: data[k] for k in ("title", "slug", "summary", "body", "tags", "locale",
                                          "status", "sites")})  # fmt: skip
    return out


def import_articles(
    session: Session, items: Iterable[Mapping[str, Any]], author_id: int | None = None
) -> tuple[int, int]:
    """Create or update (matched by slug) each article; returns (created, updated)."""
    created = updated = 0
    for item in items:
        slug = item.get("slug") or slugify(item["title"])
        existing = session.execute(select(Article).where(Article.slug == slug)).scalar()
        save_article(session, {**item, "slug": slug}, article=existing, author_id=author_id)
        if existing is None:
            created += 1
        else:
            updated += 1
    return created, updated


def visible_article(session: Session, site_id: int, slug: str) -> Article | None:
    """The published article with this slug if it is shown on ``site_id``."""
    return session.execute(
        select(Article)
        .join(ArticleSite, ArticleSite.article_id == Article.id)
        .where(Article.slug == slug, Article.status == "published", ArticleSite.site_id == site_id)
    ).scalar()


def visible_articles(session: Session, site_id: int, limit: int = 50) -> list[Article]:
    """Published articles shown on ``site_id``, by title."""
    return list(
        session.execute(
            select(Article)
            .join(ArticleSite, ArticleSite.article_id == Article.id)
            .where(Article.status == "published", ArticleSite.site_id == site_id)
            .order_by(Article.title)
            .limit(limit)
        ).scalars()
    )
