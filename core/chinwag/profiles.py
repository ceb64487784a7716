"""What visitors see of an agent: a public name and an avatar, never the email.

An agent sets them on ``/api/v1/profile`` (:mod:`chinwag.api.profile`); the visitor's copies of
messages and conversations carry them (``actions.views``), so the widget names the agent on
their messages and in its typing line. Looked up when serialised, so a changed name shows on
the agent's earlier messages too; a process keeps what it read for :data:`PROFILE_TTL_SECONDS`
(a change it makes itself is seen at once), so the send path reads no account per message."""

from __future__ import annotations

import time
from typing import Any

from flask import has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from chinwag.extensions import db
from chinwag.models import Message, User
from chinwag.state import state

#: how long a process trusts a profile it read: a change made by this process is seen at once
#: (:func:`_forget_users`), one made by another process within this many seconds
PROFILE_TTL_SECONDS = 2.0
#: entries kept per app before the caches are cleared (each is a few dozen bytes)
CACHE_LIMIT = 10_000
_PROFILES = "profiles"  # user id -> ((name, avatar_url) or None: no account, read at)
_AUTHORS = "message_authors"  # message id -> author user id, of messages this process stored

Profile = tuple[str | None, str | None]


def public_name(user: User | None) -> str | None:
    """The display name, else the name; None (the widget then shows the team's name)."""
    if user is None:
        return None
    return _name(user.display_name, user.name)


def _name(display_name: str | None, name: str | None) -> str | None:
    return (display_name or "").strip() or (name or "").strip() or None


def _cache(key: str) -> dict[int, Any]:
    return state().extras.setdefault(key, {})  # type: ignore[no-any-return]


def profile(user_id: int) -> Profile | None:
    """``(public name, avatar_url)`` of an account, None if there is none: one small query per
    user and :data:`PROFILE_TTL_SECONDS`, not an ORM load per serialised message."""
    cache = _cache(_PROFILES)
    hit = cache.get(user_id)
    now = time.monotonic()
    if hit is not None and now - hit[1] < PROFILE_TTL_SECONDS:
        return hit[0]  # type: ignore[no-any-return]
    row = db.session.execute(
        select(User.display_name, User.name, User.avatar_url).where(User.id == user_id)
    ).first()
    found = None if row is None else (_name(row.display_name, row.name), row.avatar_url)
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    cache[user_id] = (found, now)
    return found


def remember_author(message_id: int, user_id: int | None) -> None:
    """Note who wrote a message this process just stored (the bus's ``StoredMessage`` carries
    no user id), so its fan-out need not read the row back."""
    if user_id is not None:
        authors = _cache(_AUTHORS)
        if len(authors) > CACHE_LIMIT:
            authors.clear()
        authors[message_id] = user_id


def _author_id(m: Any) -> int | None:
    if hasattr(m, "author_user_id"):
        return m.author_user_id  # type: ignore[no-any-return]
    known = _cache(_AUTHORS).get(m.id)
    if known is not None:
        return known  # type: ignore[no-any-return]
    return db.session.execute(select(Message.author_user_id).where(Message.id == m.id)).scalar()


def author_of(m: Any) -> Profile:
    """``(name, avatar_url)`` of a message's author as visitors see them. ``m`` is a stored
    message row or the bus's ``StoredMessage`` (which carries no user id: it is looked up)."""
    if m.author_kind != "agent":
        return m.author_name, None
    user_id = _author_id(m)
    found = profile(user_id) if user_id is not None else None
    if found is None:  # the account is gone: the name stored with the message, unless an email
        stored = (m.author_name or "").strip()
        return (stored if stored and "@" not in stored else None), None
    return found


def assignee_of(c: Any) -> Profile:
    """``(name, avatar_url)`` of the agent a conversation is assigned to, or ``(None, None)``."""
    if c.assignee_kind != "agent" or c.assignee_user_id is None:
        return None, None
    return profile(c.assignee_user_id) or (None, None)


@event.listens_for(Session, "after_flush")
def _forget_users(session: Session, _context: Any) -> None:
    """Any account this process writes (a profile, a rename, a deletion, by any path that uses
    a session) is read afresh by the next message."""
    changed = [
        o.id for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, User)
    ]
    if changed and has_app_context():
        cache = _cache(_PROFILES)
        for user_id in changed:
            cache.pop(user_id, None)
