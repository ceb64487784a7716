"""What visitors see of an agent: a public name and an avatar, never the email.

An agent sets them on ``/api/v1/profile`` (:mod:`chinwag.api.profile`); the visitor's copies of
messages and conversations carry them (``actions.views``), so the widget names the agent on
their messages and in its typing line. Looked up when serialised, so a changed name shows on
the agent's earlier messages too (the row is in the session's identity map after the first)."""

from __future__ import annotations

from typing import Any

from chinwag.extensions import db
from chinwag.models import Message, User


def public_name(user: User | None) -> str | None:
    """The display name, else the name; None (the widget then shows the team's name)."""
    if user is None:
        return None
    return (user.display_name or "").strip() or (user.name or "").strip() or None


def author_of(m: Any) -> tuple[str | None, str | None]:
    """``(name, avatar_url)`` of a message's author as visitors see them. ``m`` is a stored
    message row or the bus's ``StoredMessage`` (which carries no user id: its row is read)."""
    if m.author_kind != "agent":
        return m.author_name, None
    user_id = getattr(m, "author_user_id", None)
    if user_id is None and not hasattr(m, "author_user_id"):
        row = db.session.get(Message, m.id)
        user_id = row.author_user_id if row is not None else None
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:  # the account is gone: the name stored with the message, unless an email
        stored = (m.author_name or "").strip()
        return (stored if stored and "@" not in stored else None), None
    return public_name(user), user.avatar_url


def assignee_of(c: Any) -> tuple[str | None, str | None]:
    """``(name, avatar_url)`` of the agent a conversation is assigned to, or ``(None, None)``."""
    if c.assignee_kind != "agent" or c.assignee_user_id is None:
        return None, None
    user = db.session.get(User, c.assignee_user_id)
    return public_name(user), user.avatar_url if user is not None else None
