"""The admin page's forms: write, preview, save and delete articles without any script.

A plugin's admin page is HTML the admin shell inserts (its CSP runs no script in it), so the
page cannot call the JSON API with the admin's bearer token. Its forms post instead to the
routes below, carrying a token the page signed for the signed-in admin (``ctx.sign``, one hour,
scoped to this plugin): it proves who sent the form and doubles as the CSRF token. Save and
delete answer ``303`` back to the admin page (Save with ``?saved=<id>``, so the page says what
was saved and shows the content checks' advice on it); Preview answers a page with the
rendered, sanitised article above the same form, to save from there, and under it the advice of
the enabled content checks on the article (``ctx.content_advice``: accessibility, house
style), which never blocks saving.
"""

from __future__ import annotations

from html import escape
from typing import Any

from chinwag_plugin_api import Advice, PluginContext, PluginError, current_context
from flask import Blueprint, Response, redirect, request
from marshmallow import ValidationError

from chinwag_kb.extensions import notify_saved
from chinwag_kb.models import Article
from chinwag_kb.render import to_html
from chinwag_kb.schemas import ArticleIn
from chinwag_kb.service import article_sites, delete_article, save_article

TOKEN_SECONDS = 3600
ADMIN_PATH = "/admin/plugins/chinwag-kb/articles"


def form_token(ctx: PluginContext, user_id: int) -> str:
    return ctx.sign(f"kb-admin:{user_id}", TOKEN_SECONDS)


def _user(ctx: PluginContext, token: str) -> int:
    value = ctx.verify(token or "")
    if not value or not value.startswith("kb-admin:"):
        raise PluginError("This form has expired; reload the admin page.", "form_expired", 403)
    return int(value.split(":", 1)[1])


def _article_data(form: Any) -> dict[str, Any]:
    raw = {
        "title": form.get("title", "").strip(),
        "summary": form.get("summary", "").strip(),
        "body": form.get("body", ""),
        "tags": [t.strip() for t in form.get("tags", "").split(",") if t.strip()],
        "locale": form.get("locale", "en").strip() or "en",
        "status": form.get("status", "draft"),
        "sites": [],
    }
    if form.get("slug", "").strip():
        raw["slug"] = form["slug"].strip()
    try:
        raw["sites"] = [int(s) for s in form.get("sites", "").replace(" ", "").split(",") if s]
    except ValueError:
        raise PluginError(
            "Sites are site ids separated by commas.", "validation_error", 400
        ) from None
    try:
        loaded: dict[str, Any] = ArticleIn().load(raw)
    except ValidationError as err:
        raise PluginError(
            "The article is invalid.", "validation_error", 400, err.normalized_messages()
        ) from None
    return loaded


def article_form(token: str, values: dict[str, Any], article_id: int | None) -> str:
    """The article form (new or edit), every field labelled."""
    prefix = f"a{article_id}" if article_id else "new"
    action = (
        f"/api/v1/kb/admin/articles/{article_id}" if article_id else "/api/v1/kb/admin/articles"
    )

    def field(name: str, label: str, value: str, hint: str = "") -> str:
        fid = f"{prefix}-{name}"
        described = f' aria-describedby="{fid}-hint"' if hint else ""
        hint_html = f'<small id="{fid}-hint">{escape(hint)}</small>' if hint else ""
        return (
            f'<p><label for="{fid}">{escape(label)}</label><br>'
            f'<input id="{fid}" name="{name}" value="{escape(value)}"{described}>{hint_html}</p>'
        )

    status = values.get("status", "draft")
    options = "".join(
        f'<option value="{s}"{" selected" if s == status else ""}>{s.capitalize()}</option>'
        for s in ("draft", "published")
    )
    return (
        f'<form method="post" action="{action}" class="kb-article-form">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        + field("title", "Title", values.get("title", ""))
        + field("slug", "Slug", values.get("slug", ""), "URL segment; empty: made from the title")
        + field("summary", "Summary", values.get("summary", ""))
        + f'<p><label for="{prefix}-body">Body (Markdown)</label><br>'
        f'<textarea id="{prefix}-body" name="body" rows="12" cols="80">'
        f"{escape(values.get('body', ''))}</textarea></p>"
        + field("tags", "Tags", ", ".join(values.get("tags", [])), "separated by commas")
        + field("locale", "Language", values.get("locale", "en"), "e.g. en, fr, de-CH")
        + field(
            "sites",
            "Shown on sites",
            ", ".join(str(s) for s in values.get("sites", [])),
            "site ids separated by commas",
        )
        + f'<p><label for="{prefix}-status">Status</label><br>'
        f'<select id="{prefix}-status" name="status">{options}</select></p>'
        '<p><button name="action" value="preview">Preview</button> '
        '<button name="action" value="save">Save</button></p></form>'
    )


