"""The admin's Analytics page (Plugins, Analytics).

Static HTML (the admin's CSP runs no script a plugin writes): a GET form keeps the site and the
date range in the page's URL, every chart is an SVG bar chart marked ``aria-hidden`` beside a
table with the same figures (the accessible view), and a signed link exports the range as CSV.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from chinwag_plugin_api import AdminPage, PluginContext, PluginError
from flask import has_request_context, request
from marshmallow import ValidationError

from chinwag_analytics import reports
from chinwag_analytics.reports import WEEKDAYS, Range
from chinwag_analytics.rollup import note_zone
from chinwag_analytics.routes import AnalyticsSummaryQuery, export_link

PAGE = "/admin/plugins/chinwag-analytics/dashboard"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _secs(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


#: the admin sends the browser's time zone with every plugin page (docs/writing-plugins.md)
ZONE_HEADER = "X-Chinwag-Time-Zone"


def _range() -> tuple[Range, str | None]:
    """The range in the URL; its time zone defaults to the browser's (the admin's header)."""
    args = dict(request.args) if has_request_context() else {}
    args = {k: v for k, v in args.items() if k in ("site_id", "from", "to", "tz") and v}
    browser = request.headers.get(ZONE_HEADER, "") if has_request_context() else ""
    if "tz" not in args and reports.known_zone(browser):
        args["tz"] = browser
    try:
        return Range.from_query(AnalyticsSummaryQuery().load(args)), None
    except ValidationError as err:
        invalid = ", ".join(sorted(err.normalized_messages()))
        return Range.from_query({}), f"Some filters were ignored (invalid: {invalid})."
    except PluginError:
        args.pop("tz")
        return _range_without_zone(args)


def _range_without_zone(args: dict[str, str]) -> tuple[Range, str | None]:
    note = "Unknown time zone: the figures are in UTC."
    try:
        return Range.from_query(AnalyticsSummaryQuery().load(args)), note
    except ValidationError:
        return Range.from_query({}), note


def _bars(title: str, rows: Sequence[tuple[str, int]]) -> str:
    """A horizontal bar chart (hidden from screen readers: the table beside it says the same)."""
    top = max((v for _k, v in rows), default=0) or 1
    bar, width = 14, 420
    parts = []
    for i, (label, value) in enumerate(rows):
        w = int(value / top * (width - 130))
        y = i * (bar + 4)
        parts.append(
            f'<text x="0" y="{y + 11}" font-size="11">{_e(label)}</text>'
            f'<rect x="90" y="{y}" width="{w}" height="{bar}" fill="#2f6fdf"></rect>'
            f'<text x="{95 + w}" y="{y + 11}" font-size="11">{value}</text>'
        )
    return (
        f'<svg width="{width}" height="{max(1, len(rows)) * (bar + 4)}" aria-hidden="true" '
        f'focusable="false"><title>{_e(title)}</title>' + "".join(parts) + "</svg>"
    )


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    header = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    body = "".join(
        f'<tr><th scope="row">{_e(r[0])}</th>'
        + "".join(f"<td>{_e(c)}</td>" for c in r[1:])
        + "</tr>"
        for r in rows
    )
    empty = f'<tr><td colspan="{len(head)}">No data in this range.</td></tr>'
    return (
        f"<table><caption>{_e(caption)}</caption><thead><tr>{header}</tr></thead>"
        f"<tbody>{body or empty}</tbody></table>"
    )


def _form(r: Range, note: str | None) -> str:
    def field(name: str, label: str, value: Any, kind: str) -> str:
        return (
            f'<label>{_e(label)} <input name="{name}" type="{kind}" value="{_e(value)}"></label> '
        )

    return (
        f'<form method="get" action="{PAGE}" role="search" aria-label="Analytics range">'
        + field("site_id", "Site id (empty: all)", r.site_id or "", "number")
        + field("from", "From", r.start.isoformat(), "date")
        + field("to", "To", r.end.isoformat(), "date")
        + field("tz", "Time zone (IANA, e.g. Europe/Berlin)", r.tz, "text")
        + '<button type="submit">Apply</button></form>'
        + (f'<p role="status">{_e(note)}</p>' if note else "")
    )


def _funnel(s: dict[str, Any]) -> str:
    """Loaded -> opened -> a conversation: each step's count and its share of the step before."""
    t = s["totals"]
    steps = [
        ("Loaded", t["widget_loaded"], "-"),
        ("Opened", t["widget_opened"], _pct(s["load_to_open_rate"])),
        ("Conversation", t["conversations"], _pct(s["open_to_conversation_rate"])),
    ]
    return (
        "<figure><figcaption>Funnel: loaded, opened, a conversation</figcaption>"
        + _bars("Funnel", [(label, n) for label, n, _rate in steps])
        + _table(
            "Funnel (table view)",
            ("Step", "Count", "Of the step before"),
            steps,
        )
        + "</figure>"
    )


