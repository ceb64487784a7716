"""Writing articles: every save keeps a revision and reindexes, in the caller's transaction.

The routes, the admin page, the importers and the tests all write through :func:`save_article`,
so the index, the revision history and the site list cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from chinwag_plugin_api import PluginError
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from chinwag_kb.index import index_article, index_articles, unindex_article
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


def _apply(article: Article, data: Mapping[str, Any], slug: str, author_id: int | None) -> Revision:
    """Set the fields of ``article`` from validated ``ArticleIn`` data, count a new version and
    return its revision (without ``article_id`` while the article has no id yet)."""
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
    return Revision(
        article_id=article.id,
        version=article.version,
        title=article.title,
        summary=article.summary,
        body=article.body,
        tags=article.tags,
        locale=article.locale,
        status=article.status,
        sites=sorted(set(data.get("sites", []))),
        author_id=author_id,
        created_at=article.updated_at,
    )


def _set_sites(session: Session, sites_by_article: Mapping[int, list[int]]) -> None:
    """Replace the site lists of these articles (bulk statements, no ORM objects)."""
    ids = list(sites_by_article)
    for start in range(0, len(ids), 500):
        session.execute(
            delete(ArticleSite)
            .where(ArticleSite.article_id.in_(ids[start : start + 500]))
            .execution_options(synchronize_session=False)
        )
    rows = [{"article_id": a, "site_id": s} for a, sites in sites_by_article.items() for s in sites]
    if rows:
        session.execute(insert(ArticleSite), rows)


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
    revision = _apply(article, data, slug, author_id)
    session.flush()
    revision.article_id = article.id
    session.add(revision)
    _set_sites(session, {article.id: list(revision.sites)})
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
    """Create or update (matched by slug; without one, by the slug of its title) each article,
    one revision per item; returns (created, updated). An item whose slug an earlier item of
    the same import used updates that article (a new revision), as a second import would.

    In bulk: the articles are looked up in one query per 500 slugs, written in one flush, their
    revisions, sites and index entries in a few ``executemany`` statements, each article indexed
    once with its final text. Saving the items one by one (:func:`save_article`) cost about ten
    statements and a flush each: 2,000 items took over a minute (docs/performance.md)."""
    items = list(items)
    slugs = [item.get("slug") or slugify(item["title"]) for item in items]
    wanted = sorted(set(slugs))
    articles: dict[str, Article] = {}
    for start in range(0, len(wanted), 500):
        stmt = select(Article).where(Article.slug.in_(wanted[start : start + 500]))
        articles.update((a.slug, a) for a in session.execute(stmt).scalars())
    created = updated = 0
    revisions: list[tuple[Article, Revision]] = []
    for item, slug in zip(items, slugs, strict=True):
        article = articles.get(slug)
        if article is None:
            article = articles[slug] = Article(version=0, created_at=utcnow())
            session.add(article)
            created += 1
        else:
            updated += 1
        revision = _apply(article, item, slug, author_id)
        revisions.append((article, revision))
    session.flush()
    for article, revision in revisions:
        revision.article_id = article.id
    session.add_all(r for _, r in revisions)
    final = {article.id: list(revision.sites) for article, revision in revisions}
    _set_sites(session, final)
    index_articles(session, list({a.id: a for a, _ in revisions}.values()))
    return created, updated


def imported_ids(session: Session, items: Iterable[Mapping[str, Any]]) -> list[int]:
    """The ids of the articles an import of ``items`` wrote (matched by slug, as the import does)."""
    slugs = sorted({item.get("slug") or slugify(item["title"]) for item in items})
    ids: list[int] = []
    for start in range(0, len(slugs), 500):
        stmt = select(Article.id).where(Article.slug.in_(slugs[start : start + 500]))
        ids.extend(session.execute(stmt).scalars())
    return ids


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
