"""Users (admins and agents): invite or create, change role, disable. Admins only.

The changes themselves are :mod:`chinwag.actions.users` (shared with the CLI and
``chinwag.testing``); this module validates the request and shapes the answer. Disabling a user or taking away their admin role bumps ``token_version``: every access and
refresh token issued before is refused from the next request or socket event on, and the
``/agent`` sweeper disconnects their open sockets within seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from chinwag import availability
from chinwag.actions import users as actions
from chinwag.actions.users import ROLES
from chinwag.api.base import endpoint
from chinwag.extensions import db
from chinwag.models import User
from chinwag.schemas import Strict, StrictBool, UserOut

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")


class UserIn(Strict):
    email = fields.Email(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    role = fields.String(load_default="agent", validate=validate.OneOf(ROLES))
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=1024))
    email_confirmed = StrictBool(
        load_default=False,
        metadata={"description": "The admin vouches that the address belongs to this person."},
    )


class UserPatch(Strict):
    name = fields.String(validate=validate.Length(max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    disabled = StrictBool()
    email_confirmed = StrictBool(
        metadata={"description": "Confirmed emails let OpenID Connect sign-in link the account."}
    )


class ActiveUserOut(Schema):
    """What an agent may know of a colleague: enough to hand a conversation over."""

    id = fields.Integer()
    name = fields.Function(lambda u: u.name or u.email)
    role = fields.String()


class AdminUserOut(UserOut):
    email_confirmed = StrictBool()
    has_password = fields.Function(lambda u: bool(u.password_hash))
    locked = fields.Function(
        lambda u: bool(u.locked_until and _aware(u.locked_until) > datetime.now(UTC))
    )


class CreatedUserOut(AdminUserOut):
    invite_url = fields.String(allow_none=True)
    invite_token = fields.String(allow_none=True)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@endpoint(bp, "", response=AdminUserOut, many=True)
def list_users() -> Any:
    """Every user."""
    return db.session.execute(select(User).order_by(User.id)).scalars().all()


@endpoint(
    bp,
    "",
    methods=["POST"],
    body=UserIn,
    response=CreatedUserOut,
    status=201,
    errors=("user_exists",),
)
def create(body: dict[str, Any]) -> Any:
    """Create a user; without a password the response carries a 7-day invitation link."""
    password = body.get("password")
    user = actions.create_user(
        body["email"],
        name=body["name"],
        role=body["role"],
        password=password,
        email_confirmed=body["email_confirmed"],
        actor=g.user,
    )
    token = None if password else actions.invite_token(user)
    out = SimpleNamespace(
        **{c.key: getattr(user, c.key) for c in User.__table__.columns},
        invite_token=token,
        invite_url=actions.invite_url(token) if token else None,
    )
    return out, 201


@endpoint(bp, "/active", response=ActiveUserOut, many=True, roles=("admin", "agent"))
def active() -> Any:
    """Enabled users (id, display name, role): whom an agent can assign a conversation to."""
    stmt = select(User).where(User.disabled.is_(False)).order_by(func.lower(User.name), User.id)
    return db.session.execute(stmt).scalars().all()


@endpoint(bp, "/<int:user_id>", response=AdminUserOut, errors=("not_found",))
def get(user_id: int) -> Any:
    """One user."""
    return actions.get_user(user_id)


@endpoint(
    bp,
    "/<int:user_id>",
    methods=["PATCH"],
    body=UserPatch,
    response=AdminUserOut,
    errors=("cannot_change_self", "not_found"),
)
def patch(user_id: int, body: dict[str, Any]) -> Any:
    """Rename, change role, disable or re-enable; revoking access revokes every token."""
    return actions.update_user(actions.get_user(user_id), body, actor=g.user)


# -- availability (chinwag.availability; docs/admin.md "Availability") --------------------------


class AvailabilityIn(Strict):
    status = fields.String(required=True, validate=validate.OneOf(availability.CHOICES))


class AvailabilityOut(Schema):
    status = fields.String(metadata={"enum": list(availability.STATUSES)})
    choice = fields.String(metadata={"enum": list(availability.CHOICES)})
    idle = StrictBool(metadata={"description": "Away because nothing came from the agent."})


class UserAvailabilityOut(Schema):
    user_id = fields.Integer()
    status = fields.String(metadata={"enum": list(availability.STATUSES)})


@endpoint(bp, "/me/availability", response=AvailabilityOut, roles=("admin", "agent"))
def my_availability() -> Any:
    """The signed-in agent's availability: what they chose and what visitors see."""
    return availability.describe(g.user.id)


@endpoint(
    bp,
    "/me/availability",
    methods=["PUT"],
    body=AvailabilityIn,
    response=AvailabilityOut,
    roles=("admin", "agent"),
)
def set_my_availability(body: dict[str, Any]) -> Any:
    """Choose ``online`` or ``away`` (offline follows from closing every inbox)."""
    return availability.choose(g.user.id, body["status"])


@endpoint(bp, "/me/activity", methods=["POST"], status=204, roles=("admin", "agent"))
def my_activity() -> Any:
    """The inbox saw the agent work (a key, a click): ends an automatic away."""
    availability.active(g.user.id)
    return None, 204


@endpoint(bp, "/availability", response=UserAvailabilityOut, many=True, roles=("admin", "agent"))
def every_availability() -> Any:
    """Every enabled user's availability."""
    stmt = select(User.id).where(User.disabled.is_(False)).order_by(User.id)
    now = availability.statuses(list(db.session.execute(stmt).scalars()))
    return [{"user_id": uid, "status": status} for uid, status in now.items()]