class AnalyticsPage(AdminPage):
    slug = "dashboard"
    title = "Analytics"
    roles = ("admin",)

    def render(self, ctx: PluginContext) -> str:
        r, note = _range()
        note_zone(ctx.db_session, r.tz)  # the job rolls this zone's days up from now on
        s = reports.summary(ctx.db_session, r)
        t = s["totals"]
        days = s["days"]
        fr, res = s["first_response"], s["resolution"]
        overview = (
            '<section aria-labelledby="an-overview"><h3 id="an-overview">Overview</h3><dl>'
            f'<dt>Conversations</dt><dd data-metric="conversations">{t["conversations"]}</dd>'
            f'<dt>Chat opened</dt><dd data-metric="widget_opened">{t["widget_opened"]} times '
            f"(the chat loaded on {t['widget_loaded']} pages)</dd>"
            f'<dt>Loaded, then opened</dt><dd data-metric="load_to_open_rate">'
            f"{_pct(s['load_to_open_rate'])} of pages the chat loaded on</dd>"
            f'<dt>Opened, then a conversation</dt><dd data-metric="open_to_conversation_rate">'
            f"{_pct(s['open_to_conversation_rate'])} of openings</dd>"
            f'<dt>Loaded, then a conversation</dt><dd data-metric="load_to_conversation_rate">'
            f"{_pct(s['load_to_conversation_rate'])} of pages the chat loaded on</dd>"
            f"<dt>First response (median / p90)</dt>"
            f'<dd data-metric="first_response">{_secs(fr["median"])} / {_secs(fr["p90"])}'
            f" ({fr['count']} conversations)</dd>"
            f"<dt>Resolution time (median / p90)</dt>"
            f'<dd data-metric="resolution">{_secs(res["median"])} / {_secs(res["p90"])}'
            f" ({res['count']} closed)</dd>"
            f'<dt>Resolved by a bot</dt><dd data-metric="bot_resolution_rate">'
            f"{_pct(s['bot_resolution_rate'])} of closed conversations</dd>"
            f'<dt>Handed off to a human</dt><dd data-metric="handoff_rate">'
            f"{_pct(s['handoff_rate'])} of conversations</dd>"
            f'<dt>CSAT</dt><dd data-metric="csat">{_pct(s["csat"]["rate"])} '
            f"({s['csat']['satisfied']} of {s['csat']['answered']} answers satisfied)</dd>"
            f'<dt>Suggestion click-through</dt><dd data-metric="click_through">'
            f"{_pct(s['suggestions']['click_through'])} ({s['suggestions']['clicked']} clicks, "
            f"{s['suggestions']['shown']} times shown)</dd></dl>"
            f'<p><a href="{_e(export_link(ctx, r))}" download>Export CSV</a> '
            "(this range; the link works for 5 minutes)</p></section>"
        )
        per_day = (
            "<figure><figcaption>Conversations per day</figcaption>"
            + _bars("Conversations per day", [(d["day"], d["conversations"]) for d in days])
            + _table(
                "Conversations and messages per day (table view)",
                (
                    "Day",
                    "Conversations",
                    "Visitor messages",
                    "Agent messages",
                    "Bot messages",
                    "Hand-offs",
                    "Closed",
                    "Chat loaded",
                    "Chats opened",
                ),
                [
                    (
                        d["day"],
                        d["conversations"],
                        d["visitor_messages"],
                        d["agent_messages"],
                        d["bot_messages"],
                        d["handed_off"],
                        d["closed"],
                        d["widget_loaded"],
                        d["widget_opened"],
                    )
                    for d in days
                ],
            )
            + "</figure>"
        )
        funnel = _funnel(s)
        timings = _table(
            "Response times (table view)",
            ("Figure", "Median", "90th percentile", "Conversations"),
            [
                ("First response", _secs(fr["median"]), _secs(fr["p90"]), fr["count"]),
                ("Resolution", _secs(res["median"]), _secs(res["p90"]), res["count"]),
            ],
        )
        messages = (
            "<figure><figcaption>Messages by author</figcaption>"
            + _bars(
                "Messages by author",
                [
                    ("Visitors", t["visitor_messages"]),
                    ("Agents", t["agent_messages"]),
                    ("Bots", t["bot_messages"]),
                ],
            )
            + _table(
                "Messages by author (table view)",
                ("Author", "Messages"),
                [
                    ("Visitors", t["visitor_messages"]),
                    ("Agents", t["agent_messages"]),
                    ("Bots", t["bot_messages"]),
                ],
            )
            + "</figure>"
        )
        heat = s["busiest_hours"]
        peak = max((v for row in heat for v in row), default=0) or 1
        cells = "".join(
            f'<tr><th scope="row">{WEEKDAYS[w]}</th>'
            + "".join(
                f'<td data-share="{heat[w][h] / peak:.2f}">{heat[w][h]}</td>' for h in range(24)
            )
            + "</tr>"
            for w in range(7)
        )
        heatmap = (
            '<table class="analytics-heatmap"><caption>Busiest hours: visitor messages per '
            f"weekday and hour ({_e(r.tz)})</caption>"
            '<thead><tr><th scope="col">Day</th>'
            + "".join(f'<th scope="col">{h:02d}</th>' for h in range(24))
            + f"</tr></thead><tbody>{cells}</tbody></table>"
        )
        return (
            '<div class="analytics-dashboard">'
            + _form(r, note)
            + overview
            + funnel
            + per_day
            + timings
            + messages
            + heatmap
            + "</div>"
        )
