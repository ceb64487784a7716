"""The knowledge base in the widget, declared as data (docs/widget-features.md):

- a Help tab (``PanelTab``): the site's articles, a search field, and each article to read,
  every view answered by the socket event ``kb.help``;
- article suggestions while the visitor types (``ComposerAssist``, event ``kb.suggest``): up to
  three articles scoring at least the ``suggest_min_score`` setting, each opening its page.

Both go away with the plugin (the host drops a disabled plugin's features and refuses its
events) and can be switched off one by one in the plugin's settings. A site with no published
article gets neither: an empty Help tab would only send the visitor looking for nothing (the
widget sessions opened after the first article is published show them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import (
    Action,
    ActionSubmit,
    AssistQuery,
    Button,
    Component,
    ComposerAssist,
    Feature,
    Input,
    ListItem,
    ListView,
    PanelTab,
    PluginContext,
    SocketEvent,
    SocketHandlers,
    Submit,
    Text,
    WidgetFeatures,
    components_reply,
)

from chinwag_kb.events import ArticleViewed
from chinwag_kb.models import Article
from chinwag_kb.search import search
from chinwag_kb.service import visible_article, visible_articles
from chinwag_kb.text import passages

HELP = Action("kb.help")
MAX_SUGGESTIONS = 3
BROWSE_LIMIT = 30


class KbWidget(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        out: list[Feature] = []
        if not visible_articles(ctx.db_session, site_id, limit=1):
            return out
        if ctx.settings.get("help_tab", True):
            out.append(PanelTab(key="help", title="Help", event="kb.help"))
        if ctx.settings.get("suggest_while_typing", True):
            out.append(
                ComposerAssist(
                    event="kb.suggest", label="Suggested articles", min_chars=3, debounce_ms=300
                )
            )
        return out


def _site(actor: Mapping[str, Any]) -> int:
    return int(actor.get("site_id") or 0)


def suggest(
    ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]
) -> dict[str, Any]:
    """Up to three articles matching what the visitor is typing, each opening its page."""
    floor = float(ctx.settings.get("suggest_min_score", 0.3))
    hits = search(ctx, _site(actor), data["text"], limit=MAX_SUGGESTIONS)
    return {
        "results": [
            {"title": h.title, "subtitle": (h.summary or h.snippet)[:90], "url": h.url}
            for h in hits
            if h.score >= floor
        ]
    }


def help_view(
    ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]
) -> dict[str, Any]:
    """The Help tab: home (search field and articles), a search result, or one article."""
    site_id = _site(actor)
    payload = data.get("payload") or {}
    if payload.get("article", "").isdigit():
        found = ctx.db_session.get(Article, int(payload["article"]))
        article = found and visible_article(ctx.db_session, site_id, found.slug)
        if article:
            view = components_reply(*_article_view(ctx, site_id, article))
            if actor.get("kind") == "visitor":
                _viewed(ctx, site_id, int(actor["id"]), data.get("conversation_id"), article.id)
            return view
        return components_reply(
            Text("This article is no longer available.", "muted"), *_home(ctx, site_id, "")
        )
    query = ""
    if payload.get("view") == "search":
        query = (data.get("values") or {}).get("q", "")[:200]
    return components_reply(*_home(ctx, site_id, query))


def _viewed(
    ctx: PluginContext, site_id: int, visitor_id: int, conversation_id: int | None, article: int
) -> None:
    """Publish ``kb.article_viewed`` (after ending the read: an event waits for its commit)."""
    ctx.db_session.commit()
    ctx.publish(
        ArticleViewed(
            site_id=site_id,
            visitor_id=visitor_id,
            conversation_id=conversation_id,
            article_id=article,
        )
    )


def _home(ctx: PluginContext, site_id: int, query: str) -> list[Component]:
    field = Input("q", "Search the help articles", placeholder="e.g. reset password", value=query)
    found: list[ListItem]
    if query.strip():
        hits = search(ctx, site_id, query, limit=8)
        found = [
            ListItem(h.title, h.summary[:80] or None, HELP.with_payload(article=str(h.article_id)))
            for h in hits
        ]
        label = f"Articles matching “{query}”"
    else:
        articles = visible_articles(ctx.db_session, site_id, limit=BROWSE_LIMIT)
        found = [
            ListItem(a.title, a.summary[:80] or None, HELP.with_payload(article=str(a.id)))
            for a in articles
        ]
        label = "Help articles"
    listing: Component = (
        ListView(tuple(found), label=label)
        if found
        else Text(
            "No article matches. Try other words, or ask us in the chat."
            if query
            else "No help articles yet.",
            "muted",
        )
    )
    return [field, Submit("Search", HELP.with_payload(view="search")), listing]


def _article_view(ctx: PluginContext, site_id: int, article: Article) -> list[Component]:
    parts: list[Component] = [Text(article.title, "heading")]
    if article.summary:
        parts.append(Text(article.summary, "muted"))
    parts += [Text(p) for p in passages(article.body, size=600)[:40]]
    url = ctx.url_for("article_page", site_id=site_id, slug=article.slug)
    parts += [
        Button("Open as a page", url=url, label=f"Open as a page: {article.title} (new tab)"),
        Button("Back to articles", HELP, style="primary"),
    ]
    return parts


class KbEvents(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [
            SocketEvent("kb.suggest", AssistQuery, suggest, ("/widget",)),
            SocketEvent("kb.help", ActionSubmit, help_view, ("/widget",)),
        ]
