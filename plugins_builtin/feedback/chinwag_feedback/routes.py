"""REST: ``GET /api/v1/feedback`` (ratings or surveys, filtered, cursor-paginated),
``GET /api/v1/feedback/summary``, ``GET /api/v1/feedback/articles`` (per knowledge-base
article) and the CSV export behind a short-lived signed link.

Admins only: agents may be scoped to some sites, which the plugin API does not tell plugins, so
reports stay with admins. Disabled, the plugin's routes answer 404 (the host checks that).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any, ClassVar

from chinwag_plugin_api import (
    PluginContext,
    PluginError,
    RoutesProvider,
    RowId,
    StrictSchema,
    UtcDateTime,
    current_context,
    endpoint,
)
from flask import Blueprint, Response, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chinwag_feedback import link_page, reports
from chinwag_feedback.reports import Filters

MAX_RANGE_DAYS = 731
EXPORT_TTL = 300
EXPORT_ROWS = 100_000


class _Range(StrictSchema):
    site_id = RowId()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    agent_id = RowId()

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start and end:
            if end < start:
                raise ValidationError("'to' is before 'from'.", "to")
            if (end - start).days > MAX_RANGE_DAYS:
                raise ValidationError(f"At most {MAX_RANGE_DAYS} days at once.", "to")


class FeedbackQuery(_Range):
    type = fields.String(load_default="rating", validate=validate.OneOf(("rating", "survey")))
    conversation_id = RowId()
    value = fields.String(validate=validate.OneOf(("up", "down")))
    reason = fields.String(validate=validate.Regexp(r"^[a-z0-9_]{1,32}$"))
    answered = fields.Boolean()
    q = fields.String(validate=validate.Length(min=1, max=200))
    cursor = RowId()  # a 20-digit cursor is a 400, never an overflow
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ArticlesQuery(_Range):
    """The filters of the per-article report (those of the summary, without grouping)."""


class SummaryQuery(_Range):
    group_by = fields.String(load_default="day", validate=validate.OneOf(reports.GROUPS))


class FeedbackItem(Schema):
    id = fields.Integer()
    type = fields.String()
    conversation_id = fields.Integer()
    message_id = fields.Integer(allow_none=True)
    site_id = fields.Integer()
    agent_id = fields.Integer(allow_none=True)
    visitor_id = fields.Integer()
    locale = fields.String(allow_none=True)
    author_kind = fields.String(allow_none=True)
    value = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    scale = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    satisfied = fields.Boolean(allow_none=True)
    nps_class = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    trigger = fields.String(
        allow_none=True,
        metadata={
            "description": "A survey's trigger: on_close, after_idle (in the widget), "
            "email_on_close, email_after_idle (mailed)."
        },
    )
    created_at = UtcDateTime()
    answered_at = UtcDateTime(allow_none=True)


class FeedbackPage(Schema):
    items = fields.List(fields.Nested(FeedbackItem))
    next_cursor = fields.Integer(allow_none=True)


class SummaryRow(Schema):
    key = fields.String(
        metadata={"description": "the day (YYYY-MM-DD), agent id, team id or site id"}
    )
    surveys_asked = fields.Integer()
    surveys_answered = fields.Integer()
    response_rate = fields.Float(allow_none=True)
    satisfied = fields.Integer()
    csat = fields.Float(allow_none=True, metadata={"description": "satisfied / answered"})
    average_score = fields.Float(allow_none=True)
    promoters = fields.Integer()
    passives = fields.Integer()
    detractors = fields.Integer()
    nps = fields.Float(allow_none=True, metadata={"description": "% promoters - % detractors"})
    ratings = fields.Integer()
    thumbs_down = fields.Integer()
    thumbs_down_rate = fields.Float(allow_none=True)


class ArticleRow(Schema):
    url = fields.String(metadata={"description": "the article's link in the bot's answer"})
    title = fields.String()
    ratings = fields.Integer(metadata={"description": "rated bot answers that linked it"})
    thumbs_down = fields.Integer()
    thumbs_down_rate = fields.Float(allow_none=True)
    reasons = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "reason: count"}
    )


class ArticlesOut(Schema):
    rows = fields.List(fields.Nested(ArticleRow))


class SummaryOut(Schema):
    group_by = fields.String()
    rows = fields.List(fields.Nested(SummaryRow))
    totals = fields.Dict()


def _rating_item(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "type": "rating",
        "conversation_id": r.conversation_id,
        "message_id": r.message_id,
        "site_id": r.site_id,
        "agent_id": r.agent_id,
        "visitor_id": r.visitor_id,
        "locale": r.locale,
        "author_kind": r.author_kind,
        "value": r.value,
        "reason": r.reason,
        "comment": r.comment,
        "created_at": r.created_at,
        "answered_at": r.updated_at,
    }


def _survey_item(s: Any) -> dict[str, Any]:
    return {
        "id": s.id,
        "type": "survey",
        "conversation_id": s.conversation_id,
        "message_id": None,
        "site_id": s.site_id,
        "agent_id": s.agent_id,
        "visitor_id": s.visitor_id,
        "locale": s.locale,
        "scale": s.scale,
        "score": s.score,
        "satisfied": s.satisfied,
        "nps_class": s.nps_class,
        "comment": s.comment,
        "trigger": s.trigger,
        "created_at": s.asked_at,
        "answered_at": s.answered_at,
    }


def page(query: dict[str, Any]) -> dict[str, Any]:
    session = current_context().db_session
    f = Filters.from_query(query)
    if query["type"] == "survey":
        surveys, nxt = reports.list_surveys(
            session, f, query.get("cursor"), query["limit"], query.get("answered")
        )
        return {"items": [_survey_item(s) for s in surveys], "next_cursor": nxt}
    ratings, nxt = reports.list_ratings(session, f, query.get("cursor"), query["limit"])
    return {"items": [_rating_item(r) for r in ratings], "next_cursor": nxt}


def export_link(ctx: PluginContext, filters: Filters) -> str:
    """A link to the CSV of these filters, valid for five minutes (a plain link carries no token)."""
    token = ctx.sign(json.dumps(filters.as_query(), sort_keys=True), EXPORT_TTL)
    return ctx.url_for("export_csv", token=token)


def _csv(filters: Filters) -> str:
    session = current_context().db_session
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "type",
            "id",
            "created_at",
            "site_id",
            "conversation_id",
            "message_id",
            "agent_id",
            "locale",
            "value_or_score",
            "reason_or_scale",
            "comment",
            "trigger",
        ]
    )
    cursor: int | None = None
    written = 0
    while written < EXPORT_ROWS:
        ratings, cursor = reports.list_ratings(session, filters, cursor, 1000)
        for r in ratings:
            w.writerow(
                [
                    "rating",
                    r.id,
                    r.created_at.isoformat(),
                    r.site_id,
                    r.conversation_id,
                    r.message_id,
                    r.agent_id or "",
                    r.locale or "",
                    r.value,
                    r.reason or "",
                    _safe(r.comment),
                    "",
                ]
            )
        written += len(ratings)
        if cursor is None:
            break
    cursor = None
    while written < EXPORT_ROWS:
        surveys, cursor = reports.list_surveys(session, filters, cursor, 1000)
        for s in surveys:
            w.writerow(
                [
                    "survey",
                    s.id,
                    s.asked_at.isoformat(),
                    s.site_id,
                    s.conversation_id,
                    "",
                    s.agent_id or "",
                    s.locale or "",
                    "" if s.score is None else s.score,
                    s.scale,
                    _safe(s.comment),
                    s.trigger,
                ]
            )
        written += len(surveys)
        if cursor is None:
            break
    return out.getvalue()


def _safe(text: str | None) -> str:
    """A comment as a spreadsheet cell: never a formula (CSV injection)."""
    value = text or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class FeedbackRoutes(RoutesProvider):
    url_prefix: ClassVar[str | None] = "/api/v1/feedback"

    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_feedback", __name__)

        @endpoint(bp, "", query=FeedbackQuery, response=FeedbackPage, roles=("admin",))
        def list_feedback(query: dict[str, Any]) -> dict[str, Any]:
            """Ratings (type=rating) or surveys (type=survey), newest first, with a cursor."""
            return page(query)

        @endpoint(bp, "/summary", query=SummaryQuery, response=SummaryOut, roles=("admin",))
        def feedback_summary(query: dict[str, Any]) -> dict[str, Any]:
            """CSAT, response rate, NPS and thumbs-down rate per day, agent, team or site."""
            rows = reports.summary(
                current_context().db_session, Filters.from_query(query), query["group_by"]
            )
            return {"group_by": query["group_by"], "rows": rows, "totals": reports.totals(rows)}

        @endpoint(bp, "/articles", query=ArticlesQuery, response=ArticlesOut, roles=("admin",))
        def feedback_articles(query: dict[str, Any]) -> dict[str, Any]:
            """Thumbs-down rate and reasons per knowledge-base article the rated bot answers
            linked, most thumbs down first (at most 50)."""
            f = Filters.from_query(query)
            return {"rows": reports.articles(current_context().db_session, f)}

        @bp.get("/export.csv")
        def export_csv() -> Response:
            raw = current_context().verify(request.args.get("token", ""))
            if raw is None:
                raise PluginError(
                    "This export link is invalid or has expired.", "link_expired", 403
                )
            stored = json.loads(raw)
            filters = Filters.from_query(
                {
                    "site_id": int(stored["site_id"]) if "site_id" in stored else None,
                    "from_": date.fromisoformat(stored["from"]) if "from" in stored else None,
                    "to": date.fromisoformat(stored["to"]) if "to" in stored else None,
                    "agent_id": int(stored["agent_id"]) if "agent_id" in stored else None,
                    "q": stored.get("q"),
                }
            )
            return Response(
                _csv(filters),
                mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
            )

        @bp.route("/mail-survey", methods=["GET", "POST"])
        def mail_survey() -> Response:
            """A rating link of a mailed survey: GET shows it, POST records it (once)."""
            ctx = current_context()
            hint = link_page.page_language(
                str(request.values.get("lang", ""))[:16],
                (lang for lang, _q in request.accept_languages),
            )
            if request.method == "POST":
                token = str(request.form.get("token", ""))[:1000]
                comment = str(request.form.get("comment", ""))
                picked = str(request.form.get("score", ""))[:8]
                page, status = link_page.submit_link(ctx, token, comment, picked, hint)
            else:
                token = str(request.args.get("token", ""))[:1000]
                page, status = link_page.open_link(ctx, token, hint)
            return Response(
                page,
                status=status,
                mimetype="text/html",
                headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
            )

        return bp
