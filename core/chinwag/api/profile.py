"""The signed-in agent's public profile: the name and avatar visitors see in the widget.

Separate from ``/api/v1/users`` (which admins use to manage accounts): every agent edits their
own profile here, and nothing else of their account. ``/api/v1/profile/preferences`` holds the
agent's own preferences (the inbox's notifications: :mod:`chinwag.preferences`), so they follow
the agent to every browser; not audited, like saved views (they change nothing anyone else
sees)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, fields, validate

from chinwag import audit
from chinwag.api.base import endpoint
from chinwag.extensions import db
from chinwag.preferences import NOTIFY_EVENTS, preferences_of, save_preferences
from chinwag.profiles import public_name
from chinwag.schemas import Strict, StrictBool, web_url
from chinwag.timefmt import UtcDateTime

bp = Blueprint("profile", __name__, url_prefix="/api/v1/profile")


class ProfileIn(Strict):
    display_name = fields.String(
        allow_none=True,
        validate=validate.Length(max=80),
        metadata={"description": "What visitors see; empty or null: the account's name."},
    )
    avatar_url = web_url(allow_none=True)


class ProfileOut(Schema):
    display_name = fields.String(allow_none=True)
    avatar_url = fields.String(allow_none=True)
    public_name = fields.Function(
        public_name, metadata={"description": "The name visitors see (null: the team's name)."}
    )


@endpoint(bp, "", response=ProfileOut, roles=("admin", "agent"))
def show() -> Any:
    """The signed-in user's public profile."""
    return g.user


@endpoint(bp, "", methods=["PATCH"], body=ProfileIn, response=ProfileOut, roles=("admin", "agent"))
def update(body: dict[str, Any]) -> Any:
    """Change the name and avatar visitors see on this agent's messages and typing line."""
    user = g.user
    if "display_name" in body:
        user.display_name = (body["display_name"] or "").strip() or None
    if "avatar_url" in body:
        user.avatar_url = body["avatar_url"] or None
    audit.record(user, "user.profile", "user", user.id, **body)
    db.session.commit()
    return user


class NotificationPreferences(Strict):
    """What notifies the agent in the inbox (the announcements and the tab title always do)."""

    events = fields.String(
        required=True,
        validate=validate.OneOf(NOTIFY_EVENTS),
        metadata={
            "description": "all: every visitor message; new: new conversations and mentions "
            "of me; mentions: mentions of me only; off: nothing."
        },
    )
    sound = StrictBool(
        required=True, metadata={"description": "A short tone for each notification."}
    )
    desktop = StrictBool(
        required=True,
        metadata={"description": "Desktop notifications while the inbox is hidden."},
    )


class PreferencesIn(Strict):
    notifications = fields.Nested(NotificationPreferences, required=True)


class PreferencesOut(Schema):
    notifications = fields.Nested(NotificationPreferences)
    updated_at = UtcDateTime(
        allow_none=True, metadata={"description": "Last saved; null: never (the defaults)."}
    )


@endpoint(bp, "/preferences", response=PreferencesOut, roles=("admin", "agent"))
def show_preferences() -> Any:
    """The signed-in user's own preferences (the defaults until they save any)."""
    return preferences_of(g.user.id)


@endpoint(
    bp,
    "/preferences",
    methods=["PUT"],
    body=PreferencesIn,
    response=PreferencesOut,
    roles=("admin", "agent"),
)
def replace_preferences(body: dict[str, Any]) -> Any:
    """Replace the signed-in user's preferences (every field given: a PUT is the whole record)."""
    saved = save_preferences(g.user.id, body["notifications"])
    db.session.commit()
    return saved
