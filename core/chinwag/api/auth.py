"""Agent and admin sign-in: password (argon2) with lockout, JWT access and refresh tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, g
from sqlalchemy import func, select

from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import User
from chinwag.schemas import LoginIn, RefreshIn, TokensOut, UserOut
from chinwag.security import issue_tokens, user_from_token, verify_password

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

LOCK_AFTER = 5
LOCK_MINUTES = 15


@endpoint(bp, "/login", methods=["POST"], body=LoginIn, response=TokensOut, roles=None)
def login(body: dict[str, Any]) -> Any:
    """Exchange email and password for tokens."""
    user = db.session.execute(
        select(User).where(func.lower(User.email) == body["email"].lower())
    ).scalar_one_or_none()
    now = datetime.now(UTC)
    if user is not None and user.locked_until and _aware(user.locked_until) > now:
        raise ApiError("account_locked", "Too many failed sign-ins; try again later.", 429)
    if user is None or user.disabled or not verify_password(user.password_hash, body["password"]):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= LOCK_AFTER:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
            db.session.commit()
        raise ApiError("invalid_credentials", "Email or password is wrong.", 401)
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return issue_tokens(user)


@endpoint(bp, "/refresh", methods=["POST"], body=RefreshIn, response=TokensOut, roles=None)
def refresh(body: dict[str, Any]) -> Any:
    """Exchange a refresh token for new tokens."""
    return issue_tokens(user_from_token(body["refresh_token"], "refresh"))


@endpoint(bp, "/me", response=UserOut, roles=("admin", "agent"))
def me() -> Any:
    """The signed-in user."""
    return g.user


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
