"""The signed-in agent's public profile: the name and avatar visitors see in the widget.

Separate from ``/api/v1/users`` (which admins use to manage accounts): every agent edits their
own profile here, and nothing else of their account."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, fields, validate

from chinwag import audit
from chinwag.api.base import endpoint
from chinwag.extensions import db
from chinwag.profiles import public_name
from chinwag.schemas import Strict, web_url

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
