"""REST: ``GET /api/v1/analytics/summary`` (admins only, in the OpenAPI document) and the
dashboard's CSV export behind a short-lived signed link."""

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
    current_context,
    endpoint,
)
from flask import Blueprint, Response, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chinwag_analytics import reports
from chinwag_analytics.reports import MAX_RANGE_DAYS, Range
from chinwag_analytics.rollup import note_zone

EXPORT_TTL = 300


def unknown_zone(name: str) -> PluginError:
    return PluginError(
        f"Unknown time zone {name!r}: use an IANA name such as Europe/Berlin or UTC.",
        "unknown_time_zone",
        400,
    )


class AnalyticsSummaryQuery(StrictSchema):
    site_id = RowId()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    tz = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "an IANA time zone (default UTC): days and hours are its own"},
    )

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        if "tz" in data and not reports.known_zone(data["tz"]):
            raise unknown_zone(data["tz"])
        # checked on the range the defaults make, so "from" alone cannot ask for centuries
        r = Range.from_query(data)
        if r.end < r.start:
            raise ValidationError("'to' is before 'from'.", "to")
        if (r.end - r.start).days >= MAX_RANGE_DAYS:
            field = "to" if data.get("to") else "from"
            raise ValidationError(f"At most {MAX_RANGE_DAYS} days at once.", field)


class AnalyticsTiming(Schema):
    count = fields.Integer()
    median = fields.Float(allow_none=True, metadata={"description": "seconds"})
    p90 = fields.Float(allow_none=True, metadata={"description": "seconds"})


class AnalyticsDay(Schema):
    day = fields.String(metadata={"description": "YYYY-MM-DD (in the summary's tz)"})
    conversations = fields.Integer()
    visitor_messages = fields.Integer()
    agent_messages = fields.Integer()
    bot_messages = fields.Integer()
    handed_off = fields.Integer()
    closed = fields.Integer()
    widget_loaded = fields.Integer()
    widget_opened = fields.Integer()


class AnalyticsCsat(Schema):
    answered = fields.Integer()
    satisfied = fields.Integer()
    rate = fields.Float(allow_none=True)


class AnalyticsSuggestions(Schema):
    shown = fields.Integer()
    clicked = fields.Integer()
    click_through = fields.Float(allow_none=True)


class AnalyticsSummary(Schema):
    site_id = fields.Integer(allow_none=True)
    from_ = fields.String(data_key="from")
    to = fields.String()
    tz = fields.String()
    days = fields.List(fields.Nested(AnalyticsDay))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    first_response = fields.Nested(AnalyticsTiming)
    resolution = fields.Nested(AnalyticsTiming)
    handoff_rate = fields.Float(allow_none=True)
    load_to_open_rate = fields.Float(
        allow_none=True,
        metadata={"description": "chat panels opened / pages the chat was served to"},
    )
    open_to_conversation_rate = fields.Float(
        allow_none=True, metadata={"description": "conversations started / chat panels opened"}
    )
    load_to_conversation_rate = fields.Float(
        allow_none=True,
        metadata={"description": "conversations started / pages the chat was served to"},
    )
    bot_resolution_rate = fields.Float(allow_none=True)
    csat = fields.Nested(AnalyticsCsat)
    suggestions = fields.Nested(AnalyticsSuggestions)
    busiest_hours = fields.List(
        fields.List(fields.Integer()),
        metadata={"description": "visitor messages per weekday (0 = Monday) and hour (tz)"},
    )


def _out(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "from_": data["from"]}


def export_link(ctx: PluginContext, r: Range) -> str:
    """A link to this range's CSV, valid for five minutes (a plain link carries no token)."""
    return ctx.url_for("export_csv", token=ctx.sign(json.dumps(r.as_query()), EXPORT_TTL))


def to_csv(data: dict[str, Any]) -> str:
    """One row per day, then the range's timings and rates."""
    out = io.StringIO()
    w = csv.writer(out)
    columns = list(data["days"][0]) if data["days"] else ["day"]
    w.writerow(columns)
    for row in data["days"]:
        w.writerow([row[c] for c in columns])
    w.writerow([])
    w.writerow(["figure", "value"])
    for key in ("first_response", "resolution"):
        for part in ("median", "p90", "count"):
            w.writerow([f"{key}_{part}", _cell(data[key][part])])
    w.writerow(["time_zone", data["tz"]])
    w.writerow(["handoff_rate", _cell(data["handoff_rate"])])
    w.writerow(["load_to_open_rate", _cell(data["load_to_open_rate"])])
    w.writerow(["open_to_conversation_rate", _cell(data["open_to_conversation_rate"])])
    w.writerow(["load_to_conversation_rate", _cell(data["load_to_conversation_rate"])])
    w.writerow(["bot_resolution_rate", _cell(data["bot_resolution_rate"])])
    w.writerow(["csat", _cell(data["csat"]["rate"])])
    w.writerow(["suggestion_click_through", _cell(data["suggestions"]["click_through"])])
    return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


class AnalyticsRoutes(RoutesProvider):
    url_prefix: ClassVar[str | None] = "/api/v1/analytics"

    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_analytics", __name__)

        @endpoint(
            bp, "/summary", query=AnalyticsSummaryQuery, response=AnalyticsSummary, roles=("admin",),
            errors={"unknown_time_zone": 400},
        )  # fmt: skip
        def analytics_summary(query: dict[str, Any]) -> dict[str, Any]:
            """Conversations, messages, first-response and resolution times (median, p90),
            hand-off and bot resolution rates, CSAT, suggestion click-through and the busiest
            hours of a site (or every site) over a range of days (default: the last 30) in a
            time zone (``tz``, default UTC; an unknown one: 400 ``unknown_time_zone``)."""
            r = Range.from_query(query)
            session = current_context().db_session
            note_zone(session, r.tz)  # the job rolls this zone's days up from now on
            return _out(reports.summary(session, r))

        @bp.get("/export.csv")
        def export_csv() -> Response:
            raw = current_context().verify(request.args.get("token", ""))
            if raw is None:
                raise PluginError(
                    "This export link is invalid or has expired.", "link_expired", 403
                )
            stored = json.loads(raw)
            r = Range(
                int(stored["site_id"]) if "site_id" in stored else None,
                date.fromisoformat(stored["from"]),
                date.fromisoformat(stored["to"]),
                str(stored.get("tz", "UTC")),
            )
            return Response(
                to_csv(reports.summary(current_context().db_session, r)),
                mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="analytics.csv"'},
            )

        return bp
