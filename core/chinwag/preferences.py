"""Each agent's own preferences, kept on the server so every browser and device has them.

One row per user (``user_preferences``, deleted with its user: ``ON DELETE CASCADE``); a user
without a row has :data:`NOTIFY_DEFAULTS`. Today it holds the inbox's notification
preferences: which news notifies the agent (``notify_events``, one of :data:`NOTIFY_EVENTS`), a
sound, desktop notifications while the inbox is hidden. The REST schema in
:mod:`chinwag.api.profile` validates them; the inbox keeps a copy in ``localStorage`` only as a
cache for its first paint and for a server it cannot reach.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chinwag_plugin_api import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chinwag.extensions import db
from chinwag.models import utcnow

#: what may notify an agent: every visitor message, new conversations and mentions of them,
#: mentions only, nothing
NOTIFY_EVENTS = ("all", "new", "mentions", "off")
NOTIFY_DEFAULTS: dict[str, Any] = {"events": "all", "sound": False, "desktop": True}


class UserPreferences(Model):
    """One user's preferences (absent: the defaults)."""

    __tablename__ = "user_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    notify_events: Mapped[str] = mapped_column(String(16), default="all")
    notify_sound: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_desktop: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def preferences_of(user_id: int) -> dict[str, Any]:
    """The user's preferences as the API shows them; ``updated_at`` is null until first saved."""
    row = db.session.get(UserPreferences, user_id)
    if row is None:
        return {"notifications": dict(NOTIFY_DEFAULTS), "updated_at": None}
    return {
        "notifications": {
            "events": row.notify_events,
            "sound": row.notify_sound,
            "desktop": row.notify_desktop,
        },
        "updated_at": row.updated_at,
    }


def save_preferences(user_id: int, notifications: dict[str, Any]) -> dict[str, Any]:
    """Replace the user's preferences (the caller commits)."""
    row = db.session.get(UserPreferences, user_id)
    if row is None:
        row = UserPreferences(user_id=user_id)
        db.session.add(row)
    row.notify_events = notifications["events"]
    row.notify_sound = notifications["sound"]
    row.notify_desktop = notifications["desktop"]
    row.updated_at = utcnow()
    db.session.flush()
    return preferences_of(user_id)
