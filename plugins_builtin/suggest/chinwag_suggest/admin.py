"""The admin page: every suggestion with how often it was shown, its click-through and
resolution rate, and forms to pin, hide and edit it (posted to the plugin's form route)."""

from __future__ import annotations

from html import escape

from chinwag_plugin_api import AdminPage, PluginContext

from chinwag_suggest.routes import form_token
from chinwag_suggest.stats import SuggestionStats, suggestion_stats


def _pct(x: float) -> str:
    return f"{round(x * 100)} %"


def _form(ctx: PluginContext, s: SuggestionStats, action: str, label: str) -> str:
    url = escape(ctx.url_for("form_action", item_id=s.id))
    token = escape(form_token(ctx, s.id))
    name = escape(f"{label}: {s.text}")
    return (
        f'<form method="post" action="{url}" class="inline">'
        f'<input type="hidden" name="token" value="{token}">'
        f'<input type="hidden" name="action" value="{action}">'
        f'<button type="submit" aria-label="{name}">{escape(label)}</button></form>'
    )


def _edit(ctx: PluginContext, s: SuggestionStats) -> str:
    url = escape(ctx.url_for("form_action", item_id=s.id))
    field = f"suggest-text-{s.id}"
    return (
        f'<form method="post" action="{url}" class="inline">'
        f'<input type="hidden" name="token" value="{escape(form_token(ctx, s.id))}">'
        '<input type="hidden" name="action" value="edit">'
        f'<label for="{field}" class="sr-only">Text of “{escape(s.text)}”</label>'
        f'<input id="{field}" name="text" value="{escape(s.text)}" maxlength="200" required>'
        '<button type="submit">Save</button></form>'
    )


class SuggestionsPage(AdminPage):
    slug = "suggestions"
    title = "Suggestions"
    roles = ("admin",)

    def render(self, ctx: PluginContext) -> str:
        rows = suggestion_stats(ctx.db_session)
        if not rows:
            return (
                "<p>No suggestions yet. They appear once the bot has answered questions "
                "(learned) or visitors of a segment were offered theirs.</p>"
            )
        body = []
        for s in rows:
            state = (
                ", ".join([w for w, on in (("pinned", s.pinned), ("hidden", s.hidden)) if on])
                or "offered"
            )
            actions = (
                _form(ctx, s, "unpin" if s.pinned else "pin", "Unpin" if s.pinned else "Pin")
                + _form(ctx, s, "show" if s.hidden else "hide", "Show" if s.hidden else "Hide")
                + _edit(ctx, s)
            )
            body.append(
                f'<tr><th scope="row">{escape(s.text)}</th><td>{s.site_id}</td>'
                f"<td>{escape(s.source)}</td><td>{s.shown}</td><td>{s.clicked}</td>"
                f"<td>{_pct(s.click_through)}</td><td>{_pct(s.resolution_rate)}</td>"
                f"<td>{escape(state)}</td><td>{actions}</td></tr>"
            )
        return (
            "<table><caption>Suggestion chips: how often each was shown, picked and led to a "
            'conversation the bot resolved</caption><thead><tr><th scope="col">Suggestion</th>'
            '<th scope="col">Site</th><th scope="col">Source</th><th scope="col">Shown</th>'
            '<th scope="col">Clicked</th><th scope="col">Click-through</th>'
            '<th scope="col">Resolved</th><th scope="col">State</th>'
            '<th scope="col">Actions</th></tr></thead><tbody>' + "".join(body) + "</tbody></table>"
        )
