"""Admin routes under ``/api/v1/plugins/chinwag-suggest``: list suggestions with their rates,
pin, hide and edit them (JSON, for admins), and the same three actions as plain HTML forms for
the plugin's admin page, authorised by a short-lived signed token the page embeds (the page's
HTML cannot run script to send the admin's bearer token)."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import (
    PluginContext,
    PluginError,
    RoutesProvider,
    RowId,
    StrictSchema,
    current_context,
    endpoint,
)
from flask import Blueprint, jsonify, redirect, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.exc import IntegrityError

from chinwag_suggest.models import Suggestion, question_key
from chinwag_suggest.pages import PAGE_CHIPS, chips_for, for_site, matches
from chinwag_suggest.stats import suggestion_stats

#: where the forms send the admin back to
ADMIN_PAGE = "/admin/plugins/chinwag-suggest/suggestions"
#: lifetime of the form tokens the admin page embeds
FORM_TOKEN_SECONDS = 3600


class ListQuery(StrictSchema):
    site_id = RowId()


class SuggestionOut(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    text = fields.String()
    source = fields.String()
    pinned = fields.Boolean()
    hidden = fields.Boolean()
    shown = fields.Integer()
    clicked = fields.Integer()
    resolved = fields.Integer()
    click_through = fields.Float()
    resolution_rate = fields.Float()


class MatchQuery(StrictSchema):
    site_id = RowId(required=True)
    url = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=2000), validate.Regexp(r"^(/|https?://)")],
    )


class MatchOut(Schema):
    rules = fields.List(fields.String())
    chips = fields.List(fields.String())


class SuggestionPatch(StrictSchema):
    pinned = fields.Boolean()
    hidden = fields.Boolean()
    text = fields.String(validate=validate.Length(min=1, max=200))


class FormIn(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(max=500))
    action = fields.String(
        required=True, validate=validate.OneOf(["pin", "unpin", "hide", "show", "edit"])
    )
    text = fields.String(validate=validate.Length(max=200))


def form_token(ctx: PluginContext, item_id: int) -> str:
    return ctx.sign(f"admin-form:{item_id}", FORM_TOKEN_SECONDS)


def change(ctx: PluginContext, item_id: int, changes: dict[str, Any]) -> Suggestion:
    """Pin, hide or edit one suggestion; a new text must not repeat another of the site's."""
    item = ctx.db_session.get(Suggestion, item_id)
    if item is None:
        raise PluginError("No such suggestion.", "not_found", 404)
    for flag in ("pinned", "hidden"):
        if flag in changes:
            setattr(item, flag, bool(changes[flag]))
    if "text" in changes:
        text = " ".join(str(changes["text"]).split())
        if not text:
            raise PluginError("A suggestion needs some text.", "validation_error", 400)
        item.text, item.key = text, question_key(text)
    try:
        ctx.db_session.commit()
    except IntegrityError:
        ctx.db_session.rollback()
        raise PluginError("The site already has that suggestion.", "duplicate", 409) from None
    return item


def _out(ctx: PluginContext, item_id: int) -> Any:
    return next(s for s in suggestion_stats(ctx.db_session) if s.id == item_id)


class SuggestRoutes(RoutesProvider):
    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_suggest", __name__)

        @endpoint(bp, "/suggestions", query=ListQuery, response=SuggestionOut, many=True)
        def list_suggestions(query: dict[str, Any]) -> Any:
            """Every suggestion with its click-through and resolution rate (admins)."""
            return suggestion_stats(current_context().db_session, query.get("site_id"))

        @endpoint(bp, "/pages/match", query=MatchQuery, response=MatchOut)
        def match_page(query: dict[str, Any]) -> Any:
            """The page rules and chips a visitor on ``url`` of ``site_id`` gets (admins: try
            the rules before saving them in the plugin's settings)."""
            ctx = current_context()
            site_rules = for_site(ctx.settings["pages"], query["site_id"])
            return {
                "rules": [r["url"] for r in site_rules if matches(r, query["url"])],
                "chips": chips_for(site_rules, query["site_id"], query["url"], PAGE_CHIPS),
            }

        @endpoint(
            bp,
            "/suggestions/<int:item_id>",
            methods=["PATCH"],
            body=SuggestionPatch,
            response=SuggestionOut,
        )
        def patch_suggestion(item_id: int, body: dict[str, Any]) -> Any:
            """Pin, hide or edit a suggestion (admins)."""
            ctx = current_context()
            change(ctx, item_id, body)
            return _out(ctx, item_id)

        @bp.post("/suggestions/<int:item_id>/form")
        def form_action(item_id: int) -> Any:
            """The admin page's forms: the signed token stands for the admin who saw the page."""
            ctx = current_context()
            try:
                data = FormIn().load(request.form.to_dict())
            except ValidationError as err:
                return _error("validation_error", "Check the form.", 400, err.normalized_messages())
            if ctx.verify(data["token"]) != f"admin-form:{item_id}":
                return _error("forbidden", "This form has expired: reload the page.", 403)
            changes: dict[str, Any] = {
                "pin": {"pinned": True},
                "unpin": {"pinned": False},
                "hide": {"hidden": True},
                "show": {"hidden": False},
                "edit": {"text": data.get("text", "")},
            }[data["action"]]
            try:
                change(ctx, item_id, changes)
            except PluginError as err:
                return _error(err.code, str(err), err.status)
            return redirect(ADMIN_PAGE, code=303)

        return bp


def _error(code: str, message: str, status: int, details: Any = None) -> Any:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return jsonify({"error": body}), status
