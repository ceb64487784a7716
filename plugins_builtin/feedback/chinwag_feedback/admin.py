"""The admin's Reports page (Plugins, Feedback reports).

Static HTML (the admin's CSP runs no script a plugin writes): a GET form keeps the filters in the
page's URL (the admin passes the page's query string to ``render``), every chart is an SVG bar
chart marked ``aria-hidden`` beside a table with the same figures (the accessible view), and
each comment or answer links to its conversation in the inbox.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from chinwag_plugin_api import AdminPage, PluginContext
from flask import has_request_context, request
from marshmallow import ValidationError

from chinwag_feedback import reports
from chinwag_feedback.reports import Filters
from chinwag_feedback.routes import SummaryQuery, export_link

PAGE = "/admin/plugins/chinwag-feedback/reports"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _filters() -> tuple[Filters, str | None]:
    args = dict(request.args) if has_request_context() else {}
    args = {k: v for k, v in args.items() if k in ("site_id", "from", "to", "agent_id") and v}
    q = request.args.get("q", "")[:200] if has_request_context() else ""
    try:
        loaded = SummaryQuery().load(args)
    except ValidationError as err:
        fields_ = ", ".join(sorted(err.normalized_messages()))
        return Filters(q=q or None), f"Some filters were ignored (invalid: {fields_})."
    return Filters.from_query({**loaded, "q": q or None}), None


def _chart(title: str, rows: Sequence[Mapping[str, Any]], metric: str, label: str) -> str:
    """A bar chart (hidden from screen readers) and the table that says the same."""
    width, bar = 560, 18
    height = max(1, len(rows)) * (bar + 6)
    bars = []
    for i, r in enumerate(rows):
        value = r.get(metric)
        w = int((value or 0) * (width - 160))
        y = i * (bar + 6)
        bars.append(
            f'<text x="0" y="{y + 13}" font-size="12">{_e(r["key"] or "none")}</text>'
            f'<rect x="150" y="{y}" width="{w}" height="{bar}" fill="#2f6fdf"></rect>'
            f'<text x="{155 + w}" y="{y + 13}" font-size="12">{_pct(value)}</text>'
        )
    svg = (
        f'<svg width="{width}" height="{height}" aria-hidden="true" focusable="false">'
        + "".join(bars)
        + "</svg>"
    )
    body = "".join(
        f'<tr><th scope="row">{_e(r["key"] or "none")}</th><td>{_pct(r.get(metric))}</td>'
        f"<td>{_pct(r.get('response_rate'))}</td><td>{r['surveys_answered']}/{r['surveys_asked']}"
        f"</td><td>{_pct(r.get('thumbs_down_rate'))}</td></tr>"
        for r in rows
    )
    table = (
        f'<table><caption>{_e(title)} (table view)</caption><thead><tr><th scope="col">'
        f'{_e(label)}</th><th scope="col">CSAT</th><th scope="col">Response rate</th>'
        '<th scope="col">Answered/asked</th><th scope="col">Thumbs down</th></tr></thead>'
        f"<tbody>{body or '<tr><td colspan=5>No feedback in this range.</td></tr>'}</tbody></table>"
    )
    return f"<figure><figcaption>{_e(title)}</figcaption>{svg if rows else ''}{table}</figure>"


def _conversation_link(conversation_id: int) -> str:
    return f'<a href="/admin/?c={int(conversation_id)}">conversation {int(conversation_id)}</a>'


def _article_link(url: str, title: str) -> str:
    """An article's link (only http(s): a card's URL is the bot's, not ours)."""
    if url.startswith(("https://", "http://")):
        return f'<a href="{_e(url)}">{_e(title or url)}</a>'
    return _e(title or url)


def _form(f: Filters, note: str | None) -> str:
    def field(name: str, label: str, value: Any, kind: str = "text") -> str:
        return (
            f'<label>{_e(label)} <input name="{name}" type="{kind}" value="{_e(value)}"></label> '
        )

    return (
        f'<form method="get" action="{PAGE}" role="search" aria-label="Report filters">'
        + field("site_id", "Site id", f.site_id, "number")
        + field("from", "From", f.start.isoformat() if f.start else "", "date")
        + field("to", "To", f.end.isoformat() if f.end else "", "date")
        + field("agent_id", "Agent id", f.agent_id, "number")
        + field("q", "Search comments", f.q or "", "search")
        + '<button type="submit">Apply</button></form>'
        + (f'<p role="status">{_e(note)}</p>' if note else "")
    )


