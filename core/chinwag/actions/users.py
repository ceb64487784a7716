"""User changes (admins and agents): create or invite, rename, change role, disable, confirm an
email, accept an invitation, sign out everywhere.

The REST API (api/users.py, api/auth.py, api/oauth.py), the CLI (``chinwag users create``,
``chinwag demo``) and ``chinwag.testing.create_user`` all call these, so a user made any way is
audited the same and announced the same: each change is audited in its own transaction and
``user.changed`` is emitted after the commit.

Taking access away (disabling a user, demoting an admin, signing out everywhere) bumps
``token_version``: every token issued before is refused from the next request or socket event
on, and the user's open sockets are dropped in every process (:mod:`chinwag.revocation`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from chinwag_plugin_api.events import UserChanged
from sqlalchemy import func, select

from chinwag import audit, revocation
from chinwag.actions.base import actor_of, config, emit
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import User
from chinwag.security import ALGORITHM, hash_password

ROLES = ("admin", "agent")
INVITE_DAYS = 7


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError("not_found", "No such user.", 404)
    return user


def find_user(email: str) -> User | None:
    """The user with this email, in any case."""
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return db.session.execute(stmt).scalar_one_or_none()


def create_user(
    email: str,
    *,
    name: str = "",
    role: str = "agent",
    password: str | None = None,
    email_confirmed: bool = False,
    actor: User | None = None,
    via: str | None = None,
) -> User:
    """Create a user; without a password they are invited (:func:`invite_token`) or sign in
    through OpenID Connect. ``via`` names a path other than the admin's or the CLI's (``oidc``)
    in the audit entry. Raises ``user_exists`` (409) for an email in use, in any case."""
    if role not in ROLES:
        raise ApiError("validation_error", f"role must be one of {', '.join(ROLES)}.", 400)
    email = email.strip().lower()
    if find_user(email) is not None:
        raise ApiError("user_exists", "A user with this email exists.", 409)
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(password) if password else None,
        email_confirmed=email_confirmed,
        token_version=0,
    )
    db.session.add(user)
    db.session.flush()
    details: dict[str, Any] = {"email": email, "role": role, "email_confirmed": email_confirmed}
    if via is not None:
        details["via"] = via
    audit.record(actor, "user.create", "user", user.id, **details)
    db.session.commit()
    emit(UserChanged(None, user_id=user.id, action="created", by=actor_of(actor)))
    return user


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
    return jwt.encode(claims, config("SECRET_KEY"), algorithm=ALGORITHM)


def invite_url(token: str) -> str:
    """Where the invited user sets their password (the admin's invite page)."""
    base = (config("CHINWAG_PUBLIC_URL") or "").rstrip("/")
    return f"{base}/admin/invite#token={token}"


def update_user(user: User, changes: dict[str, Any], actor: User | None = None) -> User:
    """Rename, change role, disable or re-enable, confirm or unconfirm the email. Nobody may
    disable or demote themselves (``cannot_change_self``, 409); revoking access revokes every
    token and drops the user's sockets. Nothing changed: nothing audited or emitted."""
    if "role" in changes and changes["role"] not in ROLES:
        raise ApiError("validation_error", f"role must be one of {', '.join(ROLES)}.", 400)
    if (
        actor is not None
        and user.id == actor.id
        and (changes.get("disabled") or changes.get("role", "admin") != "admin")
    ):
        raise ApiError("cannot_change_self", "You cannot disable or demote yourself.", 409)
    revoke = (changes.get("disabled") is True and not user.disabled) or (
        changes.get("role") == "agent" and user.role == "admin"
    )
    changed = {k: v for k, v in changes.items() if getattr(user, k) != v}
    for key, value in changed.items():
        setattr(user, key, value)
    if revoke:
        user.token_version += 1
    if changed:
        action = "user.update"
        if "disabled" in changed:
            action = "user.disable" if changed["disabled"] else "user.enable"
        elif set(changed) == {"email_confirmed"}:
            action = "user.confirm_email" if changed["email_confirmed"] else "user.unconfirm_email"
        audit.record(actor, action, "user", user.id, email=user.email, **changed)
    db.session.commit()
    if revoke:  # their open sockets go now, in every process, not at the next re-check
        revocation.revoke("agent", [user.id])
    if changed:
        kind = "disabled" if changed.get("disabled") else "updated"
        emit(UserChanged(None, user_id=user.id, action=kind, by=actor_of(actor)))
    return user


def confirm_email(user: User) -> User:
    """An invited account's address was proven by an OpenID Connect provider."""
    if user.email_confirmed:
        return user
    user.email_confirmed = True
    audit.record(user, "user.confirm_email", "user", user.id, email=user.email, via="oidc")
    db.session.commit()
    emit(UserChanged(None, user_id=user.id, action="updated", by=actor_of(user)))
    return user


def accept_invite(user: User, password: str) -> User:
    """Set an invited user's password; the invitation (and any token before it) stops working."""
    user.password_hash = hash_password(password)
    user.email_confirmed = True  # the invitation reached this address
    user.token_version += 1
    audit.record(user, "user.accept_invite", "user", user.id)
    db.session.commit()
    emit(UserChanged(None, user_id=user.id, action="updated", by=actor_of(user)))
    return user


def sign_out_everywhere(user: User) -> None:
    """Revoke every token of the user and drop their open sockets, in every process."""
    user.token_version += 1
    db.session.commit()
    revocation.revoke("agent", [user.id])
