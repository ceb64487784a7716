"""Passwords (argon2), agent JWTs and visitor tokens.

Tokens are HS256 JWTs with the algorithm pinned; every use re-checks the user (disabled,
``token_version``), so revocation takes effect on the next request or socket event.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import User

#: ``CHINWAG_PASSWORD_HASHING`` -> hasher; a hash carries its own parameters, so either verifies
#: any stored hash (a test suite's cheap hashes cost a fraction of a millisecond, not 100 ms)
_HASHERS = {
    "standard": PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY),
    "cheapest": PasswordHasher.from_parameters(profiles.CHEAPEST),
}
ALGORITHM = "HS256"


def _hasher() -> PasswordHasher:
    return _HASHERS.get(
        str(current_app.config.get("CHINWAG_PASSWORD_HASHING")), _HASHERS["standard"]
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # spend the same time as a real check so unknown accounts cannot be told apart
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_tokens(user: User) -> dict[str, Any]:
    """Access and refresh tokens for a user."""
    cfg = current_app.config
    now = datetime.now(UTC)
    base = {"sub": str(user.id), "ver": user.token_version, "role": user.role, "iat": now}
    access = {
        **base,
        "typ": "access",
        "exp": now + timedelta(minutes=cfg["CHINWAG_ACCESS_TOKEN_MINUTES"]),
    }
    refresh = {
        **base,
        "typ": "refresh",
        "exp": now + timedelta(days=cfg["CHINWAG_REFRESH_TOKEN_DAYS"]),
    }
    key = cfg["SECRET_KEY"]
    return {
        "access_token": jwt.encode(access, key, algorithm=ALGORITHM),
        "refresh_token": jwt.encode(refresh, key, algorithm=ALGORITHM),
        "token_type": "Bearer",
        "expires_in": cfg["CHINWAG_ACCESS_TOKEN_MINUTES"] * 60,
    }


def user_from_token(token: str | None, typ: str = "access") -> User:
    """The active user a token belongs to, or ApiError 401."""
    if not token:
        raise ApiError("auth_required", "Sign in first.", 401)
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "typ"]},
        )
    except jwt.ExpiredSignatureError:
        raise ApiError("token_expired", "The token has expired.", 401) from None
    except jwt.PyJWTError:
        raise ApiError("token_invalid", "The token is not valid.", 401) from None
    if claims.get("typ") != typ:
        raise ApiError("token_invalid", "The token is not valid.", 401)
    user = db.session.get(User, int(claims["sub"]))
    if user is None or user.disabled or user.token_version != claims.get("ver"):
        raise ApiError("token_revoked", "The token has been revoked.", 401)
    return user


def new_visitor_token() -> str:
    """A visitor token: 256 random bits. Only its SHA-256 is stored."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_site_key() -> str:
    return "site_" + secrets.token_urlsafe(16)


def new_identity_secret() -> str:
    return secrets.token_urlsafe(32)
