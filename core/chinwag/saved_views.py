"""Saved inbox views: an agent's named filter sets, kept on the server so every device shows them.

A view belongs to one user (deleting the user deletes their views, ``ON DELETE CASCADE``); its
name is unique per user and a user keeps at most :data:`MAX_VIEWS`. ``filters`` holds the
inbox's list filters as the inbox writes them in its URL (``assignee``, ``status``, ``q``,
``label``, ``team``); the REST schema in :mod:`chinwag.api.saved_views` validates them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chinwag_plugin_api import Model
from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chinwag.models import utcnow

#: how many views one user may keep
MAX_VIEWS = 50


class SavedView(Model):
    """One named filter set of one agent."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_views_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
