"""The knowledge base's page in the web admin: every article with its edit form and recent
revisions, and a form for a new one (forms and their token: :mod:`chinwag_kb.admin_forms`).
After a save (``?saved=<id>``) the page says so at the top, with the content checks' advice on
the saved article, and opens that article's form: advice comes after Save as after Preview."""

from __future__ import annotations

from html import escape

from chinwag_plugin_api import AdminPage, PluginContext
from flask import request
from sqlalchemy import func, select

from chinwag_kb.admin_forms import advice_section, article_form, edit_values, form_token
from chinwag_kb.models import Article, Revision

MAX_LISTED = 200


def saved_id() -> int | None:
    """The article just saved (``?saved=<id>``); anything else is ignored."""
    raw = request.args.get("saved", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def saved_notice(ctx: PluginContext, article: Article | None) -> str:
    """The "Saved ..." line and the advice on what was saved, in a polite status region."""
    if article is None:
        return ""
    advice = advice_section(ctx, edit_values(ctx, article))
    after = " The advice below never stops a save." if advice else ""
    return (
        f'<div role="status" class="kb-saved"><p>Saved “{escape(article.title)}”.{after}</p>'
        f"{advice}</div>"
    )


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
        just_saved = saved_id()
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
            opened = " open" if a.id == just_saved else ""
            rows.append(
                f'<li class="kb-article"><details{opened}><summary>{escape(a.title)} '
                f"<small>({escape(a.status)}, version {a.version}, /{escape(a.slug)})</small>"
                f"</summary>{article_form(token, edit_values(ctx, a), a.id)}"
                f"<h3>Revisions</h3><ol>{history}</ol>"
                f'<form method="post" action="/api/v1/kb/admin/articles/{a.id}/delete">'
                f'<input type="hidden" name="token" value="{escape(token)}">'
                f"<button>Delete “{escape(a.title)}”</button></form></details></li>"
            )
        shown = f"{len(articles)} of {total}" if total > len(articles) else str(total)
        notice = saved_notice(ctx, session.get(Article, just_saved) if just_saved else None)
        return (
            notice + '<section aria-labelledby="kb-new"><h2 id="kb-new">New article</h2>'
            f"{article_form(token, {}, None)}</section>"
            f'<section aria-labelledby="kb-list"><h2 id="kb-list">Articles ({shown})</h2>'
            f'<ul class="kb-articles">{"".join(rows)}</ul>'
            "<p>Import a folder of Markdown files with <code>chinwag-kb import DIR --site ID</code>;"
            " export and import JSON through <code>/api/v1/kb/export</code> and"
            " <code>/api/v1/kb/import</code> (docs/kb.md).</p></section>"
        )
