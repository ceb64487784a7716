"""The knowledge base's page in the web admin: every article with its edit form and recent
revisions, and a form for a new one (forms and their token: :mod:`chinwag_kb.admin_forms`)."""

from __future__ import annotations

from html import escape

from chinwag_plugin_api import AdminPage, PluginContext
from sqlalchemy import func, select

from chinwag_kb.admin_forms import article_form, edit_values, form_token
from chinwag_kb.models import Article, Revision

MAX_LISTED = 200


class ArticlesPage(AdminPage):
    slug = "articles"
    title = "Knowledge base"
    roles = ("admin",)

    def render(self, ctx: PluginContext) -> str:
        actor = ctx.request_actor()
        token = form_token(ctx, actor.id if actor else 0)
        session = ctx.db_session
        articles = list(
            session.execute(
                select(Article).order_by(Article.updated_at.desc()).limit(MAX_LISTED)
            ).scalars()
        )
        total = session.execute(select(func.count(Article.id))).scalar_one()
        rows = []
        for a in articles:
            revisions = session.execute(
                select(Revision)
                .where(Revision.article_id == a.id)
                .order_by(Revision.version.desc())
                .limit(5)
            ).scalars()
            history = "".join(
                f"<li>Version {r.version}, {escape(r.status)}, "
                f"{r.created_at:%Y-%m-%d %H:%M}: {escape(r.title)}</li>"
                for r in revisions
            )
            rows.append(
                f'<li class="kb-article"><details><summary>{escape(a.title)} '
                f"<small>({escape(a.status)}, version {a.version}, /{escape(a.slug)})</small>"
                f"</summary>{article_form(token, edit_values(ctx, a), a.id)}"
                f"<h4>Revisions</h4><ol>{history}</ol>"
                f'<form method="post" action="/api/v1/kb/admin/articles/{a.id}/delete">'
                f'<input type="hidden" name="token" value="{escape(token)}">'
                f"<button>Delete “{escape(a.title)}”</button></form></details></li>"
            )
        shown = f"{len(articles)} of {total}" if total > len(articles) else str(total)
        return (
            '<section aria-labelledby="kb-new"><h2 id="kb-new">New article</h2>'
            f"{article_form(token, {}, None)}</section>"
            f'<section aria-labelledby="kb-list"><h2 id="kb-list">Articles ({shown})</h2>'
            f'<ul class="kb-articles">{"".join(rows)}</ul>'
            "<p>Import a folder of Markdown files with <code>chinwag-kb import DIR --site ID</code>;"
            " export and import JSON through <code>/api/v1/kb/export</code> and"
            " <code>/api/v1/kb/import</code> (docs/kb.md).</p></section>"
        )
