"""Agent and admin sign-in: password (argon2) with lockout and limits on failures
(:mod:`chinwag.api.signin_limits`), JWT access and refresh tokens.

Two ways to hold a session:

- API clients send ``{email, password}`` and keep both tokens themselves.
- The web admin sends ``{..., "session": true}``: the refresh token then lives only in an
  HttpOnly, SameSite=Strict cookie (``Secure`` on https) scoped to ``/api/v1/auth``, and the
  admin's JavaScript trades it for short-lived access tokens at ``POST /refresh``. Because the
  browser attaches that cookie by itself, the cookie paths (refresh, logout) also require the
  double-submit CSRF header ``X-CSRF-Token`` equal to the readable ``chinwag_csrf`` cookie, and a
  same-origin ``Origin`` when the browser sends one. Every other endpoint authenticates by bearer
  token only, which a cross-site form cannot attach, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, after_this_request, current_app, g, request
from marshmallow import fields, validate
from sqlalchemy import func, select

from chinwag import audit
from chinwag.actions import users
from chinwag.api import signin_limits
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import User
from chinwag.schemas import LoginIn, Strict, StrictBool, TokensOut, UserOut
from chinwag.security import issue_tokens, user_from_token, verify_password
from chinwag.visitors import own_origin

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

LOCK_AFTER = 5
LOCK_MINUTES = 15
REFRESH_COOKIE = "chinwag_refresh"
CSRF_COOKIE = "chinwag_csrf"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/api/v1/auth"
MIN_PASSWORD = 8


class SessionLoginIn(LoginIn):
    session = StrictBool(load_default=False)


class SessionRefreshIn(Strict):
    refresh_token = fields.String()


class LogoutIn(Strict):
    everywhere = StrictBool(load_default=False)


class AcceptInviteIn(Strict):
    token = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=MIN_PASSWORD, max=1024)
    )


def _secure() -> bool:
    """``Secure`` cookies: ``CHINWAG_COOKIE_SECURE`` true/false, or (auto) on https."""
    chosen = str(current_app.config.get("CHINWAG_COOKIE_SECURE") or "auto").lower()
    if chosen in ("true", "false"):
        return chosen == "true"
    public = current_app.config.get("CHINWAG_PUBLIC_URL") or ""
    return request.is_secure or public.startswith("https://")


def start_cookie_session(user: User) -> dict[str, Any]:
    """Issue tokens and put the refresh token in the session cookies of this response.

    Returns the token body without the refresh token (JavaScript never sees it)."""
    tokens = issue_tokens(user)
    refresh_token = tokens.pop("refresh_token")
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    max_age = current_app.config["CHINWAG_REFRESH_TOKEN_DAYS"] * 86400
    secure = _secure()

    @after_this_request
    def _cookies(response: Response) -> Response:
        response.set_cookie(
            REFRESH_COOKIE,
            refresh_token,
            max_age=max_age,
            path=COOKIE_PATH,
            httponly=True,
            secure=secure,
            samesite="Strict",
        )
        response.set_cookie(
            CSRF_COOKIE, csrf, max_age=max_age, path="/", secure=secure, samesite="Strict"
        )
        return response

    return tokens


def _clear_cookies() -> None:
    secure = _secure()

    @after_this_request
    def _clear(response: Response) -> Response:
        response.delete_cookie(
            REFRESH_COOKIE, path=COOKIE_PATH, httponly=True, secure=secure, samesite="Strict"
        )
        response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="Strict")
        return response


def _check_csrf() -> None:
    """Double-submit check for requests the browser authenticates by cookie."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != own_origin():
        raise ApiError("csrf_failed", "Cross-site request refused.", 403)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), header.encode()):
        raise ApiError("csrf_failed", "Missing or wrong CSRF token.", 403)


@endpoint(
    bp,
    "/login",
    methods=["POST"],
    body=SessionLoginIn,
    response=TokensOut,
    roles=None,
    errors=("account_locked", "invalid_credentials"),
)
def login(body: dict[str, Any]) -> Any:
    """Exchange email and password for tokens (``session: true``: refresh token in a cookie)."""
    user = db.session.execute(
        select(User).where(func.lower(User.email) == body["email"].lower())
    ).scalar_one_or_none()
    now = datetime.now(UTC)
    email, address = body["email"], request.remote_addr
    signin_limits.check(address, email)  # before any work: 429 rate_limited, not audited
    if user is not None and user.locked_until and _aware(user.locked_until) > now:
        signin_limits.failed(address, email)
        audit.sign_in(user, email, "password", address, "account_locked")
        raise ApiError("account_locked", "Too many failed sign-ins; try again later.", 429)
    if user is None or user.disabled or not verify_password(user.password_hash, body["password"]):
        signin_limits.failed(address, email)
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= LOCK_AFTER:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
        audit.sign_in(user, email, "password", address, "invalid_credentials")  # commits
        raise ApiError("invalid_credentials", "Email or password is wrong.", 401)
    user.failed_logins = 0
    user.locked_until = None
    audit.sign_in(user, user.email, "password", address)  # commits
    if body["session"]:
        return start_cookie_session(user)
    return issue_tokens(user)


@endpoint(
    bp,
    "/refresh",
    methods=["POST"],
    body=SessionRefreshIn,
    response=TokensOut,
    roles=None,
    errors=("csrf_failed", "auth_required", "token_invalid", "token_expired", "token_revoked"),
)
def refresh(body: dict[str, Any]) -> Any:
    """New tokens for a refresh token: from the body, or from the session cookie (CSRF header)."""
    if body.get("refresh_token"):
        return issue_tokens(user_from_token(body["refresh_token"], "refresh"))
    _check_csrf()
    try:
        user = user_from_token(request.cookies.get(REFRESH_COOKIE), "refresh")
    except ApiError:
        _clear_cookies()
        raise
    return start_cookie_session(user)


@endpoint(
    bp, "/logout", methods=["POST"], body=LogoutIn, status=204, roles=None, errors=("csrf_failed",)
)
def logout(body: dict[str, Any]) -> Any:
    """End the cookie session; ``everywhere`` also revokes every token of the user."""
    _check_csrf()
    if body["everywhere"]:
        try:
            user = user_from_token(request.cookies.get(REFRESH_COOKIE), "refresh")
        except ApiError:
            user = None
        if user is not None:
            users.sign_out_everywhere(user)
    _clear_cookies()
    return None, 204


@endpoint(
    bp,
    "/accept-invite",
    methods=["POST"],
    body=AcceptInviteIn,
    response=UserOut,
    roles=None,
    errors=("token_invalid", "token_expired", "token_revoked"),
)
def accept_invite(body: dict[str, Any]) -> Any:
    """Set the password of an invited user; the invitation link then stops working."""
    return users.accept_invite(user_from_token(body["token"], "invite"), body["password"])


@endpoint(bp, "/me", response=UserOut, roles=("admin", "agent"))
def me() -> Any:
    """The signed-in user."""
    return g.user


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
