"""Saved inbox views over REST: each agent lists, saves and deletes their own named filter sets.

Views are the signed-in user's only: another user's view answers 404 like a missing one. A name
is unique per user (``409 view_exists``) and a user keeps at most
:data:`chinwag.saved_views.MAX_VIEWS` (``409 too_many_views``). Not audited: a view changes
nothing anyone else sees. Every change is pushed at once to the agent's own open ``/agent``
sockets (``saved_views.changed``: their other tabs and devices, in every process); the inbox
also re-reads the list when it regains focus, which heals a push missed while offline
(docs/admin.md, *Saved views*)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from chinwag import events as ev
from chinwag import rooms
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.saved_views import MAX_VIEWS, SavedView
from chinwag.schemas import MAX_INT, Strict
from chinwag.timefmt import UtcDateTime

bp = Blueprint("saved_views", __name__, url_prefix="/api/v1/inbox/views")

AGENT_ROLES = ("admin", "agent")
NAME = validate.Regexp(
    r"^[^\x00-\x1f\x7f]{1,40}$", error="Use 1 to 40 characters (no line breaks or tabs)."
)


#: a day as the inbox's date filter writes it (the length also refuses a trailing line break)
DAY = [
    validate.Length(max=10),
    validate.Regexp(r"^(\d{4}-\d{2}-\d{2})?$", error="Use YYYY-MM-DD."),
]


def _optional_id(description: str) -> fields.Integer:
    """A filter naming one row by id, or null for any."""
    return fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1, max=MAX_INT),
        metadata={"description": description},
    )


class ViewFilters(Strict):
    """The inbox list's filters, as in its URL; a missing one is the inbox's default."""

    assignee = fields.String(
        load_default="all", validate=validate.OneOf(["all", "mine", "unassigned"])
    )
    status = fields.String(
        load_default="open", validate=validate.OneOf(["open", "snoozed", "closed"])
    )
    q = fields.String(load_default="", validate=validate.Length(max=200))
    label = fields.String(load_default="", validate=validate.Length(max=100))
    team = _optional_id("A team's id; null: any team.")
    site = _optional_id("A site's id; null: any site.")
    since = fields.String(
        load_default="",
        validate=DAY,
        metadata={"description": "Started on or after this day (the agent's own time zone)."},
    )
    until = fields.String(
        load_default="",
        validate=DAY,
        metadata={"description": "Started on or before this day (the agent's own time zone)."},
    )


class ViewName(fields.String):
    """A view's name, surrounding spaces removed before it is checked."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class ViewIn(Strict):
    name = ViewName(required=True, validate=NAME, metadata={"description": "1 to 40 characters."})
    filters = fields.Nested(ViewFilters, required=True)


class ViewOut(Schema):
    id = fields.Integer()
    name = fields.String()
    filters = fields.Nested(ViewFilters)
    created_at = UtcDateTime()


def _exists(name: str) -> ApiError:
    return ApiError(
        "view_exists",
        f"You already have a view named {name}.",
        409,
        {"name": ["You already have a view with this name."]},
    )


def _mine() -> Any:
    return select(SavedView).where(SavedView.user_id == g.user.id)


@endpoint(bp, "", response=ViewOut, many=True, roles=AGENT_ROLES)
def list_views() -> Any:
    """The signed-in agent's saved views, oldest first (the order the inbox shows them)."""
    return db.session.execute(_mine().order_by(SavedView.id)).scalars().all()


@endpoint(
    bp,
    "",
    methods=["POST"],
    body=ViewIn,
    response=ViewOut,
    status=201,
    roles=AGENT_ROLES,
    errors=("too_many_views", "view_exists"),
)
def create(body: dict[str, Any]) -> Any:
    """Save the filters under a name (unique among the agent's views; at most 50 views)."""
    taken = db.session.execute(
        select(SavedView.id).where(SavedView.user_id == g.user.id, SavedView.name == body["name"])
    ).first()
    if taken:
        raise _exists(body["name"])
    count = db.session.execute(
        select(func.count()).select_from(SavedView).where(SavedView.user_id == g.user.id)
    ).scalar_one()
    if count >= MAX_VIEWS:
        raise ApiError(
            "too_many_views", f"You can keep at most {MAX_VIEWS} views: delete one first.", 409
        )
    row = SavedView(user_id=g.user.id, name=body["name"], filters=body["filters"])
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved at the same moment from another device
        db.session.rollback()
        raise _exists(body["name"]) from None
    _push()
    return row


def _push() -> None:
    """After a commit: the agent's views, at once, to every ``/agent`` socket of theirs (their
    other tabs and devices; nobody else's), as ``saved_views.changed {views}``."""
    views = db.session.execute(_mine().order_by(SavedView.id)).scalars().all()
    rooms.to_user(g.user.id, ev.SAVED_VIEWS_CHANGED, {"views": ViewOut(many=True).dump(views)})


@endpoint(
    bp, "/<int:view_id>", methods=["DELETE"], status=204, roles=AGENT_ROLES, errors=("not_found",)
)
def delete(view_id: int) -> Any:
    """Delete one of the agent's views."""
    row = db.session.execute(_mine().where(SavedView.id == view_id)).scalar_one_or_none()
    if row is None:
        raise ApiError("not_found", "No such saved view.", 404)
    db.session.delete(row)
    db.session.commit()
    _push()
    return None