SEVERITY_WORDS = {"error": "Problem", "warning": "Warning"}


def article_advice(ctx: PluginContext, site_id: int | None, text: str) -> list[Advice]:
    """What the enabled content checks advise on an article's text (none when this Chinwag
    offers no content checks: plugin API before 1.4)."""
    try:
        return ctx.content_advice(site_id, text, [])
    except NotImplementedError:
        return []


def advice_section(ctx: PluginContext, data: dict[str, Any]) -> str:
    """The content checks' advice on an article being previewed or just saved (empty when
    there is none)."""
    sites = data.get("sites") or []
    text = "\n\n".join(p for p in (data.get("summary", ""), data.get("body", "")) if p)
    found = article_advice(ctx, sites[0] if len(sites) == 1 else None, text)
    if not found:
        return ""
    items = "".join(
        f'<li data-code="{escape(a.code)}"><strong>'
        f"{SEVERITY_WORDS.get(a.severity, 'Suggestion')}:</strong> {escape(a.message)}</li>"
        for a in found
    )
    return (
        '<section aria-labelledby="kb-advice" class="kb-advice">'
        '<h2 id="kb-advice">Advice on this article</h2>'
        "<p>Nothing here stops you saving; change the article if you agree.</p>"
        f"<ul>{items}</ul></section>"
    )


def register_form_routes(bp: Blueprint) -> None:
    @bp.post("/admin/articles")
    @bp.post("/admin/articles/<int:article_id>")
    def admin_save(article_id: int | None = None) -> Any:
        """Save or preview an article from the admin page's form."""
        ctx = current_context()
        user = _user(ctx, request.form.get("token", ""))
        session = ctx.db_session
        article = None
        if article_id is not None:
            article = session.get(Article, article_id)
            if article is None:
                raise PluginError("No such article.", "article_not_found", 404)
        data = _article_data(request.form)
        if request.form.get("action") == "preview":
            form = article_form(request.form.get("token", ""), data, article_id)
            page = (
                '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                f"<title>Preview: {escape(data['title'])}</title></head><body><main>"
                f'<h1>Preview</h1><section aria-label="Preview" class="kb-preview">'
                f"<h2>{escape(data['title'])}</h2>{to_html(data['body'])}</section>"
                f"{advice_section(ctx, data)}"
                f'<h2>Edit</h2>{form}<p><a href="{ADMIN_PATH}">Back to the articles</a></p>'
                "</main></body></html>"
            )
            return Response(page, mimetype="text/html")
        saved = save_article(session, data, article=article, author_id=user)
        session.commit()
        notify_saved(ctx, [saved.id])
        return redirect(f"{ADMIN_PATH}?saved={saved.id}", 303)

    @bp.post("/admin/articles/<int:article_id>/delete")
    def admin_delete(article_id: int) -> Any:
        """Delete an article from the admin page."""
        ctx = current_context()
        _user(ctx, request.form.get("token", ""))
        article = ctx.db_session.get(Article, article_id)
        if article is not None:
            delete_article(ctx.db_session, article)
            ctx.db_session.commit()
            notify_saved(ctx, [article_id])
        return redirect(ADMIN_PATH, 303)


def edit_values(ctx: PluginContext, article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "tags": list(article.tags or []),
        "locale": article.locale,
        "status": article.status,
        "sites": article_sites(ctx.db_session, article.id),
    }
