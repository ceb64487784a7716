"""HTTP routes, mounted at ``/api/v1/kb``.

Public (no sign-in):
- ``GET /api/v1/kb/search?site_key=&q=`` — the site key and the request's Origin are checked
  as the core's public widget routes check them (``ctx.public_site``).
- ``GET /api/v1/kb/sites/<site_id>/articles/<slug>`` — the shareable read-only page of a
  published article shown on that site (HTML, sanitised).

Admins: article CRUD, revisions, Markdown preview, JSON export and import.
"""

from __future__ import annotations

from html import escape
from typing import Any

from chinwag_plugin_api import (
    PluginError,
    RoutesProvider,
    current_actor,
    current_context,
    endpoint,
)
from flask import Blueprint, Response
from sqlalchemy import select

from chinwag_kb import schemas
from chinwag_kb.admin_forms import article_advice, register_form_routes
from chinwag_kb.extensions import notify_saved
from chinwag_kb.models import Article, ArticleSite, Revision
from chinwag_kb.render import to_html
from chinwag_kb.search import search
from chinwag_kb.service import (
    as_dict,
    delete_article,
    export_articles,
    import_articles,
    imported_ids,
    save_article,
    visible_article,
)

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font:16px/1.6 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;background:#fff}}img{{max-width:100%}}pre{{overflow:auto;background:#f4f4f4;
padding:.75rem}}.summary{{color:#444}}</style>
</head><body><main><article>
<h1>{title}</h1>
{summary}
{body}
</article></main></body></html>"""


def article_html(article: Article) -> str:
    summary = f'<p class="summary">{escape(article.summary)}</p>' if article.summary else ""
    return PAGE.format(
        lang=escape(article.locale),
        title=escape(article.title),
        summary=summary,
        body=to_html(article.body),
    )


#: what the article routes answer beyond their declaration's codes (the OpenAPI document)
NO_ARTICLE = {"article_not_found": 404}
SLUG = {"slug_taken": 409}
PUBLIC = {"site_not_found": 404, "origin_not_allowed": 403}


def _article(article_id: int) -> Article:
    article = current_context().db_session.get(Article, article_id)
    if article is None:
        raise PluginError("No such article.", "article_not_found", 404)
    return article


class KbRoutes(RoutesProvider):
    url_prefix = "/api/v1/kb"

    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_kb", __name__)

        @endpoint(
            bp, "/search", query=schemas.SearchQuery, response=schemas.SearchOut, roles=None,
            errors=PUBLIC,
        )  # fmt: skip
        def public_search(query: dict[str, Any]) -> Any:
            """Search a site's published articles (the site key and Origin are checked)."""
            ctx = current_context()
            site_id = ctx.public_site(query["site_key"])
            hits = search(
                ctx, site_id, query["q"], locale=query.get("locale"), limit=query["limit"]
            )
            return {"hits": hits}

        @bp.get("/sites/<int:site_id>/articles/<slug>")
        def article_page(site_id: int, slug: str) -> Response:
            """The shareable page of one published article."""
            ctx = current_context()
            article = visible_article(ctx.db_session, site_id, slug[:120])
            if article is None:
                raise PluginError("No such article on this site.", "article_not_found", 404)
            res = Response(article_html(article), mimetype="text/html")
            res.headers["Content-Security-Policy"] = (
                "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
                "frame-ancestors *"
            )
            return res

        @endpoint(
            bp, "/articles", query=schemas.ArticleListQuery, response=schemas.ArticleOut,
            many=True, roles=("admin",),
        )  # fmt: skip
        def list_articles(query: dict[str, Any]) -> Any:
            """Every article (filter by site and status)."""
            session = current_context().db_session
            stmt = select(Article).order_by(Article.title)
            if "site_id" in query:
                stmt = stmt.join(ArticleSite, ArticleSite.article_id == Article.id).where(
                    ArticleSite.site_id == query["site_id"]
                )
            if "status" in query:
                stmt = stmt.where(Article.status == query["status"])
            return [as_dict(session, a) for a in session.execute(stmt.limit(1000)).scalars()]

        @endpoint(
            bp, "/articles", methods=["POST"], body=schemas.ArticleIn,
            response=schemas.ArticleOut, status=201, roles=("admin",), errors=SLUG,
        )  # fmt: skip
        def create_article(body: dict[str, Any]) -> Any:
            """Write a new article (its first revision)."""
            session = current_context().db_session
            article = save_article(session, body, author_id=current_actor().id)
            session.commit()
            notify_saved(current_context(), [article.id])
            return as_dict(session, article)

        @endpoint(
            bp, "/articles/<int:article_id>", response=schemas.ArticleOut, roles=("admin",),
            errors=NO_ARTICLE,
        )  # fmt: skip
        def get_article(article_id: int) -> Any:
            """One article, drafts included."""
            return as_dict(current_context().db_session, _article(article_id))

        @endpoint(
            bp, "/articles/<int:article_id>", methods=["PUT"], body=schemas.ArticleIn,
            response=schemas.ArticleOut, roles=("admin",), errors={**NO_ARTICLE, **SLUG},
        )  # fmt: skip
        def update_article(article_id: int, body: dict[str, Any]) -> Any:
            """Save a new revision of an article."""
            session = current_context().db_session
            article = save_article(
                session, body, article=_article(article_id), author_id=current_actor().id
            )
            session.commit()
            notify_saved(current_context(), [article.id])
            return as_dict(session, article)

        @endpoint(
            bp, "/articles/<int:article_id>", methods=["DELETE"], status=204, roles=("admin",),
            errors=NO_ARTICLE,
        )  # fmt: skip
        def remove_article(article_id: int) -> Any:
            """Delete an article with its revisions."""
            session = current_context().db_session
            delete_article(session, _article(article_id))
            session.commit()
            notify_saved(current_context(), [article_id])
            return None

        @endpoint(
            bp, "/articles/<int:article_id>/revisions", response=schemas.RevisionOut,
            many=True, roles=("admin",), errors=NO_ARTICLE,
        )  # fmt: skip
        def revisions(article_id: int) -> Any:
            """An article's saved revisions, newest first."""
            _article(article_id)
            return list(
                current_context()
                .db_session.execute(
                    select(Revision)
                    .where(Revision.article_id == article_id)
                    .order_by(Revision.version.desc())
                )
                .scalars()
            )

        @endpoint(
            bp, "/preview", methods=["POST"], body=schemas.PreviewIn,
            response=schemas.PreviewOut, roles=("admin",),
        )  # fmt: skip
        def preview(body: dict[str, Any]) -> Any:
            """Markdown rendered (and sanitised) exactly as readers will see it, with the
            enabled content checks' advice on it for ``site_id`` (none: every site)."""
            found = article_advice(current_context(), body["site_id"], body["body"])
            return {"html": to_html(body["body"]), "advice": [a.as_dict() for a in found]}

        @endpoint(bp, "/export", response=schemas.ExportOut, roles=("admin",))
        def export() -> Any:
            """Every article as JSON, in the format ``/import`` reads."""
            return {"articles": export_articles(current_context().db_session)}

        @endpoint(
            bp, "/import", methods=["POST"], body=schemas.ImportIn,
            response=schemas.ImportOut, roles=("admin",),
        )  # fmt: skip
        def import_json(body: dict[str, Any]) -> Any:
            """Create or update (by slug) articles from an export; all or nothing."""
            session = current_context().db_session
            created, updated = import_articles(session, body["articles"], current_actor().id)
            session.commit()
            notify_saved(current_context(), imported_ids(session, body["articles"]))
            return {"created": created, "updated": updated}

        register_form_routes(bp)
        return bp
