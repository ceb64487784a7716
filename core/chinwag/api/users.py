"""Users (admins and agents): invite or create, change role, disable. Admins only.

Disabling a user or taking away their admin role bumps ``token_version``: every access and
refresh token issued before is refused from the next request or socket event on, and the
``/agent`` sweeper disconnects their open sockets within seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import jwt
from chinwag_plugin_api.events import UserChanged
from flask import Blueprint, current_app, g
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from chinwag import audit, revocation
from chinwag.actions import actor_of, emit
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import User
from chinwag.schemas import Strict, StrictBool, UserOut
from chinwag.security import ALGORITHM, hash_password

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")

ROLES = ("admin", "agent")
INVITE_DAYS = 7


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


def invite_token(user: User) -> str:
    """A one-use link token: valid until the password is set (that bumps ``token_version``)."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "typ": "invite",
        "iat": now,
        "exp": now + timedelta(days=INVITE_DAYS),
    }
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)


def _get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError("not_found", "No such user.", 404)
    return user


@endpoint(bp, "", response=AdminUserOut, many=True)
def list_users() -> Any:
    """Every user."""
    return db.session.execute(select(User).order_by(User.id)).scalars().all()


@endpoint(bp, "", methods=["POST"], body=UserIn, response=CreatedUserOut, status=201)
def create(body: dict[str, Any]) -> Any:
    """Create a user; without a password the response carries a 7-day invitation link."""
    email = body["email"].lower()
    exists = db.session.execute(
        select(User.id).where(func.lower(User.email) == email)
    ).scalar_one_or_none()
    if exists is not None:
        raise ApiError("user_exists", "A user with this email exists.", 409)
    password = body.get("password")
    user = User(
        email=email,
        name=body["name"],
        role=body["role"],
        password_hash=hash_password(password) if password else None,
        email_confirmed=body["email_confirmed"],
        token_version=0,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        g.user,
        "user.create",
        "user",
        user.id,
        email=email,
        role=user.role,
        email_confirmed=user.email_confirmed,
    )
    db.session.commit()
    emit(UserChanged(None, user_id=user.id, action="created", by=actor_of(g.user)))
    out = SimpleNamespace(
        **{c.key: getattr(user, c.key) for c in User.__table__.columns},
        invite_token=None,
        invite_url=None,
    )
    if not password:
        base = (current_app.config.get("CHINWAG_PUBLIC_URL") or "").rstrip("/")
        out.invite_token = invite_token(user)
        out.invite_url = f"{base}/admin/invite#token={out.invite_token}"
    return out, 201


@endpoint(bp, "/active", response=ActiveUserOut, many=True, roles=("admin", "agent"))
def active() -> Any:
    """Enabled users (id, display name, role): whom an agent can assign a conversation to."""
    stmt = select(User).where(User.disabled.is_(False)).order_by(func.lower(User.name), User.id)
    return db.session.execute(stmt).scalars().all()


@endpoint(bp, "/<int:user_id>", response=AdminUserOut)
def get(user_id: int) -> Any:
    """One user."""
    return _get(user_id)


@endpoint(bp, "/<int:user_id>", methods=["PATCH"], body=UserPatch, response=AdminUserOut)
def patch(user_id: int, body: dict[str, Any]) -> Any:
    """Rename, change role, disable or re-enable; revoking access revokes every token."""
    user = _get(user_id)
    if user.id == g.user.id and (body.get("disabled") or body.get("role", "admin") != "admin"):
        raise ApiError("cannot_change_self", "You cannot disable or demote yourself.", 409)
    revoke = (body.get("disabled") is True and not user.disabled) or (
        body.get("role") == "agent" and user.role == "admin"
    )
    changes = {k: v for k, v in body.items() if getattr(user, k) != v}
    for key, value in changes.items():
        setattr(user, key, value)
    if revoke:
        user.token_version += 1
    if changes:
        action = "user.update"
        if "disabled" in changes:
            action = "user.disable" if changes["disabled"] else "user.enable"
        elif set(changes) == {"email_confirmed"}:
            action = "user.confirm_email" if changes["email_confirmed"] else "user.unconfirm_email"
        audit.record(g.user, action, "user", user.id, email=user.email, **changes)
    db.session.commit()
    if revoke:  # their open sockets go now, in every process, not at the next re-check
        revocation.revoke("agent", [user.id])
    if changes:
        change = "disabled" if changes.get("disabled") else "updated"
        emit(UserChanged(None, user_id=user.id, action=change, by=actor_of(g.user)))
    return user