class ReportsPage(AdminPage):
    slug = "reports"
    title = "Feedback reports"
    roles = ("admin",)

    def render(self, ctx: PluginContext) -> str:
        f, note = _filters()
        session = ctx.db_session
        figures = replace(f, q=None)  # the search narrows the comments, not the figures
        by_day = reports.summary(session, figures, "day")
        by_agent = reports.summary(session, figures, "agent")
        by_team = reports.summary(session, figures, "team")
        by_site = reports.summary(session, figures, "site")
        by_trigger = reports.summary(session, figures, "trigger")
        t = reports.totals(by_day)
        worst = reports.worst_answers(session, figures)
        kb = reports.articles(session, figures)
        notes = reports.comments(session, f)
        query = urlencode(f.as_query())
        head = (
            '<section aria-labelledby="fb-totals"><h3 id="fb-totals">Overview</h3><dl>'
            f'<dt>CSAT</dt><dd data-metric="csat">{_pct(t["csat"])}</dd>'
            f'<dt>Response rate</dt><dd data-metric="response_rate">{_pct(t["response_rate"])}'
            f" ({t['surveys_answered']} of {t['surveys_asked']} surveys)</dd>"
            f'<dt>NPS</dt><dd data-metric="nps">{"-" if t["nps"] is None else t["nps"]}'
            f" (promoters {t['promoters']}, passives {t['passives']}, detractors "
            f"{t['detractors']})</dd>"
            f'<dt>Thumbs down</dt><dd data-metric="thumbs_down_rate">'
            f"{_pct(t['thumbs_down_rate'])} of {t['ratings']} rated answers</dd></dl>"
            f'<p><a href="{_e(export_link(ctx, f))}" download>Export CSV</a> '
            f"(this view's filters; the link works for 5 minutes)</p></section>"
        )
        worst_rows = "".join(
            f"<tr><td>{_e(w['excerpt'])}</td><td>{_pct(w['thumbs_down_rate'])} "
            f"({w['thumbs_down']}/{w['ratings']})</td><td>"
            + _e(", ".join(f"{k}: {n}" for k, n in sorted(w["reasons"].items())) or "-")
            + f"</td><td>{_conversation_link(w['conversation_id'])}</td></tr>"
            for w in worst
        )
        worst_html = (
            "<table><caption>Answers rated down</caption><thead><tr>"
            '<th scope="col">Answer</th><th scope="col">Thumbs down</th>'
            '<th scope="col">Reasons</th><th scope="col">Open</th></tr></thead><tbody>'
            + (worst_rows or '<tr><td colspan="4">No answer was rated down.</td></tr>')
            + "</tbody></table>"
        )
        kb_rows = "".join(
            f"<tr><td>{_article_link(a['url'], a['title'])}</td>"
            f"<td>{_pct(a['thumbs_down_rate'])} ({a['thumbs_down']}/{a['ratings']})</td><td>"
            + _e(", ".join(f"{k}: {n}" for k, n in sorted(a["reasons"].items())) or "-")
            + "</td></tr>"
            for a in kb
        )
        kb_html = (
            "<table><caption>Knowledge-base articles</caption><thead><tr>"
            '<th scope="col">Article</th><th scope="col">Thumbs down</th>'
            '<th scope="col">Reasons</th></tr></thead><tbody>'
            + (kb_rows or '<tr><td colspan="3">No rated answer linked an article.</td></tr>')
            + "</tbody></table>"
        )
        comment_rows = "".join(
            f"<tr><td>{_e(c['kind'])}</td><td>{_e(c['score'])}</td><td>{_e(c['comment'])}</td>"
            f"<td>{_conversation_link(c['conversation_id'])}</td></tr>"
            for c in notes
        )
        comments_html = (
            "<table><caption>Comments"
            + (f" matching “{_e(f.q)}”" if f.q else "")
            + '</caption><thead><tr><th scope="col">From</th><th scope="col">Rating</th>'
            '<th scope="col">Comment</th><th scope="col">Open</th></tr></thead><tbody>'
            + (comment_rows or '<tr><td colspan="4">No comments.</td></tr>')
            + "</tbody></table>"
        )
        return (
            f'<div class="feedback-reports" data-query="{_e(query)}">'
            + _form(f, note)
            + head
            + _chart("CSAT by day", by_day, "csat", "Day")
            + _chart("CSAT by agent", by_agent, "csat", "Agent id")
            + _chart("CSAT by team", by_team, "csat", "Team id")
            + _chart("CSAT by site", by_site, "csat", "Site id")
            + _chart("CSAT by how the survey was asked", by_trigger, "csat", "Trigger")
            + worst_html
            + kb_html
            + comments_html
            + "</div>"
        )
